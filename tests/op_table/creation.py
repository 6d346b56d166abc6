"""Creation ops (values only; no gradients): factories, ``*_like``, ranges, ``from_numpy``."""

from __future__ import annotations

import numpy as np
import torch

import torchlike as tl

from .core import ALL, Dt, NumPy, OpInfo, call, fn, make


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
    yield call(-3.3, 9.1, 101)  # long ranges: equal to the bit (see the row's tolerance)
    yield call(-1e6, 3e-4, 1234, dtype=Dt("float64"))
    yield call(0, 1, 5, dtype=Dt("complex64"))
    yield call(0, complex(1, 2), 3)
    yield call(-2, 3, 4, dtype=Dt("int32"))


def linspace_errors(rng):
    yield call(0, 1, -1)


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


# fmt: off
OPS: list[OpInfo] = [
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
           differentiable=False, errors=linspace_errors,
           tol={"float32": (0, 0), "float64": (0, 0)},
           tol_reason="exact: torchlike computes each element as PyTorch's kernel does"),
    OpInfo("eye", **fn("eye"), samples=eye_samples, dtypes=("float32",), differentiable=False),
    OpInfo("nn.functional.one_hot", ours=tl.nn.functional.one_hot,
           ref=torch.nn.functional.one_hot, samples=lambda r, dt: [
               call(make(r, (2, 3), "int64", 0, 4), 6), call(make(r, (), "int64", 0, 3), 3),
               call(make(r, (5,), "int64", 0, 4))], dtypes=("int64",), differentiable=False,
           errors=lambda r: [call(make(r, (3,), "int32", 0, 3), 3),
                             call(np.array([0, 5], np.int64), 3)]),
]
# fmt: on
