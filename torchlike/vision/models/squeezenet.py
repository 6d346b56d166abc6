"""SqueezeNet 1.0 and 1.1 as ``torchvision.models.squeezenet``, with its ``state_dict`` layout
and initialisation, so the official checkpoints load."""

from __future__ import annotations

import functools

from ... import cat as _cat
from ... import flatten as _flatten
from ..._tensor import Tensor
from ...nn import AdaptiveAvgPool2d, Conv2d, Dropout, MaxPool2d, Module, ReLU, Sequential, init
from ._api import WeightsEnum, imagenet_weights, model_builder

__all__ = [
    "SqueezeNet",
    "SqueezeNet1_0_Weights",
    "SqueezeNet1_1_Weights",
    "squeezenet1_0",
    "squeezenet1_1",
]


class Fire(Module):
    """A 1x1 squeeze convolution, then 1x1 and 3x3 expand convolutions concatenated."""

    def __init__(self, inplanes: int, squeeze_planes: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = ReLU(inplace=True)
        self.expand1x1 = Conv2d(squeeze_planes, expand1x1, kernel_size=1)
        self.expand1x1_activation = ReLU(inplace=True)
        self.expand3x3 = Conv2d(squeeze_planes, expand3x3, kernel_size=3, padding=1)
        self.expand3x3_activation = ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        a = self.expand1x1_activation(self.expand1x1(x))
        return _cat([a, self.expand3x3_activation(self.expand3x3(x))], 1)


def _pool() -> MaxPool2d:
    return MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)


# The eight Fire modules' squeeze widths (each expand convolution has four times as many
# channels), the same in both versions, which differ in the stem convolution (channels, kernel)
# and in which Fire modules a max-pool follows.
_SQUEEZE_WIDTHS = (16, 16, 32, 32, 48, 48, 64, 64)
_VERSIONS = {"1_0": (96, 7, (2, 6)), "1_1": (64, 3, (1, 3))}


class SqueezeNet(Module):
    """SqueezeNet: Fire modules and a convolutional classifier with global average pooling.

    Args:
        version: ``"1_0"`` or ``"1_1"`` (fewer operations, same accuracy).
        num_classes: outputs. Default: 1000.
        dropout: dropout before the classifier. Default: 0.5.

    Shape:
        - Input: ``(N, 3, H, W)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(self, version: str = "1_0", num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.num_classes = num_classes
        if version not in _VERSIONS:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        stem, kernel, pools_after = _VERSIONS[version]
        layers: list[Module] = [
            Conv2d(3, stem, kernel_size=kernel, stride=2),
            ReLU(inplace=True),
            _pool(),
        ]
        inplanes = stem
        for i, squeeze in enumerate(_SQUEEZE_WIDTHS):
            layers.append(Fire(inplanes, squeeze, 4 * squeeze, 4 * squeeze))
            inplanes = 8 * squeeze
            if i in pools_after:
                layers.append(_pool())
        self.features = Sequential(*layers)
        final_conv = Conv2d(512, num_classes, kernel_size=1)
        self.classifier = Sequential(
            Dropout(p=dropout), final_conv, ReLU(inplace=True), AdaptiveAvgPool2d((1, 1))
        )
        for m in self.modules():
            if isinstance(m, Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        return _flatten(self.classifier(self.features(x)), 1)


class SqueezeNet1_0_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("squeezenet1_0-b66bff10.pth", 1248424, (21, 21))
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("squeezenet1_1-b8a52dc0.pth", 1235496, (17, 17))
    DEFAULT = IMAGENET1K_V1


squeezenet1_0 = model_builder(
    "squeezenet1_0", SqueezeNet1_0_Weights, functools.partial(SqueezeNet, "1_0"), "SqueezeNet 1.0."
)
squeezenet1_1 = model_builder(
    "squeezenet1_1",
    SqueezeNet1_1_Weights,
    functools.partial(SqueezeNet, "1_1"),
    "SqueezeNet 1.1: 2.4x less computation than 1.0 at the same accuracy.",
)
