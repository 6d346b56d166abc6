"""Reductions: ``sum``, ``mean``, ``max``/``min`` with ``(values, indices)``, ``std``, ``norm``,
``cov``/``corrcoef``, ``trapezoid`` ...

Integer and bool sums give int64 as in PyTorch. ``max(dim)``/``min(dim)`` send the gradient to the
returned index only (ties included), while the full reductions ``max()``/``amax`` split it evenly
among ties, both as PyTorch does.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import jax
import jax.numpy as jnp

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor, _wrap_dim
from .creation import _floating

values_indices = {
    name: namedtuple(name, ["values", "indices"])
    for name in (
        "max",
        "min",
        "sort",
        "topk",
        "kthvalue",
        "median",
        "nanmedian",
        "mode",
        "cummax",
        "cummin",
    )
}


def _dims(dim, ndim: int):
    """Normalise ``dim`` (None, int, or sequence) to a sorted tuple, or None for all dims
    (``()`` for a 0-d tensor, which has no axis to reduce)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        dims = tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims if ndim else ()
    d = _wrap_dim(int(dim), ndim)
    return (d,) if ndim else ()  # a 0-d tensor's dim 0 (or -1) is the tensor itself


def _reduce(fn, name: str, input: Tensor, dim, keepdim, **static) -> Tensor:
    """``fn`` over ``dim`` of ``input`` (all its dims when None), the dims kept or not."""
    return apply(fn, name, (input,), dims=_dims(dim, input.ndim), keepdim=bool(keepdim), **static)


def _sum_fn(x, *, dims, keepdim, dtype):
    return jnp.sum(x.astype(dtype), axis=dims, keepdims=keepdim)


def _sum_dtype(t: Tensor, dtype) -> _dtype.dtype:
    if dtype is not None:
        return _dtype.as_dtype(dtype)
    return _dtype.int64 if _dtype.category(t.dtype) <= 1 else t.dtype


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A001
    name = "Sum" if dim is None else "SumBackward1"
    return _reduce(_sum_fn, name, input, dim, keepdim, dtype=_sum_dtype(input, dtype).np)


def _nansum_fn(x, *, dims, keepdim, dtype):
    return jnp.nansum(x.astype(dtype), axis=dims, keepdims=keepdim)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return _reduce(_nansum_fn, "Nansum", input, dim, keepdim, dtype=_sum_dtype(input, dtype).np)


def _prod_fn(x, *, dims, keepdim, dtype):
    return jnp.prod(x.astype(dtype), axis=dims, keepdims=keepdim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return _reduce(_prod_fn, "Prod", input, dim, keepdim, dtype=_sum_dtype(input, dtype).np)


def _float_input(t: Tensor, fname: str, dtype=None) -> _dtype.dtype:
    dt = _dtype.as_dtype(dtype) if dtype is not None else t.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(
            f"{fname}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {_dtype.type_name(dt)}"
        )
    return dt


def _mean_fn(x, *, dims, keepdim, dtype):
    return jnp.mean(x.astype(dtype), axis=dims, keepdims=keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    name = "Mean" if dim is None else "MeanBackward1"
    return _reduce(_mean_fn, name, input, dim, keepdim, dtype=_float_input(input, "mean", dtype).np)


def _nanmean_fn(x, *, dims, keepdim, dtype):
    acc = jnp.float32 if dtype in (jnp.float16, jnp.bfloat16) else dtype  # as PyTorch sums
    return jnp.nanmean(x.astype(acc), axis=dims, keepdims=keepdim).astype(dtype)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    dt = _float_input(input, "nanmean", dtype)
    return _reduce(_nanmean_fn, "Nanmean", input, dim, keepdim, dtype=dt.np)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _var_fn(x, *, dims, keepdim, ddof):
    return jnp.var(x, axis=dims, keepdims=keepdim, ddof=ddof)


def _std_fn(x, *, dims, keepdim, ddof):
    # PyTorch's gradient of std is 0 where std is 0 (sqrt's would be NaN): select around it.
    v = jnp.var(x, axis=dims, keepdims=keepdim, ddof=ddof)
    return jnp.where(v == 0, 0.0, jnp.sqrt(jnp.where(v == 0, 1.0, v))).astype(v.dtype)


def _var_args(input, dim, unbiased, correction) -> tuple:
    """``(dim, ddof)`` of a ``var``/``std`` call."""
    if isinstance(dim, bool):  # var(input, unbiased) positional form
        dim, unbiased = None, dim
    _float_input(input, "std and var")
    return dim, _correction(unbiased, correction)


def var(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None
) -> Tensor:
    dim, ddof = _var_args(input, dim, unbiased, correction)
    return _reduce(_var_fn, "Var", input, dim, keepdim, ddof=ddof)


def std(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None
) -> Tensor:
    dim, ddof = _var_args(input, dim, unbiased, correction)
    return _reduce(_std_fn, "Std", input, dim, keepdim, ddof=ddof)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def _amax_fn(x, *, dims, keepdim):
    return jnp.max(x, axis=dims, keepdims=keepdim)


def _amin_fn(x, *, dims, keepdim):
    return jnp.min(x, axis=dims, keepdims=keepdim)


def _check_nonempty(t: Tensor, fname: str, dims, whole=RuntimeError) -> None:
    """PyTorch's errors for reducing an empty tensor: ``whole`` without a dim, else IndexError."""
    if t.numel() == 0 and dims is None:
        raise whole(
            f"{fname}(): Expected reduction dim to be specified for input.numel() "
            f"== 0. Specify the reduction dim with the 'dim' argument."
        )
    if t.numel() == 0 and builtins.any(t.shape[d] == 0 for d in dims):
        raise IndexError(f"{fname}(): Expected reduction dim {dims[0]} to have non-zero size.")


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    dims = _dims(dim, input.ndim)
    _check_nonempty(input, "amax", dims)
    return apply(_amax_fn, "Amax", (input,), dims=dims, keepdim=bool(keepdim))


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    dims = _dims(dim, input.ndim)
    _check_nonempty(input, "amin", dims)
    return apply(_amin_fn, "Amin", (input,), dims=dims, keepdim=bool(keepdim))


def _max_dim_fn(x, *, dim, keepdim, largest):
    idx = (
        jnp.argmax(x, axis=dim, keepdims=True)
        if largest
        else jnp.argmin(x, axis=dim, keepdims=True)
    )
    vals = jnp.take_along_axis(x, idx, axis=dim)  # the gradient goes to the returned index
    if not keepdim:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


def _extreme(input: Tensor, dim, keepdim, other, largest: bool):
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum

        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        _check_nonempty(input, name, None)
        fn = _amax_fn if largest else _amin_fn
        return apply(
            fn, f"{name.capitalize()}Backward1", (input,), dims=_dims((), input.ndim), keepdim=False
        )
    d = _wrap_dim(int(dim), input.ndim)
    _check_nonempty(input, name, (d,))
    if input.ndim == 0:
        return values_indices[name](input, Tensor._wrap(jnp.zeros((), jnp.int64)))
    vals, idx = apply(
        _max_dim_fn, name.capitalize(), (input,), dim=d, keepdim=bool(keepdim), largest=largest
    )
    return values_indices[name](vals, idx)


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """``max()``: the largest value; ``max(dim)``: ``(values, indices)``; ``max(other)``."""
    return _extreme(input, dim, keepdim, None, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    return _extreme(input, dim, keepdim, None, False)


def _argmax_fn(x, *, dim, keepdim, largest):
    f = jnp.argmax if largest else jnp.argmin
    if dim is None:
        out = f(x.reshape(-1))
        return out.reshape((1,) * x.ndim) if keepdim else out
    return f(x, axis=dim, keepdims=keepdim)


def _check_arg_input(input: Tensor, fname: str, dim):
    """The wrapped ``dim`` of ``argmax``/``argmin``, after PyTorch's input checks."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError(f"{fname}(): does not support bool input")
    d = None if dim is None else _wrap_dim(int(dim), input.ndim)
    _check_nonempty(input, fname, None if d is None else (d,), whole=IndexError)
    return d


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = _check_arg_input(input, "argmax", dim)
    out = apply(_argmax_fn, "Argmax", (input,), dim=d, keepdim=bool(keepdim), largest=True)
    return out.long()


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = _check_arg_input(input, "argmin", dim)
    out = apply(_argmax_fn, "Argmin", (input,), dim=d, keepdim=bool(keepdim), largest=False)
    return out.long()


def _all_fn(x, *, dims, keepdim):
    return jnp.all(x, axis=dims, keepdims=keepdim)


def _any_fn(x, *, dims, keepdim):
    return jnp.any(x, axis=dims, keepdims=keepdim)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    out = _reduce(_all_fn, "All", input, dim, keepdim)
    return out if input.dtype is not _dtype.uint8 else out.byte()


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    out = _reduce(_any_fn, "Any", input, dim, keepdim)
    return out if input.dtype is not _dtype.uint8 else out.byte()


def _logsumexp_fn(x, *, dims, keepdim):
    return jax.nn.logsumexp(x, axis=dims, keepdims=keepdim)


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = input.float()
    return _reduce(_logsumexp_fn, "Logsumexp", input, dim, keepdim)


def _norm_fn(x, *, p, dims, keepdim):
    ax = dims
    if p == "fro" or p == 2:
        return jnp.sqrt(jnp.sum(jnp.abs(x) ** 2, axis=ax, keepdims=keepdim))
    if p == float("inf"):
        return jnp.max(jnp.abs(x), axis=ax, keepdims=keepdim)
    if p == float("-inf"):
        return jnp.min(jnp.abs(x), axis=ax, keepdims=keepdim)
    if p == 0:
        return jnp.sum(x != 0, axis=ax, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=ax, keepdims=keepdim)
    return jnp.sum(jnp.abs(x) ** p, axis=ax, keepdims=keepdim) ** (1.0 / p)


def _l2norm_safe(x, *, p, dims, keepdim):
    # The gradient of the 2-norm at 0 is 0 in PyTorch (not NaN as sqrt's would be).
    if p in ("fro", 2):
        sq = jnp.sum(jnp.abs(x) ** 2, axis=dims, keepdims=keepdim)
        safe = jnp.where(sq == 0, 1.0, sq)
        return jnp.where(sq == 0, 0.0, jnp.sqrt(safe)).astype(sq.dtype)
    return _norm_fn(x, p=p, dims=dims, keepdim=keepdim)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """``torch.norm``: vector p-norms over ``dim`` (all elements by default), or Frobenius;
    ``dtype``: the input is cast to it first."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as "
            f"input. Got {_dtype.type_name(input.dtype)}"
        )
    p = float(p) if isinstance(p, (int, float)) and not isinstance(p, bool) else p
    p = 2 if p == 2.0 else p
    return _reduce(_l2norm_safe, "LinalgVectorNorm", input, dim, keepdim, p=p)


def _count_nonzero_fn(x, *, dims):
    return jnp.sum(x != 0, axis=dims).astype(jnp.int64)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    return apply(_count_nonzero_fn, "CountNonzero", (input,), dims=_dims(dim, input.ndim))


def _scan_fn(scan):
    """``scan`` (``jnp.cumsum``/``jnp.cumprod``) along ``dim`` in ``dtype``; a 0-d tensor is its
    own scan."""

    def fn(x, *, dim, dtype):
        x = x.astype(dtype)
        return x if x.ndim == 0 else scan(x, axis=dim)

    return fn


_cumsum_fn = _scan_fn(jnp.cumsum)
_cumprod_fn = _scan_fn(jnp.cumprod)


def _scan(fn, name: str, input: Tensor, dim: int, dtype) -> Tensor:
    dt = _sum_dtype(input, dtype)
    return apply(fn, name, (input,), dim=_wrap_dim(dim, input.ndim), dtype=dt.np)


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    return _scan(_cumsum_fn, "Cumsum", input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    return _scan(_cumprod_fn, "Cumprod", input, dim, dtype)


def _logcumsumexp_fn(x, *, dim):
    if x.ndim == 0:
        return x
    return jax.lax.cumlogsumexp(x, axis=dim)


def logcumsumexp(input: Tensor, dim: int, *, out=None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{_dtype.type_name(input.dtype)}'"
        )
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    return apply(_logcumsumexp_fn, "Logcumsumexp", (input,), dim=d)


def _diff_fn(x, prepend, append, *, n, dim):
    parts = [p for p in (prepend, x, append) if p is not None]
    x = jnp.concatenate(parts, axis=dim) if len(parts) > 1 else x
    for _ in range(n):
        a = jax.lax.slice_in_dim(x, 1, x.shape[dim], axis=dim)
        b = jax.lax.slice_in_dim(x, 0, x.shape[dim] - 1, axis=dim)
        x = jnp.logical_xor(a, b) if x.dtype == jnp.bool_ else a - b
    return x


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``xor`` for bools)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input.ndim)
    return apply(_diff_fn, "Diff", (input, prepend, append), n=int(n), dim=d)


# -- statistics and integration --------------------------------------------------------------------


def _cov_fn(x, fw, aw, correction):
    x = x if x.ndim == 2 else x.reshape(1, -1)
    n = x.shape[1]
    w = None
    if fw is not None:
        w = fw.astype(x.dtype)
    if aw is not None:
        w = aw.astype(x.dtype) if w is None else w * aw.astype(x.dtype)
    if w is None:
        mean = x.mean(axis=1, keepdims=True)
        norm = n - correction
    else:
        wsum = w.sum()
        mean = (x * w).sum(axis=1, keepdims=True) / wsum
        if correction == 0:
            norm = wsum
        elif aw is None:
            norm = wsum - correction
        else:
            norm = wsum - correction * (w * aw.astype(x.dtype)).sum() / wsum
    xm = x - mean
    xw = xm if w is None else xm * w
    c = xw @ jnp.conj(xm).T / jnp.maximum(norm, 0)
    return c.reshape(()) if c.size == 1 else c


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """``torch.cov``: rows are variables, columns observations (a 1-D input is one variable)."""
    input = _floating(input)
    if input.ndim > 2:
        raise ValueError(
            f"cov(): expected input to have two or fewer dimensions but got an input "
            f"with {input.ndim} dimensions"
        )
    return apply(_cov_fn, "Cov", (input, fweights, aweights), correction=int(correction))


def _corrcoef_fn(x):
    c = _cov_fn(x, None, None, 1)
    if c.ndim == 0:
        return c / c
    d = jnp.sqrt(jnp.diagonal(c).real)
    c = c / d[:, None] / d[None, :]
    return jnp.clip(c, -1, 1) if not jnp.iscomplexobj(c) else c


def corrcoef(input: Tensor) -> Tensor:
    return apply(_corrcoef_fn, "Corrcoef", (_floating(input),))


def _trapz_fn(y, x, dx, dim):
    y = jnp.moveaxis(y, dim, -1)
    avg = (y[..., 1:] + y[..., :-1]) / 2
    if x is None:
        return (avg * dx).sum(-1)
    x = jnp.moveaxis(x, dim if x.ndim == y.ndim else -1, -1)
    return (avg * jnp.diff(x, axis=-1)).sum(-1)


def _cumtrapz_fn(y, x, dx, dim):
    y = jnp.moveaxis(y, dim, -1)
    avg = (y[..., 1:] + y[..., :-1]) / 2
    if x is None:
        out = jnp.cumsum(avg * dx, -1)
    else:
        x = jnp.moveaxis(x, dim if x.ndim == y.ndim else -1, -1)
        out = jnp.cumsum(avg * jnp.diff(x, axis=-1), -1)
    return jnp.moveaxis(out, -1, dim)


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """``torch.trapezoid(y, x=None, *, dx=1, dim=-1)`` (``x`` may be spacing as a number)."""
    y = _floating(y)
    if x is not None and not isinstance(x, Tensor):
        x, dx = None, x
    return apply(_trapz_fn, "Trapezoid", (y, x, 1.0 if dx is None else dx), dim=dim)


trapz = trapezoid


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    y = _floating(y)
    if x is not None and not isinstance(x, Tensor):
        x, dx = None, x
    return apply(_cumtrapz_fn, "CumulativeTrapezoid", (y, x, 1.0 if dx is None else dx), dim=dim)
