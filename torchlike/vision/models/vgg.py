"""VGG 11/13/16/19, with and without BatchNorm, as ``torchvision.models.vgg``: the same
``features``/``classifier`` indices, ``state_dict`` keys and initialisation, so the official
checkpoints load."""

from __future__ import annotations

import functools
from typing import Any

from ... import flatten as _flatten
from ... import nn
from ..._tensor import Tensor
from ._api import WeightsEnum, imagenet_weights, model_builder

__all__ = ["VGG", "make_layers"]

cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M"]
    + [512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(nn.Module):
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
        features: nn.Module,
        num_classes: int = 1000,
        init_weights: bool = True,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(_flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> nn.Sequential:
    """``features`` from a configuration: numbers are 3x3 convolutions, ``"M"`` max-pools."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


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


def _vgg(cfg: str, batch_norm: bool, **kwargs: Any) -> VGG:
    # torchvision passes init_weights=False with weights; build_with_weights skips all
    # initialisation then.
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


def _builder(name: str, cfg: str, batch_norm: bool, enum: type[WeightsEnum]):
    doc = f"VGG-{name[3:5]}{' with BatchNorm' if batch_norm else ''} (configuration {cfg})."
    __all__.extend([name, enum.__name__])
    return model_builder(name, enum, functools.partial(_vgg, cfg, batch_norm), doc)


vgg11 = _builder("vgg11", "A", False, VGG11_Weights)
vgg11_bn = _builder("vgg11_bn", "A", True, VGG11_BN_Weights)
vgg13 = _builder("vgg13", "B", False, VGG13_Weights)
vgg13_bn = _builder("vgg13_bn", "B", True, VGG13_BN_Weights)
vgg16 = _builder("vgg16", "D", False, VGG16_Weights)
vgg16_bn = _builder("vgg16_bn", "D", True, VGG16_BN_Weights)
vgg19 = _builder("vgg19", "E", False, VGG19_Weights)
vgg19_bn = _builder("vgg19_bn", "E", True, VGG19_BN_Weights)
