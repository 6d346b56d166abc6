"""Smaller ``torch.*`` functions: statistics (``cov``, ``corrcoef``), integration (``trapezoid``),
special functions (``i0``, ``polygamma``, ``igamma`` ...), window functions and predicates.

Each differentiable one is a pure JAX function run through ``apply``; integer inputs to
floating functions are promoted to the default float dtype first, as PyTorch does.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor
from . import creation


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else creation.tensor(x)


def _floating(x) -> Tensor:
    x = _t(x)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return x
    return x.to(_dtype.get_default_dtype())


# -- small utilities ----------------------------------------------------------------------------


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """``torch.asarray``: a tensor given as is (or cast) shares it; otherwise a new tensor."""
    if isinstance(obj, Tensor) and not copy:
        out = obj if dtype is None else obj.to(dtype)
    elif isinstance(obj, Tensor):
        out = obj.clone() if dtype is None else obj.to(dtype).clone()
    else:
        out = creation.as_tensor(obj, dtype=dtype)
    if device is not None:
        out = out.to(device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def detach(input: Tensor) -> Tensor:
    return input.detach()


def fill(input: Tensor, value) -> Tensor:
    """``torch.fill``: a new tensor like ``input`` filled with ``value``."""
    return input.clone().fill_(value)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """``torch.range`` (deprecated, as in PyTorch): ``end`` is included; default float dtype."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    arr = jnp.asarray(start + np.arange(n) * step, dt.np)
    return creation._finish(arr, requires_grad, device)


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``."""
    from .pointwise import sub

    return sub(other, input, alpha=alpha)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return creation.tensor(s, dtype=dt, device=device, requires_grad=requires_grad)


def is_complex(input: Tensor) -> bool:
    return input.dtype.is_complex


def is_signed(input: Tensor) -> bool:
    return input.dtype.name not in ("uint8", "bool")


def is_nonzero(input: Tensor) -> bool:
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}


def typename(obj) -> str:
    """``torch.typename``: ``'torch.FloatTensor'`` for a tensor, the qualified type otherwise."""
    if isinstance(obj, Tensor):
        return f"torch.{_TYPE_NAMES.get(obj.dtype.name, 'Tensor')}"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


_WARN_ALWAYS = [False]


def set_warn_always(b: bool) -> None:
    """Accepted (torchlike's warnings follow Python's ``warnings`` filters either way)."""
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _WARN_ALWAYS[0]


def set_flush_denormal(mode: bool) -> bool:
    """Accepted; returns False as PyTorch does where the CPU flag is not supported (XLA decides
    denormal handling per backend)."""
    return False


def is_inference_mode_enabled() -> bool:
    from ..autograd import grad_mode

    return bool(getattr(grad_mode, "is_inference_mode_enabled", lambda: False)())


# -- statistics and integration -------------------------------------------------------------------


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


def _vander_fn(x, n, increasing):
    powers = jnp.arange(n)
    powers = powers if increasing else powers[::-1]
    return x[:, None] ** powers.astype(x.dtype)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if x.dtype.name == "bool" or x.dtype.name in ("int32", "int16", "int8", "uint8"):
        x = x.to(_dtype.int64)
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    return apply(_vander_fn, "Vander", (x,), n=n, increasing=bool(increasing))


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    indices = _t(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    out = jnp.unravel_index(indices._data.astype(jnp.int64), shape)
    return tuple(Tensor._wrap(o.astype(jnp.int64)) for o in out)


def _renorm_fn(x, p, maxnorm, dim):
    axes = tuple(i for i in np.arange(x.ndim) if i != dim)
    norms = jnp.sum(jnp.abs(x) ** p, axis=axes, keepdims=True) ** (1.0 / p)
    scale = jnp.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return x * scale.astype(x.dtype)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` is scaled down to it."""
    dim = dim % input.ndim
    return apply(_renorm_fn, "Renorm", (input, p, maxnorm), dim=dim)


def matrix_exp(input: Tensor) -> Tensor:
    return apply(jax.scipy.linalg.expm, "LinalgMatrixExp", (_floating(input),))


# -- special functions ----------------------------------------------------------------------------


def i0(input) -> Tensor:
    return apply(jss.i0, "I0", (_floating(input),))


def _ldexp_fn(x, e):
    return x * jnp.exp2(e.astype(x.dtype))


def ldexp(input, other) -> Tensor:
    """``input * 2**other``."""
    input = _floating(input)
    return apply(_ldexp_fn, "Ldexp", (input, _t(other)))


def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``mantissa`` in (-1, 1) and an int32 exponent."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.frexp() only supports floating-point dtypes, but got {input.dtype}".replace(
                "torch.", ""
            )
        )
    m, e = jnp.frexp(input._data)
    return Tensor._wrap(m), Tensor._wrap(e.astype(jnp.int32))


def nextafter(input: Tensor, other) -> Tensor:
    return Tensor._wrap(jnp.nextafter(input._data, _t(other)._data.astype(input._data.dtype)))


def _polygamma_fn(x, n):
    return jss.polygamma(n, x)


def polygamma(n: int, input) -> Tensor:
    return apply(_polygamma_fn, "Polygamma", (_floating(input),), n=int(n))


def _mvlgamma_fn(x, p):
    return jss.multigammaln(x, p)


def mvlgamma(input, p: int) -> Tensor:
    input = _floating(input)
    if not isinstance(input._data, jax.core.Tracer) and bool((input._data <= (p - 1) / 2).any()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    return apply(_mvlgamma_fn, "Mvlgamma", (input,), p=int(p))


def _gammainc_fn(a, x):
    return jss.gammainc(a, x)


def _gammaincc_fn(a, x):
    return jss.gammaincc(a, x)


def igamma(input, other) -> Tensor:
    """Regularised lower incomplete gamma; PyTorch has no gradient for it either (w.r.t. a)."""
    return apply(_gammainc_fn, "Igamma", (_floating(input), _floating(other)))


def igammac(input, other) -> Tensor:
    return apply(_gammaincc_fn, "Igammac", (_floating(input), _floating(other)))


# -- window functions -----------------------------------------------------------------------------


def _window(n: int, periodic: bool, dtype, fn, device=None, requires_grad=False) -> Tensor:
    from .creation import _finish

    t = _window_values(n, periodic, dtype, fn)
    return _finish(t._data, requires_grad, device)


def _window_values(n: int, periodic: bool, dtype, fn) -> Tensor:
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"window function expects floating point dtypes, got: {dt}")
    if n < 0:
        raise RuntimeError(f"window_length must be non-negative, got {n}")
    if n == 0:
        return Tensor._wrap(jnp.zeros((0,), dt.np))
    if n == 1:
        return Tensor._wrap(jnp.ones((1,), dt.np))
    m = n + 1 if periodic else n
    k = np.arange(n, dtype=np.float64)
    return Tensor._wrap(jnp.asarray(fn(k, m), dt.np))


def hann_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _window(
        window_length,
        periodic,
        dtype,
        lambda k, m: 0.5 - 0.5 * np.cos(2 * np.pi * k / (m - 1)),
        device,
        requires_grad,
    )


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    return _window(
        window_length,
        periodic,
        dtype,
        lambda k, m: alpha - beta * np.cos(2 * np.pi * k / (m - 1)),
        device,
        requires_grad,
    )


def blackman_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _window(
        window_length,
        periodic,
        dtype,
        lambda k, m: (
            0.42 - 0.5 * np.cos(2 * np.pi * k / (m - 1)) + 0.08 * np.cos(4 * np.pi * k / (m - 1))
        ),
        device,
        requires_grad,
    )


def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _window(
        window_length,
        periodic,
        dtype,
        lambda k, m: 1 - np.abs(2 * k / (m - 1) - 1),
        device,
        requires_grad,
    )


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    return _window(
        window_length,
        periodic,
        dtype,
        lambda k, m: np.i0(beta * np.sqrt(1 - (2 * k / (m - 1) - 1) ** 2)) / np.i0(beta),
        device,
        requires_grad,
    )


# -- scatter-style ops --------------------------------------------------------------------------


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


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of the elements of a 1-D tensor, one per row."""
    import itertools

    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._wrap(jnp.zeros((0,), input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(np.arange(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[Tensor._wrap(jnp.asarray(idx))]


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    if sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} (input "
            f"tensor's size at dimension {dim}), but got split_sizes={list(split_sizes)}"
        )
    return input.split(list(split_sizes), dim)


def unsafe_split(input: Tensor, split_size, dim: int = 0) -> tuple:
    return input.split(split_size, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    return input.chunk(chunks, dim)


def _hardshrink_fn(x, lambd):
    return jnp.where(jnp.abs(x) > lambd, x, jnp.zeros_like(x))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return apply(_hardshrink_fn, "Hardshrink", (input,), lambd=float(lambd))


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


# -- defaults -------------------------------------------------------------------------------------


def get_default_device():
    """The device new tensors are created on (JAX's default device)."""
    from .._device import of_array

    return of_array(jnp.zeros(()))


def set_default_device(device) -> None:
    """Create new tensors on ``device`` (``'cpu'``, ``'cuda'``...): sets JAX's default device;
    ``None`` restores JAX's own choice."""
    from .._device import device as _device

    jax.config.update(
        "jax_default_device", None if device is None else _device(device).jax_device()
    )


def set_default_tensor_type(t) -> None:
    """Deprecated in PyTorch (and warned about the same way): sets the default float dtype from
    ``torch.FloatTensor`` / ``torch.DoubleTensor`` (or their names)."""
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    name = t if isinstance(t, str) else getattr(t, "__name__", None)
    dt = getattr(t, "_dtype", None)
    if dt is None:
        names = {
            "torch.FloatTensor": _dtype.float32,
            "torch.DoubleTensor": _dtype.float64,
            "FloatTensor": _dtype.float32,
            "DoubleTensor": _dtype.float64,
        }
        if name not in names:
            raise TypeError(f"invalid type: '{t}'")
        dt = names[name]
    if dt not in (_dtype.float32, _dtype.float64):
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dt)


__all__ = """asarray detach fill range rsub scalar_tensor is_complex is_signed is_nonzero
    is_same_size typename set_warn_always is_warn_always_enabled set_flush_denormal
    is_inference_mode_enabled cov corrcoef trapezoid trapz cumulative_trapezoid vander
    unravel_index renorm matrix_exp i0 ldexp frexp nextafter polygamma mvlgamma igamma igammac
    hann_window hamming_window blackman_window bartlett_window kaiser_window select_scatter
    slice_scatter diagonal_scatter masked_scatter index_put combinations split_with_sizes
    unsafe_split unsafe_chunk hardshrink histogram get_default_device set_default_device
    set_default_tensor_type""".split()
