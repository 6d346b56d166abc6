"""Eager random draws that compile one program per size class, not one per shape.

``jax.random.normal(key, shape)`` run eagerly is a program compiled for each new shape, and a
Threefry program is slow to compile (about as long as a small convolution's): initialising a
model whose parameters have twenty shapes compiled twenty of them. With JAX's partitionable
Threefry (the default), the values of a draw depend only on the key and each element's position
in row-major order, so the first ``n`` values of a flat draw of ``m >= n`` are exactly the draw
of shape ``(n,)``, and its reshape is the draw of any shape of ``n`` elements. Eagerly, a draw
is therefore made as a flat draw of a size class (``n`` rounded up to four classes per power of
two, so at most a quarter is wasted), cut and reshaped without compiling anything more: the same
numbers as before, for one compiled program per size class. Inside a trace, with jit disabled
(forked workers) or with the legacy (non-partitionable) Threefry, the draw is JAX's own.
"""

from __future__ import annotations

import functools
import math

import jax
import numpy as np

_Tracer = jax.core.Tracer
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SMALLEST = 16


def _size_class(n: int) -> int:
    if n <= _SMALLEST:
        return _SMALLEST
    step = 1 << max(n.bit_length() - 3, 0)  # four classes per power of two
    return -(-n // step) * step


@functools.cache
def _flat(kind: str, size: int, dtype: np.dtype):
    sample = {"normal": jax.random.normal, "uniform": jax.random.uniform}[kind]
    return jax.jit(lambda key: sample(key, (size,), dtype))


@functools.lru_cache(maxsize=256)
def _cut(n: int, shape: tuple):
    return jax.jit(lambda flat: flat[:n].reshape(shape))


def _bucketed(key, shape, dtype) -> bool:
    return (
        not isinstance(key, _Tracer)
        and np.dtype(dtype) in _FLOATS
        and jax.config.jax_threefry_partitionable
        and not jax.config.jax_disable_jit
    )


def _draw(kind: str, key, shape: tuple, dtype):
    n = math.prod(shape)
    if n == 0:
        return jax.device_put(np.zeros(shape, dtype))
    flat = _flat(kind, _size_class(n), np.dtype(dtype))(key)
    if all(d.platform == "cpu" for d in flat.devices()):  # cut on the host: nothing to compile
        return jax.device_put(np.asarray(flat)[:n].reshape(shape), may_alias=False)
    return _cut(n, tuple(shape))(flat)


def normal(key, shape: tuple, dtype):
    """``jax.random.normal(key, shape, dtype)``, the same values."""
    if not _bucketed(key, shape, dtype):
        return jax.random.normal(key, shape, dtype)
    return _draw("normal", key, tuple(shape), dtype)


def uniform(key, shape: tuple, dtype):
    """``jax.random.uniform(key, shape, dtype)`` on [0, 1), the same values."""
    if not _bucketed(key, shape, dtype):
        return jax.random.uniform(key, shape, dtype)
    return _draw("uniform", key, tuple(shape), dtype)
