"""Dropout layers (PyTorch's ``torch/nn/modules/dropout.py``).

Every mask comes from the ``torchlike.manual_seed`` stream: the same seed gives the same masks,
eagerly or inside ``torchlike.compile`` (which threads the key through the compiled step, so each
call draws a fresh mask), but not PyTorch's masks (the random generators differ).
"""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training mode, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; in eval mode, return the input.

    Args:
        p: probability of zeroing an element. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """In training mode, zero whole channels (one draw per sample and channel) with probability
    ``p`` and scale the rest by ``1 / (1 - p)``; in eval mode, return the input.

    Args:
        p: probability of zeroing a channel. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Channel dropout as :class:`Dropout1d`, for images. A 3-D input is read as ``(N, C, L)``
    (PyTorch's behaviour, with its warning).

    Args:
        p: probability of zeroing a channel. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Channel dropout as :class:`Dropout1d`, for volumes.

    Args:
        p: probability of zeroing a channel. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for self-normalising (SELU) networks: dropped elements take SELU's negative
    saturation value, and an affine map keeps the input's mean and variance. Identity in eval.

    Args:
        p: probability of dropping an element. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """:class:`AlphaDropout` of whole channels (one draw per sample and channel).

    Args:
        p: probability of dropping a channel. Default: 0.5.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(N, C, *)``.
        - Output: the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
