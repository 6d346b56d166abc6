"""Pointwise rows: arithmetic (function, operator and in-place forms), comparisons and logic,
unary and binary math, type promotion, and the smaller pointwise functions.
"""

from __future__ import annotations

import operator

import numpy as np

from .core import (
    ALL,
    DATA_SHAPE,
    F64,
    FLOAT_INT,
    FLOATS,
    INTS,
    MOVE,
    NO_HALF,
    NUMERIC,
    PAIRS,
    Dt,
    OpInfo,
    binary,
    call,
    fn,
    make,
    mask,
    matmul_errors,
    matmul_samples,
    mismatched,
    same,
    samples_of,
    scalar_of,
    unary,
)


def where_samples(rng, dt):
    yield call(mask(rng, (3, 4)), make(rng, (3, 4), dt), make(rng, (3, 4), dt))
    yield call(mask(rng, (3, 1)), make(rng, (4,), dt), make(rng, (3, 4), dt))
    yield call(mask(rng, ()), make(rng, (2,), dt), make(rng, (), dt))
    yield call(mask(rng, (2, 3)), make(rng, (2, 3), dt), scalar_of(dt))
    yield call(mask(rng, (2, 3)), scalar_of(dt), make(rng, (2, 3), dt))
    yield call(mask(rng, (0, 3)), make(rng, (0, 3), dt), make(rng, (3,), dt))


def where_errors(rng):
    yield call(make(rng, (3,), "float32"), make(rng, (3,), "float32"), make(rng, (3,), "float32"))
    yield call(mask(rng, (3,)), make(rng, (3,), "float32"), make(rng, (4,), "float32"))


def clamp_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    lo, hi = (-1, 2) if dt != "bool" else (False, True)
    yield call(x, lo, hi)
    yield call(x, min=lo)
    yield call(x, max=hi)
    yield call(make(rng, (), dt), lo, hi)
    yield call(make(rng, (0, 2), dt), lo)
    yield call(x, make(rng, (3, 4), dt), make(rng, (4,), dt, 3, 6))


def clamp_errors(rng):
    yield call(make(rng, (3,), "float32"))


def softmax_samples(rng, dt):
    yield call(make(rng, (4, 16), dt), -1)  # rows long enough to show half-precision rounding
    yield call(make(rng, (2, 3, 4), dt), 0)
    yield call(make(rng, (3, 4), dt), 1)
    yield call(make(rng, (), dt), 0)
    yield call(make(rng, (0, 3), dt), 1)
    yield call(make(rng, (3, 4), dt), 1, dtype=Dt("float64"))


def softmax_errors(rng):
    yield call(make(rng, (3, 4), "float32"), 2)
    yield call(make(rng, (3, 4), "int64"), 1)


_BIN = "operator.{}"
_POW_BASE = dict(low=0.5, high=2.0, rhs_low=-2, rhs_high=3)

# Binary elementwise ops that the hypothesis test also draws from: name -> row.
ELEMENTWISE_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "ge")


def bool_out(**kwargs) -> dict:
    """Rows whose result is a bool tensor or a Python value (no gradient)."""
    return dict(differentiable=False, **kwargs)


HOST_RESULT = dict(compiles=False, compile_reason="returns a Python bool: it reads the values")


_UNARY = [
    # name, low, high, dtypes, has in-place form
    ("exp2", -3, 3, FLOAT_INT, True),
    ("expm1", -3, 3, FLOAT_INT, True),
    ("log2", 0.1, 5, FLOAT_INT, True),
    ("log10", 0.1, 5, FLOAT_INT, True),
    ("log1p", -0.9, 3, FLOAT_INT, True),
    ("rsqrt", 0.1, 5, FLOATS, True),
    ("tan", -1.2, 1.2, FLOAT_INT, True),
    ("asin", -0.95, 0.95, FLOATS, True),
    ("acos", -0.95, 0.95, FLOATS, True),
    ("atan", -3, 3, FLOAT_INT, True),
    ("sinh", -3, 3, FLOATS, True),
    ("cosh", -3, 3, FLOATS, True),
    # PyTorch has no derivative for asinh_/acosh_/atanh_ (torchlike has): test them out of place
    ("asinh", -3, 3, FLOATS, False),
    ("acosh", 1.1, 4, FLOATS, False),
    ("atanh", -0.9, 0.9, FLOATS, False),
    ("erf", -3, 3, FLOAT_INT, True),
    ("erfc", -3, 3, FLOATS, True),
    ("erfinv", -0.9, 0.9, FLOATS, True),
    ("lgamma", 0.1, 5, FLOATS, True),
    ("digamma", 0.1, 5, ("float32", "float64"), True),
    ("reciprocal", 0.5, 3, FLOAT_INT, True),
    ("square", -3, 3, FLOAT_INT, True),
    ("sign", -3, 3, FLOAT_INT + ("bool",), True),
    ("floor", -3, 3, FLOAT_INT, True),
    ("ceil", -3, 3, FLOAT_INT, True),
    ("trunc", -3, 3, FLOAT_INT, True),
    ("frac", -3, 3, FLOATS, True),
    ("round", -3, 3, FLOAT_INT, True),
    ("sinc", -3, 3, ("float32", "float64"), True),
    ("deg2rad", -180, 180, FLOATS, True),
    ("rad2deg", -3, 3, FLOATS, True),
    ("logit", 0.05, 0.95, FLOATS, True),
    ("isnan", -3, 3, NO_HALF + ("float16",), False),
    ("isinf", -3, 3, NO_HALF + ("float16",), False),
    ("isfinite", -3, 3, NO_HALF + ("float16",), False),
    ("signbit", -3, 3, FLOAT_INT, False),
    ("isposinf", -3, 3, FLOATS, False),
    ("isneginf", -3, 3, FLOATS, False),
    ("positive", -3, 3, FLOAT_INT, False),
    ("bitwise_not", -3, 3, INTS + ("bool",), True),
]
_NOT_DIFFERENTIABLE = {
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "isposinf",
    "isneginf",
    "bitwise_not",
}


def special_values(dt):
    """NaN and infinities (for the float tests of isnan, nan_to_num ...)."""

    def gen(rng, _):
        x = make(rng, (3, 4), dt)
        x.reshape(-1)[[0, 5, 7]] = [np.nan, np.inf, -np.inf]
        return x

    return gen


def unary_with_specials(low, high):
    base = unary(low, high)

    def gen(rng, dt):
        yield from base(rng, dt)
        if dt in FLOATS:
            yield call(special_values(dt)(rng, dt))

    return gen


_BINARY = [
    # name, sample generator, dtypes, differentiable, has in-place form
    ("logaddexp", binary(scalars=None), FLOATS, True, False),
    ("logaddexp2", binary(scalars=None), FLOATS, True, False),
    ("xlogy", binary(rhs_low=0.1, rhs_high=3), FLOATS, True, True),
    ("copysign", binary(scalars="right"), FLOATS, True, True),
    (
        "float_power",
        binary(low=0.5, high=2, rhs_low=-2, rhs_high=2, scalars="right"),
        ("float32", "float64"),
        True,
        False,
    ),
    ("fmax", binary(scalars=None), FLOAT_INT, True, False),
    ("fmin", binary(scalars=None), FLOAT_INT, True, False),
    ("atan2", binary(scalars=None), FLOATS, True, True),
    ("hypot", binary(scalars=None), ("float32", "float64"), True, True),
    ("fmod", binary(rhs_low=1, rhs_high=4, scalars="right"), FLOAT_INT, True, True),
    ("remainder", binary(rhs_low=1, rhs_high=4, scalars="right"), FLOAT_INT, True, True),
    ("floor_divide", binary(rhs_low=1, rhs_high=4, scalars="right"), FLOAT_INT, False, True),
    ("bitwise_and", binary(scalars="right"), INTS + ("bool",), False, True),
    ("bitwise_or", binary(scalars="right"), INTS + ("bool",), False, True),
    ("bitwise_xor", binary(scalars="right"), INTS + ("bool",), False, True),
    (
        "bitwise_left_shift",
        binary(low=-3, high=4, rhs_low=0, rhs_high=4, scalars="right"),
        INTS,
        False,
        True,
    ),
    (
        "bitwise_right_shift",
        binary(low=-9, high=9, rhs_low=0, rhs_high=4, scalars="right"),
        INTS,
        False,
        True,
    ),
    ("gcd", binary(low=-9, high=9, scalars=None), INTS, False, True),
    ("lcm", binary(low=-9, high=9, scalars=None), INTS, False, True),
    ("logical_or", binary(low=-1, high=2, scalars=None), NO_HALF, False, True),
    ("logical_xor", binary(low=-1, high=2, scalars=None), NO_HALF, False, True),
    ("heaviside", binary(low=-1, high=2, scalars=None), FLOAT_INT, False, True),
]


def _method_row(name, gen, dtypes, differentiable, has_inplace, errors=None) -> OpInfo:
    """``torch.<name>`` with its method form and, if it has one, its in-place form."""
    inplace = name + "_" if has_inplace else None
    return OpInfo(
        name,
        **fn(name),
        samples=gen,
        dtypes=dtypes,
        method=name,
        inplace=inplace,
        differentiable=differentiable,
        errors=errors,
    )


def _row_unary(name, low, high, dtypes, has_inplace):
    differentiable = name not in _NOT_DIFFERENTIABLE and any(d in FLOATS for d in dtypes)
    specials = name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit")
    gen = unary_with_specials(low, high) if specials else unary(low, high)
    return _method_row(name, gen, dtypes, differentiable, has_inplace)


def _row_binary(name, gen, dtypes, differentiable, has_inplace):
    errors = mismatched if "float32" in dtypes else None
    return _method_row(name, gen, dtypes, differentiable, has_inplace, errors)


# fmt: off
OPS: list[OpInfo] = [
    OpInfo("add", **fn("add"), samples=binary(), dtypes=ALL, method="add", inplace="add_",
           errors=mismatched),
    OpInfo("add_alpha", **fn("add", alpha=2),
           samples=binary(scalars=None, pairs=PAIRS[:3]), dtypes=FLOAT_INT),
    OpInfo("sub", **fn("sub"), samples=binary(), dtypes=FLOAT_INT, method="sub", inplace="sub_",
           errors=lambda r: [call(make(r, (2,), "bool"), make(r, (2,), "bool"))]),
    OpInfo("mul", **fn("mul"), samples=binary(), dtypes=ALL, method="mul", inplace="mul_",
           errors=mismatched),
    OpInfo("div", **fn("div"), samples=binary(rhs_low=0.5), dtypes=ALL, method="div",
           inplace="div_", errors=mismatched),
    OpInfo("div_trunc", **fn("div", rounding_mode="trunc"),
           samples=binary(rhs_low=1, pairs=PAIRS[:2]), dtypes=FLOAT_INT, differentiable=False),
    OpInfo("div_floor", **fn("div", rounding_mode="floor"),
           samples=binary(rhs_low=1, pairs=PAIRS[:2]), dtypes=FLOAT_INT, differentiable=False),
    OpInfo("pow", **fn("pow"), samples=binary(**_POW_BASE), dtypes=FLOATS, method="pow",
           inplace="pow_"),
    OpInfo("pow_int", **fn("pow"), samples=binary(low=-3, high=4, rhs_low=0, rhs_high=4),
           dtypes=INTS, differentiable=False,
           errors=lambda r: [call(make(r, (2,), "int64"), -1)]),
    OpInfo("maximum", **fn("maximum"), samples=binary(scalars=None), dtypes=FLOAT_INT,
           method="maximum"),
    OpInfo("minimum", **fn("minimum"), samples=binary(scalars=None), dtypes=FLOAT_INT),
    OpInfo(_BIN.format("add"), **same(operator.add), samples=binary(), dtypes=ALL,
           inplace=operator.iadd, errors=mismatched),
    OpInfo(_BIN.format("sub"), **same(operator.sub), samples=binary(), dtypes=FLOAT_INT,
           inplace=operator.isub,
           errors=lambda r: [call(make(r, (2,), "bool"), make(r, (2,), "bool"))]),
    OpInfo(_BIN.format("mul"), **same(operator.mul), samples=binary(), dtypes=ALL,
           inplace=operator.imul),
    OpInfo(_BIN.format("truediv"), **same(operator.truediv), samples=binary(rhs_low=0.5),
           dtypes=ALL, inplace=operator.itruediv),
    OpInfo(_BIN.format("floordiv"), **same(operator.floordiv),
           samples=binary(rhs_low=1, rhs_high=4), dtypes=FLOAT_INT, differentiable=False,
           inplace=operator.ifloordiv),
    OpInfo(_BIN.format("mod"), **same(operator.mod), samples=binary(rhs_low=1, rhs_high=4),
           dtypes=FLOAT_INT, inplace=operator.imod,
           errors=lambda r: [call(make(r, (2,), "int64"), 0)]),
    OpInfo(_BIN.format("pow"), **same(operator.pow), samples=binary(**_POW_BASE), dtypes=FLOATS,
           inplace=operator.ipow),
    OpInfo(_BIN.format("matmul"), **same(operator.matmul), samples=matmul_samples,
           dtypes=("float32", "float64") + INTS, errors=matmul_errors),
    OpInfo(_BIN.format("eq"), **same(operator.eq), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo(_BIN.format("ne"), **same(operator.ne), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo(_BIN.format("lt"), **same(operator.lt), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False, errors=mismatched),
    OpInfo(_BIN.format("le"), **same(operator.le), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo(_BIN.format("gt"), **same(operator.gt), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo(_BIN.format("ge"), **same(operator.ge), samples=binary(low=-2, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo(_BIN.format("and_"), **same(operator.and_), samples=binary(), dtypes=INTS + ("bool",),
           differentiable=False, inplace=operator.iand,
           errors=lambda r: [call(make(r, (2,), "float32"), make(r, (2,), "float32"))]),
    OpInfo(_BIN.format("or_"), **same(operator.or_), samples=binary(), dtypes=INTS + ("bool",),
           differentiable=False, inplace=operator.ior),
    OpInfo(_BIN.format("xor"), **same(operator.xor), samples=binary(), dtypes=INTS + ("bool",),
           differentiable=False, inplace=operator.ixor),
    OpInfo(_BIN.format("invert"), **same(operator.invert), samples=unary(),
           dtypes=INTS + ("bool",), differentiable=False,
           errors=lambda r: [call(make(r, (2,), "float32"))]),
    OpInfo(_BIN.format("neg"), **same(operator.neg), samples=unary(), dtypes=FLOAT_INT,
           errors=lambda r: [call(make(r, (2,), "bool"))]),
    *(
        OpInfo(name, **fn(name), samples=binary(low=-2, high=2, scalars="right"), dtypes=ALL,
               method=name,
               differentiable=False, errors=mismatched)
        for name in ("eq", "ne", "lt", "le", "gt", "ge")
    ),
    OpInfo("logical_and", **fn("logical_and"), samples=binary(low=-1, high=2, scalars=None),
           dtypes=ALL, differentiable=False),
    OpInfo("logical_not", **fn("logical_not"), samples=unary(low=-1, high=2), dtypes=ALL,
           differentiable=False),
    OpInfo("exp", **fn("exp"), samples=unary(), dtypes=ALL, method="exp", inplace="exp_"),
    OpInfo("log", **fn("log"), samples=unary(low=0.1, high=5), dtypes=ALL, method="log",
           inplace="log_"),
    OpInfo("sqrt", **fn("sqrt"), samples=unary(low=0.1, high=5), dtypes=ALL, method="sqrt",
           inplace="sqrt_"),
    OpInfo("abs", **fn("abs"), samples=unary(), dtypes=FLOAT_INT, method="abs", inplace="abs_"),
    OpInfo("sin", **fn("sin"), samples=unary(), dtypes=ALL, method="sin", inplace="sin_"),
    OpInfo("cos", **fn("cos"), samples=unary(), dtypes=ALL, method="cos", inplace="cos_"),
    OpInfo("tanh", **fn("tanh"), samples=unary(), dtypes=ALL, method="tanh", inplace="tanh_"),
    OpInfo("sigmoid", **fn("sigmoid"), samples=unary(), dtypes=ALL, method="sigmoid",
           inplace="sigmoid_"),
    OpInfo("relu", **fn("relu"), samples=unary(), dtypes=FLOAT_INT, method="relu",
           inplace="relu_", errors=lambda r: [call(make(r, (2,), "bool"))]),
    OpInfo("neg", **fn("neg"), samples=unary(), dtypes=FLOAT_INT, method="neg", inplace="neg_"),
    OpInfo("softmax", **fn("softmax"), samples=softmax_samples, method="softmax",
           errors=softmax_errors),
    OpInfo("log_softmax", **fn("log_softmax"), samples=softmax_samples, method="log_softmax",
           errors=softmax_errors),
    OpInfo("clamp", **fn("clamp"), samples=clamp_samples, dtypes=FLOAT_INT, method="clamp",
           inplace="clamp_", errors=clamp_errors),
    OpInfo("where", **fn("where"), samples=where_samples, dtypes=ALL, errors=where_errors),
    OpInfo("promotion", **same(lambda op, a, b: op(a, b)), samples=lambda r, dt: [
        call(operator.mul, make(r, (3,), "int64"), 2.5),
        call(operator.truediv, make(r, (3,), "int64"), make(r, (3,), "int64", 1, 4)),
        call(operator.truediv, make(r, (3,), "int32"), 2),
        call(operator.add, make(r, (3,), "uint8", 0, 5), make(r, (3,), "int8")),
        call(operator.add, make(r, (3,), "bool"), make(r, (3,), "bool")),
        call(operator.add, make(r, (3,), "bool"), 2),
        call(operator.mul, make(r, (3,), "bool"), 1.5),
        call(operator.add, make(r, (3,), "float32"), make(r, (), "float64")),
        call(operator.add, make(r, (3,), "int32"), make(r, (), "int64")),
        call(operator.add, make(r, (3,), "int32"), make(r, (), "float64")),
        call(operator.add, make(r, (), "int32"), make(r, (), "int64")),
        call(operator.add, make(r, (3,), "float16"), 1e3),
        call(operator.add, make(r, (3,), "float16"), make(r, (3,), "bfloat16")),
        call(operator.add, make(r, (3,), "float32"), make(r, (3,), "float64")),
        call(operator.add, make(r, (3,), "int32"), make(r, (3,), "float16")),
        call(operator.mul, make(r, (3,), "int32"), make(r, (3,), "int64")),
        call(operator.sub, make(r, (), "float64"), make(r, (2,), "float16")),
        call(operator.lt, make(r, (3,), "int64"), 2.5),
        call(operator.pow, make(r, (3,), "int64", 1, 3), 0.5),
        call(operator.pow, 2, make(r, (3,), "int64", 0, 3)),
        call(operator.floordiv, make(r, (3,), "int64"), 2.0),
    ], dtypes=("float32",), differentiable=False),
    # in place, the result must fit the tensor written to: PyTorch's errors where it does not
    OpInfo("promotion_iadd", **same(operator.add), inplace=operator.iadd, samples=lambda r, dt: [
        call(make(r, (3,), "int64"), 2.5),
        call(make(r, (3,), "int32"), make(r, (3,), "float32")),
        call(make(r, (3,), "int32"), make(r, (3,), "int64")),
        call(make(r, (3,), "float32"), make(r, (3,), "float64")),
        call(make(r, (3,), "float16"), make(r, (), "float64")),
        call(make(r, (3,), "bool"), 1),
        call(make(r, (3,), "bool"), make(r, (3,), "bool")),
        call(make(r, (1,), "float32"), make(r, (3,), "float32")),
    ], dtypes=("float32",), differentiable=False),
    OpInfo("promotion_itruediv", **same(operator.truediv), inplace=operator.itruediv,
           samples=lambda r, dt: [
               call(make(r, (3,), "int64"), 2),
               call(make(r, (3,), "float32"), make(r, (3,), "int64", 1, 3)),
           ], dtypes=("float32",), differentiable=False),
    OpInfo("round_decimals", **fn("round", decimals=2), samples=unary(), dtypes=("float32",
           "float64"), differentiable=False),
    OpInfo("nan_to_num", **fn("nan_to_num"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt)),
        lambda r, dt: call(special_values(dt)(r, dt)),
        lambda r, dt: call(special_values(dt)(r, dt), 1.5, 100.0, -100.0),
        lambda r, dt: call(special_values(dt)(r, dt), neginf=0.0),
    ), dtypes=FLOATS, method="nan_to_num", inplace="nan_to_num_"),
    OpInfo("lerp", **fn("lerp"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt), 0.3),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (4,), dt), make(r, (3, 4), dt, 0, 1)),
        lambda r, dt: call(make(r, (), dt), make(r, (), dt), make(r, (), dt, 0, 1)),
    ), dtypes=FLOATS, method="lerp", inplace="lerp_"),
    OpInfo("addcmul", **fn("addcmul"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt), make(r, (4,), dt)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 1), dt), make(r, (1, 4), dt),
                           value=0.5 if dt in FLOATS else 2),
    ), dtypes=NUMERIC, method="addcmul", inplace="addcmul_", errors=lambda r: [
        call(make(r, (3, 4), "float32"), make(r, (3, 5), "float32"), make(r, (4,), "float32"))]),
    OpInfo("addcdiv", **fn("addcdiv"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt), make(r, (4,), dt, 0.5, 2)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 1), dt), make(r, (1, 4), dt, 1, 2),
                           value=-0.5),
    ), dtypes=FLOATS, method="addcdiv", inplace="addcdiv_", errors=lambda r: [
        call(make(r, (3,), "float32"), make(r, (3,), "int64"), make(r, (3,), "int64", 1, 3))]),
    OpInfo("isclose", **fn("isclose"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt)),
        lambda r, dt: (lambda x: call(x, x + np.asarray(1e-3, x.dtype), rtol=1e-2))(
            make(r, (3, 4), dt)),
        lambda r, dt: (lambda x: call(x, x, equal_nan=True))(special_values(dt)(r, dt)),
        lambda r, dt: (lambda x: call(x, x))(special_values(dt)(r, dt)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (4,), dt), atol=1.0),
    ), dtypes=FLOATS, method="isclose", **bool_out(
        errors=lambda r: [call(make(r, (3,), "float32"), make(r, (3,), "float64"))])),
    OpInfo("allclose", **fn("allclose"), samples=samples_of(
        lambda r, dt: (lambda x: call(x, x + np.asarray(1e-9, x.dtype)))(make(r, (3, 4), dt)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt)),
        lambda r, dt: (lambda x: call(x, x, equal_nan=True))(special_values(dt)(r, dt)),
    ), dtypes=("float32", "float64"), method="allclose", **bool_out(**HOST_RESULT)),
    OpInfo("equal", **fn("equal"), samples=samples_of(
        lambda r, dt: (lambda x: call(x, x.copy()))(make(r, (3, 4), dt)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), dt)),
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (4,), dt)),
    ), dtypes=MOVE, method="equal", **bool_out(**HOST_RESULT)),
    OpInfo("clamp_min", **fn("clamp_min"), samples=unary(shapes=[(3, 4), ()], min=-1),
           dtypes=NUMERIC, method="clamp_min", inplace="clamp_min_"),
    OpInfo("clamp_max", **fn("clamp_max"), samples=unary(shapes=[(3, 4), ()], max=1),
           dtypes=NUMERIC, method="clamp_max", inplace="clamp_max_"),
    OpInfo("where_condition_only", **fn("where"), samples=unary(low=-1, high=2,
           shapes=[(3, 4), (2, 3, 4), ()]), dtypes=("bool",), differentiable=False,
           **DATA_SHAPE),
    OpInfo("isin", **fn("isin"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (5,), dt)),
        call(make(r, (3, 4), dt), make(r, (2, 2), dt), invert=True)],
        dtypes=("float32", "int64", "int32"), differentiable=False),
    OpInfo("i0", **fn("i0"), samples=unary(), dtypes=F64, method="i0", inplace="i0_"),
    OpInfo("ldexp", **fn("ldexp"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), "int64", 0, 4)),
        lambda r, dt: call(make(r, (2, 3, 4), dt), make(r, (4,), "int64", 0, 3)),
    ), dtypes=F64, method="ldexp", inplace="ldexp_"),
    OpInfo("rsub", **fn("rsub"), samples=binary(scalars=None), dtypes=F64),
    OpInfo("rsub_alpha", **fn("rsub", alpha=2), samples=binary(scalars=None), dtypes=F64),
    OpInfo("hardshrink", **fn("hardshrink"), samples=unary(), dtypes=F64, method="hardshrink"),
    OpInfo("polygamma", **fn("polygamma"), samples=samples_of(
        lambda r, dt: call(1, make(r, (3, 4), dt, 0.5, 3)),
        lambda r, dt: call(2, make(r, (4,), dt, 0.5, 3)),
    ), dtypes=F64),
    OpInfo("igamma", **fn("igamma"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt, 0.5, 3), make(r, (3, 4), dt, 0.1, 3)),
    ), dtypes=F64, method="igamma", differentiable=False),
]
OPS += [_row_unary(*row) for row in _UNARY]
OPS += [_row_binary(*row) for row in _BINARY]
# fmt: on
