"""MobileNetV3 (Large and Small) as ``torchvision.models.mobilenetv3``: the same blocks,
``state_dict`` keys, BatchNorm settings (eps 0.001) and initialisation, so the official
checkpoints load."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ... import flatten as _flatten
from ... import nn
from ..._tensor import Tensor
from ._api import WeightsEnum, imagenet_weights, model_builder
from ._layers import Conv2dNormActivation, SqueezeExcitation, _init_weights, _make_divisible

__all__ = [
    "MobileNetV3",
    "MobileNet_V3_Large_Weights",
    "MobileNet_V3_Small_Weights",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
]


class InvertedResidualConfig:
    """One block: channels (scaled by ``width_mult``), kernel, squeeze-excitation, activation
    (``"RE"`` ReLU or ``"HS"`` hard-swish), stride and dilation."""

    def __init__(
        self,
        input_channels: int,
        kernel: int,
        expanded_channels: int,
        out_channels: int,
        use_se: bool,
        activation: str,
        stride: int,
        dilation: int,
        width_mult: float,
    ) -> None:
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels: int, width_mult: float) -> int:
        return _make_divisible(channels * width_mult, 8)


_SELayer = functools.partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)


class InvertedResidual(nn.Module):
    """Expansion (when widened), depthwise convolution, optional squeeze-excitation (hard
    sigmoid), projection; a residual connection when the shape is kept."""

    def __init__(
        self,
        cnf: InvertedResidualConfig,
        norm_layer: Callable[..., nn.Module],
        se_layer: Callable[..., nn.Module] = _SELayer,
    ) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers: list[nn.Module] = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(
                Conv2dNormActivation(
                    cnf.input_channels,
                    cnf.expanded_channels,
                    kernel_size=1,
                    norm_layer=norm_layer,
                    activation_layer=activation,
                )
            )
        layers.append(
            Conv2dNormActivation(
                cnf.expanded_channels,
                cnf.expanded_channels,
                kernel_size=cnf.kernel,
                stride=1 if cnf.dilation > 1 else cnf.stride,
                dilation=cnf.dilation,
                groups=cnf.expanded_channels,
                norm_layer=norm_layer,
                activation_layer=activation,
            )
        )
        if cnf.use_se:
            layers.append(
                se_layer(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8))
            )
        layers.append(
            Conv2dNormActivation(
                cnf.expanded_channels,
                cnf.out_channels,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=None,
            )
        )
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels

    def forward(self, x: Tensor) -> Tensor:
        out = self.block(x)
        return out + x if self.use_res_connect else out


class MobileNetV3(nn.Module):
    """MobileNetV3.

    Args:
        inverted_residual_setting: the blocks' configurations.
        last_channel: width of the classifier's hidden layer.
        num_classes: outputs. Default: 1000.
        block, norm_layer: block and normalisation classes (BatchNorm eps 0.001, momentum 0.01).
        dropout: in the classifier. Default: 0.2.

    Shape:
        - Input: ``(N, 3, H, W)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        inverted_residual_setting: list[InvertedResidualConfig],
        last_channel: int,
        num_classes: int = 1000,
        block: Callable[..., nn.Module] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
        dropout: float = 0.2,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (
            isinstance(inverted_residual_setting, Sequence)
            and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)
        ):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        block = block or InvertedResidual
        norm_layer = norm_layer or functools.partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [
            Conv2dNormActivation(
                3,
                first,
                kernel_size=3,
                stride=2,
                norm_layer=norm_layer,
                activation_layer=nn.Hardswish,
            )
        ]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        layers.append(
            Conv2dNormActivation(
                last_in,
                6 * last_in,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=nn.Hardswish,
            )
        )
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(6 * last_in, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )
        _init_weights(self, lambda w: nn.init.normal_(w, 0, 0.01))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(_flatten(self.avgpool(self.features(x)), 1))


def _mobilenet_v3_conf(
    arch: str,
    width_mult: float = 1.0,
    reduced_tail: bool = False,
    dilated: bool = False,
    **kwargs: Any,
) -> tuple[list[InvertedResidualConfig], int]:
    div = 2 if reduced_tail else 1
    dil = 2 if dilated else 1
    conf = functools.partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        rows = [
            (16, 3, 16, 16, False, "RE", 1, 1),
            (16, 3, 64, 24, False, "RE", 2, 1),
            (24, 3, 72, 24, False, "RE", 1, 1),
            (24, 5, 72, 40, True, "RE", 2, 1),
            (40, 5, 120, 40, True, "RE", 1, 1),
            (40, 5, 120, 40, True, "RE", 1, 1),
            (40, 3, 240, 80, False, "HS", 2, 1),
            (80, 3, 200, 80, False, "HS", 1, 1),
            (80, 3, 184, 80, False, "HS", 1, 1),
            (80, 3, 184, 80, False, "HS", 1, 1),
            (80, 3, 480, 112, True, "HS", 1, 1),
            (112, 3, 672, 112, True, "HS", 1, 1),
            (112, 5, 672, 160 // div, True, "HS", 2, dil),
            (160 // div, 5, 960 // div, 160 // div, True, "HS", 1, dil),
            (160 // div, 5, 960 // div, 160 // div, True, "HS", 1, dil),
        ]
        last = 1280 // div
    elif arch == "mobilenet_v3_small":
        rows = [
            (16, 3, 16, 16, True, "RE", 2, 1),
            (16, 3, 72, 24, False, "RE", 2, 1),
            (24, 3, 88, 24, False, "RE", 1, 1),
            (24, 5, 96, 40, True, "HS", 2, 1),
            (40, 5, 240, 40, True, "HS", 1, 1),
            (40, 5, 240, 40, True, "HS", 1, 1),
            (40, 5, 120, 48, True, "HS", 1, 1),
            (48, 5, 144, 48, True, "HS", 1, 1),
            (48, 5, 288, 96 // div, True, "HS", 2, dil),
            (96 // div, 5, 576 // div, 96 // div, True, "HS", 1, dil),
            (96 // div, 5, 576 // div, 96 // div, True, "HS", 1, dil),
        ]
        last = 1024 // div
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return [conf(*row) for row in rows], InvertedResidualConfig.adjust_channels(last, width_mult)


def _mobilenet_v3(arch: str, **kwargs: Any) -> MobileNetV3:
    setting, last_channel = _mobilenet_v3_conf(arch, **kwargs)
    return MobileNetV3(setting, last_channel, **kwargs)


class MobileNet_V3_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v3_large-8738ca79.pth", 5483032, (1, 1))
    IMAGENET1K_V2 = imagenet_weights(
        "mobilenet_v3_large-5c1a4163.pth", 5483032, (1, 1), resize_size=232
    )
    DEFAULT = IMAGENET1K_V2


class MobileNet_V3_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v3_small-047dcff4.pth", 2542856, (1, 1))
    DEFAULT = IMAGENET1K_V1


def _builder(arch: str, enum: type[WeightsEnum], title: str):
    doc = f"MobileNetV3-{title} (``width_mult``, ``reduced_tail``, ``dilated`` adjust it)."
    return model_builder(arch, enum, functools.partial(_mobilenet_v3, arch), doc)


mobilenet_v3_large = _builder("mobilenet_v3_large", MobileNet_V3_Large_Weights, "Large")
mobilenet_v3_small = _builder("mobilenet_v3_small", MobileNet_V3_Small_Weights, "Small")
