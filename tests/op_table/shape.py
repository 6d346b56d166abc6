"""Shape and view ops: views, reshapes, joining, splitting, repeating, flipping, triangles."""

from __future__ import annotations

import numpy as np

from .core import (
    ALL,
    DATA_SHAPE,
    F64,
    FLOATS,
    MOVE,
    NUMERIC,
    OpInfo,
    call,
    dim_errors,
    fn,
    make,
    meth,
    same,
    samples_of,
    unary,
)


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


# fmt: off
OPS: list[OpInfo] = [
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
    OpInfo("unfold_method", **meth("unfold"), samples=samples_of(
        lambda r, dt: call(make(r, (10,), dt), 0, 3, 2),
        lambda r, dt: call(make(r, (2, 7), dt), 1, 2, 1),
    ), dtypes=F64, errors=lambda r: [call(make(r, (3,), "float32"), 0, 4, 1)]),
]
# fmt: on
