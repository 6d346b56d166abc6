"""Sorting and order statistics: ``sort``, ``topk``, ``kthvalue``, ``median``, ``mode``,
``quantile``, ``unique``, ``bincount``, ``histc``, ``cummax`` ...

Values are gathered at the indices the sort picks, so gradients flow to exactly those elements,
as in PyTorch. Ties: ``sort(stable=True)`` keeps input order; ``topk`` and ``kthvalue`` order
ties by index, which PyTorch leaves unspecified. ``unique`` and ``bincount`` without
``minlength`` have a data-dependent shape, so they read the values (not inside compile).
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor, _wrap_dim
from .reduction import _dims, values_indices


def _check_sortable(input: Tensor, fname: str) -> None:
    if input.dtype.is_complex:
        raise RuntimeError(f"{fname}(): complex tensors are not supported")


def _argsort(x, dim: int, descending: bool):
    """A stable argsort along ``dim`` (NaN sorts as the largest value, as in PyTorch)."""
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.int8)
    return jnp.argsort(x, axis=dim, stable=True, descending=descending)


def _sort_fn(x, *, dim, descending):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = _argsort(x, dim, descending)
    return jnp.take_along_axis(x, idx, axis=dim), idx.astype(jnp.int64)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """``(values, indices)`` sorted along ``dim`` (always stable here)."""
    _check_sortable(input, "sort")
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    vals, idx = apply(_sort_fn, "Sort", (input,), dim=d, descending=bool(descending))
    return values_indices["sort"](vals, idx)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable)."""
    return sort(input, dim, descending, stable).indices


def msort(input: Tensor) -> Tensor:
    """``sort(input, 0).values``."""
    return sort(input, 0).values


def _topk_fn(x, *, k, dim, largest, sorted_):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jax.lax.slice_in_dim(_argsort(x, dim, largest), 0, k, axis=dim)
    return jnp.take_along_axis(x, idx, axis=dim), idx.astype(jnp.int64)


def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None
):  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) along ``dim``, always sorted."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    vals, idx = apply(
        _topk_fn, "Topk", (input,), k=int(k), dim=d, largest=bool(largest), sorted_=True
    )
    return values_indices["topk"](vals, idx)


def _kth_fn(x, *, k, dim, keepdim):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jax.lax.slice_in_dim(_argsort(x, dim, False), k - 1, k, axis=dim)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    vals, idx = apply(_kth_fn, "Kthvalue", (input,), k=int(k), dim=d, keepdim=bool(keepdim))
    return values_indices["kthvalue"](vals, idx)


def _median_all_fn(x, *, ignore_nan):
    flat = x.reshape(-1)
    idx = _argsort(flat, 0, False)
    n = flat.shape[0] - (jnp.sum(jnp.isnan(flat)) if ignore_nan else 0)
    pos = jnp.maximum((n - 1) // 2, 0)
    if not ignore_nan and jnp.issubdtype(flat.dtype, jnp.inexact):
        pos = jnp.where(jnp.any(jnp.isnan(flat)), flat.shape[0] - 1, pos)  # NaN propagates
    return flat[idx[pos]]


def _median_dim_fn(x, *, dim, keepdim, ignore_nan):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = _argsort(x, dim, False)
    n = x.shape[dim]
    if jnp.issubdtype(x.dtype, jnp.inexact):
        nans = jnp.sum(jnp.isnan(x), axis=dim, keepdims=True)
        pos = jnp.where(nans > 0, n - 1, (n - 1) // 2)
        if ignore_nan:
            pos = jnp.maximum((n - nans - 1) // 2, 0)
    else:
        pos = jnp.full(x.shape[:dim] + (1,) + x.shape[dim + 1 :], (n - 1) // 2)
    pick = jnp.take_along_axis(idx, pos, axis=dim)
    vals = jnp.take_along_axis(x, pick, axis=dim)
    if not keepdim:
        vals, pick = jnp.squeeze(vals, dim), jnp.squeeze(pick, dim)
    return vals, pick.astype(jnp.int64)


def _nan_fn(x):
    return jnp.full((), jnp.nan, x.dtype)


def _median(input: Tensor, dim, keepdim: bool, ignore_nan: bool, name: str):
    if dim is None:
        if input.numel() == 0:
            return apply(_nan_fn, name, (input,))
        return apply(_median_all_fn, name, (input,), ignore_nan=ignore_nan)
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name.lower()}(): Expected reduction dim {d} to have non-zero size.")
    vals, idx = apply(
        _median_dim_fn, name, (input,), dim=d, keepdim=bool(keepdim), ignore_nan=ignore_nan
    )
    return values_indices[name.lower()](vals, idx)


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median: a value, or ``(values, indices)`` along ``dim``. NaN propagates."""
    return _median(input, dim, keepdim, False, "Median")


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """``median`` ignoring NaNs."""
    return _median(input, dim, keepdim, True, "Nanmedian")


def _mode_fn(x, *, dim, keepdim):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    xm = jnp.moveaxis(x, dim, -1)
    counts = jnp.sum(xm[..., :, None] == xm[..., None, :], axis=-1)
    # the most frequent value, the smallest among equally frequent ones
    best = jnp.max(counts, axis=-1, keepdims=True)
    cand = jnp.where(counts == best, xm, _largest(xm.dtype))
    value = jnp.min(cand, axis=-1, keepdims=True)
    n = xm.shape[-1]
    # PyTorch returns the last index holding the mode
    pos = n - 1 - jnp.argmax(jnp.flip(xm == value, -1), axis=-1, keepdims=True)
    vals = jnp.take_along_axis(xm, pos, axis=-1)
    vals, pos = jnp.moveaxis(vals, -1, dim), jnp.moveaxis(pos, -1, dim)
    if not keepdim:
        vals, pos = jnp.squeeze(vals, dim), jnp.squeeze(pos, dim)
    return vals, pos.astype(jnp.int64)


def _largest(dt):
    if dt == jnp.bool_:
        return True
    return jnp.inf if jnp.issubdtype(dt, jnp.inexact) else jnp.iinfo(dt).max


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """``(values, indices)`` of the most frequent value along ``dim`` (smallest on ties)."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    vals, idx = apply(_mode_fn, "Mode", (input,), dim=d, keepdim=bool(keepdim))
    return values_indices["mode"](vals, idx)


def _quantile_fn(x, q, *, dims, keepdim, method, ignore_nan):
    f = jnp.nanquantile if ignore_nan else jnp.quantile
    if dims is None:
        return f(x.reshape(-1), q, axis=0, method=method)
    return f(x, q, axis=dims[0], keepdims=keepdim, method=method)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        qv = np.asarray(q._data) if not isinstance(q._data, jax.core.Tracer) else None
    else:
        qv = np.asarray(q)
        q = float(q)
    if qv is not None and (np.any(qv < 0) or np.any(qv > 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
            f"Got {interpolation}"
        )
    dims = None if dim is None else (_wrap_dim(dim, input.ndim) if input.ndim else 0,)
    out = apply(
        _quantile_fn,
        name.capitalize(),
        (input, q),
        dims=dims,
        keepdim=bool(keepdim),
        method=interpolation,
        ignore_nan=ignore_nan,
    )
    if dim is None and keepdim:
        lead = tuple(q.shape) if isinstance(q, Tensor) else ()
        out = out.reshape(lead + (1,) * input.ndim)
    return out


def quantile(
    input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None
) -> Tensor:
    """The ``q``-th quantiles (``q`` a float or a 1-D tensor, prepended to the result's dims)."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(
    input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None
) -> Tensor:
    """``quantile`` ignoring NaNs."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def _aminmax_fn(x, *, dims, keepdim):
    return jnp.min(x, axis=dims, keepdims=keepdim), jnp.max(x, axis=dims, keepdims=keepdim)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False, out=None):
    """``(min, max)`` in one call."""
    from .reduction import _check_nonempty

    dims = _dims(dim, input.ndim)
    _check_nonempty(input, "aminmax", dims)
    mn, mx = apply(_aminmax_fn, "Aminmax", (input,), dims=dims, keepdim=bool(keepdim))
    return _aminmax_result(mn, mx)


_aminmax_result = namedtuple("aminmax", ["min", "max"])


def _cumextreme_fn(x, *, dim, largest):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    n = x.shape[dim]
    pos = jnp.broadcast_to(jnp.arange(n).reshape((n,) + (1,) * (x.ndim - dim - 1)), x.shape).astype(
        jnp.int64
    )
    key = x.astype(jnp.int8) if x.dtype == jnp.bool_ else x

    def better(a, b):
        (va, ia), (vb, ib) = a, b
        # the later element wins ties (PyTorch's cummax/cummin); NaN wins and stays
        take_b = (vb >= va) if largest else (vb <= va)
        if jnp.issubdtype(key.dtype, jnp.inexact):
            take_b = (take_b & ~jnp.isnan(va)) | jnp.isnan(vb)
        return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia)

    _, idx = jax.lax.associative_scan(better, (key, pos), axis=dim)
    return jnp.take_along_axis(x, idx, axis=dim), idx


def cummax(input: Tensor, dim: int, *, out=None):
    """``(values, indices)`` of the running maximum along ``dim``."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    vals, idx = apply(_cumextreme_fn, "Cummax", (input,), dim=d, largest=True)
    return values_indices["cummax"](vals, idx)


def cummin(input: Tensor, dim: int, *, out=None):
    """``(values, indices)`` of the running minimum along ``dim``."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    vals, idx = apply(_cumextreme_fn, "Cummin", (input,), dim=d, largest=False)
    return values_indices["cummin"](vals, idx)


# -- data-dependent shapes (values read on the host) ----------------------------------------------


def _host(t: Tensor, fname: str) -> np.ndarray:
    if isinstance(t._data, jax.core.Tracer):
        raise RuntimeError(
            f"{fname}() has a data-dependent output shape, which a compiled function "
            "(torchlike.compile / jax.jit) cannot express; call it outside the compiled function."
        )
    arr = np.asarray(t._data)
    return arr.astype(np.float32) if arr.dtype.name == "bfloat16" else arr


def _wrap_np(arr: np.ndarray, dt: _dtype.dtype) -> Tensor:
    return Tensor._wrap(jnp.asarray(arr).astype(dt.np))


def unique(
    input: Tensor,
    sorted: bool = True,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """Sorted unique values (and the inverse indices and counts when asked)."""
    arr = _host(input, "unique")
    axis = None if dim is None else _wrap_dim(dim, input.ndim)
    vals, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True, axis=axis)
    outs = [_wrap_np(vals, input.dtype)]
    if return_inverse:
        inv_shape = arr.shape if axis is None else (arr.shape[axis],)
        outs.append(_wrap_np(inverse.reshape(inv_shape), _dtype.int64))
    if return_counts:
        outs.append(_wrap_np(counts, _dtype.int64))
    return outs[0] if len(outs) == 1 else tuple(outs)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    """Collapse runs of equal consecutive values."""
    arr = _host(input, "unique_consecutive")
    if dim is not None:
        raise NotImplementedError("unique_consecutive(dim=...) is not supported yet")
    flat = arr.reshape(-1)
    starts = np.ones(flat.shape, bool)
    starts[1:] = flat[1:] != flat[:-1]
    outs = [_wrap_np(flat[starts], input.dtype)]
    if return_inverse:
        outs.append(_wrap_np((np.cumsum(starts) - 1).reshape(arr.shape), _dtype.int64))
    if return_counts:
        edges = np.flatnonzero(np.append(starts, True))
        outs.append(_wrap_np(np.diff(edges), _dtype.int64))
    return outs[0] if len(outs) == 1 else tuple(outs)


def _bincount_fn(x, w, *, length):
    return jnp.bincount(x, w, length=length)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each non-negative int; weighted sums are float64 unless weights are float32."""
    if _dtype.category(input.dtype) > 1:
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{_dtype.type_name(input.dtype)}'"
        )
    if input.ndim != 1 or input.dtype is _dtype.bool_:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    arr = _host(input, "bincount")
    if arr.size and arr.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = builtins.max(int(arr.max()) + 1 if arr.size else 0, int(minlength))
    if weights is None:
        return apply(_bincount_fn, "Bincount", (input, None), length=length).long()
    dt = weights.dtype if weights.dtype in (_dtype.float32, _dtype.float64) else _dtype.float64
    from .pointwise import _cast

    return apply(_bincount_fn, "Bincount", (input, _cast(weights, dt)), length=length)


def _histc_fn(x, *, bins, lo, hi):
    flat = x.reshape(-1)
    if lo == hi and flat.size:  # the data's range
        lo_v, hi_v = jnp.min(flat), jnp.max(flat)
    else:
        lo_v, hi_v = jnp.asarray(lo, flat.dtype), jnp.asarray(hi, flat.dtype)
    same = lo_v == hi_v
    lo_v, hi_v = jnp.where(same, lo_v - 1, lo_v), jnp.where(same, hi_v + 1, hi_v)
    pos = ((flat - lo_v) * bins / (hi_v - lo_v)).astype(jnp.int32)
    pos = jnp.where(flat == hi_v, bins - 1, pos)  # the last bin includes its right edge
    inside = (flat >= lo_v) & (flat <= hi_v)
    return jnp.zeros(bins, x.dtype).at[jnp.where(inside, pos, bins)].add(1, mode="drop")


def histc(input: Tensor, bins: int = 100, min=0, max=0, *, out=None) -> Tensor:  # noqa: A002
    """A histogram of equal-width bins over ``[min, max]`` (the data's range when equal)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{_dtype.type_name(input.dtype)}'"
        )
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got 0 for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    return apply(_histc_fn, "Histc", (input,), bins=int(bins), lo=float(min), hi=float(max))


def _searchsorted_fn(seq, values, *, right):
    side = "right" if right else "left"
    if seq.ndim == 1:
        return jnp.searchsorted(seq, values, side=side)
    flat_s = seq.reshape(-1, seq.shape[-1])
    flat_v = values.reshape(-1, values.shape[-1])
    out = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(flat_s, flat_v)
    return out.reshape(values.shape)


def searchsorted(
    sorted_sequence: Tensor,
    input,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter=None,
    out=None,
) -> Tensor:
    """Insertion indices of ``input`` into the innermost dim of ``sorted_sequence``."""
    if side is not None:
        right = side == "right"
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    if not isinstance(input, Tensor):
        input = Tensor._wrap(jnp.asarray(input, sorted_sequence.dtype.np))
    if sorted_sequence.ndim > 1 and tuple(sorted_sequence.shape[:-1]) != tuple(input.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(sorted_sequence.shape)} and input value tensor "
            f"{list(input.shape)}"
        )
    out_ = apply(_searchsorted_fn, "Searchsorted", (sorted_sequence, input), right=bool(right))
    return out_.int() if out_int32 else out_.long()


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False):
    """The bucket of each value among 1-d ``boundaries`` (``searchsorted`` with roles swapped)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _isin_fn(x, test, *, invert):
    hit = jnp.isin(x, test)
    return ~hit if invert else hit


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """Whether each element of ``elements`` occurs in ``test_elements``."""
    return apply(_isin_fn, "isin", (elements, test_elements), invert=bool(invert))


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the indices of the non-zero elements, one row each."""
    from .indexing import nonzero

    return nonzero(input)


def histogram(input: Tensor, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)``, as ``torch.histogram`` (float inputs; needs concrete values)."""
    from collections import namedtuple

    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
            f"input {input.dtype.name} and bins float"
        )
    dt = input._data.dtype
    b = np.asarray(bins._data) if isinstance(bins, Tensor) else int(bins)
    w = None if weight is None else np.asarray(weight._data)
    hist, edges = np.histogram(
        np.asarray(input._data), bins=b, range=range, weights=w, density=density
    )
    result = namedtuple("histogram", ["hist", "bin_edges"])
    return result(Tensor._wrap(jnp.asarray(hist, dt)), Tensor._wrap(jnp.asarray(edges, dt)))
