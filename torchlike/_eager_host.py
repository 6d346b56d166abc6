"""Eager ops at a new shape, without compiling: run on the host with NumPy.

An eager op compiles one XLA program per input shape (``_dispatch``). Most programs are worth it:
the same shapes come back every step. A program whose tensors grow a step at a time never sees a
shape twice: autoregressive sampling appends a token (``torch.cat((idx, idx_next), 1)``), crops the
context (``idx[:, -block_size:]``) and picks the last position (``logits[:, -1, :]``) at a new
length every step, and each of those compiled a program of its own (30-80 ms each, against
PyTorch's microseconds).

So an op that only moves data (its JAX program is nothing but concatenations, slices, reshapes,
transposes, broadcasts, pads, selects and casts between floating types or between integer types,
all exact in NumPy as in XLA) runs on the host with NumPy the first ``HOST_CALLS`` times a shape is
seen, and compiles when the shape comes back more often than that.

A tensor that grows a step at a time (a KV cache: each layer's attention scores, softmax and
products have a new length every step, each shape met once per layer, then never again) is
recognised by its shapes: once an op has met ``GROWN_STEPS`` new shapes one step larger than a
recent one, each further such shape runs on the host for up to ``GROWING_HOST_CALLS`` calls,
computing ops included (matmuls, softmax, elementwise math, reductions: the NumPy kernels of the
forked DataLoader workers, ``utils/data/_utils/host.py``), in float32, float64, integer and
boolean types, and in float16/bfloat16 as PyTorch computes them (each op in float32, its result
rounded). Its results are float-accurate as XLA's are, not bit-equal to them. A primitive without
a NumPy kernel (convolutions ...), a complex type, or a NumPy error compiles as before. Only eager
calls that record no gradient take this path, on the CPU, with arrays on one device.
``TORCHLIKE_EAGER_HOST=0`` turns it off.
"""

from __future__ import annotations

import functools
import os
from collections import OrderedDict
from typing import Any

import jax
import numpy as np
from jax._src.core import Literal, typeof

HOST_CALLS = 2  # a data-moving op's first two calls at a shape run on the host; the third compiles
GROWN_STEPS = 3  # an op whose new shapes grew a recent one by a step this many times ...
GROWING_HOST_CALLS = 32  # ... runs the next grown shapes' first 32 calls on the host, computing too
_ENABLED = os.environ.get("TORCHLIKE_EAGER_HOST", "1") not in ("0", "")
_MAX_ENTRIES = 4096

# (fn, static, input avals) -> [calls seen, (closed jaxpr, output tree) or None (it computes)]
_seen: OrderedDict = OrderedDict()
_off = [0]  # > 0 while a call that could not run on the host compiles instead
_shapes_per_op: dict = {}  # op (its code) -> [grown steps, recent signatures] (bounded)
_host_ops: set = set()  # ops that have run on the host: host_call decides for them before jit


class RunOnHost(Exception):  # noqa: N818  (a signal from inside tracing, not an error)
    """Raised while ``jax.jit`` traces an op, to run this call on the host instead."""


def _floating(dt) -> bool:
    return np.issubdtype(dt, np.floating) or dt == jax.numpy.bfloat16


def _exact_cast(eqn) -> bool:
    src, dst = eqn.invars[0].aval.dtype, eqn.params["new_dtype"]
    if src == dst or src == np.bool_:
        return True
    if _floating(src) and _floating(dst):
        return True  # round to nearest even, in NumPy as in XLA
    return np.issubdtype(src, np.integer) and np.issubdtype(dst, np.integer)


_MOVES = frozenset(
    {
        "concatenate",
        "slice",
        "dynamic_slice",
        "dynamic_update_slice",
        "squeeze",
        "reshape",
        "broadcast_in_dim",
        "transpose",
        "rev",
        "select_n",
        "copy",
        "copy_p",
        "convert_element_type",
        "pjit",
        "jit",
    }
)


# Exact in NumPy as in XLA on integers and booleans (index arithmetic: ``i + n`` when ``i < 0``);
# comparisons on any type.
_INT_ARITHMETIC = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "neg": np.negative,
    "max": np.maximum,
    "min": np.minimum,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "not": np.invert,
}
_COMPARE = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}


def _integral(eqn) -> bool:
    return all(
        np.issubdtype(v.aval.dtype, np.integer) or v.aval.dtype == np.bool_
        for v in (*eqn.invars, *eqn.outvars)
    )


def _only_moves(jaxpr) -> bool:
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name in _COMPARE or (name in _INT_ARITHMETIC and _integral(eqn)):
            continue
        if name not in _MOVES:
            return False
        if name == "convert_element_type" and not _exact_cast(eqn):
            return False
        if name == "reshape" and eqn.params.get("dimensions") is not None:
            return False
        if name in ("pjit", "jit") and not _only_moves(eqn.params["jaxpr"].jaxpr):
            return False
    return True


_CALLS = {"pjit": "jaxpr", "jit": "jaxpr", "custom_jvp_call": "call_jaxpr"}
_CALLS["custom_vjp_call"] = "call_jaxpr"
_PLAIN = frozenset(map(np.dtype, ("float32", "float64", "bool")))
_NARROW = frozenset(map(np.dtype, ("float16", jax.numpy.bfloat16)))  # computed in float32


def _plain(v) -> bool:
    dt = getattr(v.aval, "dtype", None)
    if not isinstance(dt, np.dtype):  # a PRNG key, a token ...: JAX's extended types
        return False
    return dt in _PLAIN or dt in _NARROW or np.issubdtype(dt, np.integer)


def _computable(jaxpr) -> bool:
    """Every primitive has a NumPy kernel and every value a type NumPy computes as XLA does."""
    from .utils.data._utils import host

    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name in _CALLS:
            if not _computable(eqn.params[_CALLS[name]].jaxpr):
                return False
            continue
        if not all(_plain(v) for v in (*eqn.invars, *eqn.outvars)):
            return False
        if name not in _MOVES and host._kernel(name) is None:
            return False
    return True


def _struct(aval):
    return jax.ShapeDtypeStruct(aval.shape, aval.dtype, weak_type=aval.weak_type)


def _signature(avals) -> tuple:
    return tuple(None if a is None else (a.shape, a.dtype, a.weak_type) for a in avals)


def _entry(fn, static: dict, avals) -> tuple[Any, list | None]:
    """The key and plan ``[calls, (jaxpr, output tree) or None, host calls allowed]`` of ``fn``
    at ``avals``, made (by tracing once) the first time a signature is met."""
    key = (fn, tuple(static.items()), _signature(avals))
    entry = _seen.get(key)
    if entry is not None:
        _seen.move_to_end(key)
        return key, entry
    try:
        closed, shapes = jax.make_jaxpr(functools.partial(fn, **static), return_shape=True)(
            *[None if a is None else _struct(a) for a in avals]
        )
    except Exception:  # noqa: BLE001  (the compile that follows reports it properly)
        return key, None
    op = getattr(fn, "__code__", fn)  # closures made per call are one op
    growing = _note_shape(op, key[2])
    if _only_moves(closed.jaxpr):
        limit = GROWING_HOST_CALLS if growing else HOST_CALLS
    else:
        limit = GROWING_HOST_CALLS if growing and _computable(closed.jaxpr) else 0
    plan = (closed, jax.tree.structure(shapes)) if limit else None
    if plan is not None:
        _host_ops.add(op)
    entry = _seen[key] = [0, plan, limit]
    if len(_seen) > _MAX_ENTRIES:
        _seen.popitem(last=False)
    return key, entry


def _grew(new, old) -> bool:
    """``new`` is ``old`` with some sizes one larger (a tensor grown by a step), nothing else."""
    if len(new) != len(old) or new == old:
        return False
    for a, b in zip(new, old):
        if (a is None) != (b is None):
            return False
        if a is not None:
            if a[1:] != b[1:] or len(a[0]) != len(b[0]):
                return False
            if any(x != y and x != y + 1 for x, y in zip(a[0], b[0])):
                return False
    return True


def _note_shape(op, signature) -> bool:
    """Note a new signature of ``op``; True if it is one step larger than a recent one and ``op``
    has grown so GROWN_STEPS times (a KV cache: the scores one longer each token). Other new
    shapes of the op compile as usual."""
    record = _shapes_per_op.get(op)
    if record is None:
        if len(_shapes_per_op) >= _MAX_ENTRIES:
            del _shapes_per_op[next(iter(_shapes_per_op))]
        record = _shapes_per_op[op] = [0, []]  # grown steps, recent signatures
    recent = record[1]
    grew = any(_grew(signature, old) for old in recent)
    record[0] += grew
    recent.append(signature)
    del recent[:-16]
    return grew and record[0] >= GROWN_STEPS


def _wanted(entry) -> bool:
    entry[0] += 1
    return entry[1] is not None and entry[0] <= entry[2]


def _usable() -> bool:
    return _ENABLED and not _off[0] and not jax.config.jax_disable_jit


def check(fn, static: dict, tracers) -> None:
    """Called while ``jax.jit`` traces ``fn`` for a new input signature: raises ``RunOnHost`` if
    this call should run on the host instead of compiling."""
    if not _usable() or jax.default_backend() != "cpu":
        return
    if not all(t is None or isinstance(t, jax.core.Tracer) for t in tracers):
        return
    key, entry = _entry(fn, static, [None if t is None else t.aval for t in tracers])
    if entry is not None and _wanted(entry):
        raise RunOnHost(key)


COMPILE = object()  # host_call's answer for a call that compiles (through the plain jit)


def host_call(fn, static: dict, arrays) -> Any:
    """For an op the host path manages (``_host_ops``: it has run on the host): its outputs
    computed on the host, or ``COMPILE`` when this call compiles; None for other ops. Decided
    before ``jax.jit`` is called: a call that raised inside JAX's tracing leaves JAX's fast path
    off for its signature (about 30 us a call instead of 3) and unwinds through JAX's traceback
    filtering (about 2 ms), so managed ops compile through a jit that never raises."""
    if getattr(fn, "__code__", fn) not in _host_ops or not _usable():
        return None
    try:  # arrays, and the Python/NumPy scalars jit takes as (weakly typed) arrays
        sig = tuple(
            None
            if a is None
            else (a.shape, a.dtype, a.weak_type)
            if isinstance(a, jax.Array)
            else _signature((typeof(a),))[0]
            for a in arrays
        )
    except TypeError:
        return COMPILE
    key = (fn, tuple(static.items()), sig)
    entry = _seen.get(key)
    if entry is None:
        avals = [None if a is None else typeof(a) for a in arrays]
        key, entry = _entry(fn, static, avals)
    if entry is None or not _wanted(entry):
        return COMPILE
    out = run(key, arrays)
    return COMPILE if out is None else out


def run(key, arrays) -> Any:
    """The op's outputs for ``arrays``, computed with NumPy (as ``fn`` returns them); ``None`` if
    they cannot be (arrays on several devices): the caller then compiles, see ``compiling``."""
    entry = _seen.get(key)
    if entry is None or entry[1] is None:
        return None
    if any(isinstance(a, jax.Array) and len(a.sharding.device_set) != 1 for a in arrays):
        return None
    closed, tree = entry[1]
    try:
        with np.errstate(all="ignore"):  # inf and nan arise as in XLA, without NumPy's warnings
            outs = _eval(
                closed.jaxpr, closed.consts, [np.asarray(a) for a in arrays if a is not None]
            )
    except Exception:  # noqa: BLE001  (NumPy refuses what XLA defines, e.g. max of nothing)
        entry[1] = None
        return None
    # fresh arrays of their own (a slice is a view of an input's buffer, which may be donated)
    outs = [
        jax.device_put(np.array(o, dtype=v.aval.dtype, copy=True))
        for o, v in zip(outs, closed.jaxpr.outvars)
    ]
    return jax.tree.unflatten(tree, outs)


class compiling:  # noqa: N801  (a context manager, named as one is used)
    """Within it, ops compile whatever their shape (for a call the host cannot run)."""

    def __enter__(self):
        _off[0] += 1

    def __exit__(self, *exc):
        _off[0] -= 1


def _eval(jaxpr, consts, args) -> list:
    env: dict = {}

    def read(v):
        return np.asarray(v.val, dtype=v.aval.dtype) if isinstance(v, Literal) else env[v]

    for v, x in zip(jaxpr.constvars, consts):
        env[v] = np.asarray(x)
    for v, x in zip(jaxpr.invars, args):
        env[v] = x
    kernels = _kernels()
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        kernel = kernels.get(eqn.primitive.name)
        outs = kernel(eqn, *ins) if kernel is not None else _compute(eqn, ins)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        for v, o in zip(eqn.outvars, outs):
            env[v] = np.asarray(o, dtype=v.aval.dtype).reshape(v.aval.shape)
    return [read(v) for v in jaxpr.outvars]


def _compute(eqn, ins):
    from .utils.data._utils import host

    name = eqn.primitive.name
    if name in _CALLS:
        closed = eqn.params[_CALLS[name]]
        return _eval(closed.jaxpr, closed.consts, ins)
    if name != "bitcast_convert_type":  # half types: each op in float32, rounded (_eval) after
        ins = [x.astype(np.float32) if x.dtype in _NARROW else x for x in ins]
    return host._kernel(name)(*ins, **eqn.params)


def _elementwise(f):
    return lambda eqn, *xs: f(*xs)


def _call(eqn, *args):
    closed = eqn.params["jaxpr"]
    return _eval(closed.jaxpr, closed.consts, list(args))


@functools.cache
def _kernels() -> dict:
    """NumPy kernels; the shape bookkeeping is the forked workers' (host.py), which mimics XLA's."""
    from .utils.data._utils import host

    return {
        "concatenate": lambda eqn, *xs: np.concatenate(xs, axis=eqn.params["dimension"]),
        "slice": lambda eqn, x: host._slice(x, **eqn.params),
        "dynamic_slice": lambda eqn, x, *s: host._dynamic_slice(x, *s, **eqn.params),
        "dynamic_update_slice": lambda eqn, x, u, *s: host._dynamic_update_slice(x, u, *s),
        "squeeze": lambda eqn, x: np.squeeze(x, axis=tuple(eqn.params["dimensions"])),
        "reshape": lambda eqn, x, *_: np.reshape(x, eqn.params["new_sizes"]),
        "broadcast_in_dim": lambda eqn, x, *d: host._broadcast_in_dim(x, *d, **eqn.params),
        "transpose": lambda eqn, x: np.transpose(x, eqn.params["permutation"]),
        "rev": lambda eqn, x: np.flip(x, tuple(eqn.params["dimensions"])),
        "select_n": lambda eqn, *xs: host._select_n(*xs),
        "copy": lambda eqn, x: np.array(x),
        "copy_p": lambda eqn, x: np.array(x),
        "convert_element_type": lambda eqn, x: x.astype(eqn.params["new_dtype"]),
        "pjit": _call,
        "jit": _call,
        **{k: _elementwise(f) for k, f in {**_INT_ARITHMETIC, **_COMPARE}.items()},
    }
