"""The core op table: one ``OpInfo`` row per op, checked against PyTorch by ``test_ops.py``.

Each row names the op, the callable on each side (``torchlike`` and ``torch``), a sample
generator and flags; the generic tests run every row (see ``test_ops.py``). A sample is
``(args, kwargs)`` built from NumPy arrays (which become a tensor in each library), Python
numbers, and the markers below (a dtype, a raw NumPy array). Reference values always come from
running PyTorch on the same sample, never from numbers written here.

Adding an op means adding a row: give it samples covering 0-d, empty, broadcasting and negative
dims where they apply, the dtypes PyTorch's CPU build supports for it, and error samples (inputs
PyTorch rejects) when there are interesting ones.

This module also holds the harness shared by the core tests: converting a sample for a library,
comparing results (``assert_same``), and ``expect_same_error``.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ml_dtypes
import numpy as np
import pytest
import torch

import torchlike as tl

# -- dtypes and tolerances ------------------------------------------------------------------------

FLOATS = ("float32", "float64", "float16", "bfloat16")
INTS = ("int64", "int32")
ALL = FLOATS + INTS + ("bool",)
FLOAT_INT = FLOATS + INTS
NO_HALF = ("float32", "float64") + INTS + ("bool",)

# PyTorch's ``assert_close`` defaults per result dtype: (rtol, atol). Integers and bools: exact.
TOL = {
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
}
FD_EPS, FD_RTOL, FD_ATOL = 1e-6, 1e-3, 1e-5  # PyTorch's gradcheck settings

_NP = {
    "float32": np.float32,
    "float64": np.float64,
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "int64": np.int64,
    "int32": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
}


# -- sample markers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dt:
    """A dtype argument: ``torch.<name>`` on one side, ``torchlike.<name>`` on the other."""

    name: str


@dataclass(frozen=True)
class NumPy:
    """A NumPy array passed as it is (``from_numpy``), not turned into a tensor."""

    array: np.ndarray


Sample = tuple[tuple, dict]


def call(*args, **kwargs) -> Sample:
    return args, kwargs


def make(rng: np.random.Generator, shape, dtype: str, low: float = -3, high: float = 3):
    """Random values of ``dtype`` in ``[low, high)`` (PyTorch's ``make_tensor``, as NumPy).

    Bools are random, or all True when ``low > 0`` (a domain that excludes zero).
    """
    shape = tuple(shape)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5) if low <= 0 else np.ones(shape, bool)
    if dtype in FLOATS:
        return np.asarray(rng.uniform(low, high, shape), np.float32).astype(_NP[dtype])
    return np.asarray(rng.integers(math.ceil(low), math.ceil(high), shape), _NP[dtype])


def scalar_of(dtype: str):
    """A Python number of ``dtype``'s kind (so it does not change the result dtype)."""
    return True if dtype == "bool" else (2.5 if dtype in FLOATS else 3)


# -- the row --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpInfo:
    """One op: how to call it on each side, what to call it with, and which tests apply.

    ``samples(rng, dtype)`` yields samples for one dtype; the first ones are the most telling
    (tests that cannot afford every sample take the first). ``errors(rng)`` yields samples that
    PyTorch rejects; ours must raise the same exception type. ``inplace`` is a method name
    (``"add_"``) or a callable (``operator.iadd``) applied to a clone of the first argument.
    """

    name: str
    ours: Callable
    ref: Callable
    samples: Callable[[np.random.Generator, str], Iterable[Sample]]
    dtypes: tuple[str, ...] = FLOATS
    differentiable: bool = True
    method: str | None = None
    inplace: str | Callable | None = None
    errors: Callable[[np.random.Generator], Iterable[Sample]] | None = None
    tol: dict = field(default_factory=dict)  # result dtype -> (rtol, atol); needs tol_reason
    tol_reason: str = ""
    grad_tol: dict = field(default_factory=dict)  # float64 gradients: (rtol, atol) + reason
    values: bool = True  # False: compare shape and dtype only (``empty``)
    fd: bool = True  # check gradients by finite differences (differentiable ops)
    compiles: bool = True  # False: the op needs concrete values (see ``compile_reason``)
    compile_reason: str = ""

    def __post_init__(self) -> None:
        if (self.tol or self.grad_tol) and not self.tol_reason:
            raise ValueError(f"{self.name}: a tolerance override needs a tol_reason")
        if not self.compiles and not self.compile_reason:
            raise ValueError(f"{self.name}: compiles=False needs a compile_reason")

    def __repr__(self) -> str:
        return self.name


def fn(name: str, **kwargs) -> dict:
    """``torchlike.<name>`` and ``torch.<name>``, with fixed keyword arguments if given."""
    ours, ref = getattr(tl, name), getattr(torch, name)
    if kwargs:
        ours, ref = functools.partial(ours, **kwargs), functools.partial(ref, **kwargs)
    return dict(ours=ours, ref=ref)


def same(f: Callable) -> dict:
    """One callable for both libraries (operators, methods, properties)."""
    return dict(ours=f, ref=f)


def meth(name: str) -> dict:
    return same(lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs))


# -- sample generators ----------------------------------------------------------------------------

SHAPES = [(3, 4), (), (0, 3), (2, 3, 4)]
# broadcasting pairs: same, trailing, both ways, 0-d with dims, empty, and dims with 0-d
PAIRS = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)), ((), (3,)), ((2, 0), (2, 1))]


def unary(low=-3, high=3, shapes=SHAPES, **kwargs):
    def gen(rng, dt):
        for s in shapes:
            yield call(make(rng, s, dt, low, high), **kwargs)

    return gen


def binary(low=-3, high=3, rhs_low=None, rhs_high=None, scalars="both", pairs=PAIRS, **kwargs):
    """Broadcasting pairs of tensors, then a Python scalar on the right and (``scalars="both"``,
    for operators) on the left; ``scalars=None``: tensors only.

    ``rhs_low``/``rhs_high`` bound the right operand (a divisor kept away from zero, an exponent
    kept small).
    """
    rl = low if rhs_low is None else rhs_low
    rh = high if rhs_high is None else rhs_high

    def gen(rng, dt):
        for a, b in pairs:
            yield call(make(rng, a, dt, low, high), make(rng, b, dt, rl, rh), **kwargs)
        if scalars:
            yield call(make(rng, (3, 4), dt, low, high), scalar_of(dt), **kwargs)
        if scalars == "both":
            yield call(scalar_of(dt), make(rng, (4,), dt, rl, rh), **kwargs)

    return gen


def mismatched(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (3, 5), "float32"))


def reduction(
    dims=(None, 1, -1, (0, 2)), keepdim=True, low=-3, high=3, degenerate=True, dim_kw=False, **kw
):
    """Whole-tensor and per-dim reductions (negative and multiple dims), keepdim, and with
    ``degenerate`` a 0-d input and an empty one (``std``/``var`` have no degrees of freedom
    there: PyTorch warns). ``dim_kw`` passes ``dim=`` (``norm``'s second argument is ``p``)."""

    def with_dim(x, d, **more):
        return call(x, dim=d, **more, **kw) if dim_kw else call(x, d, **more, **kw)

    def gen(rng, dt):
        x = make(rng, (2, 3, 4), dt, low, high)
        for d in dims:
            yield call(x, **kw) if d is None else with_dim(x, d)
        if keepdim:
            yield with_dim(x, 1, keepdim=True)
        if degenerate:
            yield call(make(rng, (), dt, low, high), **kw)
            yield with_dim(make(rng, (0, 3), dt, low, high), 1)

    return gen


def dim_errors(rng):
    yield call(make(rng, (2, 3), "float32"), 2)
    yield call(make(rng, (2, 3), "float32"), -3)


def samples_of(*sample_list):
    """Fixed samples built from the rng: each entry is ``rng -> sample``."""

    def gen(rng, dt):
        for s in sample_list:
            yield s(rng, dt)

    return gen


# -- index samples ---------------------------------------------------------------------------------

_E = Ellipsis


def _indices(rng):
    """Index expressions for a (3, 4, 5) tensor: basic, advanced, masks, negative, None/..."""
    return [
        1,
        -1,
        (1, 2),
        (slice(1, 3),),
        (slice(None), 2),
        (slice(None, None, 2), slice(1, None)),
        (slice(-2, None), -1, slice(None, -1)),
        (_E, 1),
        (None, 1),
        (1, None, slice(None, None, 2)),
        (_E, None),
        (),
        [0, 2],
        [-1, 0],
        ([0, 2], [1, 3]),
        (slice(None), [3, 0, 1]),
        (np.array([2, 0, 2]),),
        (np.array([[0, 1], [2, -1]]), slice(1, 3)),
        (slice(None), np.array([0, 3]), np.array([4, 1])),
        (np.array([0, 2]), _E, np.array([1, 4])),
        (np.array([True, False, True]),),
        (mask(rng, (3, 4)),),
        (slice(None), np.array([False, True, True, False])),
        (mask(rng, (3, 4, 5)),),
        [],
    ]


def getitem_samples(rng, dt):
    x = make(rng, (3, 4, 5), dt)
    for idx in _indices(rng):
        yield call(x, idx)
    yield call(make(rng, (), dt), ())
    yield call(make(rng, (), dt), None)
    yield call(make(rng, (0, 3), dt), (slice(None), 1))


def getitem_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 3)
    yield call(x, (0, -5))
    yield call(x, (0, 0, 0))
    yield call(x, [0, 7])
    yield call(x, np.array([3]))
    yield call(x, np.array([0.0]))
    yield call(x, 1.5)
    yield call(x, np.array([True, False]))
    yield call(make(rng, (), "float32"), 0)


def setitem(x, index, value):
    """``y = x.clone(); y[index] = value`` (a function, so the tests treat it as an op)."""
    y = x.clone()
    y[index] = value
    return y


def setitem_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    s = scalar_of(dt)
    yield call(x, 1, s)
    yield call(x, (0, 2), s)
    yield call(x, -1, make(rng, (4,), dt))
    yield call(x, (slice(None), 1), make(rng, (3,), dt))
    yield call(x, slice(0, 2), make(rng, (4,), dt))  # broadcast over rows
    yield call(x, (slice(None), slice(None, None, 2)), make(rng, (3, 1), dt))
    yield call(x, [0, 2], make(rng, (2, 4), dt))
    yield call(x, (np.array([0, 2, -1]), np.array([1, 3, 0])), make(rng, (3,), dt))
    yield call(x, mask(rng, (3, 4)), s)
    m = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])
    yield call(x, m, make(rng, (int(m.sum()),), dt))
    yield call(x, np.array([True, False, True]), make(rng, (4,), dt))
    yield call(x, (_E, 0), make(rng, (), dt))
    yield call(x, (None, 1), make(rng, (1, 4), dt))


def setitem_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 0, make(rng, (3,), "float32"))
    yield call(x, slice(0, 2), make(rng, (3, 4), "float32"))
    yield call(x, 5, 1.0)
    yield call(x, [0, 9], 1.0)


# -- creation samples ------------------------------------------------------------------------------


def tensor_samples(rng, dt):
    yield call([1, 2, 3])
    yield call([[1.5, -2.0], [3.25, 4.0]])
    yield call([True, False])
    yield call([1, 2.5])
    yield call([True, 2])
    yield call(3)
    yield call(2.5)
    yield call(False)
    yield call([])
    yield call([[1, 2], [3, 4]], dtype=Dt("float64"))
    yield call([1.7, -1.7], dtype=Dt("int32"))
    yield call([0, 2], dtype=Dt("bool"))
    yield call(NumPy(make(rng, (2, 3), "float64")))
    yield call(NumPy(make(rng, (3,), "int32")))
    yield call(NumPy(np.float64(1.5)))
    yield call(np.float32(2.0))  # a NumPy scalar becomes a 0-d tensor of its dtype
    yield call((1, 2))


def tensor_errors(rng):
    yield call([[1, 2], [3]])
    yield call(["a"])
    yield call([1, None])


def creation_sizes(rng, dt):
    yield call(2, 3)
    yield call((2, 3))
    yield call([4])
    yield call(())
    yield call(0, 3)
    yield call(2, dtype=Dt("float64"))
    yield call(2, 3, dtype=Dt("int64"))
    yield call(3, dtype=Dt("bool"))
    yield call(2, dtype=Dt("float16"))


def size_errors(rng):
    yield call(-1, 3)


def full_samples(rng, dt):
    yield call((2, 3), 1.5)
    yield call((2,), 3)
    yield call((2, 2), True)
    yield call((), -2.0)
    yield call((0, 2), 7)
    yield call((3,), 2, dtype=Dt("float64"))
    yield call([2, 1], 1.5, dtype=Dt("int32"))


def like_samples(rng, dt):
    x = make(rng, (2, 3), dt)
    yield call(x)
    yield call(x, dtype=Dt("float64"))
    yield call(x, dtype=Dt("int64"))
    yield call(make(rng, (), dt))


def full_like_samples(rng, dt):
    x = make(rng, (2, 3), dt)
    yield call(x, 7)
    yield call(x, 1.5, dtype=Dt("float64"))
    yield call(make(rng, (0,), dt), 2)


def arange_samples(rng, dt):
    yield call(5)
    yield call(1, 10, 3)
    yield call(10, 0, -2)
    yield call(0)
    yield call(0, 1, 0.1)
    yield call(0.5, 3)
    yield call(-1.0, 1.0, 0.25)
    yield call(1, 2.5, 0.5)
    yield call(5, dtype=Dt("float64"))
    yield call(0, 5, 2, dtype=Dt("int32"))
    yield call(0.0, 3.0, dtype=Dt("int64"))


def arange_errors(rng):
    yield call(0, 5, 0)
    yield call(5, 0, 1)


def linspace_samples(rng, dt):
    yield call(0, 1, 5)
    yield call(-1.5, 2.0, 7)
    yield call(3, 3, 1)
    yield call(0, 1, 0)
    yield call(0, 10, 4, dtype=Dt("int64"))
    yield call(0, 1, 3, dtype=Dt("float64"))


def eye_samples(rng, dt):
    yield call(3)
    yield call(2, 4)
    yield call(0)
    yield call(3, dtype=Dt("int64"))
    yield call(2, 2, dtype=Dt("bool"))


def from_numpy_samples(rng, dt):
    for d in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "bool"):
        yield call(NumPy(make(rng, (2, 3), d)))
    yield call(NumPy(np.asarray(rng.integers(0, 255, (3,)), np.uint8)))
    yield call(NumPy(np.zeros((0, 2), np.float32)))
    yield call(NumPy(np.asarray(1.5)))


def legacy_samples(rng, dt):
    yield call([1, 2, 3])
    yield call([[1.5, 2.5]])
    yield call([])


def legacy_size_samples(rng, dt):
    yield call(2, 3)
    yield call(0)


# -- shape samples ---------------------------------------------------------------------------------


def view_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    yield call(x, 6, 4)
    yield call(x, (4, -1))
    yield call(x, -1)
    yield call(x, [2, 12])
    yield call(x, 1, 24, 1)
    yield call(make(rng, (), dt), 1)
    yield call(make(rng, (1,), dt), ())
    yield call(make(rng, (0, 3), dt), 3, 0, 1)


def view_errors(rng):
    x = make(rng, (2, 3), "float32")
    yield call(x, 4, 2)
    yield call(x, -1, -1)
    yield call(x, 5, -1)


def reshape_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    yield call(x, (6, 4))
    yield call(x.transpose(2, 0, 1), (4, -1))  # not contiguous: a copy in PyTorch
    yield call(x, (-1,))
    yield call(make(rng, (), dt), (1, 1))
    yield call(make(rng, (0, 3), dt), (0, 1, 3))


def method_of(*extra, **kw):
    """Samples calling a method: a tensor, then fixed extra arguments (per shape)."""

    def gen(rng, dt):
        for shape, args in extra:
            yield call(make(rng, shape, dt), *args, **kw)

    return gen


def cat_samples(rng, dt):
    a, b, c = (make(rng, (n, 3), dt) for n in (2, 1, 3))
    yield call([a, b, c])
    yield call([make(rng, (2, 3), dt), make(rng, (2, 1), dt)], 1)
    yield call([make(rng, (2, 3), dt), make(rng, (2, 2), dt)], dim=-1)
    yield call((a,))
    yield call([a, make(rng, (0, 3), dt)])
    yield call([a, make(rng, (0,), dt)])  # PyTorch skips legacy 1-d empty tensors
    yield call([make(rng, (2, 3), dt), make(rng, (2, 3), "float64")])  # promotion


def cat_errors(rng):
    yield call([make(rng, (2, 3), "float32"), make(rng, (2, 4), "float32")])
    yield call([make(rng, (2, 3), "float32"), make(rng, (3,), "float32")])
    yield call([make(rng, (2, 3), "float32")], 2)
    yield call([make(rng, (), "float32"), make(rng, (), "float32")])
    yield call([])


def stack_samples(rng, dt):
    a, b = make(rng, (2, 3), dt), make(rng, (2, 3), dt)
    yield call([a, b])
    yield call([a, b], 1)
    yield call((a, b, a), dim=-1)
    yield call([make(rng, (), dt), make(rng, (), dt)])
    yield call([make(rng, (0, 2), dt)] * 2, 2)


def stack_errors(rng):
    yield call([make(rng, (2, 3), "float32"), make(rng, (3, 2), "float32")])
    yield call([make(rng, (2, 3), "float32")], 3)
    yield call([])


# -- math helpers ----------------------------------------------------------------------------------


def mask(rng, shape):
    return make(rng, shape, "bool")


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


def matmul_samples(rng, dt):
    pairs = [
        ((3, 4), (4, 5)),
        ((4,), (4,)),
        ((2, 3, 4), (4, 5)),
        ((4,), (4, 5)),
        ((3, 4), (4,)),
        ((2, 3, 4), (2, 4, 2)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((0, 4), (4, 3)),
        ((3, 0), (0, 2)),
    ]
    for a, b in pairs:
        yield call(make(rng, a, dt), make(rng, b, dt))


def matmul_errors(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (5, 2), "float32"))
    yield call(make(rng, (3, 4), "float32"), make(rng, (4, 2), "float64"))
    yield call(make(rng, (), "float32"), make(rng, (3,), "float32"))
    yield call(make(rng, (3, 4), "float32"), make(rng, (3,), "float32"))
    yield call(make(rng, (2, 3, 4), "float32"), make(rng, (3, 4, 2), "float32"))


def mm_samples(rng, dt):
    yield call(make(rng, (3, 4), dt), make(rng, (4, 5), dt))
    yield call(make(rng, (1, 2), dt), make(rng, (2, 1), dt))
    yield call(make(rng, (0, 2), dt), make(rng, (2, 3), dt))


def mm_errors(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (5, 2), "float32"))
    yield call(make(rng, (3,), "float32"), make(rng, (3, 2), "float32"))


def bmm_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt), make(rng, (2, 4, 5), dt))
    yield call(make(rng, (1, 1, 2), dt), make(rng, (1, 2, 3), dt))


def bmm_errors(rng):
    yield call(make(rng, (2, 3, 4), "float32"), make(rng, (3, 4, 5), "float32"))
    yield call(make(rng, (3, 4), "float32"), make(rng, (4, 5), "float32"))


# -- the table -------------------------------------------------------------------------------------

# Python values (sizes, ints, dtypes) as the result of a compiled function: one test of its own
PYTHON_RESULT = dict(compiles=False, compile_reason="test_compile_core: Python-valued results")

_BIN = "operator.{}"
_POW_BASE = dict(low=0.5, high=2.0, rhs_low=-2, rhs_high=3)

# Binary elementwise ops that the hypothesis test also draws from: name -> row.
ELEMENTWISE_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "ge")

# fmt: off
OPS: list[OpInfo] = [
    # -- arithmetic, function forms (with method and in-place forms) ---------------------------
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
    # -- operators (scalar-first samples exercise the reflected forms) --------------------------
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
    # -- comparisons and logic, function forms ---------------------------------------------------
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
    # -- math ------------------------------------------------------------------------------------
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
    OpInfo("matmul", **fn("matmul"), samples=matmul_samples, dtypes=("float32", "float64") + INTS,
           method="matmul", errors=matmul_errors),
    OpInfo("mm", **fn("mm"), samples=mm_samples, dtypes=("float32", "float64") + INTS,
           method="mm", errors=mm_errors),
    OpInfo("bmm", **fn("bmm"), samples=bmm_samples, dtypes=("float32", "float64") + INTS,
           method="bmm", errors=bmm_errors),
    # -- reductions ------------------------------------------------------------------------------
    OpInfo("sum", **fn("sum"), samples=reduction(), dtypes=ALL, method="sum",
           errors=dim_errors),
    OpInfo("sum_dtype", **same(lambda x, **k: x.sum(**k)),
           samples=unary(shapes=[(3, 4)], dtype=Dt("float64")), dtypes=FLOAT_INT + ("bool",)),
    OpInfo("mean", **fn("mean"), samples=reduction(), method="mean",
           errors=lambda r: [call(make(r, (3,), "int64")), *dim_errors(r)]),
    OpInfo("prod", **fn("prod"), samples=reduction(dims=(None, 1, -1), low=0.5, high=1.5),
           dtypes=ALL, method="prod"),
    OpInfo("max", **fn("max"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="max",
           errors=lambda r: [call(make(r, (0, 3), "float32")), *dim_errors(r)]),
    OpInfo("min", **fn("min"), samples=reduction(dims=(None, 0, -2)), dtypes=ALL,
           method="min", errors=lambda r: [call(make(r, (0,), "float32"))]),
    OpInfo("max_binary", **fn("max"), samples=binary(scalars=None, pairs=PAIRS[:3]),
           dtypes=FLOAT_INT),
    OpInfo("argmax", **fn("argmax"), samples=reduction(dims=(None, 1, -1)),
           dtypes=FLOAT_INT, method="argmax", differentiable=False,
           errors=lambda r: [call(make(r, (0,), "float32")), call(make(r, (2,), "bool"))]),
    OpInfo("argmin", **fn("argmin"), samples=reduction(dims=(None, 0, -1)), dtypes=FLOAT_INT,
           method="argmin", differentiable=False),
    OpInfo("std", **fn("std"), samples=reduction(degenerate=False), method="std",
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("std_unbiased_false", **fn("std", unbiased=False),
           samples=reduction(dims=(None, 1), keepdim=False, degenerate=False)),
    OpInfo("var", **fn("var"), samples=reduction(degenerate=False), method="var",
           errors=lambda r: [call(make(r, (3,), "int32"))]),
    OpInfo("var_correction", **fn("var", correction=0),
           samples=reduction(dims=(None, -1), keepdim=False, degenerate=False)),
    OpInfo("norm", **fn("norm"), samples=reduction(dim_kw=True), method="norm",
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("norm_p", **fn("norm"),
           samples=samples_of(
               lambda r, dt: call(make(r, (3, 4), dt), 1),
               lambda r, dt: call(make(r, (3, 4), dt), 3, 1),
               lambda r, dt: call(make(r, (3, 4), dt), float("inf"), -1),
               lambda r, dt: call(make(r, (3, 4), dt), 2, (0, 1)),
           )),
    OpInfo("all", **fn("all"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="all", differentiable=False),
    OpInfo("any", **fn("any"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="any", differentiable=False),
    # -- shape and view ops ----------------------------------------------------------------------
    OpInfo("view", **meth("view"), samples=view_samples, dtypes=ALL, errors=view_errors),
    OpInfo("reshape", **fn("reshape"), samples=reshape_samples, dtypes=ALL, method="reshape",
           errors=lambda r: [call(make(r, (2, 3), "float32"), (4, 2))]),
    OpInfo("flatten", **fn("flatten"), samples=method_of(
        ((2, 3, 4), ()), ((2, 3, 4), (1,)), ((2, 3, 4), (0, -2)),
        ((), ()), ((0, 3), ()), ((2, 3, 4), (-1,))), dtypes=ALL, method="flatten",
        errors=lambda r: [call(make(r, (2, 3, 4), "float32"), 2, 1),
                          call(make(r, (2, 3), "float32"), 3)]),
    OpInfo("squeeze", **fn("squeeze"), samples=method_of(
        ((2, 1, 3, 1), ()), ((2, 1, 3), (1,)), ((2, 1, 3, 1), (-1,)),
        ((2, 1, 3), (0,)), ((), ()), ((1, 0, 1), ()), ((2, 1, 1), ((1, 2),))),
        dtypes=ALL, method="squeeze", errors=dim_errors),
    OpInfo("unsqueeze", **fn("unsqueeze"), samples=method_of(
        ((2, 3), (0,)), ((2, 3), (2,)), ((2, 3), (-1,)), ((2, 3), (-3,)),
        ((), (0,)), ((0, 2), (1,))), dtypes=ALL, method="unsqueeze",
        errors=lambda r: [call(make(r, (2, 3), "float32"), 3),
                          call(make(r, (2, 3), "float32"), -4)]),
    OpInfo("permute", **fn("permute"), samples=method_of(
        ((2, 3, 4), ((2, 0, 1),)), ((2, 3, 4), ((-1, 0, 1),)), ((2, 3), ((1, 0),)),
        ((), ((),)), ((0, 2), ((1, 0),))), dtypes=ALL, method="permute",
        errors=lambda r: [call(make(r, (2, 3), "float32"), (0,)),
                          call(make(r, (2, 3), "float32"), (0, 0)),
                          call(make(r, (2, 3), "float32"), (0, 2))]),
    OpInfo("permute_varargs", **meth("permute"), samples=method_of(
        ((2, 3, 4), (1, 2, 0))), dtypes=FLOATS),
    OpInfo("transpose", **fn("transpose"), samples=method_of(
        ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 1)), ((2, 3), (1, 1)),
        ((3,), (0, -1)), ((), (0, 0))), dtypes=ALL, method="transpose",
        errors=lambda r: [call(make(r, (2, 3), "float32"), 0, 2)]),
    # PyTorch deprecates .T on other than 2-d tensors (a warning)
    OpInfo("T", **same(lambda x: x.T), samples=unary(shapes=[(3, 4), (0, 2)]),
           dtypes=ALL),
    OpInfo("contiguous", **meth("contiguous"), samples=unary(shapes=[(3, 4), ()]), dtypes=ALL),
    OpInfo("contiguous_of_transpose", **same(lambda x: x.t().contiguous()),
           samples=unary(shapes=[(3, 4)]), dtypes=ALL),
    OpInfo("expand", **meth("expand"), samples=method_of(
        ((3, 1), (3, 4)), ((3, 1), ((2, 3, 5),)), ((1,), (-1,)),
        ((1, 4), (3, -1)), ((), (2, 2)), ((2, 1), (0, 2, 0))), dtypes=ALL,
        errors=lambda r: [call(make(r, (3, 2), "float32"), 3, 4),
                          call(make(r, (3, 2), "float32"), 2),
                          call(make(r, (3,), "float32"), -1, 3)]),
    OpInfo("repeat", **meth("repeat"), samples=method_of(
        ((2, 3), (2, 1)), ((2, 3), (1, 2, 2)), ((3,), ((2,),)), ((), (3,)),
        ((2, 3), (0, 1))), dtypes=ALL,
        errors=lambda r: [call(make(r, (2, 3), "float32"), 2)]),
    OpInfo("chunk", **fn("chunk"), samples=method_of(
        ((6, 2), (3,)), ((5, 2), (2,)), ((2, 7), (3, 1)), ((2, 6), (4, -1)),
        ((0, 2), (2,))), dtypes=ALL, method="chunk",
        errors=lambda r: [call(make(r, (4,), "float32"), 0)]),
    OpInfo("split", **fn("split"), samples=method_of(
        ((6, 2), (2,)), ((5, 2), (2,)), ((2, 7), ([3, 4], 1)),
        ((2, 6), ([1, 0, 5], -1)), ((4,), (10,))), dtypes=ALL, method="split",
        errors=lambda r: [call(make(r, (5,), "float32"), [2, 2])]),
    OpInfo("cat", **fn("cat"), samples=cat_samples, dtypes=ALL, errors=cat_errors),
    OpInfo("stack", **fn("stack"), samples=stack_samples, dtypes=ALL, errors=stack_errors),
    # -- indexing --------------------------------------------------------------------------------
    OpInfo("getitem", **same(operator.getitem), samples=getitem_samples, dtypes=ALL,
           errors=getitem_errors, compiles=False,
           compile_reason="boolean-mask indices have a data-dependent shape (documented); "
                          "test_compiled_getitem covers the other index kinds"),
    OpInfo("setitem", **same(setitem), samples=setitem_samples, dtypes=ALL,
           errors=setitem_errors),
    # -- creation (values only; no gradients) ----------------------------------------------------
    OpInfo("tensor", **fn("tensor"), samples=tensor_samples, dtypes=("float32",),
           differentiable=False, errors=tensor_errors),
    OpInfo("as_tensor", **fn("as_tensor"), samples=lambda r, dt: (
        s for s in tensor_samples(r, dt) if not isinstance(s[0][0], NumPy)
    ), dtypes=("float32",), differentiable=False),
    OpInfo("from_numpy", **fn("from_numpy"), samples=from_numpy_samples, dtypes=("float32",),
           differentiable=False, compiles=False,
           compile_reason="reads a NumPy array: nothing to trace"),
    *(
        OpInfo(name, **fn(name), samples=legacy_samples, dtypes=("float32",),
               differentiable=False)
        for name in ("Tensor", "FloatTensor", "LongTensor")
    ),
    # ``Tensor(*sizes)`` is uninitialised memory in PyTorch: compare shape and dtype only
    *(
        OpInfo(f"{name}_sizes", **fn(name), samples=legacy_size_samples, dtypes=("float32",),
               differentiable=False, values=False)
        for name in ("Tensor", "FloatTensor", "LongTensor")
    ),
    OpInfo("zeros", **fn("zeros"), samples=creation_sizes, dtypes=("float32",),
           differentiable=False, errors=size_errors),
    OpInfo("ones", **fn("ones"), samples=creation_sizes, dtypes=("float32",),
           differentiable=False, errors=size_errors),
    OpInfo("empty", **fn("empty"), samples=creation_sizes, dtypes=("float32",),
           differentiable=False, values=False),
    OpInfo("full", **fn("full"), samples=full_samples, dtypes=("float32",),
           differentiable=False),
    OpInfo("zeros_like", **fn("zeros_like"), samples=like_samples, dtypes=ALL,
           differentiable=False),
    OpInfo("ones_like", **fn("ones_like"), samples=like_samples, dtypes=ALL,
           differentiable=False),
    OpInfo("empty_like", **fn("empty_like"), samples=like_samples, dtypes=ALL,
           differentiable=False, values=False),
    OpInfo("full_like", **fn("full_like"), samples=full_like_samples, dtypes=ALL,
           differentiable=False),
    OpInfo("arange", **fn("arange"), samples=arange_samples, dtypes=("float32",),
           differentiable=False, errors=arange_errors),
    OpInfo("linspace", **fn("linspace"), samples=linspace_samples, dtypes=("float32",),
           differentiable=False),
    OpInfo("eye", **fn("eye"), samples=eye_samples, dtypes=("float32",), differentiable=False),
    # -- in-place methods that are ops of their own ----------------------------------------------
    OpInfo("copy_", **same(lambda x, src: x.clone().copy_(src)), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (3, 4), dt)),
        call(make(r, (3, 4), dt), make(r, (4,), dt)),
        call(make(r, (3, 4), dt), make(r, (3, 4), "float64")),
        call(make(r, (3, 4), dt), make(r, (3, 4), "int64")),
        call(make(r, (), dt), make(r, (), dt)),
    ], dtypes=ALL, errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (2, 4), "float32"))]),
    OpInfo("zero_", **same(lambda x: x.clone().zero_()), samples=unary(), dtypes=ALL),
    OpInfo("fill_", **same(lambda x, v: x.clone().fill_(v)), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), scalar_of(dt)),
        call(make(r, (3, 4), dt), 7),
        call(make(r, (), dt), make(r, (), dt)),
        call(make(r, (0, 2), dt), 1),
    ], dtypes=ALL,
       errors=lambda r: [call(make(r, (3,), "float32"), make(r, (2,), "float32"))]),
    # -- type promotion (function and operator forms share the rules) ----------------------------
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
    # -- tensor API ------------------------------------------------------------------------------
    OpInfo("item", **meth("item"), samples=unary(shapes=[(), (1,), (1, 1)]), dtypes=ALL,
           differentiable=False, errors=lambda r: [call(make(r, (2,), "float32"))],
           compiles=False, compile_reason="test_compile_core checks .item() raises in compile"),
    OpInfo("tolist", **meth("tolist"), samples=unary(shapes=[(2, 3), (), (0,)]), dtypes=ALL,
           differentiable=False, compiles=False,
           compile_reason="test_compile_core checks .tolist() raises in compile"),
    OpInfo("numpy", **meth("numpy"), samples=unary(shapes=[(2, 3), ()]),
           dtypes=NO_HALF + ("float16",), differentiable=False, compiles=False,
           compile_reason="test_compile_core checks .numpy() raises in compile"),
    OpInfo("size", **meth("size"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt)), call(make(r, (2, 3), dt), -1), call(make(r, (), dt)),
    ], dtypes=("float32", "int64"), differentiable=False,
       errors=lambda r: [call(make(r, (2, 3), "float32"), 2)], **PYTHON_RESULT),
    OpInfo("shape", **same(lambda x: x.shape), samples=unary(), dtypes=("float32",),
           differentiable=False, **PYTHON_RESULT),
    OpInfo("dim", **meth("dim"), samples=unary(), dtypes=("float32",), differentiable=False,
           **PYTHON_RESULT),
    OpInfo("numel", **meth("numel"), samples=unary(), dtypes=("float32",),
           differentiable=False, **PYTHON_RESULT),
    OpInfo("dtype", **same(lambda x: x.dtype), samples=unary(shapes=[(2,)]), dtypes=ALL,
           differentiable=False, **PYTHON_RESULT),
    *(
        OpInfo(f"to_{name}", **meth(name), samples=unary(shapes=[(3, 4), ()]), dtypes=ALL,
               differentiable=name in ("float", "double", "half"),
               fd=name == "double")  # differences of a float32/16 result are too coarse
        for name in ("float", "double", "half", "long", "int", "bool")
    ),
    OpInfo("clone", **meth("clone"), samples=unary(), dtypes=ALL),
    OpInfo("view_as", **meth("view_as"), samples=lambda r, dt: [
        call(make(r, (2, 6), dt), make(r, (3, 4), "float64")),
        call(make(r, (1,), dt), make(r, (), "int64")),
    ], dtypes=ALL),
    OpInfo("eq_method", **meth("eq"),
           samples=binary(low=-2, high=2, pairs=PAIRS[:2], scalars="right"),
           dtypes=ALL, differentiable=False),
]
# fmt: on


OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate row names"


# -- converting samples ----------------------------------------------------------------------------


def _tensor(lib, arr: np.ndarray):
    if arr.dtype == ml_dtypes.bfloat16:
        return lib.from_numpy(arr.astype(np.float32)).to(lib.bfloat16)
    return lib.from_numpy(np.array(arr))


def convert(lib, value, grads: list | None = None):
    """A sample value for ``lib``: arrays become tensors (float ones requiring grad, appended to
    ``grads``, when ``grads`` is a list), dtype markers become ``lib``'s dtypes."""
    if isinstance(value, np.ndarray):
        t = _tensor(lib, value)
        if grads is not None and is_float(value):
            t.requires_grad_(True)
            grads.append(t)
        return t
    if isinstance(value, Dt):
        return getattr(lib, value.name)
    if isinstance(value, NumPy):
        return np.array(value.array)
    if isinstance(value, list):
        return [convert(lib, v, grads) for v in value]
    if isinstance(value, tuple):
        return tuple(convert(lib, v, grads) for v in value)
    if isinstance(value, dict):
        return {k: convert(lib, v, grads) for k, v in value.items()}
    return value


def build(lib, sample: Sample, grads: list | None = None):
    args, kwargs = sample
    return convert(lib, args, grads), convert(lib, kwargs, grads)


def is_float(arr: np.ndarray) -> bool:
    return arr.dtype.kind == "f" or arr.dtype == ml_dtypes.bfloat16


# -- comparing results -----------------------------------------------------------------------------


def numpy_of(t) -> np.ndarray:
    """A tensor of either library as NumPy (bfloat16 widened to float32, exactly)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    arr = np.asarray(t.detach()._data)
    return arr.astype(np.float32) if arr.dtype == ml_dtypes.bfloat16 else arr


def dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


def assert_same(ours, theirs, tol: dict | None = None, path: str = "result", values=True):
    """``ours`` (torchlike) equals ``theirs`` (torch): structure, types, shapes, dtypes, values.

    Float values are compared with ``TOL`` for their dtype (``tol`` overrides it per dtype);
    integer and bool values exactly; NaNs must match.
    """
    tol = {**TOL, **(tol or {})}
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tl.Tensor), f"{path}: expected a Tensor, got {type(ours)}"
        assert repr(ours.dtype) == str(theirs.dtype), (
            f"{path}: dtype {ours.dtype} != {theirs.dtype}"
        )
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{path}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        )
        if values:
            _assert_values(numpy_of(ours), numpy_of(theirs), dtype_name(theirs), tol, path)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{path}: expected an ndarray, got {type(ours)}"
        assert ours.dtype == theirs.dtype, f"{path}: dtype {ours.dtype} != {theirs.dtype}"
        _assert_values(ours, theirs, str(theirs.dtype), tol, path)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours).__name__ == type(theirs).__name__, (
            f"{path}: {type(ours).__name__} != {type(theirs).__name__}"
        )
        assert len(ours) == len(theirs), f"{path}: {len(ours)} items != {len(theirs)}"
        for name in ("values", "indices"):  # torch.return_types (max, min, ...)
            if hasattr(theirs, name):
                assert_same(getattr(ours, name), getattr(theirs, name), tol, f"{path}.{name}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, tol, f"{path}[{i}]", values)
    elif isinstance(theirs, torch.dtype):
        assert repr(ours) == str(theirs), f"{path}: {ours!r} != {theirs}"
    else:
        assert type(ours) is type(theirs), f"{path}: {type(ours)} != {type(theirs)}"
        if isinstance(theirs, float):
            rtol, atol = tol["float64"]
            assert math.isclose(ours, theirs, rel_tol=rtol, abs_tol=atol) or (
                math.isnan(ours) and math.isnan(theirs)
            ), f"{path}: {ours} != {theirs}"
        else:
            assert ours == theirs, f"{path}: {ours} != {theirs}"


def _assert_values(a: np.ndarray, b: np.ndarray, dtype: str, tol: dict, path: str) -> None:
    if dtype in tol:
        rtol, atol = tol[dtype]
        np.testing.assert_allclose(
            a.astype(np.float64),
            b.astype(np.float64),
            rtol=rtol,
            atol=atol,
            equal_nan=True,
            err_msg=path,
        )
    else:
        np.testing.assert_array_equal(a, b, err_msg=path)


def expect_same_error(torch_fn: Callable, our_fn: Callable) -> Exception:
    """Run PyTorch first (it must raise), then ours, which must raise the same exception type."""
    try:
        torch_fn()
    except Exception as e:  # noqa: BLE001 - any exception type is the thing under test
        theirs = e
    else:
        pytest.fail("PyTorch did not raise: this error sample is wrong")
    try:
        our_fn()
    except Exception as e:  # noqa: BLE001
        assert type(e) is type(theirs), (
            f"raised {type(e).__name__}({e}) where PyTorch raises {type(theirs).__name__}({theirs})"
        )
        return e
    pytest.fail(f"did not raise; PyTorch raises {type(theirs).__name__}({theirs})")
