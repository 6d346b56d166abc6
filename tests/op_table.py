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


# -- the wider table: samples for the ops beyond the core -----------------------------------------


# Ops that move values without arithmetic need fewer dtypes than math does (each dtype is a
# compilation): one float of each width that gradients need, an integer and bool.
MOVE = ("float32", "float64", "int64", "bool")
NUMERIC = ("float32", "float64", "float16", "int64")


def distinct(rng, shape, dt, scale=0.5):
    """Values without ties (sorting, top-k and order statistics are then fully specified)."""
    n = math.prod(shape)
    vals = (rng.permutation(n) - n // 2) * (scale if dt in FLOATS else 1)
    return np.asarray(vals, np.float64).reshape(shape).astype(_NP[dt])


def with_nans(rng, shape, dt):
    x = make(rng, shape, dt)
    x.reshape(-1)[::3] = np.nan
    return x


def perm_index(rng, shape, dim, n):
    """An int64 index of ``shape`` whose entries along ``dim`` are distinct values below ``n``."""
    out = np.moveaxis(np.zeros(shape, np.int64), dim, -1)
    for pos in np.ndindex(out.shape[:-1]):
        out[pos] = rng.permutation(n)[: out.shape[-1]]
    return np.moveaxis(out, -1, dim)


def lin(name: str, **kwargs) -> dict:
    """``torchlike.linalg.<name>`` and ``torch.linalg.<name>``."""
    ours, ref = getattr(tl.linalg, name), getattr(torch.linalg, name)
    if kwargs:
        ours, ref = functools.partial(ours, **kwargs), functools.partial(ref, **kwargs)
    return dict(ours=ours, ref=ref)


def lib_of(t):
    return torch if isinstance(t, torch.Tensor) else tl


def well_conditioned(rng, shape, dt):
    """Square matrices ``M + n I`` with ``M`` in [-1, 1): far from singular."""
    n = shape[-1]
    return (make(rng, shape, dt, -1, 1) + n * np.eye(n)).astype(_NP[dt])


def spd(x):
    """A symmetric positive-definite matrix made from any square ``x`` (both libraries)."""
    lib = lib_of(x)
    return x @ x.mT + x.shape[-1] * lib.eye(x.shape[-1], dtype=x.dtype)


def fix_signs(u, v):
    """Columns of ``u`` (and the matching columns of ``v``) with their largest entry positive:
    singular and eigen vectors are unique only up to sign."""
    s = u.gather(-2, u.abs().argmax(-2, keepdim=True)).sign()
    return u * s, v * s


def svd_fixed(a, full_matrices=False):
    u, s, vh = lib_of(a).linalg.svd(a, full_matrices=full_matrices)
    u, v = fix_signs(u, vh.mT)
    return u, s, v


def eigh_fixed(a):
    w, v = lib_of(a).linalg.eigh(spd(a))
    return w, fix_signs(v, v)[0]


def cholesky_spd(a, upper=False):
    return lib_of(a).linalg.cholesky(spd(a), upper=upper)


def sort_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt))
    yield call(distinct(rng, (3, 5), dt), 0)
    yield call(distinct(rng, (2, 3, 4), dt), -2, descending=True)
    yield call(distinct(rng, (), dt))
    yield call(distinct(rng, (0, 3), dt), 1)


def topk_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 2)
    yield call(distinct(rng, (3, 5), dt), 3, 0)
    yield call(distinct(rng, (2, 3, 4), dt), 1, -1, largest=False)
    yield call(distinct(rng, (4,), dt), 0)


def kth_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 2)
    yield call(distinct(rng, (3, 5), dt), 3, 0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), 4, -1)
    yield call(distinct(rng, (), dt), 1)


def median_dim_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 1)
    yield call(distinct(rng, (4, 3), dt), 0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), -1)
    yield call(distinct(rng, (), dt), 0)


def mode_samples(rng, dt):
    low, high = (-2, 2) if dt != "bool" else (0, 1)
    yield call(make(rng, (3, 8), dt, low, high))
    yield call(make(rng, (6, 3), dt, low, high), 0, keepdim=True)
    yield call(make(rng, (2, 3, 5), dt, low, high), 1)


def quantile_samples(rng, dt):
    x = distinct(rng, (3, 5), dt)
    yield call(x, 0.3)
    yield call(x, 0.5, dim=1)
    yield call(x, 0.75, dim=0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), 0.4, dim=-1, interpolation="lower")
    yield call(x, 0.1, interpolation="midpoint")
    yield call(x, 0.6, dim=1, interpolation="nearest")
    yield call(x, 0.2, interpolation="higher")
    yield call(x, 0.5, keepdim=True)


def quantile_errors(rng):
    yield call(make(rng, (3,), "int64"), 0.5)
    yield call(make(rng, (3,), "float32"), 1.5)
    yield call(make(rng, (3,), "float32"), 0.5, interpolation="cubic")


def unique_samples(rng, dt):
    low, high = (-2, 3) if dt != "bool" else (0, 1)
    x = make(rng, (4, 5), dt, low, high)
    yield call(x)
    yield call(x, return_inverse=True)
    yield call(x, return_counts=True)
    yield call(x, return_inverse=True, return_counts=True)
    yield call(make(rng, (0,), dt))
    rows = make(rng, (2, 3), dt, low, high)
    yield call(np.concatenate([rows, rows[:1], rows]), dim=0, return_inverse=True)


def bincount_samples(rng, dt):
    yield call(make(rng, (10,), "int64", 0, 5))
    yield call(make(rng, (10,), "int64", 0, 5), make(rng, (10,), dt))
    yield call(make(rng, (10,), "int64", 0, 5), minlength=8)
    yield call(np.zeros((0,), np.int64))


def histc_samples(rng, dt):
    yield call(make(rng, (20,), dt), 5)
    yield call(make(rng, (3, 7), dt), 4, -1, 2)
    yield call(make(rng, (10,), dt), bins=3, min=-5, max=5)
    yield call(np.full((4,), 2.0, _NP[dt]), 4)


def scan_samples(rng, dt, distinct_values=False):
    m = distinct if distinct_values else make
    yield call(m(rng, (3, 4), dt), 1)
    yield call(m(rng, (3, 4), dt), 0)
    yield call(m(rng, (2, 3, 4), dt), -2)
    yield call(m(rng, (), dt), 0)
    yield call(m(rng, (0, 3), dt), 1)


def diff_samples(rng, dt):
    yield call(make(rng, (3, 5), dt))
    yield call(make(rng, (3, 5), dt), 2, 0)
    yield call(make(rng, (4,), dt), prepend=make(rng, (2,), dt), append=make(rng, (1,), dt))
    yield call(make(rng, (2, 3, 4), dt), 1, 1)
    yield call(make(rng, (3, 4), dt), 0)


def gather_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, 1, make(rng, (3, 2), "int64", 0, 4))
    yield call(x, 0, make(rng, (2, 4), "int64", 0, 3))
    yield call(make(rng, (2, 3, 4), dt), -1, make(rng, (2, 3, 5), "int64", 0, 4))
    yield call(x, 1, np.zeros((3, 0), np.int64))


def gather_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 1, make(rng, (3, 2), "float32", 0, 4))
    yield call(x, 1, np.array([[0, 4]], np.int64))
    yield call(x, 2, make(rng, (3, 2), "int64", 0, 3))


def scatter_samples(rng, dt, src="tensor"):
    def source(shape):
        return make(rng, shape, dt) if src == "tensor" else scalar_of(dt)

    x = make(rng, (3, 5), dt)
    yield call(x, 1, perm_index(rng, (3, 2), 1, 5), source((3, 2)))
    yield call(x, 0, perm_index(rng, (2, 5), 0, 3), source((2, 5)))
    yield call(make(rng, (2, 3, 4), dt), -1, perm_index(rng, (2, 3, 4), 2, 4), source((2, 3, 4)))
    # a larger ``src`` (only its index-shaped corner is read; PyTorch's backward rejects it)
    yield call(x, 1, perm_index(rng, (3, 2), 1, 5), source((3, 3)))
    yield call(x, 1, np.zeros((3, 0), np.int64), source((3, 0)))


def scatter_add_samples(rng, dt):
    x = make(rng, (3, 5), dt)
    yield call(x, 1, make(rng, (3, 4), "int64", 0, 5), make(rng, (3, 4), dt))
    yield call(x, 0, make(rng, (4, 5), "int64", 0, 3), make(rng, (4, 5), dt))
    yield call(make(rng, (2, 3), dt), -1, make(rng, (2, 6), "int64", 0, 3), make(rng, (2, 6), dt))


def scatter_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 1, make(rng, (3, 2), "float32", 0, 4), make(rng, (3, 2), "float32"))
    yield call(x, 1, np.array([[0, 4]], np.int64), make(rng, (1, 2), "float32"))
    yield call(x, 1, make(rng, (3,), "int64", 0, 4), make(rng, (3,), "float32"))
    yield call(x, 1, make(rng, (3, 2), "int64", 0, 4), make(rng, (3, 2), "float64"))


def scatter_reduce_samples(rng, dt):
    x = distinct(rng, (3, 5), dt)
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        yield call(x, 1, make(rng, (3, 4), "int64", 0, 5), distinct(rng, (3, 4), dt), reduce)
    yield call(
        x, 0, make(rng, (4, 5), "int64", 0, 3), distinct(rng, (4, 5), dt), "sum", include_self=False
    )
    yield call(
        x,
        1,
        make(rng, (3, 4), "int64", 0, 5),
        distinct(rng, (3, 4), dt),
        "amax",
        include_self=False,
    )
    yield call(
        x,
        1,
        make(rng, (3, 4), "int64", 0, 5),
        distinct(rng, (3, 4), dt),
        "mean",
        include_self=False,
    )


def index_select_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, 1, np.array([3, 0, 3], np.int64))
    yield call(x, 0, np.array([2, 1], np.int64))
    yield call(make(rng, (2, 3, 4), dt), -1, np.array([1], np.int64))
    yield call(x, 0, np.zeros((0,), np.int64))
    yield call(x, 1, np.array([1, 2], np.int32))


def index_select_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 1, np.array([4], np.int64))
    yield call(x, 1, np.array([[1]], np.int64))
    yield call(x, 2, np.array([1], np.int64))


def index_add_samples(rng, dt, repeats=True):
    x = make(rng, (3, 4), dt)
    idx = np.array([2, 0, 2], np.int64) if repeats else np.array([2, 0], np.int64)
    yield call(x, 0, idx, make(rng, (len(idx), 4), dt))
    yield call(x, 1, np.array([3, 1], np.int64), make(rng, (3, 2), dt))
    yield call(make(rng, (2, 3, 4), dt), -1, np.array([0], np.int64), make(rng, (2, 3, 1), dt))


def index_update_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, 0, np.array([3], np.int64), make(rng, (1, 4), "float32"))
    yield call(x, 0, np.array([1], np.int64), make(rng, (1, 4), "float64"))
    yield call(x, 0, np.array([1], np.int64), make(rng, (2, 4), "float32"))


def index_fill_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, 1, np.array([3, 0], np.int64), scalar_of(dt))
    yield call(x, 0, np.array([1], np.int64), make(rng, (), dt))
    yield call(make(rng, (2, 3, 4), dt), -2, np.array([0, 2], np.int64), scalar_of(dt))


def take_along_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, make(rng, (3, 2), "int64", 0, 4), 1)
    yield call(x, make(rng, (2, 4), "int64", 0, 3), 0)
    yield call(x, make(rng, (5,), "int64", 0, 12))
    yield call(make(rng, (2, 3, 4), dt), make(rng, (1, 3, 2), "int64", 0, 4), -1)  # broadcast


def take_samples(rng, dt):
    yield call(make(rng, (3, 4), dt), make(rng, (2, 3), "int64", -12, 12))
    yield call(make(rng, (5,), dt), make(rng, (), "int64", 0, 5))
    yield call(make(rng, (3, 4), dt), np.zeros((0,), np.int64))


def masked_fill_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, mask(rng, (3, 4)), scalar_of(dt))
    yield call(x, mask(rng, (4,)), scalar_of(dt))
    yield call(x, mask(rng, (3, 4)), make(rng, (), dt))
    yield call(make(rng, (), dt), mask(rng, ()), scalar_of(dt))


def masked_fill_errors(rng):
    x = make(rng, (3, 4), "float32")
    yield call(x, make(rng, (3, 4), "int64", 0, 2), 1.0)
    yield call(x, mask(rng, (3, 4)), make(rng, (2,), "float32"))


def masked_select_samples(rng, dt):
    x = make(rng, (3, 4), dt)
    yield call(x, mask(rng, (3, 4)))
    yield call(x, mask(rng, (4,)))
    yield call(make(rng, (4,), dt), mask(rng, (3, 4)))
    yield call(make(rng, (0, 2), dt), mask(rng, (0, 2)))


def triangle_samples(rng, dt):
    yield call(make(rng, (3, 4), dt))
    yield call(make(rng, (4, 3), dt), 1)
    yield call(make(rng, (2, 3, 3), dt), -1)
    yield call(make(rng, (0, 2), dt))


def diagonal_samples(rng, dt):
    yield call(make(rng, (3, 4), dt))
    yield call(make(rng, (3, 4), dt), 1)
    yield call(make(rng, (2, 3, 4), dt), -1, 1, 2)
    yield call(make(rng, (2, 3, 4), dt), 0, -1, 0)
    yield call(make(rng, (3, 3), dt), 5)


def diag_samples(rng, dt):
    yield call(make(rng, (3,), dt))
    yield call(make(rng, (3,), dt), 1)
    yield call(make(rng, (3, 4), dt), -1)
    yield call(make(rng, (3, 4), dt))
    yield call(make(rng, (0,), dt))


def diag_embed_samples(rng, dt):
    yield call(make(rng, (2, 3), dt))
    yield call(make(rng, (3,), dt), 1)
    yield call(make(rng, (2, 3), dt), -1, 0, 2)


def einsum_samples(rng, dt):
    yield call("ij,jk->ik", make(rng, (2, 3), dt), make(rng, (3, 4), dt))
    yield call("bij,bjk->bik", make(rng, (2, 2, 3), dt), make(rng, (2, 3, 2), dt))
    yield call("ii->i", make(rng, (3, 3), dt))
    yield call("i,j->ij", make(rng, (3,), dt), make(rng, (2,), dt))
    yield call("...ij->...ji", make(rng, (2, 3, 4), dt))
    yield call("ij->", make(rng, (2, 3), dt))


def tensordot_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt), make(rng, (3, 4, 5), dt))
    yield call(make(rng, (2, 3), dt), make(rng, (3, 4), dt), 1)
    yield call(make(rng, (2, 3, 4), dt), make(rng, (4, 2), dt), ([0, 2], [1, 0]))
    yield call(make(rng, (2,), dt), make(rng, (3,), dt), 0)


def cross_samples(rng, dt):
    yield call(make(rng, (4, 3), dt), make(rng, (4, 3), dt), dim=1)
    yield call(make(rng, (3, 2), dt), make(rng, (3, 2), dt), dim=0)
    yield call(make(rng, (2, 1, 3), dt), make(rng, (1, 4, 3), dt), dim=-1)


def cdist_samples(rng, dt):
    yield call(make(rng, (3, 4), dt), make(rng, (5, 4), dt))
    yield call(make(rng, (2, 3, 2), dt), make(rng, (2, 4, 2), dt), 1.0)
    yield call(make(rng, (3, 2), dt), make(rng, (2, 2), dt), 3.0)
    yield call(make(rng, (3, 2), dt), make(rng, (2, 2), dt), float("inf"))
    yield call(make(rng, (3, 2), dt), make(rng, (3, 2), dt), 0.0)


def cdist_errors(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (3, 5), "float32"))
    yield call(make(rng, (4,), "float32"), make(rng, (3, 4), "float32"))


def matrix_samples(rng, dt, shapes=((3, 3), (2, 3, 3), (1, 1))):
    for s in shapes:
        yield call(well_conditioned(rng, s, dt))


def square_errors(rng):
    yield call(make(rng, (2, 3), "float32"))
    yield call(make(rng, (3,), "float32"))
    yield call(make(rng, (3, 3), "int64"))


def solve_samples(rng, dt):
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (3, 2), dt))
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (3,), dt))
    yield call(well_conditioned(rng, (2, 3, 3), dt), make(rng, (3, 4), dt))
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (2, 3), dt), left=False)


def solve_errors(rng):
    yield call(well_conditioned(rng, (3, 3), "float32"), make(rng, (4, 2), "float32"))
    yield call(well_conditioned(rng, (3, 3), "float32"), make(rng, (3, 2), "float64"))
    yield call(np.zeros((2, 2), np.float32), make(rng, (2, 1), "float32"))


def rect_samples(rng, dt):
    yield call(make(rng, (4, 3), dt))
    yield call(make(rng, (3, 4), dt))
    yield call(make(rng, (2, 3, 3), dt))


def vector_norm_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    yield call(x)
    yield call(x, 1, -1)
    yield call(x, float("inf"), (0, 2), keepdim=True)
    yield call(x, 3.5, 1)
    yield call(x, 0)
    yield call(make(rng, (0, 3), dt), 2, 1)


def matrix_norm_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    for ord_ in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
        yield call(x, ord_)
    yield call(x, "fro", (0, 2), keepdim=True)


def linalg_norm_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt))
    yield call(make(rng, (3, 4), dt), "fro")
    yield call(make(rng, (3, 4), dt), 2)
    yield call(make(rng, (4,), dt), 1)
    yield call(make(rng, (2, 3, 4), dt), None, (0, 2))
    yield call(make(rng, (2, 3, 4), dt), 3, -1, keepdim=True)
    yield call(make(rng, (3, 4), dt), float("inf"), (1, 0))


def meshgrid_samples(rng, dt):
    yield call(make(rng, (3,), dt), make(rng, (2,), dt), indexing="ij")
    yield call(make(rng, (3,), dt), make(rng, (2,), dt), make(rng, (4,), dt), indexing="xy")
    yield call(make(rng, (3,), dt), make(rng, (), dt), indexing="ij")
    yield call([make(rng, (2,), dt), make(rng, (3,), dt)], indexing="xy")


def stack_like_samples(rng, dt):
    yield call([make(rng, (2, 3), dt), make(rng, (2, 3), dt)])
    yield call([make(rng, (3,), dt), make(rng, (3,), dt)])
    yield call((make(rng, (2, 1, 2), dt), make(rng, (2, 1, 2), dt)))


def atleast_samples(rng, dt):
    yield call(make(rng, (), dt))
    yield call(make(rng, (3,), dt))
    yield call(make(rng, (2, 3), dt))
    yield call(make(rng, (2, 1, 3, 1), dt))
    yield call(make(rng, (2,), dt), make(rng, (), dt))


def bool_out(**kwargs) -> dict:
    """Rows whose result is a bool tensor or a Python value (no gradient)."""
    return dict(differentiable=False, **kwargs)


HOST_RESULT = dict(compiles=False, compile_reason="returns a Python bool: it reads the values")
DATA_SHAPE = dict(
    compiles=False, compile_reason="the result's shape depends on the values (documented)"
)
SVD_TOL = dict(
    grad_tol={"float64": (1e-6, 1e-6)},
    tol_reason="gradients through LAPACK decompositions: one ulp per step adds up",
)

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


def _row_unary(name, low, high, dtypes, has_inplace):
    differentiable = name not in _NOT_DIFFERENTIABLE and any(d in FLOATS for d in dtypes)
    gen = (
        unary_with_specials(low, high)
        if name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit")
        else unary(low, high)
    )
    return OpInfo(
        name,
        **fn(name),
        samples=gen,
        dtypes=dtypes,
        method=name,
        inplace=name + "_" if has_inplace else None,
        differentiable=differentiable,
    )


def _row_binary(name, gen, dtypes, differentiable, has_inplace):
    return OpInfo(
        name,
        **fn(name),
        samples=gen,
        dtypes=dtypes,
        method=name,
        inplace=name + "_" if has_inplace else None,
        differentiable=differentiable,
        errors=mismatched if "float32" in dtypes else None,
    )


# fmt: off
OPS += [_row_unary(*row) for row in _UNARY]
OPS += [_row_binary(*row) for row in _BINARY]
OPS += [
    # -- more pointwise ----------------------------------------------------------------------------
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
    # -- reductions and scans -------------------------------------------------------------------
    OpInfo("nansum", **fn("nansum"), samples=lambda r, dt: [
        call(with_nans(r, (3, 4), dt)), call(with_nans(r, (3, 4), dt), 1),
        call(with_nans(r, (2, 3, 4), dt), (0, 2), keepdim=True), call(make(r, (0, 2), dt))],
        dtypes=FLOATS, method="nansum"),
    OpInfo("nanmean", **fn("nanmean"), samples=lambda r, dt: [
        call(with_nans(r, (3, 4), dt)), call(with_nans(r, (3, 4), dt), 1),
        call(with_nans(r, (2, 3, 4), dt), -1, keepdim=True)],
        dtypes=FLOATS, method="nanmean", errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("amax", **fn("amax"), samples=reduction(dims=((), 1, -1, (0, 2)), degenerate=False),
           dtypes=MOVE, method="amax",
           errors=lambda r: [call(make(r, (0, 3), "float32")), *dim_errors(r)]),
    OpInfo("amin", **fn("amin"), samples=reduction(dims=((), 0, (1, 2)), degenerate=False),
           dtypes=MOVE, method="amin"),
    OpInfo("aminmax", **fn("aminmax"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt)), call(make(r, (3, 4), dt), dim=1),
        call(make(r, (2, 3, 4), dt), dim=-1, keepdim=True), call(make(r, (), dt))],
        dtypes=MOVE, method="aminmax", differentiable=False,
        errors=lambda r: [call(make(r, (0, 3), "float32"))]),
    OpInfo("count_nonzero", **fn("count_nonzero"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt, -1, 2)), call(make(r, (3, 4), dt, -1, 2), 1),
        call(make(r, (2, 3, 4), dt, -1, 2), (0, 2)), call(make(r, (), dt))],
        dtypes=MOVE, method="count_nonzero", differentiable=False),
    OpInfo("logsumexp", **fn("logsumexp"), samples=reduction(dims=(1, -1, (0, 2)),
           degenerate=False), dtypes=NUMERIC, method="logsumexp", errors=dim_errors),
    OpInfo("var_mean", **fn("var_mean"), samples=reduction(dims=(None, 1, (0, 2)),
           degenerate=False), dtypes=("float32", "float64")),
    OpInfo("std_mean", **fn("std_mean"), samples=reduction(dims=(None, -1), degenerate=False,
           correction=0), dtypes=("float32", "float64")),
    OpInfo("cumsum", **fn("cumsum"), samples=scan_samples, dtypes=MOVE, method="cumsum",
           inplace="cumsum_", errors=dim_errors),
    OpInfo("cumprod", **fn("cumprod"), samples=lambda r, dt: (
        call(make(r, (3, 4), dt, 0.5, 1.5), 1), call(make(r, (2, 3, 4), dt, 0.5, 1.5), -2),
        call(make(r, (), dt), 0)), dtypes=NUMERIC, method="cumprod", inplace="cumprod_"),
    OpInfo("cummax", **fn("cummax"), samples=scan_samples, dtypes=NUMERIC, method="cummax",
           errors=dim_errors),
    OpInfo("cummin", **fn("cummin"), samples=scan_samples, dtypes=NUMERIC, method="cummin"),
    OpInfo("logcumsumexp", **fn("logcumsumexp"), samples=scan_samples,
           dtypes=("float32", "float64"), method="logcumsumexp",
           errors=lambda r: [call(make(r, (3,), "int64"), 0)]),
    OpInfo("diff", **fn("diff"), samples=diff_samples, dtypes=MOVE, method="diff",
           errors=lambda r: [call(make(r, (), "float32"))]),
    # -- sorting and order statistics ----------------------------------------------------------
    OpInfo("sort", **fn("sort"), samples=sort_samples, dtypes=NUMERIC, method="sort",
           errors=dim_errors),
    OpInfo("sort_stable", **fn("sort", stable=True), samples=lambda r, dt: [
        call(make(r, (3, 8), dt, -2, 2)), call(make(r, (3, 8), dt, -2, 2), descending=True)],
        dtypes=MOVE),
    OpInfo("argsort", **fn("argsort"), samples=sort_samples, dtypes=NUMERIC, method="argsort",
           differentiable=False),
    OpInfo("msort", **fn("msort"), samples=lambda r, dt: [call(distinct(r, (4, 3), dt))],
           dtypes=NUMERIC, method="msort"),
    OpInfo("topk", **fn("topk"), samples=topk_samples, dtypes=NUMERIC, method="topk",
           errors=lambda r: [call(make(r, (3, 4), "float32"), 5)]),
    OpInfo("kthvalue", **fn("kthvalue"), samples=kth_samples, dtypes=NUMERIC,
           method="kthvalue", errors=lambda r: [call(make(r, (3, 4), "float32"), 5)]),
    OpInfo("median", **fn("median"), samples=lambda r, dt: [
        call(distinct(r, (3, 5), dt)), call(distinct(r, (4, 2), dt)), call(distinct(r, (), dt))],
        dtypes=NUMERIC, method="median"),
    OpInfo("median_dim", **fn("median"), samples=median_dim_samples, dtypes=NUMERIC),
    OpInfo("nanmedian", **fn("nanmedian"), samples=lambda r, dt: [
        call(with_nans(r, (3, 5), dt)), call(with_nans(r, (4, 5), dt), 1)],
        dtypes=("float32", "float64"), method="nanmedian"),
    OpInfo("mode", **fn("mode"), samples=mode_samples, dtypes=NUMERIC, method="mode"),
    OpInfo("quantile", **fn("quantile"), samples=quantile_samples, dtypes=("float32", "float64"),
           method="quantile", errors=quantile_errors),
    OpInfo("nanquantile", **fn("nanquantile"), samples=lambda r, dt: [
        call(with_nans(r, (3, 5), dt), 0.4), call(with_nans(r, (3, 5), dt), 0.5, dim=1)],
        dtypes=("float32", "float64"), method="nanquantile"),
    OpInfo("unique", **fn("unique"), samples=unique_samples, dtypes=("float32", "int64", "bool"),
           method="unique", differentiable=False, **DATA_SHAPE),
    OpInfo("unique_consecutive", **fn("unique_consecutive"), samples=lambda r, dt: [
        call(np.array([1, 1, 2, 2, 3, 1, 1, 2], _NP[dt])),
        call(np.array([1, 1, 2, 2, 3, 1], _NP[dt]), return_inverse=True, return_counts=True)],
        dtypes=("float32", "int64"), differentiable=False, **DATA_SHAPE),
    OpInfo("bincount", **fn("bincount"), samples=bincount_samples,
           dtypes=("float32", "float64", "int64"), differentiable=False, **DATA_SHAPE,
           errors=lambda r: [call(make(r, (2, 2), "int64", 0, 3)),
                             call(np.array([-1, 2], np.int64)),
                             call(make(r, (3,), "float32"))]),
    OpInfo("histc", **fn("histc"), samples=histc_samples, dtypes=("float32", "float64"),
           method="histc", differentiable=False,
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    # -- indexing ------------------------------------------------------------------------------
    OpInfo("gather", **fn("gather"), samples=gather_samples, dtypes=MOVE, method="gather",
           errors=gather_errors),
    OpInfo("scatter", **fn("scatter"), samples=scatter_samples, dtypes=MOVE, method="scatter",
           inplace="scatter_", errors=scatter_errors),
    OpInfo("scatter_value", **fn("scatter"),
           samples=lambda r, dt: scatter_samples(r, dt, src="value"), dtypes=MOVE,
           inplace="scatter_"),
    OpInfo("scatter_reduce_arg", **fn("scatter"), samples=lambda r, dt: [
        call(make(r, (3, 5), dt), 1, make(r, (3, 4), "int64", 0, 5), scalar_of(dt),
             reduce="add"),
        call(make(r, (3, 5), dt), 0, make(r, (4, 5), "int64", 0, 3), scalar_of(dt),
             reduce="multiply")], dtypes=NUMERIC, differentiable=False),
    OpInfo("scatter_add", **fn("scatter_add"), samples=scatter_add_samples, dtypes=NUMERIC,
           method="scatter_add", inplace="scatter_add_", errors=scatter_errors),
    OpInfo("scatter_reduce", **fn("scatter_reduce"), samples=scatter_reduce_samples,
           dtypes=("float32", "float64", "int64"), method="scatter_reduce",
           inplace="scatter_reduce_", differentiable=False),
    OpInfo("index_select", **fn("index_select"), samples=index_select_samples, dtypes=MOVE,
           method="index_select", errors=index_select_errors),
    OpInfo("index_add", **fn("index_add"), samples=index_add_samples, dtypes=NUMERIC,
           method="index_add", inplace="index_add_", errors=index_update_errors),
    OpInfo("index_add_alpha", **fn("index_add", alpha=2), samples=index_add_samples,
           dtypes=("float32", "float64", "int64")),
    OpInfo("index_copy", **fn("index_copy"),
           samples=lambda r, dt: index_add_samples(r, dt, repeats=False), dtypes=MOVE,
           method="index_copy", inplace="index_copy_", errors=index_update_errors),
    OpInfo("index_fill", **fn("index_fill"), samples=index_fill_samples, dtypes=MOVE,
           method="index_fill", inplace="index_fill_"),
    OpInfo("take_along_dim", **fn("take_along_dim"), samples=take_along_samples, dtypes=MOVE,
           method="take_along_dim",
           errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (3, 2), "int32", 0, 3), 1),
                             call(make(r, (3, 4), "float32"), make(r, (3,), "int64", 0, 3), 1)]),
    OpInfo("take", **fn("take"), samples=take_samples, dtypes=MOVE, method="take",
           errors=lambda r: [call(make(r, (3, 4), "float32"), np.array([12], np.int64))]),
    OpInfo("masked_fill", **fn("masked_fill"), samples=masked_fill_samples, dtypes=MOVE,
           method="masked_fill", inplace="masked_fill_", errors=masked_fill_errors),
    OpInfo("masked_select", **fn("masked_select"), samples=masked_select_samples, dtypes=MOVE,
           method="masked_select", **DATA_SHAPE),
    OpInfo("nonzero", **fn("nonzero"), samples=unary(low=-1, high=2,
           shapes=[(3, 4), (2, 3, 4), (), (0, 3)]), dtypes=MOVE, method="nonzero",
           differentiable=False, **DATA_SHAPE),
    OpInfo("nonzero_as_tuple", **fn("nonzero", as_tuple=True), samples=unary(low=-1, high=2,
           shapes=[(3, 4), ()]), dtypes=("int64", "bool"), differentiable=False, **DATA_SHAPE),
    # -- shape ---------------------------------------------------------------------------------
    OpInfo("flip", **fn("flip"), samples=method_of(
        ((2, 3, 4), ((0, 2),)), ((3, 4), ([-1],)), ((), ((),)), ((0, 2), ((1,),))),
        dtypes=MOVE, method="flip", errors=lambda r: [call(make(r, (2, 3), "float32"), (2,))]),
    OpInfo("fliplr", **fn("fliplr"), samples=unary(shapes=[(3, 4), (2, 3, 4)]), dtypes=MOVE,
           errors=lambda r: [call(make(r, (3,), "float32"))]),
    OpInfo("flipud", **fn("flipud"), samples=unary(shapes=[(3, 4), (3,)]), dtypes=MOVE),
    OpInfo("roll", **fn("roll"), samples=method_of(
        ((3, 4), (1,)), ((3, 4), (-2, 1)), ((2, 3, 4), ((1, 2), (0, -1))), ((5,), (7, 0)),
        ((0, 2), (1, 1))), dtypes=MOVE, method="roll"),
    OpInfo("rot90", **fn("rot90"), samples=method_of(
        ((3, 4), ()), ((3, 4), (2,)), ((2, 3, 4), (-1, (1, 2))), ((3, 4), (3, [1, 0]))),
        dtypes=MOVE, method="rot90",
        errors=lambda r: [call(make(r, (3,), "float32")),
                          call(make(r, (3, 4), "float32"), 1, (0, 0))]),
    OpInfo("tril", **fn("tril"), samples=triangle_samples, dtypes=MOVE, method="tril",
           inplace="tril_"),
    OpInfo("triu", **fn("triu"), samples=triangle_samples, dtypes=MOVE, method="triu",
           inplace="triu_"),
    OpInfo("diag", **fn("diag"), samples=diag_samples, dtypes=MOVE, method="diag",
           errors=lambda r: [call(make(r, (2, 3, 4), "float32"))]),
    OpInfo("diagonal", **fn("diagonal"), samples=diagonal_samples, dtypes=MOVE,
           method="diagonal", errors=lambda r: [call(make(r, (3, 4), "float32"), 0, 1, 1)]),
    OpInfo("diag_embed", **fn("diag_embed"), samples=diag_embed_samples, dtypes=MOVE,
           method="diag_embed"),
    OpInfo("trace", **fn("trace"), samples=unary(shapes=[(3, 4), (3, 3), (0, 2)]),
           dtypes=NUMERIC, method="trace",
           errors=lambda r: [call(make(r, (3,), "float32"))]),
    OpInfo("tile", **fn("tile"), samples=method_of(
        ((2, 3), ((2, 1),)), ((2, 3), ((2,),)), ((3,), ((2, 2),)), ((), ((3,),))),
        dtypes=MOVE, method="tile"),
    OpInfo("broadcast_to", **fn("broadcast_to"), samples=method_of(
        ((3, 1), ((3, 4),)), ((), ((2, 2),)), ((1, 4), ((2, 3, -1),))), dtypes=MOVE,
        method="broadcast_to", errors=lambda r: [call(make(r, (3, 2), "float32"), (3, 4))]),
    OpInfo("broadcast_tensors", **fn("broadcast_tensors"), samples=lambda r, dt: [
        call(make(r, (3, 1), dt), make(r, (4,), dt)),
        call(make(r, (), dt), make(r, (2, 3), dt), make(r, (3,), dt))], dtypes=MOVE,
        errors=lambda r: [call(make(r, (3,), "float32"), make(r, (4,), "float32"))]),
    OpInfo("movedim", **fn("movedim"), samples=method_of(
        ((2, 3, 4), (0, -1)), ((2, 3, 4), ((0, 1), (2, 0))), ((2, 3), (1, 0))), dtypes=MOVE,
        method="movedim"),
    OpInfo("swapaxes", **fn("swapaxes"), samples=method_of(
        ((2, 3, 4), (0, 2)), ((2, 3), (-1, 0))), dtypes=MOVE, method="swapaxes"),
    OpInfo("narrow", **fn("narrow"), samples=method_of(
        ((4, 5), (0, 1, 2)), ((4, 5), (-1, 2, 3)), ((4, 5), (1, -2, 2)), ((4, 5), (0, 0, 0))),
        dtypes=MOVE, method="narrow",
        errors=lambda r: [call(make(r, (4, 5), "float32"), 0, 3, 2)]),
    OpInfo("select", **fn("select"), samples=method_of(
        ((4, 5), (0, 1)), ((2, 3, 4), (-1, -2)), ((3,), (0, 2))), dtypes=MOVE, method="select",
        errors=lambda r: [call(make(r, (4, 5), "float32"), 0, 4)]),
    OpInfo("unbind", **fn("unbind"), samples=method_of(
        ((3, 4), ()), ((3, 4), (1,)), ((2, 3, 4), (-1,)), ((0, 3), (0,))), dtypes=MOVE,
        method="unbind"),
    OpInfo("tensor_split", **fn("tensor_split"), samples=method_of(
        ((7, 2), (3,)), ((2, 7), ([1, 4], 1)), ((2, 6), ((2, 9), -1)), ((5,), (6,))),
        dtypes=MOVE, method="tensor_split"),
    OpInfo("split_sizes", **fn("split"), samples=method_of(
        ((7, 2), ([3, 4],)), ((2, 6), ((1, 2, 3), 1))), dtypes=NUMERIC),
    OpInfo("unflatten", **fn("unflatten"), samples=method_of(
        ((2, 12), (1, (3, 4))), ((6, 2), (0, (2, -1))), ((2, 12), (-1, (2, 2, 3)))),
        dtypes=MOVE, method="unflatten"),
    OpInfo("t", **fn("t"), samples=unary(shapes=[(3, 4), (3,), ()]), dtypes=MOVE, method="t",
           errors=lambda r: [call(make(r, (2, 3, 4), "float32"))]),
    OpInfo("ravel", **fn("ravel"), samples=unary(shapes=[(3, 4), ()]), dtypes=MOVE,
           method="ravel"),
    OpInfo("hstack", **fn("hstack"), samples=stack_like_samples, dtypes=MOVE),
    OpInfo("vstack", **fn("vstack"), samples=stack_like_samples, dtypes=MOVE),
    OpInfo("dstack", **fn("dstack"), samples=stack_like_samples, dtypes=MOVE),
    OpInfo("column_stack", **fn("column_stack"), samples=lambda r, dt: [
        call([make(r, (3,), dt), make(r, (3, 2), dt)]), call((make(r, (2,), dt),) * 2)],
        dtypes=MOVE),
    *(
        OpInfo(name, **fn(name), samples=atleast_samples, dtypes=NUMERIC)
        for name in ("atleast_1d", "atleast_2d", "atleast_3d")
    ),
    OpInfo("meshgrid", **fn("meshgrid"), samples=meshgrid_samples, dtypes=MOVE),
    # -- products and linear algebra -----------------------------------------------------------
    OpInfo("mv", **fn("mv"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (4,), dt)), call(make(r, (0, 2), dt), make(r, (2,), dt))],
        dtypes=("float32", "float64") + INTS, method="mv",
        errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (3,), "float32"))]),
    OpInfo("dot", **fn("dot"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (4,), dt)), call(make(r, (0,), dt), make(r, (0,), dt))],
        dtypes=("float32", "float64") + INTS, method="dot",
        errors=lambda r: [call(make(r, (4,), "float32"), make(r, (3,), "float32"))]),
    OpInfo("outer", **fn("outer"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (3,), dt)), call(make(r, (0,), dt), make(r, (2,), dt))],
        dtypes=MOVE, method="outer"),
    OpInfo("addmm", **fn("addmm"), samples=lambda r, dt: [
        call(make(r, (3, 5), dt), make(r, (3, 4), dt), make(r, (4, 5), dt)),
        call(make(r, (5,), dt), make(r, (3, 4), dt), make(r, (4, 5), dt), beta=0.5, alpha=2),
        call(make(r, (1, 1), dt), make(r, (2, 3), dt), make(r, (3, 2), dt), beta=0)],
        dtypes=("float32", "float64"), method="addmm", inplace="addmm_",
        errors=lambda r: [call(make(r, (3, 5), "float32"), make(r, (3, 4), "float32"),
                               make(r, (3, 5), "float32"))]),
    OpInfo("addmv", **fn("addmv"), samples=lambda r, dt: [
        call(make(r, (3,), dt), make(r, (3, 4), dt), make(r, (4,), dt)),
        call(make(r, (1,), dt), make(r, (3, 4), dt), make(r, (4,), dt), beta=2, alpha=0.5)],
        dtypes=("float32", "float64"), method="addmv", inplace="addmv_"),
    OpInfo("addr", **fn("addr"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (3,), dt), make(r, (4,), dt)),
        call(make(r, (4,), dt), make(r, (3,), dt), make(r, (4,), dt), beta=0.5, alpha=2)],
        dtypes=("float32", "float64"), method="addr", inplace="addr_"),
    OpInfo("baddbmm", **fn("baddbmm"), samples=lambda r, dt: [
        call(make(r, (2, 2, 3), dt), make(r, (2, 2, 2), dt), make(r, (2, 2, 3), dt)),
        call(make(r, (3, 5), dt), make(r, (2, 3, 4), dt), make(r, (2, 4, 5), dt), beta=0.5,
             alpha=-1)],
        dtypes=("float32", "float64"), method="baddbmm", inplace="baddbmm_",
        errors=lambda r: [call(make(r, (2, 3, 5), "float32"), make(r, (2, 3, 4), "float32"),
                               make(r, (3, 4, 5), "float32"))]),
    OpInfo("addbmm", **fn("addbmm"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (2, 2, 2), dt), make(r, (2, 2, 3), dt)),
        call(make(r, (3, 5), dt), make(r, (2, 3, 4), dt), make(r, (2, 4, 5), dt), beta=2,
             alpha=0.5)],
        dtypes=("float32", "float64"), method="addbmm", inplace="addbmm_"),
    OpInfo("einsum", **fn("einsum"), samples=einsum_samples, dtypes=("float32", "float64")),
    OpInfo("kron", **fn("kron"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (3, 2), dt)), call(make(r, (2,), dt), make(r, (3,), dt)),
        call(make(r, (2, 2), dt), make(r, (2, 1, 2), dt))], dtypes=NUMERIC, method="kron"),
    OpInfo("tensordot", **fn("tensordot"), samples=tensordot_samples,
           dtypes=("float32", "float64"),
           errors=lambda r: [call(make(r, (2, 3), "float32"), make(r, (4, 2), "float32"), 1)]),
    OpInfo("cross", **fn("cross"), samples=cross_samples, dtypes=("float32", "float64"),
           method="cross",
           errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (3, 4), "float32"), dim=1)]),
    OpInfo("cdist", **fn("cdist"), samples=cdist_samples, dtypes=("float32", "float64"),
           errors=cdist_errors),
    OpInfo("matrix_power", **fn("matrix_power"), samples=lambda r, dt: [
        call(well_conditioned(r, (3, 3), dt), 3), call(well_conditioned(r, (2, 2, 2), dt), 0),
        call(well_conditioned(r, (3, 3), dt), -2)], dtypes=("float32", "float64"),
        method="matrix_power"),
    OpInfo("linalg.multi_dot", **lin("multi_dot"), samples=lambda r, dt: [
        call([make(r, (2, 3), dt), make(r, (3, 4), dt), make(r, (4, 2), dt)])],
        dtypes=("float32", "float64")),
    OpInfo("linalg.norm", **lin("norm"), samples=linalg_norm_samples,
           dtypes=("float32", "float64"),
           errors=lambda r: [call(make(r, (2, 3, 4), "float32"), 2)]),
    OpInfo("linalg.vector_norm", **lin("vector_norm"), samples=vector_norm_samples,
           dtypes=("float32", "float64", "float16")),
    OpInfo("linalg.matrix_norm", **lin("matrix_norm"), samples=matrix_norm_samples,
           dtypes=("float32", "float64"), **SVD_TOL,
           errors=lambda r: [call(make(r, (3,), "float32"))]),
    OpInfo("linalg.det", **lin("det"), samples=matrix_samples, dtypes=("float32", "float64"),
           errors=square_errors),
    OpInfo("det", **fn("det"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="det"),
    OpInfo("logdet", **fn("logdet"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="logdet"),
    OpInfo("linalg.slogdet", **lin("slogdet"), samples=lambda r, dt: [
        call(well_conditioned(r, (3, 3), dt)), call(-well_conditioned(r, (3, 3), dt)),
        call(well_conditioned(r, (2, 2, 2), dt))], dtypes=("float32", "float64")),
    OpInfo("linalg.inv", **lin("inv"), samples=matrix_samples, dtypes=("float32", "float64"),
           errors=lambda r: [*square_errors(r), call(np.zeros((2, 2), np.float32))]),
    OpInfo("inverse", **fn("inverse"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="inverse"),
    OpInfo("linalg.solve", **lin("solve"), samples=solve_samples, dtypes=("float32", "float64"),
           errors=solve_errors),
    OpInfo("linalg.cholesky", **same(cholesky_spd), samples=matrix_samples,
           dtypes=("float32", "float64")),
    OpInfo("linalg.cholesky_upper", **same(functools.partial(cholesky_spd, upper=True)),
           samples=matrix_samples, dtypes=("float32", "float64")),
    OpInfo("linalg.cholesky_errors", **lin("cholesky"), samples=lambda r, dt: [
        call(spd(tl.tensor(make(r, (3, 3), dt))).numpy())],
        dtypes=("float32", "float64"),
        errors=lambda r: [call(-np.eye(3, dtype=np.float32)), *square_errors(r)]),
    OpInfo("linalg.qr", **lin("qr"), samples=rect_samples, dtypes=("float32", "float64"),
           **SVD_TOL),
    OpInfo("linalg.qr_complete", **lin("qr", mode="complete"),
           samples=lambda r, dt: [call(make(r, (4, 3), dt))], dtypes=("float32", "float64"),
           differentiable=False),
    OpInfo("linalg.svd", **same(svd_fixed), samples=rect_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.svd_full", **lin("svd"), samples=lambda r, dt: [
        call(make(r, (3, 3), dt))], dtypes=("float32", "float64"), differentiable=False,
        tol={"float32": (1e-5, 1e-5)},
        tol_reason="the same LAPACK routine, built differently: a few ulps apart"),
    OpInfo("svd", **same(lambda a, **k: (lambda u, s, v: (*fix_signs(u, v), s))(
        *lib_of(a).svd(a, **k))), samples=rect_samples, dtypes=("float32", "float64"),
        **SVD_TOL),
    OpInfo("linalg.svdvals", **lin("svdvals"), samples=rect_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.eigh", **same(eigh_fixed), samples=matrix_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.eigvalsh", **same(lambda a: lib_of(a).linalg.eigvalsh(spd(a))),
           samples=matrix_samples, dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.pinv", **lin("pinv"), samples=rect_samples, dtypes=("float32", "float64"),
           **SVD_TOL),
    # -- more: splitting, repeating, searching ---------------------------------------------------
    OpInfo("hsplit", **fn("hsplit"), samples=method_of(
        ((2, 6), (3,)), ((2, 6), ([1, 4],)), ((6,), (2,))), dtypes=MOVE, method="hsplit",
        errors=lambda r: [call(make(r, (2, 5), "float32"), 2)]),
    OpInfo("vsplit", **fn("vsplit"), samples=method_of(
        ((4, 3), (2,)), ((5, 2), ([1, 3],))), dtypes=MOVE, method="vsplit",
        errors=lambda r: [call(make(r, (5,), "float32"), 1)]),
    OpInfo("repeat_interleave", **fn("repeat_interleave"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), 2), call(make(r, (2, 3), dt), 2, 1),
        call(make(r, (2, 3), dt), np.array([1, 0, 3], np.int64), -1),
        call(make(r, (3,), dt), np.array([2], np.int64))], dtypes=MOVE,
        method="repeat_interleave", **DATA_SHAPE,
        errors=lambda r: [call(make(r, (2, 3), "float32"), np.array([1, 2], np.int64), 1)]),
    OpInfo("block_diag", **fn("block_diag"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (3,), dt), make(r, (), dt)),
        call(make(r, (1, 2), dt), make(r, (2, 2), "float64"))], dtypes=NUMERIC,
        errors=lambda r: [call(make(r, (2, 2, 2), "float32"))]),
    OpInfo("cartesian_prod", **fn("cartesian_prod"), samples=lambda r, dt: [
        call(make(r, (3,), dt), make(r, (2,), dt)),
        call(make(r, (2,), dt), make(r, (2,), dt), make(r, (3,), dt))], dtypes=MOVE),
    OpInfo("diagflat", **fn("diagflat"), samples=lambda r, dt: [
        call(make(r, (2, 2), dt)), call(make(r, (3,), dt), -1)], dtypes=MOVE,
        method="diagflat"),
    *(
        OpInfo(name, **fn(name), samples=lambda r, dt: [call(3, 4), call(4, 3, -1), call(3, 3, 2)],
               dtypes=("int64",), differentiable=False)
        for name in ("tril_indices", "triu_indices")
    ),
    OpInfo("searchsorted", **fn("searchsorted"), samples=lambda r, dt: [
        call(np.sort(make(r, (6,), dt)), make(r, (2, 3), dt)),
        call(np.sort(make(r, (2, 5), dt), -1), make(r, (2, 3), dt), right=True),
        call(np.sort(make(r, (6,), dt)), make(r, (4,), dt), out_int32=True)],
        dtypes=NUMERIC, differentiable=False,
        errors=lambda r: [call(make(r, (2, 5), "float32"), make(r, (3, 2), "float32"))]),
    OpInfo("bucketize", **fn("bucketize"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), np.sort(make(r, (5,), dt))),
        call(make(r, (4,), dt), np.sort(make(r, (3,), dt)), right=True)], dtypes=NUMERIC,
        differentiable=False),
    OpInfo("isin", **fn("isin"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (5,), dt)),
        call(make(r, (3, 4), dt), make(r, (2, 2), dt), invert=True)],
        dtypes=("float32", "int64", "int32"), differentiable=False),
    OpInfo("argwhere", **fn("argwhere"), samples=unary(low=-1, high=2, shapes=[(3, 4), ()]),
           dtypes=MOVE, method="argwhere", differentiable=False, **DATA_SHAPE),
    OpInfo("inner", **fn("inner"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (4, 3), dt)), call(make(r, (3,), dt), make(r, (3,), dt)),
        call(make(r, (), dt), make(r, (2,), dt))], dtypes=("float32", "float64"),
        method="inner",
        errors=lambda r: [call(make(r, (2, 3), "float32"), make(r, (2,), "float32"))]),
    OpInfo("vdot", **fn("vdot"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (4,), dt))], dtypes=("float32", "float64"),
        method="vdot"),
    OpInfo("dist", **fn("dist"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (4,), dt)), call(make(r, (3,), dt), make(r, (3,), dt), 1),
        call(make(r, (2, 3), dt), make(r, (2, 3), dt), float("inf"))],
        dtypes=("float32", "float64"), method="dist", errors=mismatched),
    # -- functional ----------------------------------------------------------------------------
    OpInfo("nn.functional.one_hot", ours=tl.nn.functional.one_hot,
           ref=torch.nn.functional.one_hot, samples=lambda r, dt: [
               call(make(r, (2, 3), "int64", 0, 4), 6), call(make(r, (), "int64", 0, 3), 3),
               call(make(r, (5,), "int64", 0, 4))], dtypes=("int64",), differentiable=False,
           errors=lambda r: [call(make(r, (3,), "int32", 0, 3), 3),
                             call(np.array([0, 5], np.int64), 3)]),
]
# fmt: on


# -- helper F: smaller torch.* functions (torchlike/_ops/misc.py) ----------------------------------
F64 = ("float32", "float64")
OPS += [
    OpInfo("i0", **fn("i0"), samples=unary(), dtypes=F64, method="i0", inplace="i0_"),
    OpInfo("ldexp", **fn("ldexp"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3, 4), "int64", 0, 4)),
        lambda r, dt: call(make(r, (2, 3, 4), dt), make(r, (4,), "int64", 0, 3)),
    ), dtypes=F64, method="ldexp", inplace="ldexp_"),
    OpInfo("rsub", **fn("rsub"), samples=binary(scalars=None), dtypes=F64),
    OpInfo("rsub_alpha", **fn("rsub", alpha=2), samples=binary(scalars=None), dtypes=F64),
    OpInfo("cov", **fn("cov"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (5,), dt)),
        lambda r, dt: call(make(r, (2, 6), dt), correction=0),
    ), dtypes=F64, method="cov"),
    OpInfo("corrcoef", **fn("corrcoef"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
    ), dtypes=F64, method="corrcoef"),
    OpInfo("trapezoid", **fn("trapezoid"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), make(r, (5,), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), dim=0),
        lambda r, dt: call(make(r, (3, 5), dt), dx=0.5),
    ), dtypes=F64),
    OpInfo("cumulative_trapezoid", **fn("cumulative_trapezoid"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), make(r, (3, 5), dt), dim=1),
    ), dtypes=F64),
    OpInfo("renorm", **fn("renorm"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), 2, 0, 1.0),
        lambda r, dt: call(make(r, (2, 3, 4), dt), 1, -1, 2.0),
    ), dtypes=F64, method="renorm", inplace="renorm_"),
    OpInfo("matrix_exp", **fn("matrix_exp"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 3), dt, -1, 1)),
        lambda r, dt: call(make(r, (2, 2, 2), dt, -1, 1)),
    ), dtypes=F64, method="matrix_exp"),
    OpInfo("select_scatter", **fn("select_scatter"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (4,), dt), 0, 1),
        lambda r, dt: call(make(r, (2, 3, 4), dt), make(r, (2, 4), dt), 1, -1),
    ), dtypes=F64, method="select_scatter", errors=lambda r: [
        call(make(r, (3, 4), "float32"), make(r, (3,), "float32"), 0, 0)]),
    OpInfo("slice_scatter", **fn("slice_scatter"), samples=samples_of(
        lambda r, dt: call(make(r, (6, 4), dt), make(r, (2, 4), dt), 0, 1, 5, 2),
        lambda r, dt: call(make(r, (3, 5), dt), make(r, (3, 2), dt), 1, 3),
    ), dtypes=F64, method="slice_scatter"),
    OpInfo("diagonal_scatter", **fn("diagonal_scatter"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), make(r, (3,), dt), 1),
        lambda r, dt: call(make(r, (2, 3, 3), dt), make(r, (3, 2), dt), -1, 1, 0),
    ), dtypes=F64, method="diagonal_scatter"),
    OpInfo("hardshrink", **fn("hardshrink"), samples=unary(), dtypes=F64, method="hardshrink"),
    OpInfo("polygamma", **fn("polygamma"), samples=samples_of(
        lambda r, dt: call(1, make(r, (3, 4), dt, 0.5, 3)),
        lambda r, dt: call(2, make(r, (4,), dt, 0.5, 3)),
    ), dtypes=F64),
    OpInfo("igamma", **fn("igamma"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt, 0.5, 3), make(r, (3, 4), dt, 0.1, 3)),
    ), dtypes=F64, method="igamma", differentiable=False),
    OpInfo("unfold_method", **meth("unfold"), samples=samples_of(
        lambda r, dt: call(make(r, (10,), dt), 0, 3, 2),
        lambda r, dt: call(make(r, (2, 7), dt), 1, 2, 1),
    ), dtypes=F64, errors=lambda r: [call(make(r, (3,), "float32"), 0, 4, 1)]),
]

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


# PyTorch's own exception classes and torchlike's twins
SAME_ERRORS = {torch.linalg.LinAlgError: tl.linalg.LinAlgError}


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
        assert type(e) is SAME_ERRORS.get(type(theirs), type(theirs)), (
            f"raised {type(e).__name__}({e}) where PyTorch raises {type(theirs).__name__}({theirs})"
        )
        return e
    pytest.fail(f"did not raise; PyTorch raises {type(theirs).__name__}({theirs})")
