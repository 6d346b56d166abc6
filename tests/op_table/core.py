"""The op registry's row type (``OpInfo``), dtypes, tolerances, sample markers and the
sample generators that several families share.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ml_dtypes
import numpy as np
import torch

import torchlike as tl

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


def mask(rng, shape):
    return make(rng, shape, "bool")


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


# Ops that move values without arithmetic need fewer dtypes than math does (each dtype is a
# compilation): one float of each width that gradients need, an integer and bool.
MOVE = ("float32", "float64", "int64", "bool")
NUMERIC = ("float32", "float64", "float16", "int64")


def distinct(rng, shape, dt, scale=0.5):
    """Values without ties (sorting, top-k and order statistics are then fully specified)."""
    n = math.prod(shape)
    vals = (rng.permutation(n) - n // 2) * (scale if dt in FLOATS else 1)
    return np.asarray(vals, np.float64).reshape(shape).astype(_NP[dt])


DATA_SHAPE = dict(
    compiles=False, compile_reason="the result's shape depends on the values (documented)"
)


F64 = ("float32", "float64")
