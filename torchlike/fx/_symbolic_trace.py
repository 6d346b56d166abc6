"""``Tracer`` and ``symbolic_trace``: run a module's ``forward`` on Proxies to record its Graph;
``wrap`` keeps a function as one ``call_function`` Node instead of tracing through it."""

from __future__ import annotations

import builtins
import inspect
import math
import warnings
from collections.abc import Callable
from itertools import chain
from types import FunctionType, ModuleType
from typing import Any

from .. import nn
from . import _torch_ops
from .graph import Graph
from .graph_module import GraphModule
from .node import Argument, Node
from .proxy import ParameterProxy, Proxy, TracerBase, proxy_aware, symbolic_mode

# (id(globals), name) -> globals: the functions ``wrap`` registered, patched during each trace.
_wrapped_fns_to_patch: dict[tuple[int, str], dict[str, Any]] = {}


def _is_torchlike_nn(module: type) -> bool:
    """A class of torchlike.nn (under its own name, or PyTorch's where a class is shown so)."""
    name = module.__module__
    return any(name == p or name.startswith(p + ".") for p in ("torchlike.nn", "torch.nn"))


class Tracer(TracerBase):
    """Records a module's (or function's) ``forward`` as a ``Graph``.

    ``trace(root)`` calls ``forward`` with a Proxy per argument. Submodules for which
    ``is_leaf_module`` is true (torchlike.nn's own layers, as torch.nn's in PyTorch) become
    ``call_module`` Nodes; others are traced through. Override ``is_leaf_module``,
    ``call_module``, ``create_node``/``create_proxy`` or ``create_arg`` to change the Graph.

    Args:
        autowrap_modules: modules whose functions, when the traced code names them as globals,
            become ``call_function`` Nodes (``math``: ``math.sqrt(p)`` is recorded).
        autowrap_functions: more such functions.
        param_shapes_constant: parameters' ``shape``/``size()``/``dim()`` answer with their real
            values during tracing.
    """

    def __init__(
        self,
        autowrap_modules: tuple[ModuleType, ...] = (math,),
        autowrap_functions: tuple[Callable[..., Any], ...] = (),
        param_shapes_constant: bool = False,
    ) -> None:
        super().__init__()
        self._autowrap_function_ids = {
            id(value)
            for name, value in chain.from_iterable(vars(m).items() for m in autowrap_modules)
            if not name.startswith("_") and callable(value)
        }
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self._autowrap_search = list(autowrap_modules)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths: dict[nn.Module, str] | None = None
        self.root_module_name = ""
        self.num_calls: dict[str, int] = {}

    # -- overridable pieces ------------------------------------------------------------------
    def create_arg(self, a: Any) -> Argument:
        """As ``TracerBase.create_arg``, and: the root's parameters, buffers and submodules
        become ``get_attr`` Nodes; other tensors become constants on the root
        (``_tensor_constant0``)."""
        import torchlike

        if isinstance(a, nn.Parameter):
            for name, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", name, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, torchlike.Tensor):
            for name, b in self.root.named_buffers():
                if a is b:
                    return self.create_node("get_attr", name, (), {})
        elif isinstance(a, nn.Module):
            for name, m in self.root.named_modules():
                if a is m:
                    return self.create_node("get_attr", name, (), {})
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            args = tuple(self.create_arg(x) for x in a)
            return self.create_node("call_function", type(a), args, {})
        if isinstance(a, torchlike.Tensor):
            qualname = self.tensor_attrs.get(id(a))
            if qualname is None:
                qualname = self.get_fresh_qualname("_tensor_constant")
                self.tensor_attrs[id(a)] = qualname
                self._constants.append(a)
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        return super().create_arg(a)

    def get_fresh_qualname(self, prefix: str) -> str:
        """``prefix`` followed by the first number not yet an attribute of the root."""
        i = 0
        while hasattr(self.root, f"{prefix}{i}"):
            i += 1
        return f"{prefix}{i}"

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        """Whether ``m`` is recorded as one ``call_module`` Node (True for torchlike.nn's
        layers, except ``Sequential``) rather than traced through."""
        return _is_torchlike_nn(type(m)) and not isinstance(m, nn.Sequential)

    def path_of_module(self, mod: nn.Module) -> str:
        """The qualified name of ``mod`` in the root (``layer1.0.conv1``)."""
        if self.submodule_paths:
            path = self.submodule_paths.get(id(mod))
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for name, m in self.root.named_modules():
            if m is mod:
                return name
        raise NameError("module is not installed as a submodule")

    def call_module(
        self,
        m: nn.Module,
        forward: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """A submodule called during tracing: a ``call_module`` Node for a leaf, else its
        ``forward`` traced through."""
        qualname = self.path_of_module(m)
        self.num_calls[qualname] = self.num_calls.get(qualname, 0) + 1
        if not self.is_leaf_module(m, qualname):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", qualname, args, kwargs)

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict[str, Proxy]) -> Any:
        """A module attribute read during tracing: a parameter of the root becomes a
        ``get_attr`` Proxy (one per parameter); anything else is returned as it is."""
        import torchlike

        def proxy_for(collection: Any) -> Proxy | None:
            for name, p in collection:
                if attr_val is p:
                    if name not in parameter_proxy_cache:
                        factory = None
                        if self.param_shapes_constant:

                            def factory(node: Node, name: str = name) -> Proxy:
                                return ParameterProxy(self, node, name, attr_val)

                        parameter_proxy_cache[name] = self.create_proxy(
                            "get_attr", name, (), {}, proxy_factory_fn=factory
                        )
                    return parameter_proxy_cache[name]
            return None

        if isinstance(attr_val, nn.Parameter):
            found = proxy_for(self.root.named_parameters())
            if found is not None:
                return found
        if self.proxy_buffer_attributes and isinstance(attr_val, torchlike.Tensor):
            found = proxy_for(self.root.named_buffers())
            if found is not None:
                return found
        return attr_val

    # -- tracing -----------------------------------------------------------------------------
    def trace(self, root: nn.Module | Callable[..., Any], concrete_args: Any = None) -> Graph:
        """Trace ``root`` (a module's ``forward``, or a function) and return its Graph."""
        if isinstance(root, nn.Module):
            self.root = root
            fn = getattr(type(root), self.traced_func_name, None)
            if fn is None:
                raise AssertionError(
                    f"traced_func_name={self.traced_func_name} doesn't exist in "
                    f"{type(root).__name__}"
                )
            self.root_module_name = root._get_name()
            self.submodule_paths = {id(m): name for name, m in root.named_modules()}
        else:
            self.root = nn.Module()
            fn = root
        self.graph = Graph(tracer_cls=type(self))
        self.tensor_attrs: dict[int, str] = {}
        self._visited_globals: set[int] = set()
        self._constants: list[Any] = []  # keeps the ids in tensor_attrs alive
        self._collect_tensor_attrs(self.root, [])
        if not isinstance(fn, FunctionType):
            raise AssertionError(f"Expected FunctionType, got {type(fn)}")
        is_module = isinstance(root, nn.Module)
        parameter_proxy_cache: dict[str, Proxy] = {}
        tracer = self

        with symbolic_mode, _torch_ops.Patcher() as patcher:
            fn_globals = fn.__globals__
            annotations = _annotations(fn)
            fn, args = self._placeholders(fn, is_module, concrete_args)
            orig_call = nn.Module.__call__
            orig_getattr = nn.Module.__getattr__

            def module_call(mod: nn.Module, *args: Any, **kwargs: Any) -> Any:
                def forward(*args: Any, **kwargs: Any) -> Any:
                    return orig_call(mod, *args, **kwargs)

                forward_fn = getattr(type(mod), "forward", None)
                tracer._patch_globals(patcher, getattr(forward_fn, "__globals__", {}))
                return tracer.call_module(mod, forward, args, kwargs)

            def module_getattr(mod: nn.Module, attr: str) -> Any:
                return tracer.getattr(attr, orig_getattr(mod, attr), parameter_proxy_cache)

            patcher.patch(nn.Module, "__call__", module_call)
            patcher.patch(nn.Module, "__getattr__", module_getattr)
            self._patch_parameter_reads(patcher, root, parameter_proxy_cache)
            _patch_wrapped_functions(patcher)
            self._patch_globals(patcher, fn_globals)
            for module in self._autowrap_search:
                self._patch_globals(patcher, vars(module))
            result = fn(*args)
            self.create_node(
                "output", "output", (self.create_arg(result),), {},
                type_expr=annotations.get("return"),
            )  # fmt: skip
        self.submodule_paths = None
        return self.graph

    def _collect_tensor_attrs(self, m: nn.Module, prefix: list[str]) -> None:
        import torchlike

        for k, v in vars(m).items():
            if isinstance(v, torchlike.Tensor) and not isinstance(v, nn.Parameter):
                self.tensor_attrs.setdefault(id(v), ".".join(prefix + [k]))
        for k, child in m.named_children():
            self._collect_tensor_attrs(child, prefix + [k])

    def _placeholders(
        self, fn: FunctionType, is_module: bool, concrete_args: Any
    ) -> tuple[FunctionType, list[Any]]:
        """A placeholder per parameter of ``fn`` (after ``self``), and the function to call with
        them: keyword-only, ``*args`` and ``**kwargs`` parameters are placeholders too, and
        ``fn`` is then called with all of them positionally, as PyTorch's tracer does."""
        code = fn.__code__
        sig = inspect.signature(fn)
        total = code.co_argcount + code.co_kwonlyargcount
        names = list(code.co_varnames[:total])
        args: list[Any] = []
        if is_module:
            if not names:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            names = names[1:]
            args.append(self.root)
        if isinstance(concrete_args, tuple):
            if len(concrete_args) != len(names):
                raise RuntimeError(
                    f"Tracing expected {len(names)} arguments but got {len(concrete_args)} "
                    "concrete arguments"
                )
            concrete_args = dict(zip(names, concrete_args))
        concrete_args = concrete_args or {}
        annotations = _annotations(fn)
        for name in names:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
            if name in concrete_args:
                args.append(self._specialize(name, default, concrete_args[name]))
                continue
            type_expr = annotations.get(name)
            args.append(self.create_proxy("placeholder", name, default, {}, type_expr=type_expr))
        rest = iter(code.co_varnames[total:])
        if code.co_kwonlyargcount or code.co_flags & _VARSTUFF:
            if code.co_flags & inspect.CO_VARARGS:
                args.append(self.create_proxy("placeholder", "*" + next(rest), (), {}))
            if code.co_flags & inspect.CO_VARKEYWORDS:
                args.append(self.create_proxy("placeholder", "**" + next(rest), (), {}))
            fn = _all_positional(fn, len(args))
        return fn, args

    def _specialize(self, name: str, default: tuple, value: Any) -> Any:
        """``concrete_args``: the argument keeps a placeholder (``name_1``), whose value the
        generated code checks against ``value``; tracing goes on with ``value`` itself."""
        import torchlike

        if isinstance(value, (tuple, list, dict)):
            raise NotImplementedError(
                f"concrete_args[{name!r}]: a container value is not provided by torchlike yet "
                "(give each leaf its own argument)"
            )
        out = self.create_proxy("placeholder", f"{name}_1", default, {})
        if isinstance(value, (bool, int, float, str, complex, torchlike.dtype, torchlike.device)):
            message = f"{name} has been specialized to have value {value} but got another value"
            torchlike._assert(out == value, message)
        elif value is None:
            message = f"{name} has been specialized to have value None but got another value"
            self.create_proxy("call_function", _assert_is_none, (out, message), {})
        else:
            warnings.warn(
                f"Was not able to add assertion to guarantee correct input {name} to specialized "
                "function. It is up to the user to make sure that your inputs match the inputs "
                "you specialized the function with.",
                stacklevel=4,
            )
        return value

    def _patch_globals(self, patcher: _torch_ops.Patcher, frame_dict: dict[str, Any]) -> None:
        """Make the autowrapped functions (``math.sqrt``) a traced function's globals name
        record ``call_function`` Nodes when called with Proxies."""
        if id(frame_dict) in self._visited_globals:
            return
        self._visited_globals.add(id(frame_dict))
        for name, value in list(frame_dict.items()):
            if (
                not name.startswith("_")
                and callable(value)
                and id(value) in self._autowrap_function_ids
            ):
                patcher.patch(frame_dict, name, proxy_aware(value, wrapped=True))

    def _patch_parameter_reads(self, patcher: Any, root: Any, cache: dict[str, Proxy]) -> None:
        """torchlike keeps parameters as plain attributes (NNX data), so ``Module.__getattr__``
        never sees ``self.weight``: while tracing, each module class in the root's tree reads
        its parameters through ``getattr`` (a ``get_attr`` Proxy), as PyTorch's tracer makes
        every ``Module.__getattr__`` do."""
        if not isinstance(root, nn.Module):
            return
        tracer = self
        for cls in {type(m) for _, m in root.named_modules()}:
            if patcher.patched(cls, "__getattribute__"):
                continue
            base = cls.__getattribute__

            def read(mod: Any, attr: str, _base=base) -> Any:
                value = _base(mod, attr)
                if isinstance(value, nn.Parameter):
                    return tracer.getattr(attr, value, cache)
                return value

            patcher.patch(cls, "__getattribute__", read)


_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _all_positional(fn: FunctionType, nargs: int) -> FunctionType:
    """``fn`` taking its ``nargs`` parameters (``*args``/``**kwargs`` included) positionally."""
    code = fn.__code__.replace(
        co_argcount=nargs,
        co_posonlyargcount=0,
        co_kwonlyargcount=0,
        co_flags=fn.__code__.co_flags & ~_VARSTUFF,
    )
    return FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def _annotations(fn: FunctionType) -> dict[str, Any]:
    """``fn``'s annotations; torchlike's own modules postpone theirs (strings), which are
    evaluated so that generated code names ``torch.Tensor`` as PyTorch's does."""
    module = getattr(fn, "__module__", "") or ""
    if module == "torchlike" or module.startswith("torchlike."):
        try:
            return inspect.get_annotations(fn, eval_str=True)
        except Exception:  # an annotation naming what only a type checker imports
            return {}
    return dict(getattr(fn, "__annotations__", {}))


def _patch_wrapped_functions(patcher: _torch_ops.Patcher) -> None:
    for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
        if name not in frame_dict and hasattr(builtins, name):
            orig = getattr(builtins, name)
        else:
            orig = frame_dict[name]
        patcher.patch(frame_dict, name, proxy_aware(getattr(orig, "__fx_original__", orig), True))


def _assert_is_none(value: Any, msg: str) -> None:
    """The check generated code makes of an argument specialised to None (``concrete_args``)."""
    if value is not None:
        raise AssertionError(msg)


def _assert(condition: Any, message: str) -> None:
    """``torch._assert``: Python's ``assert`` as a function, which symbolic tracing records."""
    if not condition:
        raise AssertionError(message)


def wrap(fn_or_name: str | Callable[..., Any]) -> Any:
    """Call at module level: the function (or the global of that name) is recorded as one
    ``call_function`` Node when called with Proxies, instead of being traced through."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError(
            "Unsupported type for global function! Must be either a callable or string name"
        )
    fn_name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.__name__
    caller = inspect.currentframe().f_back  # type: ignore[union-attr]
    if caller.f_code.co_name != "<module>":  # type: ignore[union-attr]
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns_to_patch[(id(caller.f_globals), fn_name)] = caller.f_globals  # type: ignore
    return fn_or_name


def symbolic_trace(root: nn.Module | Callable[..., Any], concrete_args: Any = None) -> GraphModule:
    """Trace ``root`` with a default ``Tracer`` and return the ``GraphModule`` (named after the
    module's class, or the function) that runs the recorded Graph. ``concrete_args`` (a dict by
    parameter name, or a tuple) specialises arguments to values: tracing uses the value (so
    Python control flow on it is fine) and the generated code checks it."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if isinstance(root, nn.Module) else root.__name__
    return GraphModule(tracer.root, graph, name)
