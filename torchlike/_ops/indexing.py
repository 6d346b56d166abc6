"""Indexing: ``t[...]`` and ``t[...] = v`` with PyTorch's semantics, ``gather``, ``nonzero``,
``index_put`` and the ``*_scatter`` ops ...

Basic indexing (ints, slices, None, ``...``) is a view, as in PyTorch; tensor and list indices
are advanced indexing (a copy). Indices are checked against the shape where their values are
known (eagerly): out-of-range raises ``IndexError`` like PyTorch. Inside a compiled step index
values are not known, and JAX clamps out-of-range gathers instead. Boolean-mask reads have a
data-dependent shape, which compiled code cannot express: use ``torch.where``/``masked_fill``.

Integer indices and slice starts are passed to the op as an int array (``lax.dynamic_slice`` /
``lax.dynamic_update_slice``), never baked into the program: ``x[i]``, ``x[i:i+4]`` or
``x[i, 3] = v`` in a Python loop run one compiled program for every ``i`` (a new one only when the
result's shape changes). As in PyTorch, the integers of an index that also holds tensors select
first, and the tensors then index what is left.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor, set_view
from . import inplace
from .creation import _t

_ARRAY = "A"  # marks the place of a dynamic index array in an encoded index
_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


# -- basic indexing (ints, slices, None, ...): a dynamic window ------------------------------------


def _is_basic(index: tuple) -> bool:
    return (
        all(isinstance(i, _BASIC) and not isinstance(i, (bool, np.bool_)) for i in index)
        and sum(1 for i in index if i is Ellipsis) <= 1
    )


def _basic_plan(index: tuple, shape: tuple) -> tuple[np.ndarray, tuple, str]:
    """For an index of ints, slices, None and one ``...`` at most: ``(starts, plan, name)``.

    ``starts`` (an int32 array, one start per dimension) holds everything that depends on the
    index values; ``plan = (sizes, steps, lengths, out_shape)`` only what fixes the result's shape.
    """
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if Ellipsis not in index:
        index = (*index, Ellipsis)
    starts, sizes, steps, lengths, out_shape = [], [], [], [], []
    name, dim = None, 0
    for i in index:
        if i is None:
            out_shape.append(1)
            name = "Unsqueeze"
        elif i is Ellipsis:
            for n in shape[dim : dim + len(shape) - consumed]:
                starts.append(0), sizes.append(n), steps.append(1), lengths.append(n)
                out_shape.append(n)
            dim += len(shape) - consumed
        elif isinstance(i, slice):
            step = 1 if i.step is None else int(i.step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            n = shape[dim]
            start, stop, _ = slice(
                None if i.start is None else int(i.start),
                None if i.stop is None else int(i.stop),
                step,
            ).indices(n)
            length = max(0, -(-(stop - start) // step))
            starts.append(start if length else 0)
            sizes.append((length - 1) * step + 1 if length else 0)
            steps.append(step), lengths.append(length), out_shape.append(length)
            if (i.start, i.stop, i.step) != (None, None, None):
                name = "Slice"
            dim += 1
        else:
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(
                    f"index {int(i)} is out of bounds for dimension {dim} with size {n}"
                )
            starts.append(int(i) % n), sizes.append(1), steps.append(1), lengths.append(1)
            name = "Select"
            dim += 1
    if name is None:  # PyTorch names the result after the last step that does something
        name = "Slice" if any(isinstance(i, slice) for i in index) else "Alias"
    plan = (tuple(sizes), tuple(steps), tuple(lengths), tuple(out_shape))
    return np.array(starts, np.int32), plan, name


def _window(x, starts, sizes):
    if not sizes:
        return x
    return lax.dynamic_slice(x, tuple(starts[k] for k in range(len(sizes))), sizes)


def _strided(steps) -> tuple | None:
    return tuple(slice(None, None, s) for s in steps) if any(s > 1 for s in steps) else None


def _basic_get_fn(x, starts, *, plan):
    sizes, steps, _, out_shape = plan
    y = _window(x, starts, sizes)
    strided = _strided(steps)
    return (y if strided is None else y[strided]).reshape(out_shape)


def _basic_set_fn(x, value, starts, *, plan):
    sizes, steps, lengths, out_shape = plan
    v = jnp.broadcast_to(jnp.asarray(value, x.dtype), out_shape).reshape(lengths)
    strided = _strided(steps)
    if strided is not None:
        v = _window(x, starts, sizes).at[strided].set(v)
    if not sizes:
        return v
    return lax.dynamic_update_slice(x, v, tuple(starts[k] for k in range(len(sizes))))


def _int_plan(index: tuple, shape: tuple):
    """The plan of ``_basic_plan`` for the commonest index, Python ints only (``x[i]``,
    ``x[i, j]``), in a few steps; None for any other index, or one that is out of range."""
    if len(index) > len(shape):
        return None
    starts = []
    for i, n in zip(index, shape):
        if type(i) is not int or not -n <= i < n:
            return None
        starts.append(i + n if i < 0 else i)
    starts += [0] * (len(shape) - len(index))
    return np.array(starts, np.int32), _int_plan_of(len(index), shape), "Select"


@functools.lru_cache(maxsize=256)
def _int_plan_of(k: int, shape: tuple) -> tuple:
    sizes = (1,) * k + shape[k:]
    return sizes, (1,) * len(shape), sizes, shape[k:]


def basic_view(t: Tensor, index: tuple, name: str | None = None) -> Tensor:
    """``t[index]`` for an index of ints, slices, None and ``...``: a view (``select``,
    ``narrow`` and friends come here too, with their own ``name``)."""
    shape = t._data.shape
    starts, plan, basic_name = _int_plan(index, shape) or _basic_plan(index, shape)
    out = apply(_basic_get_fn, name or basic_name, (t, starts), plan=plan)
    return set_view(out, t, functools.partial(_basic_get_fn, starts=starts, plan=plan))


# -- advanced indexing (tensors, lists, masks) -----------------------------------------------------


def _encode(index: tuple, shape: tuple) -> tuple[tuple, list, tuple, np.ndarray]:
    """Split an index holding tensors into a hashable static spec, the list of dynamic index
    arrays, and its integers: the dims they select (static) and their values (an int array)."""
    spec, arrays, int_dims, int_values = [], [], [], []
    consumed = sum(
        1
        for i in index
        if i is not None
        and i is not Ellipsis
        and not (isinstance(i, Tensor) and i.dtype is _dtype.bool_ and i.ndim > 1)
    ) + sum(
        i.ndim for i in index if isinstance(i, Tensor) and i.dtype is _dtype.bool_ and i.ndim > 1
    )
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for i in index:
        if i is None:
            spec.append(None)
        elif i is Ellipsis:
            spec.append(Ellipsis)
            dim = len(shape) - (consumed - dim)
        elif isinstance(i, slice):
            st = [None if v is None else int(v) for v in (i.start, i.stop, i.step)]
            if st[2] is not None and st[2] <= 0:
                raise ValueError("step must be greater than zero")
            spec.append(("slice", *st))
            dim += 1
        elif isinstance(i, (bool, np.bool_)):
            spec.append(_ARRAY)
            arrays.append(jnp.asarray(bool(i)))
        elif isinstance(i, (int, np.integer)):
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(
                    f"index {int(i)} is out of bounds for dimension {dim} with size {n}"
                )
            int_dims.append(dim)
            int_values.append(int(i) % n)
            dim += 1
        else:
            arr = i._data if isinstance(i, Tensor) else _list_index(i)
            if arr.dtype == jnp.bool_:
                arrays.extend(_mask_to_indices(arr, shape[dim : dim + arr.ndim], dim))
                spec.extend([_ARRAY] * arr.ndim)
                dim += arr.ndim
                continue
            if not jnp.issubdtype(arr.dtype, jnp.integer):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            _check_bounds(arr, shape[dim], dim)
            spec.append(_ARRAY)
            arrays.append(arr)
            dim += 1
    return tuple(spec), arrays, tuple(int_dims), np.array(int_values, np.int32)


def _list_index(i):
    arr = np.asarray(i._data if isinstance(i, Tensor) else i)
    if arr.dtype == object or (arr.dtype.kind not in "biu" and arr.size):  # [] is an int index
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(i).__name__})"
        )
    return arr if arr.dtype == np.bool_ else arr.astype(np.int64)  # passed to the op as is


def _mask_to_indices(mask, dims, start: int) -> list:
    if isinstance(mask, jax.core.Tracer):
        raise RuntimeError(
            "Boolean-mask indexing (x[mask]) has a data-dependent shape, which a compiled "
            "function (torchlike.compile / jax.jit) cannot express. Use torch.where(mask, x, 0) "
            "or x.masked_fill(~mask, 0) instead, or index outside the compiled function."
        )
    if tuple(mask.shape) != tuple(dims):
        for k, (m, s) in enumerate(zip(mask.shape, dims)):
            if m != s:
                raise IndexError(
                    f"The shape of the mask {list(mask.shape)} at index {k} does not "
                    f"match the shape of the indexed tensor {list(dims)} at index "
                    f"{start + k}"
                )
    return list(np.nonzero(np.asarray(mask)))  # NumPy arrays: passed to the op as they are


def _check_bounds(arr, n: int, dim: int, error: type = IndexError) -> None:
    if isinstance(arr, jax.core.Tracer) or arr.size == 0:
        return
    host = np.asarray(arr)
    bad = host[(host >= n) | (host < -n)]
    if bad.size:
        raise error(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}")


def _decode(spec: tuple, arrays) -> tuple:
    it = iter(arrays)
    out = []
    for s in spec:
        if s == _ARRAY and isinstance(s, str):
            out.append(next(it))
        elif isinstance(s, tuple):
            out.append(slice(*s[1:]))
        else:
            out.append(s)
    return tuple(out)


def _int_window(x, int_values, int_dims: tuple) -> tuple[tuple, tuple]:
    idx, sizes = [np.int32(0)] * x.ndim, list(x.shape)
    for k, d in enumerate(int_dims):
        idx[d], sizes[d] = int_values[k], 1
    return tuple(idx), tuple(sizes)


def _getitem_fn(x, int_values, *arrays, spec, int_dims):
    if int_dims:  # PyTorch selects the integers first, then indexes with the tensors
        x = jnp.squeeze(lax.dynamic_slice(x, *_int_window(x, int_values, int_dims)), int_dims)
    return x[_decode(spec, arrays)]


def _setitem_fn(x, value, int_values, *arrays, spec, int_dims):
    y = x
    if int_dims:
        idx, sizes = _int_window(x, int_values, int_dims)
        y = jnp.squeeze(lax.dynamic_slice(x, idx, sizes), int_dims)
    at = _decode(spec, arrays)
    y = y.at[at].set(jnp.broadcast_to(jnp.asarray(value, x.dtype), y[at].shape))
    return lax.dynamic_update_slice(x, y.reshape(sizes), idx) if int_dims else y


@functools.lru_cache(maxsize=256)
def _advanced_shape(spec: tuple, int_dims: tuple, shape: tuple, index_avals: tuple) -> tuple:
    args = [jax.ShapeDtypeStruct(s, d) for s, d in index_avals]
    x = jax.ShapeDtypeStruct(shape, jnp.float32)
    ints = jax.ShapeDtypeStruct((len(int_dims),), jnp.int32)
    return jax.eval_shape(
        functools.partial(_getitem_fn, spec=spec, int_dims=int_dims), x, ints, *args
    ).shape


def getitem(t: Tensor, index) -> Tensor:
    if (
        t.ndim == 0
        and index is not None
        and index is not Ellipsis
        and not (isinstance(index, tuple) and all(i is None or i is Ellipsis for i in index))
    ):
        if not isinstance(index, Tensor) or index.dtype is not _dtype.bool_:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
    index = index if isinstance(index, tuple) else (index,)
    if _is_basic(index):
        return basic_view(t, index)
    spec, arrays, int_dims, ints = _encode(index, tuple(t.shape))
    return apply(_getitem_fn, "Index", (t, ints, *arrays), spec=spec, int_dims=int_dims)


def _fit_value(value, target_shape: tuple):
    if not isinstance(value, Tensor):
        return value
    try:
        np.broadcast_shapes(tuple(value.shape), target_shape)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target_shape)}"
        ) from None
    return value.reshape(target_shape) if value.ndim > len(target_shape) else value


def _masked_set_fn(x, mask, value):
    return jnp.where(mask, jnp.asarray(value, x.dtype), x)


def setitem(t: Tensor, index, value) -> None:
    """``t[index] = value`` in place (recorded as PyTorch's ``CopySlices``)."""
    inplace.check_inplace(t)
    if not isinstance(value, Tensor) and not isinstance(
        value, (int, float, bool, complex, np.number)
    ):
        value = Tensor._wrap(jnp.asarray(np.asarray(value)))
    if (
        isinstance(index, Tensor)
        and index.dtype is _dtype.bool_
        and index.shape == t.shape
        and (not isinstance(value, Tensor) or value.numel() == 1)
    ):
        # whole-shape mask with a scalar: a select, which also works inside compiled code
        v = value.reshape(()) if isinstance(value, Tensor) else value
        inplace.commit(t, apply(_masked_set_fn, "MaskedFill", (t, index, v)))
        return
    index = index if isinstance(index, tuple) else (index,)
    name = "torch::autograd::CopySlices"
    if _is_basic(index):
        shape = t._data.shape
        starts, plan, _ = _int_plan(index, shape) or _basic_plan(index, shape)
        value = _fit_value(value, plan[3])
        out = apply(_basic_set_fn, name, (t, value, starts), plan=plan)
    else:
        spec, arrays, int_dims, ints = _encode(index, tuple(t.shape))
        avals = tuple((tuple(a.shape), a.dtype) for a in arrays)
        value = _fit_value(value, _advanced_shape(spec, int_dims, tuple(t.shape), avals))
        args = (t, value, ints, *arrays)
        out = apply(_setitem_fn, name, args, spec=spec, int_dims=int_dims)
    inplace.commit(t, out)


def _gather_fn(x, index, *, dim):
    return jnp.take_along_axis(x, index, axis=dim)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim)
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    _check_bounds(index._data, input.shape[d], d, RuntimeError)
    return apply(_gather_fn, "Gather", (input, index), dim=d)


def _masked_fill_fn(x, mask, value):
    return jnp.where(mask, jnp.asarray(value, x.dtype), x)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{_dtype.type_name(mask.dtype)}"
        )
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got "
            f"tensor with {value.ndim} dimension(s)."
        )
    return apply(_masked_fill_fn, "MaskedFill", (input, mask, value))


def _nonzero_np(arr) -> np.ndarray:
    if isinstance(arr, jax.core.Tracer):
        raise RuntimeError(
            "nonzero() has a data-dependent output shape, which a compiled function "
            "(torchlike.compile / jax.jit) cannot express. Use torch.where(cond, a, b) or masks "
            "instead, or call it outside the compiled function."
        )
    return (
        np.stack(np.nonzero(np.asarray(arr)), axis=1)
        if np.asarray(arr).ndim
        else np.zeros((int(bool(arr)), 0), np.int64)
    )


def nonzero(input: Tensor, *, as_tuple: bool = False):
    idx = _nonzero_np(input._data).astype(np.int64)
    if as_tuple:
        if input.ndim == 0:
            return (Tensor._wrap(jnp.zeros(idx.shape[0], jnp.int64)),)
        return tuple(Tensor._wrap(jnp.asarray(idx[:, k])) for k in range(idx.shape[1]))
    return Tensor._wrap(jnp.asarray(idx))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    from .shape import expand

    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    x, m = expand(input, shape), expand(mask, shape)
    return getitem(x, m)


# -- scatter, index_* and take -------------------------------------------------------------------


def _scatter_positions(index, dim: int) -> tuple:
    """For each element of ``index``: its coordinates, with ``index``'s value along ``dim``."""
    grids = jnp.meshgrid(*(jnp.arange(n) for n in index.shape), indexing="ij")
    return tuple(index if k == dim else g for k, g in enumerate(grids))


def _src_like(src, index, dtype):
    src = jnp.asarray(src, dtype)
    if src.ndim == 0:
        return jnp.broadcast_to(src, index.shape)
    return src[tuple(slice(0, n) for n in index.shape)]


def _scatter_fn(x, index, src, *, dim, reduce):
    if x.ndim == 0:
        x, index, src = x[None], index.reshape(1), jnp.reshape(src, (1,))
        return _scatter_fn(x, index, src, dim=0, reduce=reduce)[0]
    at = x.at[_scatter_positions(index, dim)]
    values = _src_like(src, index, x.dtype)
    if reduce is None:
        return at.set(values)
    if reduce in ("add", "sum"):
        return at.add(values)
    if reduce in ("multiply", "prod"):
        return at.multiply(values)
    if reduce == "amax":
        return at.max(values)
    return at.min(values)


def _check_scatter(fname: str, input: Tensor, dim: int, index: Tensor, src=None) -> int:
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim)
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(f"{fname}(): Expected self.dtype to be equal to src.dtype")
        if src.ndim != index.ndim and not (src.ndim <= 1 and index.ndim <= 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if any(i > s for i, s in zip(index.shape, src.shape)):
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be smaller than self "
                f"{list(input.shape)} apart from dimension {d} and to be smaller size than src "
                f"{list(src.shape)}"
            )
    if any(i > s for k, (i, s) in enumerate(zip(index.shape, input.shape)) if k != d):
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be smaller than self {list(input.shape)} "
            f"apart from dimension {d}"
        )
    _check_bounds(index._data, input.shape[d] if input.ndim else 1, d, RuntimeError)
    return d


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    """Write ``src`` (a tensor or a number) at ``index`` along ``dim``; ``reduce`` is
    ``'add'``/``'multiply'``. Where indices repeat, PyTorch leaves the winner unspecified."""
    src = value if src is None else src
    d = _check_scatter("scatter", input, dim, index, src)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if not isinstance(src, Tensor):
        src = _unwrap(src)
    return apply(_scatter_fn, "Scatter", (input, index, src), dim=d, reduce=reduce)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src`` into ``input`` at ``index`` along ``dim`` (repeated indices add up)."""
    d = _check_scatter("scatter_add", input, dim, index, src)
    return apply(_scatter_fn, "ScatterAdd", (input, index, src), dim=d, reduce="add")


def _scatter_reduce_fn(x, index, src, *, dim, reduce, include_self):
    if x.ndim == 0:
        x, index, src = x[None], index.reshape(1), src.reshape(1)
        return _scatter_reduce_fn(x, index, src, dim=0, reduce=reduce, include_self=include_self)[0]
    pos = _scatter_positions(index, dim)
    values = _src_like(src, index, x.dtype)
    hit = jnp.zeros(x.shape, bool).at[pos].set(True)
    if reduce == "mean":
        total = jnp.where(hit & ~include_self, 0, x).at[pos].add(values)
        count = jnp.where(hit & ~include_self, 0, 1).at[pos].add(1)
        count = jnp.maximum(count, 1).astype(x.dtype)
        if jnp.issubdtype(x.dtype, jnp.integer):
            return jnp.floor_divide(total, count)
        return total / count
    if not include_self:
        neutral = {
            "sum": 0,
            "prod": 1,
            "amax": _extreme_value(x.dtype, low=True),
            "amin": _extreme_value(x.dtype, low=False),
        }[reduce]
        x = jnp.where(hit, neutral, x)
    return _scatter_fn(x, index, src, dim=dim, reduce=reduce)


def _extreme_value(dt, low: bool):
    if jnp.issubdtype(dt, jnp.inexact):
        return -jnp.inf if low else jnp.inf
    if dt == jnp.bool_:
        return not low
    info = jnp.iinfo(dt)
    return info.min if low else info.max


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self=True
) -> Tensor:
    """Reduce ``src`` into ``input`` at ``index``: ``'sum'``, ``'prod'``, ``'mean'``,
    ``'amax'`` or ``'amin'``, with or without ``input``'s own values."""
    d = _check_scatter("scatter_reduce", input, dim, index, src)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "reduce argument must be either sum, prod, mean, amax or amin, got " + str(reduce)
        )
    return apply(
        _scatter_reduce_fn,
        "ScatterReduce",
        (input, index, src),
        dim=d,
        reduce=reduce,
        include_self=bool(include_self),
    )


def _unwrap(v):
    return v.item() if isinstance(v, np.generic) else v


def _check_index_vector(fname: str, index: Tensor) -> None:
    if index.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32 or int64 for index")


def _index_select_fn(x, index, *, dim):
    return jnp.take(x, index.reshape(-1), axis=dim)


def _index_select_0d_fn(x, index):
    return jnp.broadcast_to(x, index.shape)


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The slices of ``input`` at the 1-d ``index`` along ``dim`` (a copy)."""
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    _check_index_vector("index_select", index)
    _check_bounds(index._data, input.shape[d] if input.ndim else 1, d, RuntimeError)
    if input.ndim == 0:
        return apply(_index_select_0d_fn, "IndexSelect", (input, index))
    return apply(_index_select_fn, "IndexSelect", (input, index), dim=d)


def _index_update_fn(x, index, src, *, dim, mode, alpha):
    pos = (slice(None),) * dim + (index.reshape(-1),)
    src = jnp.asarray(src, x.dtype)
    if mode == "add":
        return x.at[pos].add(src * alpha if alpha != 1 else src)
    return x.at[pos].set(src)  # copy and fill


def _index_update(fname: str, input: Tensor, dim: int, index: Tensor, src, mode: str, alpha=1):
    """``index_add``/``index_copy``/``index_fill`` with PyTorch's checks (whose exception types
    differ between the three: ``index_add`` raises ``RuntimeError`` where the others raise
    ``IndexError``)."""
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    _check_index_vector(fname, index)
    shape_error = RuntimeError if mode == "add" else IndexError
    _check_bounds(index._data, input.shape[d] if input.ndim else 1, d, shape_error)
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(
                f"{fname}(): self ({_typename(input)}) and source "
                f"({_typename(src)}) must have the same scalar type"
            )
        want = tuple(input.shape[:d]) + (index.numel(),) + tuple(input.shape[d + 1 :])
        if input.ndim and tuple(src.shape) != want:
            raise shape_error(
                f"{fname}(): Source/destination tensor must have same slice shapes. "
                f"Destination slice shape: {list(input.shape)} at dimension {d} and source "
                f"slice shape: {list(src.shape)} at dimension {d}."
            )
    else:
        src = _unwrap(src)
    name = {"add": "IndexAdd", "copy": "IndexCopy", "fill": "IndexFill"}[mode]
    return apply(_index_update_fn, name, (input, index, src), dim=d, mode=mode, alpha=alpha)


def _typename(t: Tensor) -> str:
    return _dtype.type_name(t.dtype)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Add ``alpha * source`` slices into ``input`` at ``index`` along ``dim`` (repeats add)."""
    return _index_update("index_add", input, dim, index, source, "add", alpha)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """Copy the slices of ``source`` into ``input`` at ``index`` along ``dim``."""
    return _index_update("index_copy", input, dim, index, source, "copy")


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """Fill the slices of ``input`` at ``index`` along ``dim`` with ``value``."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    if isinstance(value, Tensor):
        from .pointwise import _cast

        value = _cast(value, input.dtype)
        return apply(
            _index_update_fn,
            "IndexFill",
            (input, index, value),
            dim=_wrap_dim_of(input, dim),
            mode="fill",
            alpha=1,
        )
    return _index_update("index_fill", input, dim, index, value, "fill")


def _wrap_dim_of(t: Tensor, dim: int) -> int:
    from .._tensor import _wrap_dim

    return _wrap_dim(dim, t.ndim) if t.ndim else 0


def _take_along_fn(x, index, *, dim):
    if dim is None:
        return jnp.take(x.reshape(-1), index.reshape(-1))
    shape = list(
        np.broadcast_shapes(
            tuple(np.delete(np.array(x.shape), dim)), tuple(np.delete(np.array(index.shape), dim))
        )
    )
    x = jnp.broadcast_to(x, tuple(shape[:dim]) + (x.shape[dim],) + tuple(shape[dim:]))
    index = jnp.broadcast_to(index, tuple(shape[:dim]) + (index.shape[dim],) + tuple(shape[dim:]))
    return jnp.take_along_axis(x, index, axis=dim)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """``gather`` with broadcasting (NumPy's ``take_along_axis``); ``dim=None`` flattens."""
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got "
            f"{_dtype.type_name(indices.dtype)}"
        )
    if dim is None:
        _check_bounds(indices._data, input.numel(), 0)
        return apply(_take_along_fn, "TakeAlongDim", (input, indices), dim=None)
    d = _wrap_dim_of(input, dim)
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    _check_bounds(indices._data, input.shape[d], d)
    return apply(_take_along_fn, "TakeAlongDim", (input, indices), dim=d)


def _take_fn(x, index):
    return jnp.take(x.reshape(-1), index)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (the result has ``index``'s shape)."""
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            "take(): Expected a long tensor for index, but got " + _dtype.type_name(index.dtype)
        )
    _check_bounds(index._data, input.numel(), 0)
    return apply(_take_fn, "Take", (input, index))


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    indices = _t(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    out = jnp.unravel_index(indices._data.astype(jnp.int64), shape)
    return tuple(Tensor._wrap(o.astype(jnp.int64)) for o in out)


# -- scatter-style ops -----------------------------------------------------------------------------


def _index_of(x, dim, index):
    return (slice(None),) * dim + (index,)


def _select_scatter_fn(x, src, dim, index):
    return x.at[_index_of(x, dim, index)].set(src.astype(x.dtype))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    dim = dim % input.ndim
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {dim}"
        )
    expected = tuple(s for i, s in enumerate(input.shape) if i != dim)
    if tuple(src.shape) != expected:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(expected)}"
        )
    return apply(_select_scatter_fn, "SelectScatter", (input, src), dim=dim, index=index % size)


def _slice_scatter_fn(x, src, dim, start, end, step):
    return x.at[_index_of(x, dim, slice(start, end, step))].set(src.astype(x.dtype))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1):
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``."""
    dim = dim % input.ndim
    expected = list(input.shape)
    expected[dim] = len(np.arange(input.shape[dim])[slice(start, end, step)])
    if list(src.shape) != expected:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {expected}"
        )
    return apply(
        _slice_scatter_fn, "SliceScatter", (input, src), dim=dim, start=start, end=end, step=step
    )


def _diagonal_index(shape, offset, dim1, dim2):
    n = min(shape[dim1] - max(-offset, 0), shape[dim2] - max(offset, 0))
    k = np.arange(max(n, 0))
    return k + max(-offset, 0), k + max(offset, 0)


def _diagonal_scatter_fn(x, src, offset, dim1, dim2):
    rows, cols = _diagonal_index(x.shape, offset, dim1, dim2)
    moved = jnp.moveaxis(x, (dim1, dim2), (-2, -1))
    moved = moved.at[..., rows, cols].set(src.astype(x.dtype))
    return jnp.moveaxis(moved, (-2, -1), (dim1, dim2))


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """``input`` with ``input.diagonal(offset, dim1, dim2)`` replaced by ``src``."""
    dim1, dim2 = dim1 % input.ndim, dim2 % input.ndim
    expected = tuple(input.diagonal(offset, dim1, dim2).shape)
    if tuple(src.shape) != expected:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(expected)}"
        )
    return apply(
        _diagonal_scatter_fn, "DiagonalScatter", (input, src), offset=offset, dim1=dim1, dim2=dim2
    )


def _masked_scatter_fn(x, mask, source):
    mask = jnp.broadcast_to(mask, x.shape).reshape(-1)
    pos = jnp.clip(jnp.cumsum(mask) - 1, 0, max(source.size - 1, 0))
    vals = source.reshape(-1)[pos] if source.size else jnp.zeros_like(x.reshape(-1))
    return jnp.where(mask, vals.astype(x.dtype), x.reshape(-1)).reshape(x.shape)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Where ``mask`` is True, the next element of ``source`` (in row-major order)."""
    if mask.dtype.name != "bool":
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    if input.dtype is not source.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    return apply(_masked_scatter_fn, "MaskedScatter", (input, mask, source))


def _index_put_fn(x, values, *index, none_at, accumulate):
    it = iter(index)
    idx = tuple(
        slice(None) if i in none_at else next(it) for i in np.arange(len(none_at) + len(index))
    )
    ref = x.at[idx]
    values = values.astype(x.dtype)
    return ref.add(values) if accumulate else ref.set(values)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` (``+=`` with ``accumulate``) as a new tensor; ``indices`` is
    a tuple of integer or bool tensors (``None`` for a full slice). Bool indices need concrete
    values (as ``nonzero``). With repeated indices and ``accumulate=False`` which value lands is
    unspecified (as in PyTorch) and only that one receives a gradient."""
    arrays, none_at = [], []
    for i, ix in enumerate(indices):
        if ix is None:
            none_at.append(i)
            continue
        ix = _t(ix)
        if ix.dtype.name in ("bool", "uint8"):
            arrays.extend(Tensor._wrap(a) for a in jnp.nonzero(ix._data))
        elif ix.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        else:
            arrays.append(ix)
    values = _t(values)
    return apply(
        _index_put_fn,
        "IndexPut",
        (input, values, *arrays),
        none_at=tuple(none_at),
        accumulate=bool(accumulate),
    )
