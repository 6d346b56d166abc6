"""Elementwise ops: arithmetic, comparisons, logic and math functions, with PyTorch's promotion.

Every binary op computes its dtype with PyTorch's ``result_type`` (Python scalars do not widen a
tensor's dtype) and casts inside the op; broadcasting errors are PyTorch's ``RuntimeError``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor
from . import inplace

Number = (int, float, bool, complex, np.number)


def _shape(x) -> tuple:
    return tuple(x.shape) if isinstance(x, Tensor) else ()


def broadcast_shapes(*shapes) -> tuple:
    """NumPy broadcasting with PyTorch's error message."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for i, s in enumerate(shapes):
        for j, n in enumerate(s, ndim - len(s)):
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                other = next(
                    k
                    for k, s2 in enumerate(shapes)
                    if len(s2) >= ndim - j and s2[j - ndim + len(s2)] == out[j]
                )
                a, b = ("a", "b") if other < i else ("b", "a")
                raise RuntimeError(
                    f"The size of tensor {a} ({out[j] if a == 'a' else n}) must match the size of "
                    f"tensor {b} ({n if a == 'a' else out[j]}) at non-singleton dimension "
                    f"{j}"
                )
    return tuple(out)


def _check_operand(x, name: str):
    if not isinstance(x, (Tensor,) + Number):
        raise TypeError(
            f"{name}(): argument 'other' must be Tensor or Number, not {type(x).__name__}"
        )


# -- casts ----------------------------------------------------------------------------------------


def _astype(x, *, dtype):
    return x.astype(dtype)


def _cast(t: Tensor, dt: _dtype.dtype) -> Tensor:
    if t.dtype is dt:
        return t
    return apply(_astype, "ToCopy", (t,), dtype=dt.np)


def _device_put(t: Tensor, device) -> Tensor:
    return apply(lambda x: jax.device_put(x, device), "ToCopy", (t,))


# -- binary ops -----------------------------------------------------------------------------------


def _as_operand(x, dtype):
    """``x`` cast to ``dtype``. A bool cast to a float is fenced off from XLA's simplifier, which
    would otherwise turn ``float(mask) * x`` into ``select(mask, x, 0)`` and lose ``0 * inf = nan``.
    """
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_ and jnp.issubdtype(dtype, jnp.inexact):
        return jax.lax.optimization_barrier(x.astype(dtype))
    return x.astype(dtype)


def _binary_fn(jfn: Callable, out_bool: bool = False) -> Callable:
    def fn(a, b, *, dtype):
        return jfn(_as_operand(a, dtype), _as_operand(b, dtype))

    fn.__name__ = getattr(jfn, "__name__", "binary")
    return fn


def _binary(
    fn: Callable, name: str, a, b, dtype: _dtype.dtype | None = None, op_name: str = ""
) -> Tensor:
    if not isinstance(a, Tensor):
        a = _scalar_tensor_or_number(a)
    _check_operand(b, op_name or name.lower())
    broadcast_shapes(_shape(a), _shape(b))
    dt = dtype or _dtype.result_type(a, b)
    return apply(fn, name, (a, _unwrap_number(b)), dtype=dt.np)


def _scalar_tensor_or_number(x):
    if isinstance(x, Number):
        return x
    raise TypeError(f"unsupported operand type(s): '{type(x).__name__}'")


def _unwrap_number(x):
    return x.item() if isinstance(x, np.generic) else x


_add = _binary_fn(jnp.add)
_sub = _binary_fn(jnp.subtract)
_mul = _binary_fn(jnp.multiply)
_div = _binary_fn(jnp.true_divide)
_eq = _binary_fn(jnp.equal)
_ne = _binary_fn(jnp.not_equal)
_lt = _binary_fn(jnp.less)
_le = _binary_fn(jnp.less_equal)
_gt = _binary_fn(jnp.greater)
_ge = _binary_fn(jnp.greater_equal)
_maximum = _binary_fn(jnp.maximum)
_minimum = _binary_fn(jnp.minimum)
_atan2 = _binary_fn(jnp.arctan2)
_logical_and = _binary_fn(jnp.logical_and)
_logical_or = _binary_fn(jnp.logical_or)
_logical_xor = _binary_fn(jnp.logical_xor)
_bitwise_and = _binary_fn(jnp.bitwise_and)
_bitwise_or = _binary_fn(jnp.bitwise_or)
_bitwise_xor = _binary_fn(jnp.bitwise_xor)
_fmod = _binary_fn(jnp.fmod)
_hypot = _binary_fn(jnp.hypot)


def _remainder_fn(a, b):
    return jnp.remainder(a, b)


_remainder = _binary_fn(_remainder_fn)
_floor_div = _binary_fn(jnp.floor_divide)


def _trunc_div_fn(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        return jax.lax.div(*jnp.broadcast_arrays(a, b))  # lax.div does not broadcast
    return jnp.trunc(a / b)


_trunc_div = _binary_fn(_trunc_div_fn)


def _add_alpha(a, b, *, dtype, alpha):
    return jnp.asarray(a, dtype) + jnp.asarray(b, dtype) * alpha


def _sub_alpha(a, b, *, dtype, alpha):
    return jnp.asarray(a, dtype) - jnp.asarray(b, dtype) * alpha


def add(input, other, *, alpha=1, out=None) -> Tensor:
    if alpha != 1:
        _check_operand(other, "add")
        dt = _dtype.result_type(input, other)
        return apply(_add_alpha, "Add", (input, _unwrap_number(other)), dtype=dt.np, alpha=alpha)
    return _binary(_add, "Add", input, other)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    if _dtype.result_type(input, other) is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not "
            "supported. Use the `^` or `logical_xor()` operator instead."
        )
    if alpha != 1:
        dt = _dtype.result_type(input, other)
        return apply(_sub_alpha, "Sub", (input, _unwrap_number(other)), dtype=dt.np, alpha=alpha)
    name = "Sub" if isinstance(input, Tensor) else "RsubBackward1"
    return _binary(_sub, name, input, other, op_name="sub")


def mul(input, other, *, out=None) -> Tensor:
    return _binary(_mul, "Mul", input, other)


def _float_result(*args) -> _dtype.dtype:
    dt = _dtype.result_type(*args)
    return dt if dt.is_floating_point or dt.is_complex else _dtype.get_default_dtype()


def _check_int_divisor(input, other) -> None:
    """Integer division by zero is an error in PyTorch (JAX returns an arbitrary value).

    Checked where the divisor's value is known, like index bounds; not inside compiled code.
    """
    if _dtype.category(_dtype.result_type(input, other)) > 1:
        return
    value = other._data if isinstance(other, Tensor) else other
    if not isinstance(value, jax.core.Tracer) and not np.all(np.asarray(value)):
        raise RuntimeError("ZeroDivisionError")


def div(input, other, *, rounding_mode: str | None = None, out=None) -> Tensor:
    """True division (ints give the default float), or ``'trunc'`` / ``'floor'`` rounding."""
    if rounding_mode is None:
        return _binary(_div, "Div", input, other, _float_result(input, other))
    _check_int_divisor(input, other)
    if rounding_mode == "trunc":
        return _binary(_trunc_div, "Div", input, other)
    if rounding_mode == "floor":
        return _binary(_floor_div, "Div", input, other)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
        f"found '{rounding_mode}'"
    )


true_divide = divide = div


def floor_divide(input, other, *, out=None) -> Tensor:
    _check_int_divisor(input, other)
    return _binary(_floor_div, "FloorDivide", input, other)


def remainder(input, other, *, out=None) -> Tensor:
    _check_int_divisor(input, other)
    return _binary(_remainder, "Remainder", input, other)


def fmod(input, other, *, out=None) -> Tensor:
    _check_int_divisor(input, other)
    return _binary(_fmod, "Fmod", input, other)


def _pow_fn(a, b, *, dtype):
    a = jnp.asarray(a, dtype)
    if isinstance(b, int) and not isinstance(b, bool):
        return (
            jax.lax.integer_pow(a, b)
            if b >= 0 or not jnp.issubdtype(dtype, jnp.integer)
            else jnp.power(a, b)
        )
    return jnp.power(a, jnp.asarray(b, dtype))


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001
    """``input ** exponent``; a Python int exponent is static (exact, fast integer powers)."""
    if not isinstance(input, Tensor):
        dt = _dtype.result_type(input, exponent)
        return apply(_pow_fn, "PowBackward2", (input, exponent), dtype=dt.np)
    dt = _dtype.result_type(input, exponent)
    if isinstance(exponent, (int, np.integer)) and not isinstance(exponent, bool):
        if exponent < 0 and not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return apply(_int_pow, "Pow", (input,), dtype=dt.np, exponent=int(exponent))
    broadcast_shapes(_shape(input), _shape(exponent))
    name = "PowBackward1" if isinstance(exponent, Tensor) else "Pow"
    return apply(_pow_fn, name, (input, _unwrap_number(exponent)), dtype=dt.np)


def _int_pow(a, *, dtype, exponent):
    a = a.astype(dtype)
    if exponent < 0:
        return 1 / jax.lax.integer_pow(a, -exponent)
    return jax.lax.integer_pow(a, exponent)


def atan2(input, other, *, out=None) -> Tensor:
    return _binary(_atan2, "Atan2", input, other, _float_result(input, other))


arctan2 = atan2


def hypot(input, other, *, out=None) -> Tensor:
    return _binary(_hypot, "Hypot", input, other)


def _check_tensors(name: str, input, other) -> None:
    """Ops whose PyTorch signature takes two tensors (no Python numbers)."""
    for arg, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{arg}' (position {1 if arg == 'input' else 2}) must be "
                f"Tensor, not {type(value).__name__}"
            )


def maximum(input, other, *, out=None) -> Tensor:
    _check_tensors("maximum", input, other)
    return _binary(_maximum, "Maximum", input, other)


def minimum(input, other, *, out=None) -> Tensor:
    _check_tensors("minimum", input, other)
    return _binary(_minimum, "Minimum", input, other)


def _compare(fn, name):
    def op(input, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor")
        _check_operand(other, name)
        broadcast_shapes(_shape(input), _shape(other))
        dt = _dtype.result_type(input, other)
        return apply(fn, name, (input, _unwrap_number(other)), dtype=dt.np)

    op.__name__ = name
    return op


eq = _compare(_eq, "eq")
ne = _compare(_ne, "ne")
lt = _compare(_lt, "lt")
le = _compare(_le, "le")
gt = _compare(_gt, "gt")
ge = _compare(_ge, "ge")
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne
logical_and = _compare(_logical_and, "logical_and")
logical_or = _compare(_logical_or, "logical_or")
logical_xor = _compare(_logical_xor, "logical_xor")


def _bitwise(fn, name):
    def op(input, other, *, out=None) -> Tensor:
        dt = _dtype.result_type(input, other)
        if dt.is_floating_point or dt.is_complex:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{inplace._type_name(dt)}'"
            )
        return _binary(fn, name, input, other, dt)

    return op


bitwise_and = _bitwise(_bitwise_and, "bitwise_and")
bitwise_or = _bitwise(_bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(_bitwise_xor, "bitwise_xor")


# -- unary ops ------------------------------------------------------------------------------------


def _unary_fn(jfn: Callable) -> Callable:
    def fn(x, *, dtype):
        return jfn(x.astype(dtype))

    return fn


def _unary(jfn: Callable, name: str, *, to_float: bool = True, keep_int: bool = False):
    fn = _unary_fn(jfn)

    def op(input: Tensor, *, out=None) -> Tensor:
        dt = input.dtype
        if to_float and not (dt.is_floating_point or dt.is_complex):
            dt = _dtype.get_default_dtype()
        return apply(fn, name, (input,), dtype=dt.np)

    op.__name__ = name.lower()
    return op


exp = _unary(jnp.exp, "Exp")
exp2 = _unary(jnp.exp2, "Exp2")
expm1 = _unary(jnp.expm1, "Expm1")
log = _unary(jnp.log, "Log")
log2 = _unary(jnp.log2, "Log2")
log10 = _unary(jnp.log10, "Log10")
log1p = _unary(jnp.log1p, "Log1p")
sqrt = _unary(jnp.sqrt, "Sqrt")
rsqrt = _unary(jax.lax.rsqrt, "Rsqrt")
sin = _unary(jnp.sin, "Sin")
cos = _unary(jnp.cos, "Cos")
tan = _unary(jnp.tan, "Tan")
asin = arcsin = _unary(jnp.arcsin, "Asin")
acos = arccos = _unary(jnp.arccos, "Acos")
atan = arctan = _unary(jnp.arctan, "Atan")
sinh = _unary(jnp.sinh, "Sinh")
cosh = _unary(jnp.cosh, "Cosh")
tanh = _unary(jnp.tanh, "Tanh")
asinh = arcsinh = _unary(jnp.arcsinh, "Asinh")
acosh = arccosh = _unary(jnp.arccosh, "Acosh")
atanh = arctanh = _unary(jnp.arctanh, "Atanh")
sigmoid = _unary(jax.nn.sigmoid, "Sigmoid")
erf = _unary(jax.scipy.special.erf, "Erf")
erfc = _unary(jax.scipy.special.erfc, "Erfc")
erfinv = _unary(jax.scipy.special.erfinv, "Erfinv")
lgamma = _unary(jax.scipy.special.gammaln, "Lgamma")
digamma = _unary(jax.scipy.special.digamma, "Digamma")
reciprocal = _unary(jnp.reciprocal, "Reciprocal")
_neg = _unary(jnp.negative, "Neg", to_float=False)


def neg(input: Tensor, *, out=None) -> Tensor:
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _neg(input)


negative = neg


def _abs_fn(x):
    return x * jnp.sign(x)  # PyTorch's gradient at 0 is sign(0) = 0; jnp.abs's is 1


abs = absolute = _unary(_abs_fn, "Abs", to_float=False)  # noqa: A001
sign = _unary(jnp.sign, "Sign", to_float=False)
sgn = sign
square = _unary(jnp.square, "Pow", to_float=False)
_relu = _unary(jax.nn.relu, "Relu", to_float=False)


def relu(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return _relu(input)


floor = _unary(jnp.floor, "Floor", to_float=False)
ceil = _unary(jnp.ceil, "Ceil", to_float=False)
trunc = fix = _unary(jnp.trunc, "Trunc", to_float=False)
frac = _unary(lambda x: x - jnp.trunc(x), "Frac", to_float=False)
bitwise_not = _unary(jnp.invert, "BitwiseNot", to_float=False)


def _round_fn(x, *, dtype, decimals):
    x = x.astype(dtype)
    if decimals == 0:
        return jnp.round(x)
    return jnp.round(x, decimals)


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:  # noqa: A001
    """Round half to even, as PyTorch does."""
    return apply(_round_fn, "Round", (input,), dtype=input.dtype.np, decimals=int(decimals))


def _logical_not_fn(x):
    return jnp.logical_not(x)


def logical_not(input: Tensor, *, out=None) -> Tensor:
    return apply(_logical_not_fn, "LogicalNot", (input,))


def _isnan(x):
    return jnp.isnan(x)


def _isinf(x):
    return jnp.isinf(x)


def _isfinite(x):
    return jnp.isfinite(x)


def isnan(input: Tensor) -> Tensor:
    return apply(_isnan, "isnan", (input,))


def isinf(input: Tensor) -> Tensor:
    return apply(_isinf, "isinf", (input,))


def isfinite(input: Tensor) -> Tensor:
    return apply(_isfinite, "isfinite", (input,))


def _nan_to_num_fn(x, *, nan, posinf, neginf):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    return apply(_nan_to_num_fn, "NanToNum", (input,), nan=nan, posinf=posinf, neginf=neginf)


# -- clamp, where, lerp ---------------------------------------------------------------------------


def _clamp_grad_safe(x, lo, hi, *, dtype):
    # PyTorch passes the gradient where lo <= x <= hi (inclusive); jnp.clip/maximum would halve
    # it at the bounds, so select instead.
    x = x.astype(dtype)
    out = x
    if lo is not None:
        lo = jnp.asarray(lo, dtype)
        out = jnp.where(x < lo, lo, out)
    if hi is not None:
        hi = jnp.asarray(hi, dtype)
        out = jnp.where(out > hi, hi, out)
    return out


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dt = _dtype.result_type(input, *(v for v in (min, max) if v is not None))
    return apply(
        _clamp_grad_safe,
        "Clamp" if isinstance(min, Tensor) or isinstance(max, Tensor) else "ClampBackward1",
        (input, _unwrap_number(min), _unwrap_number(max)),
        dtype=dt.np,
    )


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    return clamp(input, max=max)


def _where_fn(cond, x, y, *, dtype):
    return jnp.where(cond, jnp.asarray(x, dtype), jnp.asarray(y, dtype))


def where(condition: Tensor, input=None, other=None, *, out=None):
    """``where(cond, x, y)``; ``where(cond)`` is ``nonzero(cond, as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if condition.dtype is not _dtype.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor "
            f"with dtype {inplace._type_name(condition.dtype)}"
        )
    broadcast_shapes(_shape(condition), _shape(input), _shape(other))
    dt = _dtype.result_type(input, other)
    return apply(
        _where_fn, "Where", (condition, _unwrap_number(input), _unwrap_number(other)), dtype=dt.np
    )


def _lerp_fn(a, b, w, *, dtype):
    a, b = a.astype(dtype), b.astype(dtype)
    return a + jnp.asarray(w, dtype) * (b - a)


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    return apply(_lerp_fn, "Lerp", (input, end, _unwrap_number(weight)), dtype=input.dtype.np)


# -- in-place forms -------------------------------------------------------------------------------


def inplace_of(op: Callable) -> Callable:
    """``x.op_(...)``: the out-of-place op, then :func:`inplace.commit` into ``x``."""

    @functools.wraps(op)
    def op_(self: Tensor, *args, **kwargs) -> Tensor:
        inplace.check_inplace(self)
        return inplace.commit(self, op(self, *args, **kwargs))

    op_.__name__ = op.__name__ + "_"
    return op_
