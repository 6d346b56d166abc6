"""MobileNetV2 as ``torchvision.models.mobilenetv2``: inverted residual blocks with linear
bottlenecks, the same ``state_dict`` keys and initialisation, so the official checkpoints load."""

from __future__ import annotations

from collections.abc import Callable

from ... import flatten as _flatten
from ..._tensor import Tensor
from ...nn import BatchNorm2d, Conv2d, Dropout, Linear, Module, ReLU6, Sequential, init
from ...nn import functional as F
from ._api import WeightsEnum, imagenet_weights, model_builder
from ._layers import Conv2dNormActivation, _init_weights, _make_divisible

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2"]


class InvertedResidual(Module):
    """1x1 expansion (when ``expand_ratio != 1``), 3x3 depthwise, 1x1 linear projection; a
    residual connection when the shape is kept."""

    def __init__(
        self,
        inp: int,
        oup: int,
        stride: int,
        expand_ratio: int,
        norm_layer: Callable[..., Module] | None = None,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        norm_layer = norm_layer or BatchNorm2d
        self.stride = stride
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[Module] = []
        if expand_ratio != 1:
            layers.append(
                Conv2dNormActivation(
                    inp, hidden, kernel_size=1, norm_layer=norm_layer, activation_layer=ReLU6
                )
            )
        layers += [
            Conv2dNormActivation(
                hidden,
                hidden,
                stride=stride,
                groups=hidden,
                norm_layer=norm_layer,
                activation_layer=ReLU6,
            ),
            Conv2d(hidden, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ]
        self.conv = Sequential(*layers)
        self.out_channels = oup

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(Module):
    """MobileNetV2.

    Args:
        num_classes: outputs. Default: 1000.
        width_mult: channel multiplier. Default: 1.0.
        inverted_residual_setting: rows ``[t, c, n, s]`` (expansion, channels, repeats, stride).
        round_nearest: channels are multiples of this. Default: 8.
        block, norm_layer: the block and normalisation classes.
        dropout: before the classifier. Default: 0.2.

    Shape:
        - Input: ``(N, 3, H, W)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        width_mult: float = 1.0,
        inverted_residual_setting: list[list[int]] | None = None,
        round_nearest: int = 8,
        block: Callable[..., Module] | None = None,
        norm_layer: Callable[..., Module] | None = None,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        block = block or InvertedResidual
        norm_layer = norm_layer or BatchNorm2d
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(
                "inverted_residual_setting should be non-empty or a 4-element list, got "
                f"{inverted_residual_setting}"
            )
        input_channel = _make_divisible(32 * width_mult, round_nearest)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features: list[Module] = [
            Conv2dNormActivation(
                3, input_channel, stride=2, norm_layer=norm_layer, activation_layer=ReLU6
            )
        ]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(
                    block(input_channel, output_channel, s if i == 0 else 1, t, norm_layer)
                )
                input_channel = output_channel
        features.append(
            Conv2dNormActivation(
                input_channel,
                self.last_channel,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=ReLU6,
            )
        )
        self.features = Sequential(*features)
        self.classifier = Sequential(Dropout(p=dropout), Linear(self.last_channel, num_classes))
        _init_weights(self, lambda w: init.normal_(w, 0, 0.01))

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(_flatten(x, 1))


class MobileNet_V2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v2-b0353104.pth", 3504872, (1, 1))
    IMAGENET1K_V2 = imagenet_weights("mobilenet_v2-7ebf99e0.pth", 3504872, (1, 1), resize_size=232)
    DEFAULT = IMAGENET1K_V2


mobilenet_v2 = model_builder(
    "mobilenet_v2",
    MobileNet_V2_Weights,
    MobileNetV2,
    'MobileNetV2 from "MobileNetV2: Inverted Residuals and Linear Bottlenecks".',
)
