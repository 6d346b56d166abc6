"""The public torchlike functions that stand for PyTorch's ``torch.*`` callables, by PyTorch name,
and a small patcher that swaps module attributes (or dict entries) for the time of a ``with``.

PyTorch's functions see a ``Proxy`` through ``__torch_function__``; torchlike has no such
protocol (a check in every op would cost every eager call). Instead, while symbolic values exist,
the functions of this table are made proxy-aware in place (``proxy.symbolic_mode``) and restored
when the last one is gone: eager code pays nothing when no tracing is going on. The same table
gives generated code its names (``torch.cat``, ``torch.nn.functional.relu``), and lets
``torch.autograd.profiler`` time the public ops.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

# (torchlike module, PyTorch's name for it, private names that are public there), in the order
# that decides a function's PyTorch name when two namespaces hold the same object.
NAMESPACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("torchlike", "torch", ("_assert",)),
    ("torchlike.nn.functional", "torch.nn.functional", ()),
    ("torchlike.special", "torch.special", ()),
    ("torchlike.linalg", "torch.linalg", ()),
    ("torchlike.ops.profiler", "torch.ops.profiler", ("_record_function_enter",
                                                       "_record_function_exit")),
)  # fmt: skip

# Public torch functions that take tensors but are not ops (PyTorch does not dispatch them to
# ``__torch_function__`` either), and torchlike's own machinery that its namespaces import: a
# proxy passed to them is an ordinary Python object, and the profiler does not time them.
NOT_OPS = frozenset(
    {"is_tensor", "is_storage", "save", "load", "compile", "typename", "manual_seed", "seed",
     "apply", "inplace_of", "set_view", "basic_view"}
)  # fmt: skip

# torch.nn.functional's C++ functions: PyTorch records their arguments as given. Its Python
# ones reach ``__torch_function__`` with the tensor arguments positional and every other
# parameter (defaults included) by keyword; ``normalize_call`` does the same.
F_AS_GIVEN = frozenset(
    {"adaptive_avg_pool1d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "bilinear", "celu_",
     "channel_shuffle", "conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d",
     "conv_transpose2d", "conv_transpose3d", "cosine_similarity", "elu_", "gelu", "hardshrink",
     "hardtanh_", "leaky_relu_", "linear", "logsigmoid", "native_channel_shuffle", "one_hot",
     "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "prelu", "relu_",
     "rrelu_", "scaled_dot_product_attention", "selu_", "softplus", "softshrink", "threshold_"}
)  # fmt: skip

_FUNCTION_TYPES = (types.FunctionType,)  # torchlike's ops are Python functions


class OpSlot:
    """One public function: where it lives (``module.name``) and its PyTorch spelling."""

    __slots__ = ("module", "name", "fn", "torch_name", "normalize")

    def __init__(self, module: types.ModuleType, name: str, fn: Callable, torch_name: str):
        self.module = module
        self.name = name
        self.fn = fn
        self.torch_name = torch_name
        self.normalize = torch_name.startswith("torch.nn.functional.") and name not in F_AS_GIVEN


@functools.cache
def op_slots() -> tuple[OpSlot, ...]:
    """Every public torchlike function PyTorch's ``__torch_function__`` would route."""
    slots = []
    for module_name, torch_name, private in NAMESPACES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (name.startswith("_") and name not in private) or name in NOT_OPS:
                continue
            if isinstance(value, _FUNCTION_TYPES) and _is_torchlike(value):
                slots.append(OpSlot(module, name, value, f"{torch_name}.{name}"))
    torchlike = importlib.import_module("torchlike")  # torch.conv2d & co., resolved lazily
    for name in dir(torchlike):
        if name.startswith("_") or name in vars(torchlike) or name in NOT_OPS:
            continue
        fn = getattr(torchlike, name)
        if isinstance(fn, _FUNCTION_TYPES) and _is_torchlike(fn):
            slots.append(OpSlot(torchlike, name, fn, f"torch.{name}"))
    return tuple(slots)


_NOT_PLAIN = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _is_torchlike(fn: types.FunctionType) -> bool:
    """A plain function of torchlike's own (a generator's code cannot be trampolined)."""
    module = getattr(fn, "__module__", None) or ""
    plain = not fn.__code__.co_flags & _NOT_PLAIN
    return plain and (module == "torchlike" or module.startswith("torchlike."))


@functools.cache
def _slots_by_id() -> dict[int, OpSlot]:
    by_id: dict[int, OpSlot] = {}
    for slot in op_slots():
        by_id.setdefault(id(slot.fn), slot)
    return by_id


def slot_of(fn: Any) -> OpSlot | None:
    """The slot of a public torchlike function (the first name it is found under)."""
    return _slots_by_id().get(id(fn))


def torch_name(obj: Any) -> str | None:
    """``torch.cat`` for torchlike's ``cat``, ``torch.Tensor`` for its Tensor: the PyTorch
    spelling of a public torchlike object (None for anything else)."""
    obj = getattr(obj, "__fx_original__", obj)
    slot = slot_of(obj)
    if slot is not None:
        return slot.torch_name
    short = getattr(obj, "__name__", None)
    if not isinstance(short, str):
        return None
    for module_name, torch_module, _ in NAMESPACES:
        module = importlib.import_module(module_name)
        if vars(module).get(short) is obj:
            return f"{torch_module}.{short}"
    return None


_ABSENT = object()


class Patcher:
    """Replaces attributes (or dict entries) and puts every one back on ``restore``/exit,
    last first; an entry someone rebound meanwhile is left as they set it."""

    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any, Any]] = []

    def patch(self, where: Any, name: str, new: Any) -> None:
        if isinstance(where, dict):
            old = where.get(name, _ABSENT)
            where[name] = new
        else:
            old = vars(where).get(name, _ABSENT)
            setattr(where, name, new)
        self._undo.append((where, name, old, new))

    def patched(self, where: Any, name: str) -> bool:
        return any(w is where and n == name for w, n, _, _ in self._undo)

    def restore(self) -> None:
        while self._undo:
            where, name, old, new = self._undo.pop()
            current = where.get(name) if isinstance(where, dict) else vars(where).get(name)
            if current is not new:
                continue
            if isinstance(where, dict):
                if old is _ABSENT:
                    del where[name]
                else:
                    where[name] = old
            elif old is _ABSENT:
                delattr(where, name)
            else:
                setattr(where, name, old)

    def __enter__(self) -> Patcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


# -- seeing every call of the ops ----------------------------------------------------------------
# While a handler is registered (torch.fx's symbolic mode, torch.autograd.profiler), each op
# function runs a trampoline: its ``__code__`` is swapped for a small body that passes the call
# through the handlers, and a clone with the original code runs it. The function objects stay
# the same, so every reference to them (``from torch import cat``, dict keys, ``is``) sees the
# calls; without handlers the original code is back and eager calls pay nothing.

Handler = Callable[["Op", tuple, dict, Callable[[tuple, dict], Any]], Any]
_handlers: list[Handler] = []
_active: dict[int, Op] = {}  # id(trampoline code) -> Op (code objects compare by value)
_globals_patcher: Patcher | None = None
_lock = threading.RLock()
_trampoline_codes: dict[int, types.CodeType] = {}


def _trampoline_code(nfree: int) -> types.CodeType:
    """A ``(*args, **kwargs)`` body with ``nfree`` free variables (so it fits any function with
    that many) that hands the call to ``__fx_dispatch__``."""
    if nfree not in _trampoline_codes:
        names = [f"_v{i}" for i in range(nfree)]
        src = (
            "def _outer():\n"
            + "".join(f"    {n} = None\n" for n in names)
            + "    def _op(*args, **kwargs):\n"
            + (f"        {', '.join(names)},\n" if names else "")
            + "        return __fx_dispatch__(args, kwargs)\n"
            + "    return _op\n"
        )
        namespace: dict[str, Any] = {}
        exec(compile(src, "<torchlike op trampoline>", "exec"), namespace)
        _trampoline_codes[nfree] = namespace["_outer"]().__code__
    return _trampoline_codes[nfree]


class Op:
    """A public function while handlers are registered: the function, its own code, the
    trampoline standing in for it, and a clone that runs the original code."""

    def __init__(self, slot: OpSlot) -> None:
        fn = slot.fn
        self.fn = fn
        self.name = slot.name
        self.torch_name = slot.torch_name
        self.normalize = slot.normalize
        self.code = fn.__code__
        self.clone = types.FunctionType(
            self.code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
        )
        self.clone.__kwdefaults__ = fn.__kwdefaults__
        self.trampoline = _trampoline_code(len(self.code.co_freevars)).replace(
            co_name=self.code.co_name, co_qualname=self.code.co_qualname
        )


def _dispatch(args: tuple, kwargs: dict) -> Any:
    return _call(_active[id(sys._getframe(1).f_code)], 0, args, kwargs)


def _call(op: Op, i: int, args: tuple, kwargs: dict) -> Any:
    if i >= len(_handlers):
        return op.clone(*args, **kwargs)
    return _handlers[i](op, args, kwargs, lambda a, k: _call(op, i + 1, a, k))


def add_handler(handler: Handler, first: bool = False) -> None:
    """Route every call of the ops through ``handler(op, args, kwargs, call_next)`` (before
    the others when ``first``) until ``remove_handler``."""
    global _globals_patcher
    with _lock:
        if not _handlers:
            _active.clear()
            _globals_patcher = Patcher()
            done: set[int] = set()
            for slot in op_slots():
                if id(slot.fn) in done:
                    continue
                done.add(id(slot.fn))
                op = Op(slot)
                _active[id(op.trampoline)] = op
                if not _globals_patcher.patched(op.fn.__globals__, "__fx_dispatch__"):
                    _globals_patcher.patch(op.fn.__globals__, "__fx_dispatch__", _dispatch)
                op.fn.__code__ = op.trampoline
        _handlers.insert(0 if first else len(_handlers), handler)


def remove_handler(handler: Handler) -> None:
    global _globals_patcher
    with _lock:
        _handlers.remove(handler)
        if _handlers:
            return
        for op in _active.values():
            if op.fn.__code__ is op.trampoline:
                op.fn.__code__ = op.code
        # _active is kept until the next install: a call another thread began in a trampoline
        # just before this still finds its op (and, with no handler left, runs the original)
        if _globals_patcher is not None:
            _globals_patcher.restore()
            _globals_patcher = None


@functools.lru_cache(maxsize=1024)  # keyed by the clones of one trace (bounded across traces)
def _signature(fn: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def normalize_call(fn: Callable, args: tuple, kwargs: dict, is_tensor: Callable) -> tuple:
    """``(args, kwargs)`` as a Python function of PyTorch's passes them to
    ``__torch_function__``: the leading tensor arguments positional, every other parameter
    (with its default) by keyword. Calls that do not bind are returned as given."""
    sig = _signature(fn)
    if sig is None:
        return args, kwargs
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return args, kwargs
    bound.apply_defaults()
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for name, param in sig.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return args, kwargs
        value = bound.arguments[name]
        if not keywords and param.kind is not param.KEYWORD_ONLY and is_tensor(value):
            positional.append(value)
        else:
            keywords[name] = value
    return tuple(positional), keywords


def walk(value: Any) -> Iterator[Any]:
    """The leaves of nested tuples, lists, dicts and slices (PyTorch's pytree, for arguments)."""
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, slice):
        yield from walk((value.start, value.stop, value.step))
    else:
        yield value
