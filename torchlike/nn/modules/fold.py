"""``Fold`` and ``Unfold`` (PyTorch's ``torch/nn/modules/fold.py``)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Extract sliding blocks of an image as columns (im2col).

    Args:
        kernel_size: the block size, an int or a pair.
        dilation: spacing between block elements. Default: 1.
        padding: implicit zero padding on both sides. Default: 0.
        stride: the block step. Default: 1.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``, ``L`` the number of blocks;
          each column lists channel 0's block row by row, then channel 1's, ...
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sum columns of sliding blocks back into an image (col2im): the adjoint of
    :class:`Unfold`, so overlapping blocks add up.

    Args:
        output_size: the image size ``(H, W)``, an int or a pair.
        kernel_size, dilation, padding, stride: as :class:`Unfold`.

    Shape:
        - Input: ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``.
        - Output: ``(N, C, H, W)`` or ``(C, H, W)``.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
