"""Pixel shuffle layers (PyTorch's ``torch/nn/modules/pixelshuffle.py``)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange channels into space: ``(*, C r^2, H, W)`` to ``(*, C, H r, W r)``
    (:func:`F.pixel_shuffle`).

    Args:
        upscale_factor: ``r``.

    Shape:
        - Input: ``(*, C * r^2, H, W)``.
        - Output: ``(*, C, H * r, W * r)``.
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange space into channels, the inverse of :class:`PixelShuffle`
    (:func:`F.pixel_unshuffle`).

    Args:
        downscale_factor: ``r``.

    Shape:
        - Input: ``(*, C, H * r, W * r)``.
        - Output: ``(*, C * r^2, H, W)``.
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
