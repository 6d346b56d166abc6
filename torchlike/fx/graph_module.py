"""``GraphModule``: a torchlike ``nn.Module`` whose ``forward`` is the code of a ``Graph``."""

from __future__ import annotations

import copy
import itertools
import linecache
import sys
import traceback
from typing import Any

from .. import nn
from .graph import Graph, PythonCode, _refuse_annotations

_source_counter = itertools.count()


def _exec_with_source(src: str, globals_: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run generated source under a unique file name kept in ``linecache``, so tracebacks and
    ``inspect.getsource`` show the generated lines."""
    key = f"<eval_with_key>.{next(_source_counter)}"
    linecache.cache[key] = (len(src), None, src.splitlines(True), key)
    namespace = dict(globals_)
    exec(compile(src, key, "exec"), namespace)
    return namespace, key


def _error_context(frame: traceback.FrameSummary) -> str:
    """PyTorch's note on an error raised from a generated ``forward``: the line, marked."""
    lines = linecache.getlines(frame.filename)
    lineno = frame.lineno or 0
    line = frame.line or ""
    return "\n".join([
        "Call using an FX-traced Module, "
        f"line {lineno} of the traced Module's generated forward function:",
        "".join(lines[max(lineno - 2, 0) : lineno]),
        "~" * len(line) + "~~~ <--- HERE",
        "\n".join(lines[lineno : lineno + 2]),
    ])  # fmt: skip


def _indent(text: str) -> str:
    """Indent every line but the first by 4 spaces (blank lines stay empty)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    return "\n".join([first] + ["    " + line if line.strip() else "" for line in rest])


def _copy_attr(from_module: nn.Module, to_module: nn.Module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return
        if t is None:
            t = nn.Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    _set_attr(to_module, field, getattr(from_module, field))


def _assign_attr(from_obj: Any, to_module: nn.Module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = nn.Module()
            setattr(to_module, item, t)
        to_module = t
    _set_attr(to_module, field, from_obj)


def _set_attr(module: nn.Module, field: str, value: Any) -> None:
    import torchlike

    if isinstance(value, torchlike.Tensor) and not isinstance(value, nn.Parameter):
        module.register_buffer(field, value)
    else:
        setattr(module, field, value)


class GraphModule(nn.Module):
    """An ``nn.Module`` built from a ``root`` and a ``graph``: the submodules, parameters and
    buffers the graph uses (``call_module``/``get_attr`` targets) are taken from ``root`` (a
    module, or a dict from qualified name to object), and ``forward`` is generated from the
    graph (``code`` shows it). After changing ``graph``, call ``recompile()``.

    Each GraphModule gets a class of its own (named ``class_name``), so that its generated
    ``forward`` belongs to it alone, as in PyTorch.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> GraphModule:
        for base in cls.__mro__:
            if base.__name__ == "GraphModuleImpl":
                cls = base
                break
        else:
            cls = type("GraphModuleImpl", (cls,), {"__module__": __name__})
        return super().__new__(cls)

    def __init__(
        self,
        root: nn.Module | dict[str, Any],
        graph: Graph,
        class_name: str = "GraphModule",
    ) -> None:
        super().__init__()
        type(self).__name__ = class_name
        type(self).__qualname__ = class_name
        if isinstance(root, nn.Module):
            self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            targets = []
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(
                            f"Node {node} referenced target {node.target} but that target was "
                            "not provided in ``root``!"
                        )
                    targets.append(node.target)
            for target in sorted(targets, key=lambda t: t.count(".")):
                _assign_attr(root[target], self, target)
        else:
            raise RuntimeError(f"Unsupported type {root} passed for root!")
        tracer_cls = graph._tracer_cls
        if tracer_cls is not None and "<locals>" in tracer_cls.__qualname__:
            tracer_cls = None
        object.__setattr__(self, "_tracer_cls", tracer_cls)
        object.__setattr__(self, "meta", {})
        self.graph = graph

    @property
    def graph(self) -> Graph:
        """The Graph this module runs; assigning one recompiles ``forward``."""
        return self._graph

    @graph.setter
    def graph(self, g: Graph) -> None:
        if not isinstance(g, Graph):
            raise AssertionError(f"Expected a Graph instance, but got {type(g)}")
        object.__setattr__(self, "_graph", g)
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of the generated ``forward``."""
        if not hasattr(self, "_code"):
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self) -> PythonCode:
        """Regenerate ``forward`` from ``graph`` (needed after changing the graph)."""
        python_code = self._graph.python_code(root_module="self")
        object.__setattr__(self, "_code", python_code.src)
        namespace, key = _exec_with_source(python_code.src, python_code.globals)
        object.__setattr__(self, "_source_key", key)
        type(self).forward = namespace["forward"]
        return python_code

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as e:
            frames = [f for f in traceback.extract_tb(e.__traceback__)
                      if f.filename.startswith("<eval_with_key>")]  # fmt: skip
            if frames and frames[-1].filename == self._source_key:
                print(_error_context(frames[-1]), file=sys.stderr)
            raise

    def add_submodule(self, target: str, m: nn.Module) -> bool:
        """Install ``m`` at the qualified name ``target``, creating empty parents as needed;
        False when a parent on the path is not a Module."""
        *prefix, field = target.split(".")
        mod: Any = self
        for item in prefix:
            sub = getattr(mod, item, None)
            if sub is None:
                sub = nn.Module()
                mod.add_module(item, sub)
            if not isinstance(sub, nn.Module):
                return False
            mod = sub
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target: str) -> bool:
        """Remove the submodule at ``target``; False when there is none."""
        *path, name = target.split(".")
        mod: Any = self
        for item in path:
            mod = getattr(mod, item, None)
            if not isinstance(mod, nn.Module):
                return False
        if not isinstance(getattr(mod, name, None), nn.Module):
            return False
        delattr(mod, name)
        return True

    def delete_all_unused_submodules(self) -> None:
        """Remove every submodule no ``call_module``/``get_attr`` Node uses."""
        used: set[str] = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                atoms = node.target.split(".")
                used.update(".".join(atoms[: i + 1]) for i in range(len(atoms)))
                if node.op == "call_module":
                    sub = self.get_submodule(node.target)
                    used.update(f"{node.target}.{n}" for n, _ in sub.named_modules() if n)
        for name, _ in reversed(list(self.named_modules())):
            if name and name not in used:
                self.delete_submodule(name)

    def __deepcopy__(self, memo: dict) -> GraphModule:
        """A GraphModule of its own class over deep copies of the submodules, parameters and
        buffers, and of the graph."""
        fake = nn.Module()
        entries = [
            *self.named_children(),
            *self.named_parameters(recurse=False),
            *self.named_buffers(recurse=False),
        ]
        for name, value in entries:
            _set_attr(fake, name, copy.deepcopy(value, memo))
        fake.training = self.training
        res = GraphModule(fake, copy.deepcopy(self.graph, memo), type(self).__name__)
        memo[id(self)] = res
        return res

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise NotImplementedError(
            "pickling a GraphModule (torch.save of the whole module) is not provided by torchlike "
            "yet: save its state_dict() and trace the module again"
        )

    def print_readable(
        self,
        print_output: bool = True,
        include_stride: bool = False,
        include_device: bool = False,
        colored: bool = False,
        *,
        expanded_def: bool = False,
        additional_meta: list[str] | None = None,
    ) -> str:
        """The module as a class definition around its verbose ``forward`` (see
        ``Graph.python_code``), followed by its GraphModule children's; printed unless
        ``print_output`` is False. The tensor annotations are not provided."""
        _refuse_annotations(
            "GraphModule.print_readable", include_stride=include_stride,
            include_device=include_device, colored=colored, expanded_def=expanded_def,
            additional_meta=additional_meta,
        )  # fmt: skip
        text = self._readable(type(self).__name__)
        if print_output:
            print(text)
        return text

    def _readable(self, name: str) -> str:
        src = self.graph.python_code(root_module="self", verbose=True).src.lstrip("\n")
        children = [""] + [
            child._readable(child_name)
            for child_name, child in self.named_children()
            if isinstance(child, GraphModule)
        ]
        return _indent(f"class {name}(torch.nn.Module):\n" + src) + _indent("\n".join(children))

    def __str__(self) -> str:
        reminder = "# To see more debug info, please use `graph_module.print_readable()`"
        return "\n".join([super().__repr__(), self._code, reminder])
