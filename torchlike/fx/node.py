"""``Node``: one operation of a ``Graph``, with its arguments, and ``map_arg``/``map_aggregate``."""

from __future__ import annotations

import builtins
import operator
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _torch_ops
from .immutable_collections import immutable_dict, immutable_list

if TYPE_CHECKING:
    from .graph import Graph

Target = Callable[..., Any] | str
Argument = Any  # None, numbers, str, slices, Nodes, and tuples/lists/dicts of them

_OPS = ("placeholder", "call_method", "call_module", "call_function", "get_attr", "output", "root")


def _module_of(fn: Any) -> str:
    module = getattr(fn, "__module__", None)
    if module is None and isinstance(fn, types.BuiltinMethodType):
        module = getattr(fn.__self__, "__name__", None)
    return module or "builtins"


def _get_qualified_name(func: Callable[..., Any]) -> str:
    """``torch.cat``, ``operator.add``, ``getattr``, ``__main__.my_fn``: how generated code and
    printouts name a call_function's target (PyTorch's spelling for torchlike's functions)."""
    if getattr(builtins, func.__name__, None) is func:
        return func.__name__
    name = _torch_ops.torch_name(func)
    if name is not None:
        return name
    from .._tensor import Tensor

    if getattr(Tensor, func.__name__, None) is func:
        return f"torch.Tensor.{func.__name__}"
    module = _module_of(func)
    if module.startswith("torchlike"):
        module = "torch" + module[len("torchlike") :]
    return f"{module}.{func.__name__}"


def _type_repr(obj: Any) -> str:
    if isinstance(obj, type):
        if obj.__module__ == "builtins":
            return obj.__qualname__
        return f"{obj.__module__}.{obj.__qualname__}"
    if obj is ...:
        return "..."
    if isinstance(obj, types.FunctionType):
        return obj.__name__
    return repr(obj)


def _format_arg(arg: Any) -> str:
    if isinstance(arg, Node):
        return "%" + str(arg)
    if isinstance(arg, tuple):
        items = ", ".join(_format_arg(a) for a in arg)
        return f"({items},)" if len(arg) == 1 else f"({items})"
    if isinstance(arg, list):
        return "[" + ", ".join(_format_arg(a) for a in arg) + "]"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    return str(arg)


class Node:
    """One operation in a ``Graph``.

    ``op`` is one of ``placeholder`` (a function input; ``target`` is its name),
    ``get_attr`` (a parameter/buffer/submodule of the root; ``target`` is its qualified name),
    ``call_function`` (``target`` is the callable), ``call_module`` (``target`` is the
    submodule's qualified name), ``call_method`` (``target`` is the method's name, called on
    ``args[0]``) or ``output`` (``args[0]`` is what the graph returns). ``args``/``kwargs`` hold
    the arguments, other Nodes among them; ``users`` are the Nodes that take this one.
    """

    def __init__(
        self,
        graph: Graph,
        name: str,
        op: str,
        target: Target,
        args: tuple[Argument, ...],
        kwargs: dict[str, Argument],
        return_type: Any | None = None,
    ) -> None:
        if op not in _OPS:
            raise ValueError(f"Node op must be one of {_OPS[:-1]}, got {op!r}")
        if op == "call_function" and not callable(target):
            raise ValueError(
                f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                f"{type(target).__name__} but a Callable is expected"
            )
        if op in ("placeholder", "call_method", "call_module", "get_attr", "output"):
            if not isinstance(target, str):
                raise ValueError(
                    f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                    f"{type(target).__name__} but a str is expected"
                )
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes: dict[Node, None] = {}
        self.users: dict[Node, None] = {}
        self.type = return_type
        self.meta: dict[str, Any] = {}
        self._prev = self
        self._next = self
        self._erased = False
        self._args: tuple[Argument, ...] = ()
        self._kwargs: dict[str, Argument] = immutable_dict()
        self._update_args_kwargs(args, kwargs)

    # -- place in the graph ------------------------------------------------------------------
    @property
    def next(self) -> Node:
        """The Node after this one in the graph."""
        return self._next

    @property
    def prev(self) -> Node:
        """The Node before this one in the graph."""
        return self._prev

    def prepend(self, x: Node) -> None:
        """Move (or insert) ``x`` just before this Node."""
        if self.graph is not x.graph:
            raise AssertionError("Attempting to move a Node into a different Graph")
        if self is x:
            raise AssertionError("Cannot prepend a node to itself")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x: Node) -> None:
        """Move (or insert) ``x`` just after this Node."""
        self._next.prepend(x)

    def _remove_from_list(self) -> None:
        p, n = self._prev, self._next
        p._next, n._prev = n, p  # its own links stay: an iterator standing on it goes on

    # -- arguments ---------------------------------------------------------------------------
    @property
    def args(self) -> tuple[Argument, ...]:
        """The positional arguments; assigning them updates the ``users`` of the Nodes in it."""
        return self._args

    @args.setter
    def args(self, a: tuple[Argument, ...]) -> None:
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self) -> dict[str, Argument]:
        """The keyword arguments; assigning them updates the ``users`` of the Nodes in it."""
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k: dict[str, Argument]) -> None:
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self) -> list[Node]:
        """The Nodes among ``args`` and ``kwargs``, in order, each once."""
        return list(self._input_nodes)

    def update_arg(self, idx: int, arg: Argument) -> None:
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx: int, arg: Argument) -> None:
        if not 0 <= idx <= len(self.args):
            raise AssertionError("insert_args index must be between 0 (inclusive) and len(args)")
        self.args = self.args[:idx] + (arg,) + self.args[idx:]

    def update_kwarg(self, key: str, arg: Argument) -> None:
        self.kwargs = {**self.kwargs, key: arg}

    def _update_args_kwargs(self, new_args: Any, new_kwargs: Any) -> None:
        for old_use in self._input_nodes:
            old_use.users.pop(self)
        self._input_nodes = {}
        collect = self._collect_input
        self._args = map_aggregate(tuple(new_args), collect)
        self._kwargs = map_aggregate(dict(new_kwargs), collect)
        for new_use in self._input_nodes:
            new_use.users.setdefault(self)

    def _collect_input(self, value: Any) -> Any:
        if isinstance(value, Node):
            self._input_nodes.setdefault(value)
        return value

    def replace_all_uses_with(
        self,
        replace_with: Node,
        delete_user_cb: Callable[[Node], bool] | None = None,
        *,
        propagate_meta: bool = False,
    ) -> list[Node]:
        """Make every user of this Node take ``replace_with`` instead (those for which
        ``delete_user_cb`` says True, when given); returns the users changed."""
        if propagate_meta:
            if replace_with.meta:
                raise AssertionError(
                    "Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                    "but replace_with already has .meta keys"
                )
            replace_with.meta.update(self.meta)
        changed = []
        for user in list(self.users):
            if delete_user_cb is not None and not delete_user_cb(user):
                continue
            changed.append(user)
            user.replace_input_with(self, replace_with)
        return changed

    def replace_input_with(self, old_input: Node, new_input: Node) -> None:
        """Replace every use of ``old_input`` among this Node's arguments by ``new_input``."""

        def swap(n: Node) -> Node:
            return new_input if n is old_input else n

        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    def is_impure(self, impure_random: bool = True) -> bool:
        """Whether removing this Node (when unused) would change what the program does."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            name = getattr(self.target, "__name__", "")
            return name.endswith("_") or getattr(self.target, "_fx_impure", False)
        if self.op == "call_method":
            return isinstance(self.target, str) and self.target.endswith("_")
        if self.op == "call_module" and self.graph.owning_module is not None:
            module = self.graph.owning_module.get_submodule(self.target)
            return getattr(module, "_is_impure", False)
        return False

    @property
    def stack_trace(self) -> str | None:
        return self.meta.get("stack_trace")

    @stack_trace.setter
    def stack_trace(self, trace: str | None) -> None:
        self.meta["stack_trace"] = trace

    # -- printing ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return self.name

    @staticmethod
    def _pretty_print_target(target: Any) -> str:
        if isinstance(target, str):
            return target
        module = getattr(target, "__module__", None)
        if module == "builtins":
            return f"builtins.{target.__name__}"
        if module == "_operator":
            return f"operator.{target.__name__}"
        return _get_qualified_name(target)

    def format_node(
        self,
        placeholder_names: list[str] | None = None,
        maybe_return_typename: list[str] | None = None,
    ) -> str | None:
        """This Node as a line of ``print(graph)``: ``%name : [num_users=1] = op[target=...]``."""
        typename = f"{_type_repr(self.type)} " if self.type is not None else ""
        head = f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
        if self.op == "placeholder":
            arg_str = self.target
            if self.type is not None:
                arg_str += f": {_type_repr(self.type)}"
            if placeholder_names:  # (as PyTorch: never from Graph.__str__, whose list is empty)
                placeholder_names.append(arg_str)
                return None
            default = f"(default={self.args[0]})" if self.args else ""
            return f"{head}[target={self.target}]{default}"
        if self.op == "get_attr":
            return f"{head}[target={self._pretty_print_target(self.target)}]"
        if self.op == "output":
            if self.type is not None and maybe_return_typename is not None:
                maybe_return_typename[0] = f" -> {_type_repr(self.type)}"
            return f"return {self.args[0]}"
        return (
            f"{head}[target={self._pretty_print_target(self.target)}]("
            f"args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})"
        )

    def _rename(self, candidate: str) -> None:
        if candidate != self.name:
            self.name = self.graph._graph_namespace.create_name(candidate, None)


def map_arg(a: Argument, fn: Callable[[Node], Argument]) -> Argument:
    """Apply ``fn`` to each Node in ``a`` (nested tuples, lists, dicts, slices)."""
    if not callable(fn):
        raise AssertionError("torch.fx.map_arg(a, fn): fn must be a callable")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def map_aggregate(a: Argument, fn: Callable[[Argument], Argument]) -> Argument:
    """Apply ``fn`` to each value in ``a``, rebuilding its tuples (named ones too), lists and
    dicts (as ``immutable_list``/``immutable_dict``) and slices."""
    if isinstance(a, tuple):
        items = [map_aggregate(x, fn) for x in a]
        return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
    if isinstance(a, list):
        return immutable_list(map_aggregate(x, fn) for x in a)
    if isinstance(a, dict):
        return immutable_dict((k, map_aggregate(v, fn)) for k, v in a.items())
    if isinstance(a, slice):
        return slice(
            map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn)
        )
    return fn(a)


def _is_operator(target: Any) -> bool:
    return (
        getattr(target, "__module__", None) == "_operator"
        and getattr(operator, getattr(target, "__name__", ""), None) is target
    )
