"""Building blocks torchvision keeps in ``torchvision.ops.misc`` and ``models._utils``, used by
the mobile architectures: convolution-norm-activation, squeeze-and-excitation, stochastic depth,
channel rounding."""

from __future__ import annotations

from collections.abc import Callable

from ... import empty as _empty
from ..._tensor import Tensor
from ...nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    GroupNorm,
    Linear,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    init,
)


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _init_weights(model: Module, linear_weight: Callable[[Tensor], object]) -> None:
    """torchvision's initialisation of the mobile networks: Kaiming-normal (``fan_out``)
    convolutions, normalisation layers at 1, ``linear_weight`` on the ``Linear`` weights, zero
    biases (in ``model.modules()`` order, which fixes the random draws' order)."""
    for m in model.modules():
        if isinstance(m, Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (BatchNorm2d, GroupNorm)):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, Linear):
            linear_weight(m.weight)
            init.zeros_(m.bias)


class Conv2dNormActivation(Sequential):
    """``Conv2d`` (``'same'``-style padding, no bias when normalised), a norm layer and an
    activation, as ``torchvision.ops.Conv2dNormActivation`` (children ``0``, ``1``, ``2``)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int | None = None,
        groups: int = 1,
        norm_layer: Callable[..., Module] | None = BatchNorm2d,
        activation_layer: Callable[..., Module] | None = ReLU,
        dilation: int = 1,
        inplace: bool | None = True,
        bias: bool | None = None,
    ) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[Module] = [
            Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                dilation=dilation,
                groups=groups,
                bias=bias,
            )
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(Module):
    """Channel attention: global pooling, two 1x1 convolutions (``fc1``, ``fc2``), scale."""

    def __init__(
        self,
        input_channels: int,
        squeeze_channels: int,
        activation: Callable[..., Module] = ReLU,
        scale_activation: Callable[..., Module] = Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return self.scale_activation(scale) * x


class StochasticDepth(Module):
    """Drop a residual branch per sample (``mode="row"``) or for the whole batch with
    probability ``p`` while training, rescaling the rest by ``1 / (1 - p)``; identity in eval."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        if p < 0.0 or p > 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        if mode not in ("batch", "row"):
            raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
        self.p = p
        self.mode = mode

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        shape = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = _empty(shape, dtype=x.dtype).bernoulli_(survival)
        if survival > 0.0:
            noise = noise / survival
        return x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"
