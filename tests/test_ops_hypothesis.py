"""Random shapes and values (Hypothesis) for elementwise ops, reductions and indexing, each
result compared with PyTorch's on the same input, or the same exception type where PyTorch
raises.

The table rows (``op_table.OPS_BY_NAME``) supply both callables. Examples are derandomized, so
every run draws the same inputs, and few, since every new shape is a new XLA compilation.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_table import (
    ELEMENTWISE_BINARY,
    OPS_BY_NAME,
    OpInfo,
    assert_same,
    build,
    call,
    expect_same_error,
    make,
)

import torchlike as tl

RANDOM = settings(max_examples=30, deadline=None, derandomize=True)
RANDOM_DTYPES = ("float32", "float64", "int64", "int32", "bool")
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)

# unary rows and the input range each is defined on
UNARY = {
    "exp": (-3, 3),
    "log": (0.1, 5),
    "sqrt": (0.1, 5),
    "abs": (-3, 3),
    "sin": (-3, 3),
    "tanh": (-3, 3),
    "sigmoid": (-3, 3),
    "neg": (-3, 3),
    "exp2": (-3, 3),
    "expm1": (-3, 3),
    "log1p": (-0.9, 3),
    "erf": (-3, 3),
    "erfinv": (-0.9, 0.9),
    "lgamma": (0.1, 5),
    "sign": (-3, 3),
    "floor": (-3, 3),
    "round": (-3, 3),
    "frac": (-3, 3),
    "square": (-3, 3),
    "isfinite": (-3, 3),
}
BINARY = ELEMENTWISE_BINARY + ("atan2", "hypot", "fmod", "remainder", "logaddexp", "fmax")
REDUCTIONS = (
    "sum", "mean", "prod", "max", "min", "argmax", "std", "var", "norm", "all", "any",
    "amax", "amin", "logsumexp", "nansum", "count_nonzero",
)  # fmt: skip
SCANS = ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "sort", "argsort")


def same_result_or_error(op: OpInfo, sample) -> None:
    targs, tkwargs = build(torch, sample)
    oargs, okwargs = build(tl, sample)
    try:
        with warnings.catch_warnings():  # std/var of one element: PyTorch warns and gives NaN
            warnings.simplefilter("ignore", UserWarning)
            theirs = op.ref(*targs, **tkwargs)
    except (RuntimeError, IndexError, TypeError, ValueError, NotImplementedError):
        expect_same_error(lambda: op.ref(*targs, **tkwargs), lambda: op.ours(*oargs, **okwargs))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = op.ours(*oargs, **okwargs)
    assert_same(ours, theirs, op.tol)


@RANDOM
@given(
    name=st.sampled_from(sorted(UNARY)),
    dtype=st.sampled_from(RANDOM_DTYPES),
    shape=SHAPES,
    seed=st.integers(0, 2**16),
)
def test_random_elementwise_unary(name, dtype, shape, seed):
    op = OPS_BY_NAME[name]
    if dtype not in op.dtypes:
        dtype = op.dtypes[0]
    low, high = UNARY[name]
    same_result_or_error(op, call(make(np.random.default_rng(seed), shape, dtype, low, high)))


@RANDOM
@given(
    name=st.sampled_from(BINARY),
    dtype=st.sampled_from(RANDOM_DTYPES),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    scalar=st.sampled_from([None, "left", "right"]),
    seed=st.integers(0, 2**16),
)
def test_random_elementwise_binary(name, dtype, shapes, scalar, seed):
    op = OPS_BY_NAME[name]
    rng = np.random.default_rng(seed)
    a, b = (make(rng, s, dtype, -4, 4) for s in shapes.input_shapes)
    if name in ("fmod", "remainder") and dtype not in ("float32", "float64"):
        b = np.where(b == 0, 1, b).astype(b.dtype)  # integer division by zero: an error
    if scalar == "left" and name in ELEMENTWISE_BINARY[:4]:  # ops taking a number first
        a = a.reshape(-1)[:1].item() if a.size else 1
    elif scalar == "right" and name not in ("maximum", "minimum", "fmax"):
        b = b.reshape(-1)[:1].item() if b.size else 1
    same_result_or_error(op, call(a, b))


def _reduction_dim(data, shape):
    n = max(len(shape), 1)
    return data.draw(st.none() | st.integers(-n, n - 1), label="dim")


@RANDOM
@given(
    name=st.sampled_from(REDUCTIONS),
    dtype=st.sampled_from(RANDOM_DTYPES),
    shape=SHAPES,
    data=st.data(),
)
def test_random_reductions(name, dtype, shape, data):
    op = OPS_BY_NAME[name]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    x = make(rng, shape, dtype, -2, 2)
    dim = _reduction_dim(data, shape)
    if dim is None:
        same_result_or_error(op, call(x))
    else:
        keepdim = data.draw(st.booleans(), label="keepdim")
        same_result_or_error(op, call(x, dim, keepdim=keepdim))


@RANDOM
@given(
    name=st.sampled_from(SCANS),
    dtype=st.sampled_from(("float32", "float64", "int64")),
    shape=SHAPES,
    data=st.data(),
)
def test_random_scans_and_sorts(name, dtype, shape, data):
    """Running reductions and sorts along a random dim (values without ties: the index results
    of ``cummax``/``sort`` are then fully specified)."""
    op = OPS_BY_NAME[name]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    n = int(np.prod(shape))
    x = ((rng.permutation(n) - n // 2) * (0.25 if dtype != "int64" else 1)).reshape(shape)
    x = x.astype(dtype)
    dim = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1), label="dim")
    same_result_or_error(op, call(x, dim))


def _index_strategy(shape):
    """A basic or advanced index into ``shape``: ints, slices, None, ..., lists and masks."""
    per_dim = []
    for n in shape:
        choices = [
            st.builds(
                slice,
                st.none() | st.integers(-n - 1, n),
                st.none() | st.integers(-n, n),
                st.none() | st.integers(1, 3),
            ),
        ]
        if n:
            choices.append(st.integers(-n, n - 1))
            choices.append(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3))
        per_dim.append(st.one_of(choices))
    return st.tuples(*per_dim).flatmap(
        lambda idx: st.sampled_from([idx, idx + (None,), (Ellipsis,) + idx[1:], idx[:1]])
    )


@RANDOM
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), data=st.data())
def test_random_getitem(shape, data):
    x = make(np.random.default_rng(0), shape, "float32")
    index = data.draw(_index_strategy(shape), label="index")
    index = tuple(np.asarray(i, np.int64) if isinstance(i, list) else i for i in index)
    same_result_or_error(OPS_BY_NAME["getitem"], call(x, index))


@RANDOM
@given(
    name=st.sampled_from(("gather", "take_along_dim", "index_select", "scatter_add")),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    data=st.data(),
)
def test_random_gather_scatter(name, shape, data):
    """Random index tensors, in range or one past it (then PyTorch's error type)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    x = make(rng, shape, "float32")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    n = shape[dim]
    high = n + data.draw(st.sampled_from([0, 0, 0, 1]), label="past the end")
    if name == "index_select":
        index = rng.integers(0, high, (data.draw(st.integers(0, 4), label="k"),))
        sample = call(x, dim, index)
    else:
        ishape = list(shape)
        ishape[dim] = data.draw(st.integers(0, 4), label="k")
        index = rng.integers(0, high, ishape)
        if name == "gather":
            sample = call(x, dim, index)
        elif name == "take_along_dim":
            sample = call(x, index, dim)
        else:
            sample = call(x, dim, index, make(rng, ishape, "float32"))
    same_result_or_error(OPS_BY_NAME[name], sample)
