"""Running an op: one pure JAX function, recorded on the tape when a gradient is needed.

``apply(fn, name, args, **static)`` is the single entry point every torchlike op goes through.
``fn`` is a pure function of arrays; ``args`` are tensors, arrays or Python numbers (passed as
dynamic values, so a changing scalar never recompiles); ``static`` are hashable options (dims,
dtypes, flags). Eagerly the forward, and the forward-with-pullback, are ``jax.jit``-compiled once
per ``(fn, static)`` and reused (much cheaper than tracing ``jax.vjp`` on every call). On tracers,
inside ``torchlike.compile`` or ``jax.jit``, ``fn`` and ``jax.vjp`` are called directly, so the
compiled program is exactly what ``jax.grad`` would produce.

So that a Python value which changes from call to call (an index, a slice start, a shift) does
not compile a program per value, ops pass such values among ``args`` (e.g. as an int array for
``lax.dynamic_slice``), never in ``static``. The eager caches are bounded: each keeps the
``cache_size()`` most recently used ``(fn, static)`` programs (default 512, or the environment
variable ``TORCHLIKE_EAGER_CACHE_SIZE``; ``set_cache_size(n)`` changes it) and drops the least
recently used one, so memory stays bounded whatever a program does. ``cache_info()`` reports the
sizes and how many programs were compiled. When one op compiles more than
``RECOMPILE_WARN_THRESHOLD`` programs, the logger ``torchlike.eager`` warns once, naming the op
and the argument whose values keep changing (at INFO level when only the input shapes change:
growing tensors are a valid program, with nothing for its author to change).
``enable_persistent_cache(path)`` (opt-in) keeps the compiled programs on disk for later
processes.

Every op family is compiled, never run op by op (un-jitted JAX): measured on CPU (jax 0.10),
op-by-op execution was not faster on the first call (each primitive compiles on its own), and on
later calls it was as fast at best, and tens to hundreds of times slower for indexing.
"""

from __future__ import annotations

import functools
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np

from . import _eager_host
from ._tensor import Tensor
from .amp.autocast_mode import _state as _amp_state
from .amp.autocast_mode import cast_call
from .autograd.grad_mode import is_grad_enabled
from .autograd.graph import call_pullback, record, split_outputs, vjp

_Tracer = jax.core.Tracer
_plain_cache: OrderedDict = OrderedDict()  # (fn, static) -> jitted forward, least recent first
_vjp_cache: OrderedDict = OrderedDict()  # (fn, static, mask) -> _EagerVjp
_max_size = int(os.environ.get("TORCHLIKE_EAGER_CACHE_SIZE", "512"))
_counts = {"compiles": 0, "evictions": 0}
log = logging.getLogger("torchlike.eager")

RECOMPILE_WARN_THRESHOLD = 100
"""Programs one op may compile eagerly before ``torchlike.eager`` logs a warning about it."""


class CacheInfo(NamedTuple):
    """``cache_info()``: entries in the two eager caches, their bound, and event counts."""

    forward: int  # jitted forwards (no gradient recorded)
    vjp: int  # jitted forwards-with-pullback (gradient recorded)
    maxsize: int  # bound of each cache
    compiles: int  # programs traced and compiled since the start (or cache_clear)
    evictions: int  # least recently used entries dropped to keep the bound


def cache_info() -> CacheInfo:
    """Sizes of the eager op caches and how many programs they compiled."""
    return CacheInfo(
        len(_plain_cache), len(_vjp_cache), _max_size, _counts["compiles"], _counts["evictions"]
    )


def cache_size() -> int:
    """How many programs each eager cache keeps (least recently used ones are dropped)."""
    return _max_size


def set_cache_size(n: int) -> None:
    """Bound each eager op cache to ``n`` programs (at least 1); drops the oldest beyond it."""
    global _max_size
    _max_size = max(int(n), 1)
    for cache in (_plain_cache, _vjp_cache):
        _trim(cache)


def cache_clear() -> None:
    """Drop every eager program (they are compiled again when next needed) and reset counts."""
    _plain_cache.clear()
    _vjp_cache.clear()
    _per_op.clear()
    _counts.update(compiles=0, evictions=0)


def enable_persistent_cache(path: str) -> None:
    """Opt in to JAX's persistent compilation cache: every program compiled from now on, eager
    op programs included (however quick to compile), is stored under ``path`` and loaded from
    there by later processes instead of compiled again. This sets JAX's process-wide options
    ``jax_compilation_cache_dir`` and the minimum compile time and size to store (zero)."""
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _trim(cache: OrderedDict) -> None:
    while len(cache) > _max_size:
        cache.popitem(last=False)
        _counts["evictions"] += 1


class _OpCompiles:
    """What one op function compiled: how often, and which values its arguments took."""

    __slots__ = ("count", "values", "warned")

    def __init__(self) -> None:
        self.count = 0
        self.values: dict = {}  # argument name -> distinct values seen (a bounded set)
        self.warned = False


_per_op: dict = {}  # op function (its code) -> _OpCompiles
_SHAPES = "<input shapes and dtypes>"


def _note_compile(fn: Callable, name: str, static: dict, arrays) -> None:
    """Called while tracing an eager program: count it; warn once if an op recompiles a lot."""
    if not any(isinstance(a, _Tracer) for a in arrays):
        return  # jit is off (forked DataLoader workers, ``jax_disable_jit``): nothing compiles
    _counts["compiles"] += 1
    op = getattr(fn, "__code__", fn)  # closures made per call are one op, and are not kept alive
    rec = _per_op.get(op)
    if rec is None:
        if len(_per_op) >= 4 * _max_size:  # bounded too: forget the oldest op
            del _per_op[next(iter(_per_op))]
        rec = _per_op[op] = _OpCompiles()
    rec.count += 1
    seen = dict(static)
    seen[_SHAPES] = tuple(
        (getattr(a, "shape", None), str(getattr(a, "dtype", type(a).__name__))) for a in arrays
    )
    for k, v in seen.items():
        vals = rec.values.setdefault(k, set())
        if len(vals) <= RECOMPILE_WARN_THRESHOLD:
            try:
                vals.add(v)
            except TypeError:  # an unhashable option
                pass
    if rec.count > RECOMPILE_WARN_THRESHOLD and not rec.warned:
        rec.warned = True
        # A Python value that changes every call is the user's to fix: warn. Tensors that grow
        # (sampling with a KV cache: new shapes, and slice bounds that follow them) are a valid
        # PyTorch program with nothing to change: INFO.
        arg = max(rec.values, key=lambda k: (len(rec.values[k]), k == _SHAPES))
        if arg == _SHAPES:
            log.info(
                "torchlike eager: op %s (%s) has compiled %d programs, one per input shape "
                "(%d distinct shapes so far): tensors that grow call by call compile each new "
                "shape once.",
                name,
                getattr(fn, "__qualname__", fn),
                rec.count,
                len(rec.values[arg]),
            )
            return
        log.warning(
            "torchlike eager: op %s (%s) has compiled %d programs, one per value of its "
            "argument %r (%d distinct values so far). Pass values that change from call to call "
            "as tensors, or keep them fixed, to avoid compiling again.",
            name,
            getattr(fn, "__qualname__", fn),
            rec.count,
            arg,
            len(rec.values[arg]),
        )


def _signature(x) -> Any:
    if isinstance(x, jax.Array):
        return x.aval  # shape, dtype and weak type
    if isinstance(x, np.ndarray | np.generic):  # NumPy operands: their shapes matter too
        return (x.shape, x.dtype, "numpy")
    return type(x)


class _EagerVjp:
    """One op's eager forward-with-pullback: a jitted forward that returns the pullback's
    residual arrays (``vjp(..., flat=True)``), and a jitted backward per residual layout."""

    def __init__(self, fn: Callable, name: str, static: dict, mask: tuple) -> None:
        self._split = functools.partial(split_outputs, fn, static)
        self._mask = mask
        self._fwd = jax.jit(self._counted_forward)
        self._backward: dict = {}  # input signature -> jitted backward
        self._layout = None
        self._op = (fn, name, static)

    def _counted_forward(self, *arrays):
        _note_compile(*self._op, arrays)
        return self._flat_forward(*arrays)

    def _flat_forward(self, *arrays):
        douts, aux, residuals, self._layout = vjp(self._split, arrays, self._mask, flat=True)
        return douts, aux, residuals

    def __call__(self, arrays: list):
        sig = tuple(map(_signature, arrays))
        backward = self._backward.get(sig)
        self._layout = None
        douts, aux, residuals = self._fwd(*arrays)
        if backward is None:
            if self._layout is None:  # compiled before under an equivalent signature
                jax.eval_shape(self._flat_forward, *arrays)
            backward = jax.jit(functools.partial(call_pullback, self._layout))
            self._backward[sig] = backward
        return douts, aux, functools.partial(backward, residuals)


def _jit_forward(fn: Callable, name: str, static: dict, probe: bool = True) -> Callable:
    """The op's jitted forward. The probe asks ``_eager_host`` at each new signature whether to
    run on the host instead (by raising, which leaves JAX's fast path off for that signature);
    an op the host path manages compiles through a second, plain one."""

    def run(*arrays):
        if probe:
            _eager_host.check(fn, static, arrays)  # data movement at a new shape: on the host
        _note_compile(fn, name, static, arrays)
        return fn(*arrays, **static)

    return jax.jit(run)


def apply(fn: Callable, name: str, args: tuple, **static: Any):
    """Run ``fn(*arrays, **static)``; returns a Tensor, or a tuple of them if ``fn`` returns one."""
    if getattr(_amp_state, "stack", None):  # inside torch.autocast: cast as the op's policy asks
        args, static = cast_call(fn, args, static)
    arrays, tracing, needs_grad = [], False, False
    for a in args:  # one pass: this is the hottest loop of eager mode
        if isinstance(a, Tensor):
            needs_grad = needs_grad or a.requires_grad
            a = a._data
        tracing = tracing or isinstance(a, _Tracer)
        arrays.append(a)
    needs_grad = needs_grad and is_grad_enabled()
    key = (fn, tuple(static.items()))
    if not needs_grad:
        if tracing:
            out = fn(*arrays, **static)
        else:
            jitted = _plain_cache.get(key)  # [probe, plain or None]
            if jitted is None:
                jitted = _plain_cache[key] = [_jit_forward(fn, name, static), None]
                _trim(_plain_cache)
            else:
                _plain_cache.move_to_end(key)
            out = _eager_host.host_call(fn, static, arrays) if _eager_host._host_ops else None
            if out is None:
                try:
                    out = jitted[0](*arrays)
                except _eager_host.RunOnHost as signal:
                    out = _eager_host.run(signal.args[0], arrays)
                    if out is None:
                        with _eager_host.compiling():
                            out = jitted[0](*arrays)
            elif out is _eager_host.COMPILE:  # an op the host path manages, at a compiled shape
                if jitted[1] is None:
                    jitted[1] = _jit_forward(fn, name, static, probe=False)
                out = jitted[1](*arrays)
        if isinstance(out, tuple):
            return tuple(Tensor._wrap(o) for o in out)
        return Tensor._wrap(out)

    mask = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
    if tracing:
        douts, aux, pullback = vjp(functools.partial(split_outputs, fn, static), arrays, mask)
    else:
        key = key + (mask,)
        fwd = _vjp_cache.get(key)
        if fwd is None:
            fwd = _vjp_cache[key] = _EagerVjp(fn, name, static, mask)
            _trim(_vjp_cache)
        else:
            _vjp_cache.move_to_end(key)
        douts, aux, pullback = fwd(arrays)
    if type(douts) is tuple:  # integer outputs take no part in the graph
        douts = tuple(Tensor._wrap(x) if d is None else d for d, x in zip(douts, aux))
    elif douts is None:
        return Tensor._wrap(aux)
    return record(name, pullback, args, mask, douts, (fn, static, arrays, mask))
