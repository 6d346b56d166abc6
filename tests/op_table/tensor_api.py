"""The tensor API: Python-valued methods, ``clone``, ``view_as``, and the in-place methods
that are ops of their own (``copy_``, ``zero_``, ``fill_``).
"""

from __future__ import annotations

from .core import ALL, NO_HALF, PAIRS, OpInfo, binary, call, make, meth, same, scalar_of, unary

# Python values (sizes, ints, dtypes) as the result of a compiled function: one test of its own
PYTHON_RESULT = dict(compiles=False, compile_reason="test_compile_core: Python-valued results")


# fmt: off
OPS: list[OpInfo] = [
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
