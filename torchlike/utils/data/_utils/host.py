"""torchlike without XLA, for ``DataLoader`` workers forked from a process that runs JAX.

A child ``fork``ed from a process whose XLA runtime has started cannot use XLA: the runtime's
thread pools did not survive the fork, and its global locks and condition variables still list
the parent's threads as waiters. Measured with jaxlib 0.10 on Linux: the first XLA compilation in
such a child aborts the child every time (absl ``Mutex::Fer with pending CondVar queueing``),
whether the parent was idle or busy at the fork, and even with a new CPU client made after
dropping the old one; reading an array whose computation was still in flight at the fork blocks
forever. NumPy in such a child is safe (glibc's allocator is fork-safe; NumPy starts no threads
of its own that the child would wait on).

``enter()`` (called once, in the child, right after the fork) therefore makes JAX evaluate every
primitive with NumPy instead of XLA: ``jax_disable_jit`` runs jitted functions op by op, and each
primitive whose implementation would compile with XLA gets a NumPy one (primitives with Python
implementations, such as the PRNG key ones, keep theirs and reach the NumPy ones underneath). A
torchlike tensor made in such a worker then holds a NumPy array: ``torch.tensor``, arithmetic,
indexing, ``stack``, ``torch.rand``... work as in the main process (the random streams are JAX's
own Threefry, the same numbers). A JAX array the parent made before the fork is read on the host
(the parent waits for every pending computation before it forks, so that no array is left half
made); one on an accelerator cannot be, and raises PyTorch's "Cannot re-initialize CUDA in
forked subprocess" error. Output dtypes and shapes come from each primitive's own abstract
evaluation, so they are exactly JAX's. Covered: elementwise math, casts, shapes, indexing
(gather, scatter: in-place writes such as ``target[label] = 1``), reductions, sorting,
``dot_general``, pooling windows, Threefry random bits. A primitive without a NumPy version
(convolutions, FFTs, linear algebra decompositions...) raises ``RuntimeError`` naming it and
pointing to ``spawn``/``forkserver``.
"""

from __future__ import annotations

import functools
import sys

import numpy as np

_active = False


def active() -> bool:
    """Whether this process is a forked worker running torchlike on NumPy."""
    return _active


def _host(x):
    """A primitive's operand as a NumPy array (an array made by the parent is read in place)."""
    if isinstance(x, np.ndarray):
        return x.view(np.ndarray) if isinstance(x, _HostArray) else x
    import jax

    if isinstance(x, jax.Array):
        if any(d.platform != "cpu" for d in x.devices()):
            raise RuntimeError(
                "Cannot re-initialize CUDA in forked subprocess. To use CUDA with "
                "multiprocessing, you must use the 'spawn' start method (a tensor on "
                f"{next(iter(x.devices())).platform} reached a forked DataLoader worker)"
            )
    return np.asarray(x)


def _aval_out(prim, args, params):
    from jax._src import core

    avals = [a.aval if isinstance(a, _HostArray) else core.typeof(a) for a in args]
    out, _ = prim.abstract_eval(*avals, **params)
    return out


_HostArray = None


def _host_array_type():
    """``HostArray``: the NumPy arrays this mode makes, which JAX's own code accepts where it
    checks for an ``Array`` (as in ``assert isinstance(x, Array)`` on a value it has just made):
    ``jax.Array``'s metaclass is extended, in this process only, to say so."""
    global _HostArray
    if _HostArray is None:
        from jax._src import core
        from jax._src.basearray import Array

        class HostArray(np.ndarray):
            weak_type = False  # as JAX's (a Python scalar's array takes the other's dtype)

            @property
            def aval(self):
                return core.ShapedArray(self.shape, self.dtype, weak_type=self.weak_type)

            @property
            def at(self):  # ``x.at[i].set(v)``, as on JAX's arrays (scatter, below)
                from jax._src.numpy.array_methods import _IndexUpdateHelper

                return _IndexUpdateHelper(self)

            def __reduce_ex__(self, protocol):  # sent to the main process: a NumPy array
                return self.view(np.ndarray).__reduce_ex__(protocol)

        base_meta = type(Array)

        class HostAwareMeta(base_meta):
            def __instancecheck__(cls, obj):
                return base_meta.__instancecheck__(cls, obj) or (
                    cls is Array and isinstance(obj, HostArray)
                )

        Array.__class__ = HostAwareMeta
        _HostArray = HostArray
    return _HostArray


def _fit(value, aval):
    """``value`` with exactly the dtype and shape JAX's abstract evaluation gives."""
    arr = np.asarray(value)
    if arr.dtype != aval.dtype:
        arr = arr.astype(aval.dtype)
    if arr.shape != tuple(aval.shape):
        arr = np.broadcast_to(arr, aval.shape).copy()
    out = arr.view(_HostArray)
    out.weak_type = bool(getattr(aval, "weak_type", False))
    return out


def _int_div(a, b):
    if np.issubdtype(np.result_type(a, b), np.integer):
        q = np.floor_divide(a, np.where(b == 0, 1, b))
        return q + ((q < 0) & (q * b != a))  # XLA rounds toward zero
    return np.true_divide(a, b)


def _round(x, rounding_method=0):
    if int(rounding_method) == 1:  # to nearest even
        return np.round(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)  # half away from zero


def _shift_right_logical(a, b):
    unsigned = a.dtype.str.replace("i", "u")
    return np.right_shift(a.view(unsigned), b.astype(unsigned)).view(a.dtype)


def _select_n(which, *cases):
    if which.dtype == np.bool_:
        return np.where(which, cases[1], cases[0]) if len(cases) > 1 else cases[0]
    return np.choose(which, cases)


def _special(name):
    def run(*xs):
        from scipy import special  # a dependency of JAX's

        return getattr(special, name)(*xs)

    return run


_ELEMENTWISE = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": _int_div,
    "rem": np.fmod,
    "pow": np.power,
    "max": np.maximum,
    "min": np.minimum,
    "atan2": np.arctan2,
    "nextafter": np.nextafter,
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
    "not": np.invert,
    "shift_left": np.left_shift,
    "shift_right_arithmetic": np.right_shift,
    "shift_right_logical": _shift_right_logical,
    "neg": np.negative,
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "is_finite": np.isfinite,
    "exp": np.exp,
    "exp2": np.exp2,
    "log": np.log,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "tanh": np.tanh,
    "logistic": lambda x: 1 / (1 + np.exp(-x)),
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "sqrt": np.sqrt,
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "cbrt": np.cbrt,
    "abs": np.abs,
    "square": np.square,
    "erf": _special("erf"),
    "erfc": _special("erfc"),
    "erf_inv": _special("erfinv"),
    "lgamma": _special("gammaln"),
    "digamma": _special("digamma"),
    "select_n": _select_n,
    "clamp": lambda lo, x, hi: np.minimum(np.maximum(x, lo), hi),
    "copy": np.array,
    "copy_p": np.array,
    "real": np.real,
    "imag": np.imag,
    "conj": np.conj,
    "complex": lambda a, b: a + 1j * b,
    "stop_gradient": lambda x: x,
    "optimization_barrier": lambda *xs: list(xs),
}


def _window_start(shape, size, index, batch, dims) -> tuple[list, list]:
    """Where one gather or scatter window of ``size`` starts in an operand of ``shape``: the
    ``index`` vector placed along its operand dims, batching dims taken from the ``batch``
    position; and the largest start each dim allows. ``dims``: (index_map, operand batching dims,
    index batching dims), XLA's dimension numbers."""
    index_map, operand_batching, index_batching = dims
    start = [0] * len(shape)
    for k, d in enumerate(index_map):
        start[d] = int(index[k])
    for d, bd in zip(operand_batching, index_batching):
        start[d] = batch[bd]
    return start, [n - s for n, s in zip(shape, size)]


def _gather(operand, indices, *, dimension_numbers, slice_sizes, mode=None, fill_value=None, **_):
    dn = dimension_numbers
    batch_shape = indices.shape[:-1]
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    offset_shape = [s for d, s in enumerate(slice_sizes) if d not in dropped]
    fill = "FILL" in str(mode)
    out = np.empty((*batch_shape, *offset_shape), operand.dtype)
    dims = (dn.start_index_map, dn.operand_batching_dims, dn.start_indices_batching_dims)
    for b in np.ndindex(*batch_shape):
        start, bounds = _window_start(operand.shape, slice_sizes, indices[b], b, dims)
        if fill and any(not 0 <= s <= hi for s, hi in zip(start, bounds)):
            out[b] = (
                np.nan if fill_value is None and operand.dtype.kind in "fc" else (fill_value or 0)
            )
            continue
        start = [min(max(s, 0), hi) for s, hi in zip(start, bounds)]
        piece = operand[tuple(slice(s, s + n) for s, n in zip(start, slice_sizes))]
        out[b] = piece.reshape(offset_shape)
    # offset dims sit at ``offset_dims`` of the output, batch dims in the others, in order
    batch_pos = [d for d in range(out.ndim) if d not in dn.offset_dims]
    order = [0] * out.ndim
    for k, d in enumerate(batch_pos):
        order[d] = k
    for k, d in enumerate(dn.offset_dims):
        order[d] = len(batch_shape) + k
    return np.transpose(out, order)


def _scatter(combine):
    def run(operand, indices, updates, *, dimension_numbers, mode=None, **_):
        dn = dimension_numbers
        out = np.array(operand)
        batch_shape = indices.shape[:-1]
        scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
        dropped = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
        window_dims = [d for d in range(operand.ndim) if d not in dropped]
        size = [1] * operand.ndim
        for d, u in zip(window_dims, dn.update_window_dims):
            size[d] = updates.shape[u]
        clip = "CLIP" in str(mode)
        dims = (
            dn.scatter_dims_to_operand_dims,
            dn.operand_batching_dims,
            dn.scatter_indices_batching_dims,
        )
        for b in np.ndindex(*batch_shape):
            start, bounds = _window_start(operand.shape, size, indices[b], b, dims)
            if clip:
                start = [min(max(v, 0), hi) for v, hi in zip(start, bounds)]
            elif any(not 0 <= v <= hi for v, hi in zip(start, bounds)):
                continue  # out of bounds: dropped, as XLA does
            pick = [slice(None)] * updates.ndim
            for d, v in zip(scatter_dims, b):
                pick[d] = v
            window = tuple(slice(v, v + n) for v, n in zip(start, size))
            piece = updates[tuple(pick)].reshape([size[d] for d in range(operand.ndim)])
            out[window] = combine(out[window], piece)
        return out

    return run


def _reduce_window(fn, pad_value):
    def run(x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation):
        if any(d != 1 for d in (*base_dilation, *window_dilation)):
            raise RuntimeError(
                "dilated windows cannot run in a DataLoader worker forked from a process "
                "running JAX; use multiprocessing_context='spawn' or 'forkserver'"
            )
        fill = pad_value(x.dtype)
        padded = np.pad(x, [tuple(p) for p in padding], constant_values=fill)
        windows = np.lib.stride_tricks.sliding_window_view(padded, window_dimensions)
        windows = windows[tuple(slice(None, None, s) for s in window_strides)]
        return fn(windows, axis=tuple(range(x.ndim, 2 * x.ndim)))

    return run


def _lowest(dtype):
    return -np.inf if dtype.kind in "fc" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind in "fc" else np.iinfo(dtype).max


def _dynamic_slice(operand, *starts, slice_sizes):
    idx = []
    for d, (s, n) in enumerate(zip(starts, slice_sizes)):
        s = min(max(int(s), 0), operand.shape[d] - n)
        idx.append(slice(s, s + n))
    return operand[tuple(idx)]


def _dynamic_update_slice(operand, update, *starts):
    out = np.array(operand)
    idx = []
    for d, s in enumerate(starts):
        s = min(max(int(s), 0), operand.shape[d] - update.shape[d])
        idx.append(slice(s, s + update.shape[d]))
    out[tuple(idx)] = update
    return out


def _slice(x, *, start_indices, limit_indices, strides=None):
    strides = strides or (1,) * x.ndim
    return x[tuple(slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def _broadcast_in_dim(x, *dyn, shape, broadcast_dimensions, **_):
    expanded = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        expanded[dst] = x.shape[src]
    return np.broadcast_to(x.reshape(expanded), shape)


def _dot_general(a, b, *, dimension_numbers, preferred_element_type=None, **_):
    (lc, rc), (lb, rb) = dimension_numbers
    la = [d for d in range(a.ndim) if d not in lc and d not in lb]
    ra = [d for d in range(b.ndim) if d not in rc and d not in rb]
    a2 = np.transpose(a, [*lb, *la, *lc])
    b2 = np.transpose(b, [*rb, *rc, *ra])
    nb = len(lb)
    bs = a2.shape[:nb]
    m = int(np.prod(a2.shape[nb : nb + len(la)], dtype=np.int64))
    k = int(np.prod(a2.shape[nb + len(la) :], dtype=np.int64))
    n = int(np.prod(b2.shape[nb + len(rc) :], dtype=np.int64))
    out = np.matmul(a2.reshape(*bs, m, k), b2.reshape(*bs, k, n))
    return out.reshape(*bs, *a2.shape[nb : nb + len(la)], *b2.shape[nb + len(rc) :])


def _reduce(fn):
    return lambda x, *, axes, **_: fn(x, axis=tuple(axes))


def _argminmax(fn):
    return lambda x, *, axes, index_dtype: fn(x, axis=axes[0]).astype(index_dtype)


def _cumulative(fn):
    def run(x, *, axis, reverse=False):
        if reverse:
            return np.flip(fn(np.flip(x, axis), axis=axis), axis)
        return fn(x, axis=axis)

    return run


def _sort(*operands, dimension, is_stable=True, num_keys=1):
    keys = operands[:num_keys]
    order = np.argsort(keys[0], axis=dimension, kind="stable")
    if num_keys > 1:  # lexicographic: last key least significant
        flat = [np.moveaxis(k, dimension, -1) for k in keys]
        order = np.moveaxis(np.lexsort(flat[::-1], axis=-1), -1, dimension)
    return [np.take_along_axis(x, order, axis=dimension) for x in operands]


def _pad(x, value, *, padding_config):
    out = x
    for d, (lo, hi, interior) in enumerate(padding_config):
        if interior:
            shape = list(out.shape)
            n = shape[d]
            shape[d] = n + (n - 1) * interior if n else 0
            spread = np.full(shape, value, x.dtype)
            idx = [slice(None)] * out.ndim
            idx[d] = slice(None, None, interior + 1)
            spread[tuple(idx)] = out
            out = spread
        widths = [(0, 0)] * out.ndim
        widths[d] = (max(lo, 0), max(hi, 0))
        out = np.pad(out, widths, constant_values=value)
        idx = [slice(None)] * out.ndim
        idx[d] = slice(-lo if lo < 0 else None, out.shape[d] + hi if hi < 0 else None)
        out = out[tuple(idx)]
    return out


def _iota(*dyn, dtype, shape, dimension, **_):
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.broadcast_to(np.arange(shape[dimension], dtype=dtype).reshape(expanded), shape)


def _iota_2x32_shape(*, shape):
    counts = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.uint64).reshape(shape)
    return [(counts >> np.uint64(32)).astype(np.uint32), counts.astype(np.uint32)]


def _threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 block cipher (20 rounds), as JAX's PRNG defines it."""
    k1, k2, x1, x2 = np.broadcast_arrays(*(np.asarray(v, np.uint32) for v in (k1, k2, x1, x2)))
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    ks = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    x = [x1 + ks[0], x2 + ks[1]]
    with np.errstate(over="ignore"):
        for block in range(5):
            for r in rotations[block % 2]:
                x[0] = x[0] + x[1]
                x[1] = (x[1] << np.uint32(r)) | (x[1] >> np.uint32(32 - r))
                x[1] = x[0] ^ x[1]
            x[0] = x[0] + ks[(block + 1) % 3]
            x[1] = x[1] + ks[(block + 2) % 3] + np.uint32(block + 1)
    return [x[0], x[1]]


_STRUCTURAL = {
    "convert_element_type": lambda x, *, new_dtype, **_: x.astype(new_dtype),
    "bitcast_convert_type": lambda x, *, new_dtype: x.view(new_dtype),
    "reshape": lambda x, *dyn, new_sizes, **_: x.reshape(new_sizes),
    "squeeze": lambda x, *, dimensions: np.squeeze(x, tuple(dimensions)),
    "expand_dims": lambda x, *, dimensions: np.expand_dims(x, tuple(dimensions)),
    "transpose": lambda x, *, permutation: np.transpose(x, permutation),
    "rev": lambda x, *, dimensions: np.flip(x, tuple(dimensions)),
    "concatenate": lambda *xs, dimension: np.concatenate(xs, dimension),
    "stack": lambda *xs, axis: np.stack(xs, axis),
    "unstack": lambda x, *, axis: list(np.moveaxis(x, axis, 0)),
    "broadcast_in_dim": _broadcast_in_dim,
    "slice": _slice,
    "dynamic_slice": _dynamic_slice,
    "dynamic_update_slice": _dynamic_update_slice,
    "gather": _gather,
    "scatter": _scatter(lambda old, new: new),
    "scatter-add": _scatter(np.add),
    "scatter_add": _scatter(np.add),
    "scatter-sub": _scatter(np.subtract),
    "scatter_sub": _scatter(np.subtract),
    "scatter-mul": _scatter(np.multiply),
    "scatter_mul": _scatter(np.multiply),
    "scatter-min": _scatter(np.minimum),
    "scatter_min": _scatter(np.minimum),
    "scatter-max": _scatter(np.maximum),
    "scatter_max": _scatter(np.maximum),
    "tile": lambda x, *, reps: np.tile(x, reps),
    "reduce_window_sum": _reduce_window(np.sum, lambda dtype: 0),
    "reduce_window_max": _reduce_window(np.max, _lowest),
    "reduce_window_min": _reduce_window(np.min, _highest),
    "pad": _pad,
    "iota": _iota,
    "dot_general": _dot_general,
    "reduce_sum": _reduce(np.sum),
    "reduce_prod": _reduce(np.prod),
    "reduce_max": _reduce(np.max),
    "reduce_min": _reduce(np.min),
    "reduce_and": _reduce(np.all),
    "reduce_or": _reduce(np.any),
    "argmax": _argminmax(np.argmax),
    "argmin": _argminmax(np.argmin),
    "cumsum": _cumulative(np.cumsum),
    "cumprod": _cumulative(np.cumprod),
    "cummax": _cumulative(np.maximum.accumulate),
    "cummin": _cumulative(np.minimum.accumulate),
    "cumlogsumexp": _cumulative(np.logaddexp.accumulate),
    "sort": _sort,
    "threefry2x32": _threefry2x32,
    "iota_2x32_shape": _iota_2x32_shape,
    "round": _round,
    "integer_pow": lambda x, *, y: np.power(x, y) if y >= 0 else 1 / np.power(x, -y),
}


def _kernel(name):
    fn = _ELEMENTWISE.get(name)
    if fn is not None:
        return lambda *a, **kw: fn(*a)  # elementwise ops: their options change nothing here
    return _STRUCTURAL.get(name)


_KERNELS: dict = {}


def _apply(prim, *args, **params):
    """Evaluate one primitive with NumPy (what ``jax._src.dispatch.apply_primitive`` does with
    XLA in a normal process)."""
    name = prim.name
    if name == "device_put":
        return _device_put(*args)
    if name in ("stage", "copy", "copy_p") and len(args) == 1:
        return _device_put(args[0])[0]
    if name in ("pjit", "jit", "closed_call", "core_call"):
        return _call_jaxpr(*args, **params)
    kernel = _KERNELS.get(name, False)
    if kernel is False:
        kernel = _KERNELS[name] = _kernel(name)
    if kernel is None:
        raise RuntimeError(
            f"{name} cannot run in a DataLoader worker forked from a process running JAX "
            "(its NumPy version is missing); use multiprocessing_context='spawn' or "
            "'forkserver' for this dataset"
        )
    arrays = [_host(a) for a in args]
    out = kernel(*arrays, **params)
    aval = _aval_out(prim, args, params)
    if prim.multiple_results:
        return [_fit(o, a) for o, a in zip(out, aval)]
    return _fit(out, aval)


def _device_put(*xs, **_):
    from jax._src import dtypes

    outs = []
    for x in xs:
        out = np.array(_host(x)).view(_HostArray)
        out.weak_type = dtypes.is_weakly_typed(x)
        outs.append(out)
    return outs


def _primitives():
    from jax._src import core

    seen = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "jax" or name.startswith(("jax.", "jaxlib."))):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, core.Primitive):
                seen[id(value)] = value
    return list(seen.values())


def enter() -> None:
    """Switch this (forked) process to NumPy evaluation for good. Idempotent."""
    global _active
    if _active:
        return
    import jax
    from jax._src import dispatch

    _host_array_type()
    jax.config.update("jax_disable_jit", True)
    xla_apply = dispatch.apply_primitive
    dispatch.apply_primitive = _apply  # for the implementations that call it by name
    for prim in _primitives():
        impl = prim.impl
        if isinstance(impl, functools.partial) and impl.func is xla_apply:
            prim.impl = functools.partial(_apply, prim)
        elif prim.name in ("device_put", "pjit", "jit", "closed_call", "core_call"):
            prim.impl = functools.partial(_apply, prim)
    _active = True


def _call_jaxpr(*args, **params):
    from jax._src import core

    jaxpr = params.get("jaxpr") or params.get("call_jaxpr")
    if isinstance(jaxpr, core.ClosedJaxpr):
        return core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
    return core.eval_jaxpr(jaxpr, (), *args)
