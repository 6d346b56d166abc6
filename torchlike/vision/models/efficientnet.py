"""EfficientNet-B0 as ``torchvision.models.efficientnet``: MBConv blocks with squeeze-excitation
and stochastic depth, the same ``state_dict`` keys and initialisation, so the official checkpoint
loads. (B1-B7 are the same network scaled by ``MBConvConfig``'s width and depth multipliers.)"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image

from ... import flatten as _flatten
from ... import nn
from ..._tensor import Tensor
from ._api import WeightsEnum, imagenet_weights, model_builder
from ._layers import (
    Conv2dNormActivation,
    SqueezeExcitation,
    StochasticDepth,
    _init_weights,
    _make_divisible,
)

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "MBConvConfig", "efficientnet_b0"]


class MBConvConfig:
    """One stage: expansion ratio, kernel, stride, channels (scaled by ``width_mult``) and
    number of blocks (scaled by ``depth_mult``)."""

    def __init__(
        self,
        expand_ratio: float,
        kernel: int,
        stride: int,
        input_channels: int,
        out_channels: int,
        num_layers: int,
        width_mult: float = 1.0,
        depth_mult: float = 1.0,
        block: Callable[..., nn.Module] | None = None,
    ) -> None:
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.num_layers = int(math.ceil(num_layers * depth_mult))
        self.block = block or MBConv

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConv(nn.Module):
    """Expansion, depthwise convolution, squeeze-excitation (SiLU), projection; the residual
    branch passes through stochastic depth."""

    def __init__(
        self,
        cnf: MBConvConfig,
        stochastic_depth_prob: float,
        norm_layer: Callable[..., nn.Module],
        se_layer: Callable[..., nn.Module] = SqueezeExcitation,
    ) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers: list[nn.Module] = []
        if expanded != cnf.input_channels:
            layers.append(
                Conv2dNormActivation(
                    cnf.input_channels,
                    expanded,
                    kernel_size=1,
                    norm_layer=norm_layer,
                    activation_layer=nn.SiLU,
                )
            )
        layers.append(
            Conv2dNormActivation(
                expanded,
                expanded,
                kernel_size=cnf.kernel,
                stride=cnf.stride,
                groups=expanded,
                norm_layer=norm_layer,
                activation_layer=nn.SiLU,
            )
        )
        squeeze = max(1, cnf.input_channels // 4)
        layers.append(
            se_layer(expanded, squeeze, activation=functools.partial(nn.SiLU, inplace=True))
        )
        layers.append(
            Conv2dNormActivation(
                expanded,
                cnf.out_channels,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=None,
            )
        )
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, x: Tensor) -> Tensor:
        out = self.block(x)
        return self.stochastic_depth(out) + x if self.use_res_connect else out


class EfficientNet(nn.Module):
    """EfficientNet.

    Args:
        inverted_residual_setting: the stages' configurations.
        dropout: before the classifier.
        stochastic_depth_prob: the last block's drop probability (earlier ones scale linearly).
        num_classes: outputs. Default: 1000.
        norm_layer: the normalisation layer. Default: ``BatchNorm2d``.
        last_channel: width of the last convolution (``4 *`` the last stage's by default).

    Shape:
        - Input: ``(N, 3, H, W)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        inverted_residual_setting: Sequence[MBConvConfig],
        dropout: float,
        stochastic_depth_prob: float = 0.2,
        num_classes: int = 1000,
        norm_layer: Callable[..., nn.Module] | None = None,
        last_channel: int | None = None,
    ) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        first = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [
            Conv2dNormActivation(
                3, first, kernel_size=3, stride=2, norm_layer=norm_layer, activation_layer=nn.SiLU
            )
        ]
        total = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                prob = stochastic_depth_prob * float(block_id) / total
                stage.append(block_cnf.block(block_cnf, prob, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(
            Conv2dNormActivation(
                last_in, last_out, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.SiLU
            )
        )
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout, inplace=True), nn.Linear(last_out, num_classes)
        )
        _init_weights(self, _uniform_by_fan_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(_flatten(self.avgpool(self.features(x)), 1))


def _uniform_by_fan_out(weight: Tensor) -> None:
    bound = 1.0 / math.sqrt(weight.shape[0])
    nn.init.uniform_(weight, -bound, bound)


def _b_setting(width_mult: float, depth_mult: float) -> list[MBConvConfig]:
    conf = functools.partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [
        conf(1, 3, 1, 32, 16, 1),
        conf(6, 3, 2, 16, 24, 2),
        conf(6, 5, 2, 24, 40, 2),
        conf(6, 3, 2, 40, 80, 3),
        conf(6, 5, 1, 80, 112, 3),
        conf(6, 5, 2, 112, 192, 4),
        conf(6, 3, 1, 192, 320, 1),
    ]


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(
        "efficientnet_b0_rwightman-7f5810bc.pth",
        5288548,
        (1, 1),
        resize_size=256,
        interpolation=Image.Resampling.BICUBIC,
    )
    DEFAULT = IMAGENET1K_V1


def _efficientnet_b0(dropout: float = 0.2, **kwargs: Any) -> EfficientNet:
    return EfficientNet(_b_setting(1.0, 1.0), dropout, **kwargs)


efficientnet_b0 = model_builder(
    "efficientnet_b0",
    EfficientNet_B0_Weights,
    _efficientnet_b0,
    'EfficientNet-B0 from "EfficientNet: Rethinking Model Scaling for CNNs".',
)
