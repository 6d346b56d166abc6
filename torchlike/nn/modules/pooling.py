"""Pooling layers: max, average and adaptive pooling (PyTorch's ``torch/nn/modules/pooling.py``)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..functional import _ntuple
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]


class _MaxPoolNd(Module):
    """What max pooling in 1, 2 and 3 dims shares; ``_n`` is the number of spatial dims."""

    _n: int

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor):
        pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[self._n - 1]
        return pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling.

    Args:
        kernel_size: the window size.
        stride: the window step. Default: ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides, at most half the kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the index of each maximum. Default: ``False``.
        ceil_mode: round the output size up instead of down. Default: ``False``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: ``(N, C, L_out)`` or ``(C, L_out)``, with
          ``L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1``.
    """

    _n = 1


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling.

    Args:
        kernel_size: the window size, an int or a pair.
        stride: the window step. Default: ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides, at most half the kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the flat index of each maximum. Default: ``False``.
        ceil_mode: round the output size up instead of down. Default: ``False``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``, with
          ``H_out = (H + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1``.
    """

    _n = 2


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling; arguments as :class:`MaxPool2d` (ints or triples), indices flat over
    ``D * H * W``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: ``(N, C, D_out, H_out, W_out)``, each size as in :class:`MaxPool2d`.
    """

    _n = 3


class _AvgPoolNd(Module):
    """What average pooling shares: forward and repr; the constructor is the 2-d and 3-d one
    (``AvgPool1d`` has its own, without ``divisor_override``)."""

    _n: int

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[self._n - 1]
        args = (self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        if self._n == 1:  # avg_pool1d takes no divisor_override
            return pool(input, *args)
        return pool(input, *args, self.divisor_override)


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling.

    Args:
        kernel_size: the window size.
        stride: the window step. Default: ``kernel_size``.
        padding: implicit zero padding on both sides, at most half the kernel. Default: 0.
        ceil_mode: round the output size up instead of down. Default: ``False``.
        count_include_pad: count the zero padding in the divisor. Default: ``True``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: ``(N, C, L_out)`` or ``(C, L_out)``, with
          ``L_out = (L + 2 * padding - kernel_size) // stride + 1``.
    """

    _n = 1

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        # Not _AvgPoolNd's constructor: that is the 2-d and 3-d one, with divisor_override.
        Module.__init__(self)
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling.

    Args:
        kernel_size: the window size, an int or a pair.
        stride: the window step. Default: ``kernel_size``.
        padding: implicit zero padding on both sides, at most half the kernel. Default: 0.
        ceil_mode: round the output size up instead of down. Default: ``False``.
        count_include_pad: count the zero padding in the divisor. Default: ``True``.
        divisor_override: divide every window sum by this instead. Default: ``None``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``, with
          ``H_out = (H + 2 * padding - kernel_size) // stride + 1``.
    """

    _n = 2


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling; arguments as :class:`AvgPool2d` (ints or triples).

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: ``(N, C, D_out, H_out, W_out)``, each size as in :class:`AvgPool2d`.
    """

    _n = 3


class _AdaptivePoolNd(Module):
    """What adaptive pooling shares: ``output_size``; ``_n`` is the number of spatial dims."""

    _n: int

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvgPoolNd(_AdaptivePoolNd):
    def forward(self, input: Tensor) -> Tensor:
        pool = (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d)[self._n - 1]
        return pool(input, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        pool = (F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d)[self._n - 1]
        return pool(input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """1-D average pooling to a fixed output length, whatever the input's.

    Output position ``i`` averages inputs ``floor(i * L / L_out)`` to ``ceil((i + 1) * L /
    L_out) - 1``.

    Args:
        output_size: the output length ``L_out``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: ``(N, C, L_out)`` or ``(C, L_out)``.
    """

    _n = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """2-D average pooling to a fixed output size, windows as :class:`AdaptiveAvgPool1d`'s.

    Args:
        output_size: ``H_out`` for a square output, or ``(H_out, W_out)``; a ``None`` keeps the
            input's size along that dim.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    _n = 2


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-D max pooling to a fixed output length, windows as :class:`AdaptiveAvgPool1d`'s.

    Args:
        output_size: the output length ``L_out``.
        return_indices: also return the index of each maximum. Default: ``False``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: ``(N, C, L_out)`` or ``(C, L_out)``.
    """

    _n = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-D max pooling to a fixed output size, windows as :class:`AdaptiveAvgPool1d`'s.

    Args:
        output_size: ``H_out``, or ``(H_out, W_out)`` with ``None`` keeping the input's size.
        return_indices: also return the flat index ``h * W + w`` of each maximum.
            Default: ``False``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    _n = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """3-D average pooling to a fixed output size, windows as :class:`AdaptiveAvgPool1d`'s.

    Args:
        output_size: an int, or ``(D_out, H_out, W_out)`` with ``None`` keeping the input's size.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.
    """

    _n = 3


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-D max pooling to a fixed output size, windows as :class:`AdaptiveAvgPool1d`'s.

    Args:
        output_size: an int, or ``(D_out, H_out, W_out)`` with ``None`` keeping the input's size.
        return_indices: also return the flat index over ``D * H * W`` of each maximum.
            Default: ``False``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.
    """

    _n = 3


class _LPPoolNd(Module):
    """What power-average pooling shares; ``_n`` is the number of spatial dims."""

    _n: int

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Tensor:
        pool = (F.lp_pool1d, F.lp_pool2d, F.lp_pool3d)[self._n - 1]
        return pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """Power-average pooling ``(sum_window x^p) ** (1 / p)`` over 1-D windows.

    Args:
        norm_type: ``p``.
        kernel_size: the window length.
        stride: the window step. Default: ``kernel_size``.
        ceil_mode: round the output length up. Default: ``False``.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: ``(N, C, L_out)`` or ``(C, L_out)``.
    """

    _n = 1


class LPPool2d(_LPPoolNd):
    """Power-average pooling over 2-D windows, as :class:`LPPool1d`.

    Args:
        norm_type: ``p``.
        kernel_size: the window, an int or ``(kH, kW)``.
        stride: the window step. Default: ``kernel_size``.
        ceil_mode: round output sizes up. Default: ``False``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    _n = 2


class LPPool3d(_LPPoolNd):
    """Power-average pooling over 3-D windows, as :class:`LPPool1d`.

    Args:
        norm_type: ``p``.
        kernel_size: the window, an int or ``(kD, kH, kW)``.
        stride: the window step. Default: ``kernel_size``.
        ceil_mode: round output sizes up. Default: ``False``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.
    """

    _n = 3


class _MaxUnpoolNd(Module):
    _n: int

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._n)
        self.padding = _ntuple(padding, self._n)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._n - 1]
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d` (:func:`F.max_unpool1d`): values go back to the
    positions their ``indices`` name, zeros elsewhere.

    Args:
        kernel_size: the pooling window.
        stride: the pooling step. Default: ``kernel_size``.
        padding: the pooling padding. Default: 0.

    Shape:
        - Input and indices: ``(N, C, L_in)`` or ``(C, L_in)``.
        - Output: ``(N, C, L_out)``, ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size``
          or the ``output_size`` given to ``forward``.
    """

    _n = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d`, as :class:`MaxUnpool1d`.

    Args:
        kernel_size: the pooling window.
        stride: the pooling step. Default: ``kernel_size``.
        padding: the pooling padding. Default: 0.

    Shape:
        - Input and indices: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``.
        - Output: ``(N, C, H_out, W_out)``.
    """

    _n = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d`, as :class:`MaxUnpool1d`.

    Args:
        kernel_size: the pooling window.
        stride: the pooling step. Default: ``kernel_size``.
        padding: the pooling padding. Default: 0.

    Shape:
        - Input and indices: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``.
        - Output: ``(N, C, D_out, H_out, W_out)``.
    """

    _n = 3
