"""``Proxy``: the symbolic value that flows through a program being traced, recording every
operation it meets as a ``Node``; ``TracerBase`` (how a Node is made from a call) and
``GraphAppendingTracer``.

Operators and Tensor methods reach a Proxy directly (its dunders and ``__getattr__``). Public
torchlike functions (``torch.relu(p)``, ``F.relu``, ``torch.cat([p, q])``) reach it through
``symbolic_mode``: while any Proxy exists (or a trace runs), each of those functions runs a
trampoline (``_torch_ops.add_handler``; the function object stays the same) that records a
``call_function`` Node when a Proxy is among its arguments and otherwise runs the original code;
the original code comes back when the last Proxy is gone, so eager code pays nothing otherwise.
"""

from __future__ import annotations

import dis
import functools
import operator
import sys
import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

from . import _torch_ops
from .graph import MAGIC_METHODS, REFLECTABLE_MAGIC_METHODS, Graph
from .node import Argument, Node, Target, map_arg


class TraceError(ValueError):
    """A program did something symbolic tracing cannot record (control flow on a Proxy)."""


_BASE_TYPES = (str, int, float, bool, complex, bytes, type(None), type(...))


class TracerBase:
    """Makes Nodes from recorded calls (``create_node``/``create_proxy``) and lowers argument
    values to what a Node may hold (``create_arg``)."""

    graph: Graph
    trace_asserts: bool = False
    check_mutable_operations: bool = False
    proxy_buffer_attributes: bool = False
    traced_func_name: str = "forward"

    def create_node(
        self,
        kind: str,
        target: Target,
        args: tuple[Argument, ...],
        kwargs: dict[str, Argument],
        name: str | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Insert a Node into ``self.graph``; override to check or decorate Nodes."""
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> Proxy:
        return Proxy(node, self)

    def create_proxy(
        self,
        kind: str,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str | None = None,
        type_expr: Any | None = None,
        proxy_factory_fn: Callable[[Node], Proxy] | None = None,
    ) -> Proxy:
        """Record a call (arguments lowered by ``create_arg``) and return a Proxy for its result."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        if not isinstance(args_, tuple) or not isinstance(kwargs_, dict):
            raise AssertionError("create_proxy: args must lower to a tuple and kwargs to a dict")
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return self.proxy(node) if proxy_factory_fn is None else proxy_factory_fn(node)

    def create_arg(self, a: Any) -> Argument:
        """Lower a value seen as an argument to what a Node may hold: Proxies become their Nodes,
        containers are lowered item by item, plain values stay."""
        if isinstance(a, Proxy):
            return a.node
        if hasattr(a, "__fx_create_arg__"):
            return a.__fx_create_arg__(self)
        if isinstance(a, tuple):
            items = [self.create_arg(x) for x in a]
            return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
        if isinstance(a, list):
            return [self.create_arg(x) for x in a]
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                k = self.create_arg(k)
                map_arg(k, _no_nodes_error)
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, Node) or isinstance(a, _BASE_TYPES) or _is_plain_value(a):
            return a
        import enum

        if isinstance(a, enum.Enum):
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def to_bool(self, obj: Proxy) -> bool:
        """Called when a Proxy is converted to bool (control flow); a custom tracer may answer."""
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj: Proxy) -> Iterator:
        """Called when a Proxy is iterated; a custom tracer may return an iterator."""
        raise TraceError(
            "Proxy object cannot be iterated. This can be attempted when the Proxy is used in a "
            "loop or as a *args or **kwargs function argument. See the torch.fx docs on "
            "pytorch.org for a more detailed explanation of what types of control flow can be "
            "traced, and check out the Proxy docstring for help troubleshooting Proxy iteration "
            "errors"
        )

    def keys(self, obj: Proxy) -> Any:
        """Called for ``**proxy``."""
        return Attribute(obj, "keys")()


def _no_nodes_error(arg: Node) -> None:
    raise RuntimeError(
        f"Keys for dictionaries used as an argument cannot contain a Node. Got key: {arg}"
    )


def _is_plain_value(a: Any) -> bool:
    import torchlike

    return isinstance(a, (torchlike.dtype, torchlike.device, torchlike.Size, torchlike.Tensor))


class GraphAppendingTracer(TracerBase):
    """A tracer that only appends to an existing ``graph`` (for Proxies made around its Nodes)."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph


class Proxy:
    """A symbolic value: a ``Node`` of a graph, plus the tracer that records what is done to it.

    Operators, Tensor methods and torchlike functions applied to a Proxy add Nodes and return
    Proxies. A Proxy has no value, so it cannot decide control flow (``if p:``) or be iterated
    (``for x in p``) -- both raise ``TraceError`` -- except when unpacked into a known number of
    names (``a, b = p``), which indexes it.
    """

    def __init__(self, node: Node, tracer: TracerBase | None = None) -> None:
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node
        symbolic_mode.hold(self)

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, k: str) -> Attribute:
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)
        return Attribute(self, k)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, d: dict[str, Any]) -> None:
        self.__dict__ = d

    def __deepcopy__(self, memo: dict) -> Proxy:
        import copy

        new = Proxy(copy.deepcopy(self.node, memo), copy.deepcopy(self.tracer, memo))
        for k, v in self.__dict__.items():
            if k not in ("node", "tracer"):
                new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    def __call__(self, *args: Any, **kwargs: Any) -> Proxy:
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self) -> Iterator[Proxy]:
        frame = sys._getframe(1)
        instructions = list(dis.get_instructions(frame.f_code))
        at = bisect_left(instructions, frame.f_lasti, key=lambda i: i.offset)
        if at < len(instructions) and instructions[at].opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(instructions[at].argval))
        return self.tracer.iter(self)

    def __abs__(self) -> Proxy:
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self) -> bool:
        if self.tracer.trace_asserts and _in_assert(sys._getframe(1)):
            self.tracer.create_proxy("call_function", assert_fn, (self,), {})
            return True
        return self.tracer.to_bool(self)

    def keys(self) -> Any:
        return self.tracer.keys(self)

    def __len__(self) -> int:
        raise RuntimeError(
            "'len' is not supported in symbolic tracing by default. If you want this call to be "
            "recorded, please call torch.fx.wrap('len') at module scope"
        )


def _in_assert(frame: Any) -> bool:
    """Whether the bool being asked for decides an ``assert`` statement."""
    instructions = list(dis.get_instructions(frame.f_code))
    at = bisect_left(instructions, frame.f_lasti, key=lambda i: i.offset)
    for inst in instructions[at + 1 : at + 3]:
        if inst.opname == "LOAD_ASSERTION_ERROR":
            return True
    return False


def assert_fn(x: Any) -> None:
    """What a traced ``assert proxy`` becomes (with ``Tracer.trace_asserts``)."""
    if not x:
        raise AssertionError("Assertion failed")


class Attribute(Proxy):
    """``proxy.attr``: a method call when called (``call_method``), else a ``getattr`` Node,
    added only when used."""

    def __init__(self, root: Proxy, attr: str) -> None:
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node: Node | None = None

    @property
    def node(self) -> Node:  # type: ignore[override]
        if self._node is None:
            self._node = self.tracer.create_proxy(
                "call_function", getattr, (self.root, self.attr), {}
            ).node
        return self._node

    def __call__(self, *args: Any, **kwargs: Any) -> Proxy:
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


class ParameterProxy(Proxy):
    """A parameter's Proxy whose shape queries (``shape``, ``size()``, ``dim()``, ...) answer with
    the parameter's real values, so code branching on them traces (``param_shapes_constant``)."""

    def __init__(self, tracer: TracerBase, node: Node, name: str, param: Any) -> None:
        super().__init__(node, tracer)
        self.param = param
        self.name = name

    def __repr__(self) -> str:
        return f"ParameterProxy({self.name})"

    @property
    def shape(self) -> Any:
        return self.param.shape

    def size(self) -> Any:
        return self.param.size()

    def dim(self) -> int:
        return self.param.dim()

    @property
    def ndim(self) -> int:
        return self.param.ndim

    def numel(self) -> int:
        return self.param.numel()

    def nelement(self) -> int:
        return self.param.nelement()


def _install_magic_methods() -> None:
    for method in MAGIC_METHODS:
        if not hasattr(operator, method):
            continue  # `div`: Python 2's operator

        def impl(*args: Any, _name: str = method, **kwargs: Any) -> Proxy:
            target = getattr(operator, _name)
            return args[0].tracer.create_proxy("call_function", target, args, kwargs)

        impl.__name__ = method
        setattr(Proxy, f"__{method.strip('_')}__", impl)
    for method in REFLECTABLE_MAGIC_METHODS:
        if not hasattr(operator, method):
            continue

        def rimpl(self: Proxy, rhs: Any, _name: str = method) -> Proxy:
            target = getattr(operator, _name)
            return self.tracer.create_proxy("call_function", target, (rhs, self), {})

        rimpl.__name__ = f"__r{method.strip('_')}__"
        setattr(Proxy, rimpl.__name__, rimpl)


_install_magic_methods()


# -- functions that see Proxies -------------------------------------------------------------------
def find_proxy(args: tuple, kwargs: dict) -> Proxy | None:
    """The Proxy among a call's arguments (nested in containers too); RuntimeError when the
    Proxies come from different tracers, as PyTorch's."""
    found = None
    for value in _torch_ops.walk((args, kwargs)):
        if isinstance(value, Proxy):
            if found is not None and value.tracer is not found.tracer:
                raise RuntimeError(
                    f"Found multiple different tracers {[found.tracer, value.tracer]} while "
                    "trying to trace operations"
                )
            found = value if found is None else found
    return found


_WRAPPERS: dict[tuple[int, bool], Callable] = {}


def _is_tensor_like(value: Any) -> bool:
    import torchlike

    return isinstance(value, (Proxy, torchlike.Tensor))


def proxy_aware(fn: Callable, wrapped: bool = False) -> Callable:
    """``fn``, recording a ``call_function`` Node (target ``fn``) when a Proxy is among its
    arguments and running ``fn`` otherwise (for ``wrap`` and the autowrapped functions, which
    the tracer puts in the globals of traced code). ``wrapped`` marks the Node as ``wrap``'s:
    its generated code registers the function again."""
    key = (id(fn), wrapped)
    if key in _WRAPPERS:
        return _WRAPPERS[key]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        proxy = find_proxy(args, kwargs)
        if proxy is None:
            return fn(*args, **kwargs)
        result = proxy.tracer.create_proxy("call_function", fn, args, kwargs)
        if wrapped:
            result.node.meta["is_wrapped"] = True
        return result

    call.__fx_original__ = fn  # type: ignore[attr-defined]
    _WRAPPERS[key] = call
    return call


def _record(op: _torch_ops.Op, args: tuple, kwargs: dict, call_next: Callable) -> Any:
    """The op handler of symbolic mode: a call with a Proxy among its arguments becomes a
    ``call_function`` Node; any other call goes on."""
    proxy = find_proxy(args, kwargs)
    if proxy is None:
        return call_next(args, kwargs)
    if op.normalize:
        args, kwargs = _torch_ops.normalize_call(op.clone, args, kwargs, _is_tensor_like)
    return proxy.tracer.create_proxy("call_function", op.fn, args, kwargs)


class _SymbolicMode:
    """While symbolic values exist (live Proxies, or a trace running), torchlike's public
    functions see Proxies (``_torch_ops.add_handler``: each runs a trampoline, the function
    object staying the same), and their own code comes back when the count drops to zero. So
    references taken anywhere (``from torch import cat``, ``target is torch.add``) keep
    working, and eager code outside tracing pays nothing."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.RLock()

    @property
    def active(self) -> bool:
        return self._count > 0

    def acquire(self) -> None:
        with self._lock:
            self._count += 1
            if self._count == 1:
                _torch_ops.add_handler(_record, first=True)

    def release(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0:
                _torch_ops.remove_handler(_record)

    def hold(self, proxy: Proxy) -> None:
        """Keep the mode on for as long as ``proxy`` lives."""
        self.acquire()
        weakref.finalize(proxy, self.release)

    def __enter__(self) -> _SymbolicMode:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


symbolic_mode = _SymbolicMode()

__all__ = [
    "Attribute",
    "GraphAppendingTracer",
    "ParameterProxy",
    "Proxy",
    "TraceError",
    "TracerBase",
]
