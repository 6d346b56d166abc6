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
from .creation import _floating, _t

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


def _not_for(kinds: tuple, kernel: str, *args) -> _dtype.dtype:
    """The result dtype of ``args``, after PyTorch's error for a dtype its kernel lacks."""
    dt = _dtype.result_type(*args)
    if _dtype.category(dt) in kinds:
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{_dtype.type_name(dt)}'")
    return dt


_BOOL, _INTEGER = 0, 1  # _dtype.category values


def remainder(input, other, *, out=None) -> Tensor:
    _not_for((_BOOL,), "remainder", input, other)
    _check_int_divisor(input, other)
    return _binary(_remainder, "Remainder", input, other)


def fmod(input, other, *, out=None) -> Tensor:
    _not_for((_BOOL,), "fmod", input, other)
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
    _check_tensors("atan2", input, other)
    return _binary(_atan2, "Atan2", input, other, _float_result(input, other))


arctan2 = atan2


def hypot(input, other, *, out=None) -> Tensor:
    _check_tensors("hypot", input, other)
    _not_for((_BOOL, _INTEGER), "hypot", input, other)
    return _binary(_hypot, "Hypot", input, other)


def _check_tensors(name: str, input, other) -> None:
    """Ops whose PyTorch signature takes two tensors (no Python numbers)."""
    for arg, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{arg}' (position {1 if arg == 'input' else 2}) must be "
                f"Tensor, not {type(value).__name__}"
            )


def _tensors_binary(jfn: Callable, name: str) -> Callable:
    """A binary op whose PyTorch signature takes two tensors (``maximum``, ``fmin`` ...)."""
    fn = _binary_fn(jfn)

    def op(input, other, *, out=None) -> Tensor:
        _check_tensors(name.lower(), input, other)
        return _binary(fn, name, input, other)

    op.__name__ = name.lower()
    return op


maximum = _tensors_binary(jnp.maximum, "Maximum")
minimum = _tensors_binary(jnp.minimum, "Minimum")


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
                f"\"{name}_cpu\" not implemented for '{_dtype.type_name(dt)}'"
            )
        return _binary(fn, name, input, other, dt)

    return op


bitwise_and = _bitwise(_bitwise_and, "bitwise_and")
bitwise_or = _bitwise(_bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(_bitwise_xor, "bitwise_xor")


# -- unary ops ------------------------------------------------------------------------------------


_HALF = (jnp.float16, jnp.bfloat16)


def _unary_fn(jfn: Callable) -> Callable:
    def fn(x, *, dtype):
        if dtype in _HALF:  # PyTorch computes half-precision math in float32, then rounds
            return jfn(x.astype(jnp.float32)).astype(dtype)
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
    if jnp.iscomplexobj(x):  # the modulus, a real tensor; gradient 0 at 0 as in PyTorch
        zero = x == 0
        return jnp.where(zero, 0, jnp.abs(jnp.where(zero, 1, x)))
    return x * jnp.sign(x)  # PyTorch's gradient at 0 is sign(0) = 0; jnp.abs's is 1


abs = absolute = _unary(_abs_fn, "Abs", to_float=False)  # noqa: A001


def _sign_fn(x):
    return x if x.dtype == jnp.bool_ else jnp.sign(x)


sign = _unary(_sign_fn, "Sign", to_float=False)
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


def logical_not(input: Tensor, *, out=None) -> Tensor:
    return apply(jnp.logical_not, "LogicalNot", (input,))


def isnan(input: Tensor) -> Tensor:
    return apply(jnp.isnan, "isnan", (input,))


def isinf(input: Tensor) -> Tensor:
    return apply(jnp.isinf, "isinf", (input,))


def isfinite(input: Tensor) -> Tensor:
    return apply(jnp.isfinite, "isfinite", (input,))


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
            f"with dtype {_dtype.type_name(condition.dtype)}"
        )
    broadcast_shapes(_shape(condition), _shape(input), _shape(other))
    dt = _dtype.result_type(input, other)
    return apply(
        _where_fn, "Where", (condition, _unwrap_number(input), _unwrap_number(other)), dtype=dt.np
    )


def _opmath(dtype):
    """The dtype PyTorch computes in: float32 for half-precision inputs."""
    return jnp.float32 if dtype in _HALF else dtype


def _lerp_fn(a, b, w, *, dtype):
    m = _opmath(dtype)
    a, b = a.astype(m), b.astype(m)
    return (a + jnp.asarray(w, m) * (b - a)).astype(dtype)


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


# -- more binary math -----------------------------------------------------------------------------


def _float_binary(jfn: Callable, name: str, floats_only: bool = False) -> Callable:
    """A binary op whose result is floating (integer inputs give the default float dtype);
    ``floats_only``: PyTorch's kernel takes two float tensors and nothing else."""
    fn = _binary_fn(jfn)

    def op(input, other, *, out=None) -> Tensor:
        if floats_only:
            _check_tensors(name.lower(), input, other)
            _not_for((_BOOL, _INTEGER), name.lower(), input, other)
        return _binary(fn, name, input, other, _float_result(input, other), op_name=name.lower())

    op.__name__ = name.lower()
    return op


def _logaddexp2_fn(a, b):
    return jnp.logaddexp2(a, b)


def _xlogy_fn(x, y):
    # PyTorch: 0 where x == 0 (unless y is NaN); the select keeps log(0)'s -inf out of gradients
    safe_y = jnp.where(x == 0, 1, y)
    return jnp.where((x == 0) & ~jnp.isnan(y), 0, x * jnp.log(safe_y))


def _copysign_fn(a, b):
    return jnp.copysign(a, b)


logaddexp = _float_binary(jnp.logaddexp, "LogAddExp", floats_only=True)
logaddexp2 = _float_binary(_logaddexp2_fn, "LogAddExp2", floats_only=True)
xlogy = _float_binary(_xlogy_fn, "Xlogy")
copysign = _float_binary(_copysign_fn, "Copysign")


def float_power(input, exponent, *, out=None) -> Tensor:
    """``pow`` computed in float64 (complex128 for complex inputs), as PyTorch defines it."""
    broadcast_shapes(_shape(input), _shape(exponent))
    dt = _dtype.float64
    return apply(_pow_fn, "Pow", (input, _unwrap_number(exponent)), dtype=dt.np)


# maximum and minimum that ignore NaN (unless both are NaN)
fmax = _tensors_binary(jnp.fmax, "Fmax")
fmin = _tensors_binary(jnp.fmin, "Fmin")


def _heaviside_fn(x, v):
    return jnp.where(x == 0, v, (x > 0).astype(x.dtype))


_heaviside = _binary_fn(_heaviside_fn)


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    _check_tensors("heaviside", input, values)
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return _binary(_heaviside, "Heaviside", input, values)


def _shift(fn, name):
    def op(input, other, *, out=None) -> Tensor:
        dt = _dtype.result_type(input, other)
        if dt.is_floating_point or dt.is_complex or dt is _dtype.bool_:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{_dtype.type_name(dt)}'"
            )
        return _binary(fn, name, input, other, dt)

    op.__name__ = name
    return op


def _lshift_fn(a, b):
    return jnp.left_shift(a, b)


def _rshift_fn(a, b):
    return jnp.right_shift(a, b)


bitwise_left_shift = _shift(_binary_fn(_lshift_fn), "lshift")
bitwise_right_shift = _shift(_binary_fn(_rshift_fn), "rshift")


def _gcd_fn(a, b):
    return jnp.gcd(a, b)


def _lcm_fn(a, b):
    return jnp.lcm(a, b)


def _integer_only(jfn, name):
    fn = _binary_fn(jfn)

    def op(input, other, *, out=None) -> Tensor:
        _check_tensors(name, input, other)
        dt = _dtype.result_type(input, other)
        if _dtype.category(dt) != _INTEGER:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{_dtype.type_name(dt)}'"
            )
        return _binary(fn, name, input, other, dt)

    op.__name__ = name
    return op


gcd = _integer_only(_gcd_fn, "gcd")
lcm = _integer_only(_lcm_fn, "lcm")


def _isclose_fn(a, b, *, dtype, rtol, atol, equal_nan):
    a, b = a.astype(dtype), b.astype(dtype)
    if jnp.issubdtype(dtype, jnp.integer) or dtype == jnp.bool_:
        return a == b
    close = (a == b) | (jnp.abs(a - b) <= atol + rtol * jnp.abs(b))
    close = close & jnp.isfinite(a - b) | (a == b)
    return close | (equal_nan & jnp.isnan(a) & jnp.isnan(b))


def isclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|``, elementwise (infinities equal themselves)."""
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_dtype.type_name(input.dtype)} did not match {_dtype.type_name(other.dtype)}"
        )
    broadcast_shapes(_shape(input), _shape(other))
    return apply(
        _isclose_fn,
        "isclose",
        (input, other),
        dtype=input.dtype.np,
        rtol=float(rtol),
        atol=float(atol),
        equal_nan=bool(equal_nan),
    )


def allclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """A Python bool: ``isclose(...).all()`` (reads the result, so not inside compile)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when the shapes and all values are equal (a Python bool)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(eq(input, other).all())


def _addcmul_fn(x, a, b, v, *, dtype):
    m = _opmath(dtype)
    return (x.astype(m) + v * a.astype(m) * b.astype(m)).astype(dtype)


def _addcdiv_fn(x, a, b, v, *, dtype):
    m = _opmath(dtype)
    return (x.astype(m) + v * (a.astype(m) / b.astype(m))).astype(dtype)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    broadcast_shapes(_shape(input), _shape(tensor1), _shape(tensor2))
    dt = _dtype.result_type(input, tensor1, tensor2)
    return apply(_addcmul_fn, "Addcmul", (input, tensor1, tensor2, value), dtype=dt.np)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (integer tensor1 and tensor2 are an error)."""
    dt = _dtype.result_type(input, tensor1, tensor2)
    if _dtype.category(_dtype.result_type(tensor1, tensor2)) <= 1:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    broadcast_shapes(_shape(input), _shape(tensor1), _shape(tensor2))
    return apply(_addcdiv_fn, "Addcdiv", (input, tensor1, tensor2, value), dtype=dt.np)


# -- more unary math ------------------------------------------------------------------------------


def _sinc_fn(x):
    return jnp.sinc(x)


def _deg2rad_fn(x):
    return x * (np.pi / 180)


def _rad2deg_fn(x):
    return x * (180 / np.pi)


sinc = _unary(_sinc_fn, "Sinc")
deg2rad = _unary(_deg2rad_fn, "Deg2Rad")
rad2deg = _unary(_rad2deg_fn, "Rad2Deg")


def _logit_fn(x, *, dtype, eps):
    x = x.astype(dtype)
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


def logit(input: Tensor, eps: float | None = None, *, out=None) -> Tensor:
    dt = input.dtype if input.dtype.is_floating_point else _dtype.get_default_dtype()
    return apply(_logit_fn, "Logit", (input,), dtype=dt.np, eps=eps)


def signbit(input: Tensor, *, out=None) -> Tensor:
    return apply(jnp.signbit, "signbit", (input,))


def isposinf(input: Tensor, *, out=None) -> Tensor:
    return apply(jnp.isposinf, "isposinf", (input,))


def isneginf(input: Tensor, *, out=None) -> Tensor:
    return apply(jnp.isneginf, "isneginf", (input,))


def positive(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


# -- special functions -----------------------------------------------------------------------------


def i0(input) -> Tensor:
    return apply(jax.scipy.special.i0, "I0", (_floating(input),))


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
    return jax.scipy.special.polygamma(n, x)


def polygamma(n: int, input) -> Tensor:
    return apply(_polygamma_fn, "Polygamma", (_floating(input),), n=int(n))


def _mvlgamma_fn(x, p):
    return jax.scipy.special.multigammaln(x, p)


def mvlgamma(input, p: int) -> Tensor:
    input = _floating(input)
    if not isinstance(input._data, jax.core.Tracer) and bool((input._data <= (p - 1) / 2).any()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    return apply(_mvlgamma_fn, "Mvlgamma", (input,), p=int(p))


def _gammainc_fn(a, x):
    return jax.scipy.special.gammainc(a, x)


def _gammaincc_fn(a, x):
    return jax.scipy.special.gammaincc(a, x)


def igamma(input, other) -> Tensor:
    """Regularised lower incomplete gamma; PyTorch has no gradient for it either (w.r.t. a)."""
    return apply(_gammainc_fn, "Igamma", (_floating(input), _floating(other)))


def igammac(input, other) -> Tensor:
    return apply(_gammaincc_fn, "Igammac", (_floating(input), _floating(other)))
