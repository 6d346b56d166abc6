"""VGG 11/13/16/19, with and without BatchNorm, as ``torchvision.models.vgg``: the same
``features``/``classifier`` indices, ``state_dict`` keys and initialisation, so the official
checkpoints load."""

from __future__ import annotations

from typing import Any

from ... import flatten as _flatten
from ..._tensor import Tensor
from ...nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    init,
)
from ._api import (
    WeightsEnum,
    _ovewrite_named_param,
    build_with_weights,
    imagenet_weights,
    weights_builder,
)

__all__ = ["VGG", "make_layers"]

cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M"]
    + [512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(Module):
    """A stack of 3x3 convolutions (``features``), adaptive pooling to 7x7, three linear layers.

    Args:
        features: the convolutional part, as :func:`make_layers` builds it.
        num_classes: outputs. Default: 1000.
        init_weights: torchvision's initialisation (Kaiming-normal convolutions, N(0, 0.01)
            linear layers, zero biases).
        dropout: dropout in the classifier. Default: 0.5.

    Shape:
        - Input: ``(N, 3, H, W)``, ``H, W >= 32``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        features: Module,
        num_classes: int = 1000,
        init_weights: bool = True,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(_flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> Sequential:
    """``features`` from a configuration: numbers are 3x3 convolutions, ``"M"`` max-pools."""
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(BatchNorm2d(v))
        layers.append(ReLU(inplace=True))
        in_channels = v
    return Sequential(*layers)


def _vgg(cfg: str, batch_norm: bool, weights, progress: bool, **kwargs: Any) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return build_with_weights(
        lambda: VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights, progress
    )


def _weights_enum(name: str, file: str, num_params: int, **extra) -> type[WeightsEnum]:
    members = {"IMAGENET1K_V1": imagenet_weights(file, num_params, (32, 32)), **extra}
    members["DEFAULT"] = members["IMAGENET1K_V1"]
    return WeightsEnum(name, members, module=__name__)


VGG11_Weights = _weights_enum("VGG11_Weights", "vgg11-8a719046.pth", 132863336)
VGG11_BN_Weights = _weights_enum("VGG11_BN_Weights", "vgg11_bn-6002323d.pth", 132868840)
VGG13_Weights = _weights_enum("VGG13_Weights", "vgg13-19584684.pth", 133047848)
VGG13_BN_Weights = _weights_enum("VGG13_BN_Weights", "vgg13_bn-abd245e5.pth", 133053736)
VGG16_Weights = _weights_enum(
    "VGG16_Weights",
    "vgg16-397923af.pth",
    138357544,
    # The SSD backbone's features (ported from Lua Torch): inputs in [0, 255] minus the mean.
    IMAGENET1K_FEATURES=imagenet_weights(
        "vgg16_features-amdegroot-88682ab5.pth",
        138357544,
        (32, 32),
        mean=(0.48235, 0.45882, 0.40784),
        std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0),
    ),
)
VGG16_BN_Weights = _weights_enum("VGG16_BN_Weights", "vgg16_bn-6c64b313.pth", 138365992)
VGG19_Weights = _weights_enum("VGG19_Weights", "vgg19-dcbb9e9d.pth", 143667240)
VGG19_BN_Weights = _weights_enum("VGG19_BN_Weights", "vgg19_bn-c79401a0.pth", 143678248)


def _builder(name: str, cfg: str, batch_norm: bool, enum: type[WeightsEnum]):
    def build(*, weights: WeightsEnum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
        return _vgg(cfg, batch_norm, enum.verify(weights), progress, **kwargs)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = (
        f"VGG-{name[3:5]}{' with BatchNorm' if batch_norm else ''} (configuration {cfg})."
    )
    build.__annotations__ = {**build.__annotations__, "weights": enum | None}
    __all__.extend([name, enum.__name__])
    return weights_builder(lambda: enum.IMAGENET1K_V1)(build)


vgg11 = _builder("vgg11", "A", False, VGG11_Weights)
vgg11_bn = _builder("vgg11_bn", "A", True, VGG11_BN_Weights)
vgg13 = _builder("vgg13", "B", False, VGG13_Weights)
vgg13_bn = _builder("vgg13_bn", "B", True, VGG13_BN_Weights)
vgg16 = _builder("vgg16", "D", False, VGG16_Weights)
vgg16_bn = _builder("vgg16_bn", "D", True, VGG16_BN_Weights)
vgg19 = _builder("vgg19", "E", False, VGG19_Weights)
vgg19_bn = _builder("vgg19_bn", "E", True, VGG19_BN_Weights)
