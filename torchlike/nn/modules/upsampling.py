"""Upsampling layers (PyTorch's ``torch/nn/modules/upsampling.py``): each calls
:func:`torchlike.nn.functional.interpolate`."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resample 1-D, 2-D or 3-D data to ``size`` or by ``scale_factor`` (:func:`F.interpolate`).

    Args:
        size: output spatial size(s). Give this or ``scale_factor``.
        scale_factor: multiplier(s) of the spatial sizes.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``,
            ``'trilinear'`` or ``'area'``. Default: ``'nearest'``.
        align_corners: align the corner pixels' centres (interpolating modes only).
        recompute_scale_factor: compute the scale from the rounded output size.

    Shape:
        - Input: ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        - Output: the same with ``floor(size * scale_factor)`` (or ``size``) spatial sizes.
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """2-D nearest-neighbour upsampling: ``Upsample(size, scale_factor, mode='nearest')``.

    Args:
        size: output ``(H, W)`` (or one int for both).
        scale_factor: multiplier of ``H`` and ``W``.

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``.
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-D bilinear upsampling with aligned corners: ``Upsample(size, scale_factor,
    mode='bilinear', align_corners=True)``.

    Args:
        size, scale_factor: as :class:`UpsamplingNearest2d`.

    Shape:
        - Input: ``(N, C, H, W)``; output ``(N, C, H_out, W_out)``.
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
