"""``Graph``: a doubly linked list of ``Node``s, and the Python code it stands for.

``Graph.python_code`` writes the ``forward`` a ``GraphModule`` runs, in PyTorch's form: one line
per Node, each value set to ``None`` after its last use, operators as Python operators,
torchlike's functions under their PyTorch names (``torch.cat``, ``torch.nn.functional.relu``) with
``torch`` bound to torchlike, any other callable as a global.
"""

from __future__ import annotations

import builtins
import copy
import enum
import inspect
import keyword
import math
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import _torch_ops
from .node import Argument, Node, Target, _get_qualified_name, _is_operator, _type_repr, map_arg

_LEGAL_OPS = ("call_function", "call_method", "get_attr", "call_module", "placeholder", "output")

REFLECTABLE_MAGIC_METHODS = {
    "add": "{} + {}",
    "sub": "{} - {}",
    "mul": "{} * {}",
    "floordiv": "{} // {}",
    "truediv": "{} / {}",
    "div": "{} / {}",
    "mod": "{} % {}",
    "pow": "{} ** {}",
    "lshift": "{} << {}",
    "rshift": "{} >> {}",
    "and_": "{} & {}",
    "or_": "{} | {}",
    "xor": "{} ^ {}",
    "getitem": "{}[{}]",
    "matmul": "{} @ {}",
}
MAGIC_METHODS = {
    "eq": "{} == {}",
    "ne": "{} != {}",
    "lt": "{} < {}",
    "gt": "{} > {}",
    "le": "{} <= {}",
    "ge": "{} >= {}",
    "pos": "+{}",
    "neg": "-{}",
    "invert": "~{}",
    **REFLECTABLE_MAGIC_METHODS,
}
INPLACE_METHODS = {
    "iadd": "{} += {}",
    "iand": "{} &= {}",
    "ifloordiv": "{} //= {}",
    "ilshift": "{} <<= {}",
    "imod": "{} %= {}",
    "imul": "{} *= {}",
    "imatmul": "{} @= {}",
    "ior": "{} |= {}",
    "ipow": "{} **= {}",
    "irshift": "{} >>= {}",
    "isub": "{} -= {}",
    "itruediv": "{} /= {}",
    "ixor": "{} ^= {}",
    "setitem": "{}[{}] = {}",
}


def _custom_builtins() -> dict[str, Any]:
    """Names every generated ``forward`` sees (PyTorch's list; ``torch`` is torchlike)."""
    import torchlike

    return {"inf": math.inf, "nan": math.nan, "NoneType": type(None), "torch": torchlike,
            "device": torchlike.device}  # fmt: skip


# Names a value may not take (keywords, builtins, the names above), unless it is that object.
_illegal_names: dict[str, Any] = {k: object() for k in keyword.kwlist}
_illegal_names.update(builtins.__dict__)
_illegal_names.update(_custom_builtins())

_snake_case_sub = re.compile(r"(?<=[a-z])([A-Z])")
_illegal_char_regex = re.compile("[^0-9a-zA-Z_]+")
_name_regex = re.compile(r"^([a-zA-Z_][0-9a-zA-Z_]*?)(?:_(\d+))?$")


def _snake_case(s: str) -> str:
    """``pascalCase`` -> ``pascal_case``; ``ALL_CAPS`` -> ``all_caps``."""
    return _snake_case_sub.sub(r"_\1", s).lower()


def _is_magic(x: str) -> bool:
    return x.startswith("__") and x.endswith("__")


class _Namespace:
    """Unique, legal Python names for objects: a name never repeats and never shadows a builtin
    or keyword (``max`` becomes ``max_1``), unless the object is that builtin."""

    def __init__(self) -> None:
        self._obj_to_name: dict[Any, str] = {}
        self._used_names: set[str] = set()
        self._base_count: dict[str, int] = {}

    def create_name(self, candidate: str, obj: Any | None) -> str:
        if obj is not None and obj in self._obj_to_name:
            return self._obj_to_name[obj]
        match = _name_regex.match(candidate)
        if match is None:
            candidate = _illegal_char_regex.sub("_", candidate) or "_unnamed"
            if candidate[0].isdigit():
                candidate = f"_{candidate}"
            match = _name_regex.match(candidate)
        base, num = match.group(1, 2)
        if num is None or candidate in self._used_names:
            num = self._base_count.get(base, 0)
            if _illegal_names.get(candidate, obj) is not obj:
                num += 1
                candidate = f"{base}_{num}"
        else:
            num = int(num)
        while candidate in self._used_names:
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[obj] = candidate
        return candidate

    def associate_name_with_obj(self, name: str, obj: Any) -> None:
        if self._obj_to_name.setdefault(obj, name) != name:
            raise AssertionError("obj is already associated")

    def _rename_object(self, obj: Any, name: str) -> None:
        self._obj_to_name[obj] = name
        self._used_names.add(name)


@dataclass
class PythonCode:
    """What ``Graph.python_code`` returns: the source of ``forward`` and the globals it needs."""

    src: str
    globals: dict[str, Any]
    _lineno_map: dict[int, int | None] | None = field(default=None)


def _format_target(base: str, target: str) -> str:
    out = base
    for atom in target.split("."):
        out = f"{out}.{atom}" if atom.isidentifier() else f'getattr({out}, "{atom}")'
    return out


class _InsertPoint:
    def __init__(self, graph: Graph, new_insert: Callable[[Node], None]) -> None:
        self.graph = graph
        self.orig_insert, graph._insert = graph._insert, new_insert

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        self.graph._insert = self.orig_insert


class _node_list:  # noqa: N801  (PyTorch's name)
    """A live view of a graph's nodes (erasing the current node while iterating is fine)."""

    def __init__(self, graph: Graph, direction: str = "_next") -> None:
        self.graph = graph
        self.direction = direction

    def __len__(self) -> int:
        return self.graph._len

    def __iter__(self) -> Iterator[Node]:
        root = self.graph._root
        cur = getattr(root, self.direction)
        while cur is not root:
            if not cur._erased:
                yield cur
            cur = getattr(cur, self.direction)

    def __reversed__(self) -> Iterator[Node]:
        return iter(_node_list(self.graph, "_prev" if self.direction == "_next" else "_next"))


class Graph:
    """The intermediate representation of ``torch.fx``: Nodes in execution order.

    Build one by symbolic tracing (``symbolic_trace``, ``Tracer.trace``) or by hand
    (``placeholder``, ``call_function``, ..., ``output``); ``GraphModule(root, graph)`` turns it
    into a module whose ``forward`` is ``python_code``.
    """

    def __init__(
        self,
        owning_module: Any | None = None,
        tracer_cls: type | None = None,
        tracer_extras: dict[str, Any] | None = None,
    ) -> None:
        self._root = Node(self, "", "root", "", (), {})
        self._used_names: dict[str, int] = {}
        self._insert = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._co_fields: dict[str, Any] = {}

    @property
    def owning_module(self) -> Any:
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod: Any) -> None:
        self._owning_module = mod

    @property
    def nodes(self) -> _node_list:
        """The nodes, in order (a live view: ``reversed(graph.nodes)`` works too)."""
        return _node_list(self)

    def find_nodes(self, *, op: str, target: Target | None = None, sort: bool = True) -> list:
        """The nodes with this ``op`` (and ``target``, when given), in graph order."""
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # -- building ----------------------------------------------------------------------------
    def create_node(
        self,
        op: str,
        target: Target,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        name: str | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Add a Node at the current insert point (the end, or as ``inserting_before/after``
        set) and return it; ``name`` defaults to one derived from ``target``."""
        if op not in _LEGAL_OPS:
            raise AssertionError(f"Unsupported op {op}, expected one of {_LEGAL_OPS}")
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(args, tuple):
            raise AssertionError("args must be a tuple")
        if not isinstance(kwargs, dict):
            raise AssertionError("kwargs must be a dict")
        if op == "call_function":  # a proxy-aware wrapper stands for the function itself
            target = getattr(target, "__fx_original__", target)
        candidate = name if name is not None else self._target_to_str(target)
        node = Node(self, self._graph_namespace.create_name(candidate, None), op, target, args,
                    kwargs, type_expr)  # fmt: skip
        self._insert(node)
        self._len += 1
        return node

    def process_inputs(self, *args: Any) -> Any:
        return args

    def process_outputs(self, out: Any) -> Any:
        return out

    def erase_node(self, to_erase: Node) -> None:
        """Remove a Node that no other Node uses."""
        if to_erase.users:
            raise RuntimeError(
                f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                f"users in the graph: {to_erase.users}!"
            )
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs(
            map_arg(to_erase._args, lambda n: None), map_arg(to_erase._kwargs, lambda n: None)
        )

    def inserting_before(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_before(n):`` new Nodes go just before ``n`` (or at the start)."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert before is not in graph.")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_after(n):`` each new Node goes just after ``n`` (or at the
        end)."""
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert after is not in graph.")
        return _InsertPoint(self, n.append)

    def placeholder(
        self, name: str, type_expr: Any | None = None, default_value: Any = inspect.Signature.empty
    ) -> Node:
        """An input of the function (``default_value``: the argument's default)."""
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr: Any | None = None) -> Node:
        """Fetch a parameter, buffer or submodule of the owning module by qualified name."""
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(
        self,
        module_name: str,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(
        self,
        method_name: str,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(
        self,
        the_function: Callable[..., Any],
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
        name: str | None = None,
    ) -> Node:
        return self.create_node(
            "call_function", the_function, args, kwargs, name=name, type_expr=type_expr
        )

    def output(self, result: Argument, type_expr: Any | None = None) -> Node:
        """The value the function returns."""
        return self.create_node("output", "output", (result,), type_expr=type_expr)

    def node_copy(
        self, node: Node, arg_transform: Callable[[Node], Argument] = lambda x: x
    ) -> Node:
        """A copy of ``node`` (from any graph) in this one, its Node arguments mapped through
        ``arg_transform``."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        result = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result.meta = copy.copy(node.meta)
        return result

    def graph_copy(
        self, g: Graph, val_map: dict[Node, Node], return_output_node: bool = False
    ) -> Any:
        """Copy ``g``'s nodes (all but its output) into this graph, recording old -> new in
        ``val_map``; returns what ``g`` outputs, in terms of the copies."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return (rv, node) if return_output_node else rv
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo: dict | None = None) -> Graph:
        memo = {} if memo is None else memo
        g = Graph(tracer_cls=self._tracer_cls)
        output_vals = g.graph_copy(self, val_map=memo, return_output_node=True)
        if output_vals is not None:
            out, old_output = output_vals
            g.output(out, type_expr=old_output.type)
        return g

    def _target_to_str(self, target: Target | None) -> str:
        if callable(target):
            public = _torch_ops.torch_name(target)  # torch.arctan: torchlike's `atan` object
            op = public.rpartition(".")[2] if public else target.__name__
        else:
            op = target
            if _is_magic(op):
                op = op[2:-2]
        return _snake_case(op)

    # -- checks and passes -------------------------------------------------------------------
    def lint(self) -> None:
        """Check the graph: nodes belong to it, every argument is defined before it is used,
        names are unique, and targets exist on the owning module."""
        seen_names: set[str] = set()
        seen: set[Node] = set()
        for node in self.nodes:
            if node.op not in _LEGAL_OPS:
                raise RuntimeError(f"Node {node} had unknown opcode {node.op}!")
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            for arg in node._input_nodes:
                if arg.graph is not self:
                    raise RuntimeError(
                        f"Argument '{arg}' of Node '{node}' does not belong to this Graph, but "
                        "was used as an argument! If you are copying nodes from another graph, "
                        f"make sure to use ``arg_transform`` on node_copy() to remap values\n{self}"
                    )
                if arg not in seen:
                    raise RuntimeError(
                        f"Argument '{arg}' of Node '{node}' was used before it has been defined! "
                        f"Please check that Nodes in the graph are topologically ordered\n{self}"
                    )
            seen.add(node)
            if node.name in seen_names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen_names.add(node.name)
        if self.owning_module is None:
            return
        from ..nn import Module

        for node in self.nodes:
            if node.op not in ("get_attr", "call_module"):
                continue
            obj = self.owning_module
            atoms = node.target.split(".")
            for i, atom in enumerate(atoms):
                obj = getattr(obj, atom, None)
                if obj is None:
                    raise RuntimeError(
                        f"Node {node} target {node.target} references nonexistent attribute "
                        f"{atom} of {'.'.join(atoms[:i])}"
                    )
                if node.op == "call_module" and not isinstance(obj, Module):
                    raise RuntimeError(
                        f"Node {node} target {node.target} {atom} of {'.'.join(atoms[:i])} does "
                        "not reference an nn.Module"
                    )

    def eliminate_dead_code(self, is_impure_node: Callable[[Node], bool] | None = None) -> bool:
        """Erase the nodes nothing uses and that have no side effect; True if any went."""
        self.lint()
        impure = is_impure_node if is_impure_node is not None else Node.is_impure
        changed = False
        for node in reversed(self.nodes):
            if not node.users and not impure(node):
                self.erase_node(node)
                changed = True
        return changed

    # -- printing ----------------------------------------------------------------------------
    def __str__(self) -> str:
        placeholder_names: list[str] = []
        return_typename = [""]
        lines = [node.format_node(placeholder_names, return_typename) for node in self.nodes]
        s = f"graph({', '.join(placeholder_names)}){return_typename[0]}:"
        return s + "".join(f"\n    {line}" for line in lines if line)

    def print_tabular(self) -> None:
        """Print the nodes as a table (opcode, name, target, args, kwargs) in the layout of
        ``tabulate``'s simple format, which PyTorch's uses."""
        headers = ["opcode", "name", "target", "args", "kwargs"]
        rows = [[str(c) for c in (n.op, n.name, n.target, n.args, n.kwargs)] for n in self.nodes]
        widths = [max([len(h) + 2] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

        def line(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        out = [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
        print("\n".join(out))

    # -- code generation ---------------------------------------------------------------------
    def python_code(
        self,
        root_module: str,
        *,
        verbose: bool = False,
        include_stride: bool = False,
        include_device: bool = False,
        colored: bool = False,
        expanded_def: bool = False,
        record_func: bool = False,
        additional_meta: list[str] | None = None,
    ) -> PythonCode:
        """The source of ``forward`` for this graph (``root_module`` names the module whose
        attributes get_attr/call_module read, ``"self"`` in a GraphModule) and its globals.
        ``verbose`` adds, before each run of Nodes, a comment with where they were traced from
        (torchlike records no stack traces: "No stacktrace found", unless a Node's
        ``stack_trace`` was set). The tensor annotations and the options refining them are not
        provided."""
        _refuse_annotations(
            "Graph.python_code", include_stride=include_stride, include_device=include_device,
            colored=colored, expanded_def=expanded_def, record_func=record_func,
            additional_meta=additional_meta,
        )  # fmt: skip
        return _CodeWriter(self, root_module).write(verbose)

    def on_generate_code(self, make_transformer: Callable) -> Any:
        raise NotImplementedError("Graph.on_generate_code is not provided by torchlike yet")


class _CodeWriter:
    """Writes one graph's ``forward``; names come from one fresh namespace, so generated names
    never collide with globals."""

    def __init__(self, graph: Graph, root_module: str) -> None:
        self.graph = graph
        self.root_module = root_module
        self.namespace = _Namespace()
        self.globals: dict[str, Any] = {}
        self.wrapped: dict[str, None] = {}
        for name, obj in _custom_builtins().items():
            self.add_global(name, obj)

    def add_global(self, name_hint: str, obj: Any) -> str:
        if _from_torchlike(obj):
            return _get_qualified_name(obj)  # `torch` (torchlike) is a global
        name = self.namespace.create_name(name_hint, obj)
        if name in self.globals and self.globals[name] is not obj:
            raise AssertionError(f"Global name {name} already assigned to different object")
        self.globals[name] = obj
        return name

    def name(self, node: Node) -> str:
        return self.namespace.create_name(node.name, node)

    def repr(self, arg: Any) -> str:
        if isinstance(arg, Node):
            return self.name(arg)
        if isinstance(arg, tuple) and hasattr(arg, "_fields"):
            cls = self.add_global(_get_qualified_name(type(arg)), type(arg))
            return f"{cls}{self.repr(tuple(arg))}"
        if isinstance(arg, tuple):
            if len(arg) == 1:
                return f"({self.repr(arg[0])},)"
            return "(" + ", ".join(self.repr(a) for a in arg) + ")"
        if isinstance(arg, list):
            return "[" + ", ".join(self.repr(a) for a in arg) + "]"
        if isinstance(arg, dict):
            return "{" + ", ".join(f"{k!r}: {self.repr(v)}" for k, v in arg.items()) + "}"
        if isinstance(arg, slice):
            return f"slice({self.repr(arg.start)}, {self.repr(arg.stop)}, {self.repr(arg.step)})"
        if isinstance(arg, enum.Enum):
            cls = self.add_global(type(arg).__name__, type(arg))
            return f"{cls}.{arg.name}"
        if isinstance(arg, (type, types.FunctionType, types.BuiltinFunctionType)):
            return self.add_global(_get_qualified_name(arg), arg)
        return self._value_repr(arg)

    def _value_repr(self, arg: Any) -> str:
        import torchlike

        if isinstance(arg, torchlike.dtype):
            return repr(arg)  # torch.float32: `torch` is a global
        if isinstance(arg, torchlike.device):
            return f"device({str(arg)!r})"
        if isinstance(arg, float) and not math.isfinite(arg):
            return repr(arg)  # inf / nan are globals
        return repr(arg)

    def args(self, args: tuple, kwargs: dict) -> str:
        parts = [self.repr(a) for a in args]
        parts += [f"{k} = {self.repr(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def emit(self, node: Node) -> str | None:
        """The statement for ``node`` (None for a placeholder: it is a parameter)."""
        name = self.name(node)
        annotation = "" if node.type is None else f" : {self.type_repr(node.type)}"
        if node.op == "placeholder":
            default = "" if not node.args else f" = {self.repr(node.args[0])}"
            self.free_vars.append(f"{node.target}{annotation}{default}")
            raw = node.target.replace("*", "")
            return f"{name} = {raw}" if raw != name else None
        if node.op == "call_method":
            return (
                f"{name}{annotation} = {_format_target(self.repr(node.args[0]), node.target)}"
                f"({self.args(node.args[1:], node.kwargs)})"
            )
        if node.op == "call_function":
            target = node.target
            if _is_operator(target) and target.__name__ in MAGIC_METHODS:
                rendered = MAGIC_METHODS[target.__name__].format(*map(self.repr, node.args))
                return f"{name}{annotation} = {rendered}"
            if _is_operator(target) and target.__name__ in INPLACE_METHODS:
                rendered = INPLACE_METHODS[target.__name__].format(*map(self.repr, node.args))
                return f"{rendered};  {name}{annotation} = {self.repr(node.args[0])}"
            fn = self.add_global(_get_qualified_name(target), target)
            if (
                fn == "getattr"
                and len(node.args) == 2
                and isinstance(node.args[1], str)
                and node.args[1].isidentifier()
            ):
                return (
                    f"{name}{annotation} = {_format_target(self.repr(node.args[0]), node.args[1])}"
                )
            if node.meta.get("is_wrapped", False):
                self.wrapped.setdefault(fn)
            return f"{name}{annotation} = {fn}({self.args(node.args, node.kwargs)})"
        if node.op == "call_module":
            return (
                f"{name}{annotation} = {_format_target(self.root_module, node.target)}"
                f"({self.args(node.args, node.kwargs)})"
            )
        if node.op == "get_attr":
            return f"{name}{annotation} = {_format_target(self.root_module, node.target)}"
        if node.op == "output":
            if node.type is not None:
                self.return_annotation = f" -> {self.type_repr(node.type)}"
            return f"return {self.repr(node.args[0])}"
        raise NotImplementedError(f"node: {node.op} {node.target}")

    def type_repr(self, t: Any) -> str:
        if t == ():
            return "()"
        origin = getattr(t, "__origin__", None)
        if origin is not None:
            base = self.add_global(_type_repr(origin), origin)
            args = getattr(t, "__args__", ())
            return f"{base}[{','.join(self.type_repr(a) for a in args)}]" if args else base
        return self.add_global(_type_repr(t), t)

    def write(self, verbose: bool = False) -> PythonCode:
        nodes = list(self.graph.nodes)
        self.free_vars: list[str] = []
        self.return_annotation = ""
        last_use: dict[Node, Node] = {}
        to_delete: dict[Node, list[Node]] = {}
        for node in reversed(nodes):
            for used in node._input_nodes:
                if used not in last_use:
                    last_use[used] = node
                    to_delete.setdefault(node, []).append(used)
        body: list[str] = []
        summary = None
        for node in nodes:
            if verbose and node.op not in ("placeholder", "output"):
                trace = node.stack_trace
                line = trace.strip().splitlines()[-1].strip() if trace else ""
                new_summary = f"# {line}" if line else "# No stacktrace found for following nodes"
                if new_summary != summary:
                    summary = new_summary
                    body += ["", summary]
            statement = self.emit(node)
            if statement is None:
                continue
            if node.op not in ("placeholder", "output"):
                dead = list(to_delete.get(node, []))
                if not node.users:
                    dead.append(node)
                if dead:
                    statement += ";  " + " = ".join([self.name(n) for n in dead] + ["None"])
            body.append(statement)
            if node.op == "output":
                body.append("")
        if not body:
            body.append("pass")
        if self.wrapped:
            wrap = self.add_global("wrap", _wrap())
            wrap_stmts = "\n".join(f'{wrap}("{name}")' for name in self.wrapped)
        else:
            wrap_stmts = ""
        if not self.free_vars or self.free_vars[0] != "self":
            self.free_vars.insert(0, "self")
        prologue = f"def forward({', '.join(self.free_vars)}){self.return_annotation}:"
        code = "\n".join("    " + line for line in "\n".join(body).lstrip("\n").split("\n"))
        src = f"\n{wrap_stmts}\n\n{prologue}\n{code}"
        return PythonCode(src, self.globals)


def _refuse_annotations(api: str, **options: Any) -> None:
    for name, value in options.items():
        if value:
            raise NotImplementedError(f"{api}({name}=...) is not provided by torchlike yet")


def _from_torchlike(obj: Any) -> bool:
    """Whether generated code names ``obj`` by its ``torch.`` path (else it is a global of its
    own: PyTorch's Tensor methods are C descriptors without a module, so they are globals)."""
    from .._tensor import Tensor

    name = getattr(obj, "__name__", None)
    if not isinstance(name, str):
        return False
    if _torch_ops.torch_name(obj) is not None:
        return True
    if getattr(Tensor, name, None) is obj:
        return False
    module = getattr(obj, "__module__", None) or ""
    return (module == "torchlike" or module.startswith("torchlike.")) and obj is not _device()


def _device() -> type:
    import torchlike

    return torchlike.device


def _wrap() -> Callable:
    from . import _symbolic_trace

    return _symbolic_trace.wrap
