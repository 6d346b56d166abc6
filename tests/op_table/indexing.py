"""Indexing: ``__getitem__``/``__setitem__``, gather/scatter, index_* and masked ops."""

from __future__ import annotations

import operator

import numpy as np

from .core import (
    ALL,
    DATA_SHAPE,
    F64,
    MOVE,
    NUMERIC,
    OpInfo,
    call,
    distinct,
    fn,
    make,
    mask,
    same,
    samples_of,
    scalar_of,
    unary,
)

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


def perm_index(rng, shape, dim, n):
    """An int64 index of ``shape`` whose entries along ``dim`` are distinct values below ``n``."""
    out = np.moveaxis(np.zeros(shape, np.int64), dim, -1)
    for pos in np.ndindex(out.shape[:-1]):
        out[pos] = rng.permutation(n)[: out.shape[-1]]
    return np.moveaxis(out, -1, dim)


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


# fmt: off
OPS: list[OpInfo] = [
    OpInfo("getitem", **same(operator.getitem), samples=getitem_samples, dtypes=ALL,
           errors=getitem_errors, compiles=False,
           compile_reason="boolean-mask indices have a data-dependent shape (documented); "
                          "test_compiled_getitem covers the other index kinds"),
    OpInfo("setitem", **same(setitem), samples=setitem_samples, dtypes=ALL,
           errors=setitem_errors),
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
    OpInfo("argwhere", **fn("argwhere"), samples=unary(low=-1, high=2, shapes=[(3, 4), ()]),
           dtypes=MOVE, method="argwhere", differentiable=False, **DATA_SHAPE),
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
]
# fmt: on
