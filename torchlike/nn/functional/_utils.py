"""Argument helpers shared by the ``nn.functional`` families: PyTorch's ``_ntuple``/``_pair``,
shape and dtype checks, and whether a tensor's values are known (eager) or traced (compiled)."""

from __future__ import annotations

import jax
import numpy as np

from ..._dtype import type_name
from ..._tensor import Tensor

_Tracer = jax.core.Tracer


def _ntuple(value, n: int) -> tuple[int, ...]:
    """An int, a 1-sequence or an ``n``-sequence of ints as an ``n``-tuple (PyTorch's
    ``_single``/``_pair``/``_triple``)."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value) if len(value) != 1 else (int(value[0]),) * n
    return (int(value),) * n


def _pair(value) -> tuple[int, int]:
    """An int, or a 1- or 2-sequence of ints, as a pair (PyTorch's ``_pair``)."""
    return _ntuple(value, 2)


def _concrete(t: Tensor) -> bool:
    return not isinstance(t._data, _Tracer)


def _values(t: Tensor) -> np.ndarray:
    return np.asarray(t._data)


def _shape(t: Tensor) -> list[int]:
    return list(t.shape)


def _require_float(input: Tensor, kernel: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")


def _check_expandable(t: Tensor, shape: tuple) -> None:
    """PyTorch's ``expand`` error when ``t`` cannot be broadcast to ``shape``."""
    for i, (have, want) in enumerate(zip(reversed(t.shape), reversed(shape))):
        if have not in (1, want):
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) "
                f"at non-singleton dimension {len(shape) - 1 - i}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {_shape(t)}"
            )
