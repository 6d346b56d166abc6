"""Tensor creation: ``tensor``, ``zeros``, ``arange``, random draws, window functions ...
(PyTorch's signatures).

Arrays coming from NumPy are always copied (``jnp.asarray`` may alias host memory on CPU), so
``from_numpy`` does not share memory with the NumPy array as PyTorch's does.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import _arrays, _dtype
from .._tensor import Tensor
from ..random import Generator, next_key
from . import _eager_random


def _to_array(data, dt: _dtype.dtype | None = None):
    """Convert Python data, NumPy arrays or tensors to a fresh JAX array of PyTorch's dtype."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dt is None else arr.astype(dt.np)
    if isinstance(data, (jax.Array, np.ndarray, np.generic)) and not isinstance(
        data, jax.core.Tracer
    ):
        np_arr = np.asarray(data)
        inferred = _dtype.from_jax(np_arr.dtype)
    elif isinstance(data, jax.core.Tracer):
        return data if dt is None else data.astype(dt.np)
    else:
        data = _unwrap_nested(data)
        try:
            np_arr = np.array(data)
        except ValueError as e:
            raise ValueError(f"expected sequence of equal lengths: {e}") from None
        if np_arr.dtype == object:
            bad = next(
                (v for v in np_arr.flat if not isinstance(v, (bool, int, float, complex))), data
            )
            raise RuntimeError(f"Could not infer dtype of {type(bad).__name__}")
        if np_arr.dtype.kind in "US" and np_arr.ndim:
            raise ValueError("too many dimensions 'str'")
        kind = np_arr.dtype.kind
        inferred = {
            "b": _dtype.bool_,
            "i": _dtype.int64,
            "u": _dtype.int64,
            "f": _dtype.get_default_dtype(),
            "c": _dtype.get_default_dtype().to_complex(),
        }.get(kind)
        if inferred is None:
            raise TypeError(f"new(): invalid data type '{np_arr.dtype}'")
        if kind == "f" and np_arr.dtype != np.float64:
            inferred = _dtype.from_jax(np_arr.dtype)
    target = dt or inferred
    return _arrays.from_host(np_arr.astype(target.np))


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return np.asarray(data._data)
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def _finish(arr, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        from .._device import device as _dev

        arr = jax.device_put(arr, _dev(device).jax_device())
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(
    data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """``torch.tensor``: copies ``data``; infers int64 / default float / bool like PyTorch."""
    dt = None if dtype is None else _dtype.as_dtype(dtype)
    return _finish(_to_array(data, dt), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or _dtype.as_dtype(dtype) is data.dtype):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor with ``arr``'s dtype and a copy of its values (JAX arrays cannot alias NumPy's)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return Tensor._wrap(_arrays.from_host(arr))


def size_arg(fn: str, sizes: Sequence, size=None) -> tuple[int, ...]:
    """The shape a ``*size`` function was called with, in every form PyTorch takes:
    ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(torch.Size([2, 3]))``, ``f(size=(2, 3))``;
    sizes are ints (or anything with ``__index__``: NumPy ints, one-element int tensors)."""
    if size is not None:
        if sizes:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    elif len(sizes) == 1 and not _is_index(sizes[0]):
        raise TypeError(
            f"{fn}(): argument 'size' (position 1) must be tuple of ints, not "
            f"{type(sizes[0]).__name__}"
        )
    bad = next((i for i, s in enumerate(sizes) if not _is_index(s)), None)
    if bad is not None:
        raise TypeError(
            f"{fn}(): argument 'size' (position 1) must be tuple of ints, but found element of "
            f"type {type(sizes[bad]).__name__} at pos {bad}"
        )
    out = tuple(operator.index(s) for s in sizes)
    if any(s < 0 for s in out):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(out)}: {list(out)}"
        )
    return out


def _is_index(s) -> bool:
    if isinstance(s, Tensor):
        return s.numel() == 1 and not s.is_floating_point() and not s.is_complex()
    return not isinstance(s, bool) and hasattr(type(s), "__index__")


def _dt(dtype, default=None) -> _dtype.dtype:
    if dtype is not None:
        return _dtype.as_dtype(dtype)
    return default or _dtype.get_default_dtype()


def zeros(
    *sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    shape = size_arg("zeros", sizes, size)
    return _finish(jnp.zeros(shape, _dt(dtype).np), requires_grad, device)


def ones(
    *sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    shape = size_arg("ones", sizes, size)
    return _finish(jnp.ones(shape, _dt(dtype).np), requires_grad, device)


def empty(
    *sizes,
    size=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    memory_format=None,
) -> Tensor:
    """Uninitialised in PyTorch; zeros here (JAX has no uninitialised memory)."""
    shape = size_arg("empty", sizes, size)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full(
    size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    dt = _dt(dtype, _dtype.scalar_dtype(fill_value))
    return _finish(jnp.full(size_arg("full", (size,)), fill_value, dt.np), requires_grad, device)


def _like(fn, input: Tensor, dtype, requires_grad, device, *args) -> Tensor:
    dt = _dtype.as_dtype(dtype) if dtype is not None else input.dtype
    return _finish(fn(input._data.shape, *args, dtype=dt.np), requires_grad, device)


def zeros_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    return _like(jnp.zeros, input, dtype, requires_grad, device)


def ones_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    return _like(jnp.ones, input, dtype, requires_grad, device)


def empty_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    return _like(jnp.zeros, input, dtype, requires_grad, device)


def full_like(
    input,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
) -> Tensor:
    return _like(jnp.full, input, dtype, requires_grad, device, fill_value)


def arange(
    start=None,
    end=None,
    step=1,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """``torch.arange``: ``arange(end)``, ``arange(start, end[, step])`` or keywords (``start``
    defaults to 0); int64 when all of start/end/step are ints, else the default float."""
    if end is None:
        if start is None:
            raise TypeError("arange() missing required argument 'end'")
        start, end = 0, start
    elif start is None:
        start = 0
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = (
            _dtype.int64
            if all(isinstance(v, (int, np.integer)) for v in vals)
            else _dtype.get_default_dtype()
        )
    dt = _dtype.as_dtype(dtype)
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    arr = vals[0] + vals[2] * np.arange(n, dtype=np.float64 if dt.is_floating_point else np.int64)
    return _finish(_arrays.from_host(arr.astype(dt.np)), requires_grad, device)


def linspace(
    start, end, steps: int, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    dt = _dt(dtype)
    if dtype is None and any(isinstance(v, complex) for v in (start, end)):
        dt = dt.to_complex()  # complex endpoints give the default complex dtype, as in PyTorch
    if not (dt.is_floating_point or dt.is_complex):  # PyTorch's integer kernel: int endpoints
        start, end = int(start), int(end)
    if int(steps) < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dt.name in ("float32", "float64"):
        arr = _linspace_as_pytorch(float(start), float(end), int(steps), dt.np)
    elif dt.is_complex:
        arr = np.linspace(complex(start), complex(end), int(steps), dtype=np.complex128)
    else:
        arr = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
        if not dt.is_floating_point:
            arr = np.trunc(arr)
    return _finish(_arrays.from_host(arr.astype(dt.np)), requires_grad, device)


def _linspace_as_pytorch(start: float, end: float, steps: int, np_dtype) -> np.ndarray:
    """PyTorch's kernel, to the last bit: in the output dtype, ``step = (end - start) / (steps -
    1)``; the first half counts up from ``start``, the second down from ``end``, each element one
    fused multiply-add (one rounding), as PyTorch's compiled kernel computes it."""
    np_dtype = np.dtype(np_dtype).type
    a, b = np_dtype(start), np_dtype(end)
    if steps <= 1:
        return np.full(steps, a, np_dtype)
    step = (b - a) / np_dtype(steps - 1)
    i = np.arange(steps)
    first = i < steps // 2
    k = np.where(first, i, steps - 1 - i).astype(np.float64)
    mul = np.where(first, np.float64(step), -np.float64(step))
    add = np.where(first, np.float64(a), np.float64(b))
    if np_dtype == np.float32:  # exact product and sum in float64, one rounding to float32
        return (mul * k + add).astype(np.float32)
    # float64: Dekker's exact product and Knuth's exact sum give the fused result
    p = mul * k
    split = np.float64(134217729.0)  # 2**27 + 1
    mh = mul * split - (mul * split - mul)
    kh = k  # counts below 2**26 split exactly; larger ones are split like the multiplier
    if steps > 2**26:
        kh = k * split - (k * split - k)
    err = ((mh * kh - p) + mh * (k - kh) + (mul - mh) * kh) + (mul - mh) * (k - kh)
    s = p + add
    bb = s - p
    return s + (((p - (s - bb)) + (add - bb)) + err)


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    dt = _dt(dtype)
    arr = np.logspace(float(start), float(end), int(steps), base=base)
    return _finish(_arrays.from_host(arr.astype(dt.np)), requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    return _finish(jnp.eye(n, m, dtype=_dt(dtype).np), requires_grad, device)


# -- random ---------------------------------------------------------------------------------------


def _sampler(name: str, sample, doc: str):
    """``torch.rand``/``torch.randn``: a ``*size`` function (every form ``size_arg`` takes) whose
    values ``sample(key, shape, np_dtype)`` draws."""

    def fn(
        *sizes,
        size=None,
        generator: Generator | None = None,
        out=None,
        dtype=None,
        layout=None,
        device=None,
        requires_grad=False,
    ) -> Tensor:
        shape, dt = size_arg(name, sizes, size), _dt(dtype)  # errors before a key is drawn
        return _finish(sample(next_key(generator), shape, dt.np), requires_grad, device)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


rand = _sampler("rand", _eager_random.uniform, "Uniform on [0, 1).")
randn = _sampler("randn", _eager_random.normal, "Standard normal.")


def randint(
    low,
    high=None,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """Integers uniform on [low, high); int64 by default. PyTorch's two forms:
    ``randint(high, size)`` and ``randint(low, high, size)`` (each also with keywords)."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size'")
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.int64
    shape = size_arg("randint", (size,))
    arr = jax.random.randint(next_key(generator), shape, low, high, dtype=jnp.int64)
    return _finish(arr.astype(dt.np), requires_grad, device)


def randperm(
    n: int, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.int64
    arr = jax.random.permutation(next_key(generator), int(n)).astype(dt.np)
    return _finish(arr, requires_grad, device)


def rand_like(
    input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    return rand(
        *input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad
    )


def randn_like(
    input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    return randn(
        *input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad
    )


def randint_like(
    input: Tensor,
    low=0,
    high=None,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
) -> Tensor:
    return randint(
        low,
        high,
        tuple(input.shape),
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
    )


def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """``torch.normal``: tensor mean/std broadcast, or floats with ``size``."""
    from .pointwise import add, mul

    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = np.broadcast_shapes(getattr(mean, "shape", ()), getattr(std, "shape", ()))
        ref = mean if isinstance(mean, Tensor) else std
        z = randn(*shape, generator=generator, dtype=ref.dtype)
        return add(mul(z, std), mean)
    if size is None:
        raise TypeError(
            "normal() received an invalid combination of arguments: size is required "
            "when mean and std are numbers"
        )
    z = randn(size_arg("normal", (size,)), generator=generator, dtype=dtype)
    return _finish((z._data * std + mean).astype(z._data.dtype), requires_grad, device)


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else tensor(x)


def _floating(x) -> Tensor:
    x = _t(x)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return x
    return x.to(_dtype.get_default_dtype())


# -- asarray, fill, range, scalar_tensor -----------------------------------------------------------


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """``torch.asarray``: a tensor given as is (or cast) shares it; otherwise a new tensor."""
    if isinstance(obj, Tensor) and not copy:
        out = obj if dtype is None else obj.to(dtype)
    elif isinstance(obj, Tensor):
        out = obj.clone() if dtype is None else obj.to(dtype).clone()
    else:
        out = as_tensor(obj, dtype=dtype)
    if device is not None:
        out = out.to(device)
    if requires_grad:
        out.requires_grad_(True)
    return out


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
    return _finish(arr, requires_grad, device)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return tensor(s, dtype=dt, device=device, requires_grad=requires_grad)


# -- window functions ------------------------------------------------------------------------------


def _window(n: int, periodic: bool, dtype, fn, device=None, requires_grad=False) -> Tensor:
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


def _cosine_sum(*coeffs: float):
    """The generalised cosine window ``sum_j (-1)^j coeffs[j] cos(2 pi j k / (m - 1))``: Hann is
    (0.5, 0.5), Hamming (alpha, beta), Blackman (0.42, 0.5, 0.08)."""

    def fn(k, m):
        x = 2 * np.pi * k / (m - 1)
        return sum((-1) ** j * a * np.cos(j * x) for j, a in enumerate(coeffs))

    return fn


def _bartlett(k, m):
    return 1 - np.abs(2 * k / (m - 1) - 1)


def hann_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _window(window_length, periodic, dtype, _cosine_sum(0.5, 0.5), device, requires_grad)


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
    window = _cosine_sum(alpha, beta)
    return _window(window_length, periodic, dtype, window, device, requires_grad)


def blackman_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    window = _cosine_sum(0.42, 0.5, 0.08)
    return _window(window_length, periodic, dtype, window, device, requires_grad)


def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _window(window_length, periodic, dtype, _bartlett, device, requires_grad)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    def window(k, m):
        return np.i0(beta * np.sqrt(1 - (2 * k / (m - 1) - 1) ** 2)) / np.i0(beta)

    return _window(window_length, periodic, dtype, window, device, requires_grad)
