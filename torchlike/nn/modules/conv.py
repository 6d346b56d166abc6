"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d`` (PyTorch's
``torch/nn/modules/conv.py``)."""

from __future__ import annotations

from ..._ops.creation import empty
from ..._tensor import Tensor
from .. import functional as F
from ..functional import _ntuple
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_STRINGS = {"same", "valid"}
_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class _ConvNd(Module):
    """What every convolution shares: argument checks, parameters, init and repr."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...],
        padding: str | tuple[int, ...],
        dilation: tuple[int, ...],
        transposed: bool,
        output_padding: tuple[int, ...],
        groups: int,
        bias: bool,
        padding_mode: str,
        device=None,
        dtype=None,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        _check_conv_args(in_channels, out_channels, stride, padding, groups, padding_mode)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # The padding as F.pad takes it (last dim first), for the non-zero padding modes.
        self._reversed_padding_repeated_twice = _reversed_padding(padding, kernel_size, dilation)
        shape = (
            (in_channels, out_channels // groups, *kernel_size)
            if transposed
            else (out_channels, in_channels // groups, *kernel_size)
        )
        self.weight = Parameter(empty(shape, **factory_kwargs))
        if bias:
            self.bias = Parameter(empty(out_channels, **factory_kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    # PyTorch initialises a convolution as a Linear layer, with the kernel counted in fan_in.
    reset_parameters = Linear.reset_parameters

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = (F.conv1d, F.conv2d, F.conv3d)[len(self.kernel_size) - 1]
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


def _reversed_padding(padding, kernel_size: tuple, dilation: tuple) -> tuple:
    """``(left, right, top, bottom, ...)``: ``'same'`` puts an odd pixel on the right/bottom."""
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        pairs = [(t // 2, t - t // 2) for t in totals]
    elif isinstance(padding, str):
        pairs = [(0, 0)] * len(kernel_size)
    else:
        pairs = [(p, p) for p in padding]
    return tuple(p for pair in reversed(pairs) for p in pair)


def _check_conv_args(in_channels, out_channels, stride, padding, groups, padding_mode) -> None:
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")
    if isinstance(padding, str):
        if padding not in _PADDING_STRINGS:
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of {_PADDING_STRINGS}"
            )
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'"
        )


def _conv_args(n: int, kernel_size, stride, padding, dilation) -> tuple:
    """The ``n``-tuples a convolution stores (a padding string is kept as it is)."""
    padding = padding if isinstance(padding, str) else _ntuple(padding, n)
    return _ntuple(kernel_size, n), _ntuple(stride, n), padding, _ntuple(dilation, n)


def _conv_init(
    self,
    in_channels: int,
    out_channels: int,
    kernel_size,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
    bias: bool = True,
    padding_mode: str = "zeros",
    device=None,
    dtype=None,
) -> None:
    """The constructor of ``Conv1d/2d/3d`` (one function: they differ only in ``_n``, the
    number of spatial dims)."""
    n = self._n
    kernel_size, stride, padding, dilation = _conv_args(n, kernel_size, stride, padding, dilation)
    _ConvNd.__init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        False,
        (0,) * n,
        groups,
        bias,
        padding_mode,
        device=device,
        dtype=dtype,
    )


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over NCHW images.

    Args:
        in_channels: channels of the input image.
        out_channels: channels produced by the convolution.
        kernel_size: an int or a pair ``(kH, kW)``.
        stride: an int or a pair. Default: 1.
        padding: an int, a pair, ``'valid'`` or ``'same'`` (stride 1 only). Default: 0.
        dilation: spacing between kernel elements, an int or a pair. Default: 1.
        groups: split the channels into this many independent convolutions. Default: 1.
        bias: if ``False``, no learnable bias. Default: ``True``.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``: how the
            ``padding`` is filled. Default: ``'zeros'``.

    Shape:
        - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        - Output: ``(N, C_out, H_out, W_out)`` or ``(C_out, H_out, W_out)``, with
          ``H_out = (H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0] + 1``
          and likewise for ``W_out``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``, initialised from
            ``U(-sqrt(k), sqrt(k))`` with ``k = groups / (in_channels * kH * kW)``.
        bias: ``(out_channels)``, initialised from the same distribution.
    """

    _n = 2
    __init__ = _conv_init


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over ``(N, C, L)`` sequences.

    Args:
        in_channels, out_channels, groups, bias, padding_mode: as :class:`Conv2d`.
        kernel_size, stride, dilation: an int or a 1-tuple.
        padding: an int, a 1-tuple, ``'valid'`` or ``'same'`` (stride 1 only). Default: 0.

    Shape:
        - Input: ``(N, C_in, L)`` or ``(C_in, L)``.
        - Output: ``(N, C_out, L_out)`` or ``(C_out, L_out)``, with
          ``L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kernel_size)``, initialised from
            ``U(-sqrt(k), sqrt(k))`` with ``k = groups / (in_channels * kernel_size)``.
        bias: ``(out_channels)``, initialised from the same distribution.
    """

    _n = 1
    __init__ = _conv_init


class Conv3d(_ConvNd):
    """3-D convolution (cross-correlation) over ``(N, C, D, H, W)`` volumes.

    Args:
        in_channels, out_channels, groups, bias, padding_mode: as :class:`Conv2d`.
        kernel_size, stride, dilation: an int or a triple.
        padding: an int, a triple, ``'valid'`` or ``'same'`` (stride 1 only). Default: 0.

    Shape:
        - Input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.
        - Output: ``(N, C_out, D_out, H_out, W_out)``, each size as in :class:`Conv1d`.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kD, kH, kW)``, initialised from
            ``U(-sqrt(k), sqrt(k))`` with ``k = groups / (in_channels * kD * kH * kW)``.
        bias: ``(out_channels)``, initialised from the same distribution.
    """

    _n = 3
    __init__ = _conv_init


class _ConvTransposeNd(_ConvNd):
    """What transposed convolutions add: ``output_padding``, and ``output_size`` in forward."""

    def _output_padding(
        self,
        input: Tensor,
        output_size,
        stride=None,
        padding=None,
        kernel_size=None,
        num_spatial_dims=None,
        dilation=None,
    ):
        """The ``output_padding`` that makes the output ``output_size`` (PyTorch's rule and
        signature: subclasses that write their own ``forward`` pass the geometry; left out, it
        is this module's)."""
        if output_size is None:
            return self.output_padding
        stride = self.stride if stride is None else stride
        padding = self.padding if padding is None else padding
        kernel_size = self.kernel_size if kernel_size is None else kernel_size
        dilation = self.dilation if dilation is None else dilation
        n = len(kernel_size) if num_spatial_dims is None else num_spatial_dims
        leading = 2 if input.ndim == n + 2 else 1
        if len(output_size) == leading + n:
            output_size = output_size[leading:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{leading + n} elements (got {len(output_size)})"
            )
        geometry = zip(input.shape[leading:], stride, padding, dilation, kernel_size)
        min_sizes = [(size - 1) * s - 2 * p + d * (k - 1) + 1 for size, s, p, d, k in geometry]
        max_sizes = [lo + s - 1 for lo, s in zip(min_sizes, stride)]
        for want, lo, hi in zip(output_size, min_sizes, max_sizes):
            if not lo <= want <= hi:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of "
                    f"torch.Size({list(input.shape[2:])}))"
                )
        return [want - lo for want, lo in zip(output_size, min_sizes)]

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[
            len(self.kernel_size) - 1
        ]
        return conv(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


_TRANSPOSED_DOC = """{n}-D transposed convolution ("deconvolution"): the gradient of
    :class:`Conv{n}d` with respect to its input, which maps each input pixel to a kernel patch.

    Args:
        in_channels, out_channels, groups, bias: as :class:`Conv{n}d`.
        kernel_size, stride, dilation: an int or a {tuple}.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros pad the input on each side.
            Default: 0.
        output_padding: extra size on one side of the output, choosing among the input sizes a
            strided convolution maps to the same size. Default: 0.
        padding_mode: only ``'zeros'``.

    ``forward(input, output_size=None)``: ``output_size`` picks ``output_padding`` for this call.

    Shape:
        - Input: ``(N, C_in, {dims})`` or unbatched without ``N``.
        - Output: ``(N, C_out, {dims_out})``, each size
          ``(size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1``.

    Attributes:
        weight: ``(in_channels, out_channels / groups, {kernel})``, initialised from
            ``U(-sqrt(k), sqrt(k))`` with ``k = groups / (out_channels * prod(kernel_size))``.
        bias: ``(out_channels)``, initialised from the same distribution.
    """


def _conv_transpose_init(
    self,
    in_channels: int,
    out_channels: int,
    kernel_size,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    bias: bool = True,
    dilation=1,
    padding_mode: str = "zeros",
    device=None,
    dtype=None,
) -> None:
    """The constructor of ``ConvTranspose1d/2d/3d``, which differ only in ``_n``."""
    if padding_mode != "zeros":
        raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
    if isinstance(padding, str):
        raise ValueError(f"padding='{padding}' is not supported for {type(self).__name__}")
    n = self._n
    kernel_size, stride, padding, dilation = _conv_args(n, kernel_size, stride, padding, dilation)
    _ConvNd.__init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        True,
        _ntuple(output_padding, n),
        groups,
        bias,
        padding_mode,
        device=device,
        dtype=dtype,
    )


class ConvTranspose1d(_ConvTransposeNd):
    __doc__ = _TRANSPOSED_DOC.format(n=1, tuple="1-tuple", dims="L", dims_out="L_out", kernel="k")

    _n = 1
    __init__ = _conv_transpose_init


class ConvTranspose2d(_ConvTransposeNd):
    __doc__ = _TRANSPOSED_DOC.format(
        n=2, tuple="pair", dims="H, W", dims_out="H_out, W_out", kernel="kH, kW"
    )

    _n = 2
    __init__ = _conv_transpose_init


class ConvTranspose3d(_ConvTransposeNd):
    __doc__ = _TRANSPOSED_DOC.format(
        n=3, tuple="triple", dims="D, H, W", dims_out="D_out, H_out, W_out", kernel="kD, kH, kW"
    )

    _n = 3
    __init__ = _conv_transpose_init
