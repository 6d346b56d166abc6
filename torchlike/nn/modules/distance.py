"""Distance layers (PyTorch's ``torch/nn/modules/distance.py``)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim (:func:`F.pairwise_distance`).

    Args:
        p: the norm degree. Default: 2.
        eps: added to the difference, against division by zero. Default: 1e-6.
        keepdim: keep the reduced dim. Default: ``False``.

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each, broadcastable.
        - Output: ``(N)`` or ``()`` (``(N, 1)`` or ``(1)`` with ``keepdim``).
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity along ``dim`` (:func:`F.cosine_similarity`).

    Args:
        dim: the dim to reduce. Default: 1.
        eps: lower bound of each norm. Default: 1e-8.

    Shape:
        - Input: ``x1`` and ``x2`` broadcastable, ``(*1, D, *2)``.
        - Output: ``(*1, *2)``.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
