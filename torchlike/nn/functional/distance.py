"""Distance functions: ``pairwise_distance``, ``cosine_similarity`` and ``pdist``."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..._dispatch import apply
from ..._ops.linalg import _check_same_dtype
from ..._ops.pointwise import broadcast_shapes as _broadcast_shapes
from ..._tensor import Tensor, _wrap_dim
from ._utils import _require_float


def _pnorm(x, p: float, axis, keepdims: bool = False):
    """``||x||_p`` along ``axis``, with PyTorch's zero subgradient where the norm is 0 (where
    ``jnp.linalg.norm``'s gradient is NaN)."""
    if p == math.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    s = jnp.sum(x * x if p == 2 else jnp.abs(x) ** p, axis=axis, keepdims=keepdims)
    positive = s > 0
    safe = jnp.where(positive, s, 1)
    return jnp.where(positive, jnp.sqrt(safe) if p == 2 else safe ** (1 / p), 0)


def _cosine_similarity_fn(x1, x2, *, dim, eps):
    x1, x2 = jnp.broadcast_arrays(x1, x2)
    x1 = x1 / jnp.maximum(_pnorm(x1, 2, dim, keepdims=True), eps)
    x2 = x2 / jnp.maximum(_pnorm(x2, 2, dim, keepdims=True), eps)
    return jnp.sum(x1 * x2, axis=dim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` along ``dim``, after
    broadcasting ``x1`` and ``x2`` (each norm clamped on its own, as PyTorch 2 does).

    Shape:
        - Input: ``x1`` and ``x2`` broadcastable; output: the broadcast shape without ``dim``.
    """
    shape = _broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    dim = _wrap_dim(dim, len(shape))
    _check_same_dtype(x1, x2, "x1 and x2")
    return apply(_cosine_similarity_fn, "SumBackward1", (x1, x2), dim=dim, eps=float(eps))


def _pairwise_distance_fn(x1, x2, *, p, eps, keepdim):
    return _pnorm(x1 - x2 + eps, p, -1, keepdims=keepdim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim of the broadcast inputs.

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each, broadcastable; output ``(N)`` (or ``()``).
    """
    _broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    return apply(
        _pairwise_distance_fn,
        "NormBackward1",
        (x1, x2),
        p=float(p),
        eps=float(eps),
        keepdim=keepdim,
    )


def _pdist_fn(x, *, p):
    i, j = np.triu_indices(x.shape[0], k=1)
    return _pnorm(x[i] - x[j], p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distance between every pair of rows ``i < j``, in row-major order.

    Shape:
        - Input: ``(N, M)``; output ``(N * (N - 1) / 2)``.
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    _require_float(input, "pdist")
    return apply(_pdist_fn, "Pdist", (input,), p=float(p))
