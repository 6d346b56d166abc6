"""ResNets as ``torchvision.models.resnet``: the same layers, names, ``state_dict`` keys and shapes
and initialisation (Kaiming-normal convolutions with ``fan_out``, BatchNorm at 1/0, optionally
zero-initialised last BatchNorm per residual branch), so torchvision's checkpoints load:
``resnet18(weights=ResNet18_Weights.DEFAULT)`` (or the legacy ``pretrained=True``) reads the
official file from the hub cache, downloading it there when it is missing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ... import flatten as _flatten
from ... import nn
from ..._tensor import Tensor
from ._api import WeightsEnum, imagenet_weights, model_builder

__all__ = [
    "ResNet18_Weights",
    "ResNet34_Weights",
    "ResNet50_Weights",
    "ResNet101_Weights",
    "ResNet152_Weights",
    "ResNeXt50_32X4D_Weights",
    "Wide_ResNet50_2_Weights",
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "wide_resnet50_2",
]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1):
    """3x3 convolution with padding, no bias."""
    return nn.Conv2d(
        in_planes,
        out_planes,
        kernel_size=3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1):
    """1x1 convolution, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a residual connection (ResNet-18/34).

    Args:
        inplanes: input channels.
        planes: output channels (``expansion`` is 1).
        stride: stride of the first convolution.
        downsample: applied to the input when its shape differs from the output's.

    Shape:
        - Input: ``(N, inplanes, H, W)``.
        - Output: ``(N, planes, H / stride, W / stride)``.
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided, grouped), 1x1 expand, and a residual connection (ResNet-50+),
    with the stride on the 3x3 convolution as torchvision's "ResNet V1.5".

    Args:
        inplanes: input channels.
        planes: bottleneck channels; the output has ``planes * 4``.
        stride: stride of the 3x3 convolution.
        downsample: applied to the input when its shape differs from the output's.
        groups, base_width: ResNeXt / wide-ResNet widths.

    Shape:
        - Input: ``(N, inplanes, H, W)``.
        - Output: ``(N, planes * 4, H / stride, W / stride)``.
    """

    expansion: int = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision's ResNet: a 7x7 stem, four stages of residual blocks, global pooling, ``fc``.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: blocks per stage.
        num_classes: outputs of ``fc``. Default: 1000.
        zero_init_residual: start each residual branch's last BatchNorm at zero.
        groups, width_per_group: ResNeXt / wide-ResNet widths.
        replace_stride_with_dilation: per stage 2-4, dilate instead of striding.
        norm_layer: the normalisation layer. Default: ``BatchNorm2d``.

    Shape:
        - Input: ``(N, 3, H, W)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        block: type[BasicBlock | Bottleneck],
        layers: list[int],
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: list[bool] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(
                "replace_stride_with_dilation should be None or a 3-element tuple, got "
                f"{replace_stride_with_dilation}"
            )
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2, replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], 2, replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], 2, replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(
        self,
        block: type[BasicBlock | Bottleneck],
        planes: int,
        blocks: int,
        stride: int = 1,
        dilate: bool = False,
    ) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = [
            block(
                self.inplanes,
                planes,
                stride,
                downsample,
                self.groups,
                self.base_width,
                previous_dilation,
                norm_layer,
            )
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(
                block(
                    self.inplanes,
                    planes,
                    groups=self.groups,
                    base_width=self.base_width,
                    dilation=self.dilation,
                    norm_layer=norm_layer,
                )
            )
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = _flatten(self.avgpool(x), 1)
        return self.fc(x)


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet18-f37072fd.pth", 11689512, (1, 1))
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet34-b627a593.pth", 21797672, (1, 1))
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet50-0676ba61.pth", 25557032, (1, 1))
    IMAGENET1K_V2 = imagenet_weights("resnet50-11ad3fa6.pth", 25557032, (1, 1), resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet101-63fe2227.pth", 44549160, (1, 1))
    IMAGENET1K_V2 = imagenet_weights("resnet101-cd907fc2.pth", 44549160, (1, 1), resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet152-394f9c45.pth", 60192808, (1, 1))
    IMAGENET1K_V2 = imagenet_weights("resnet152-f82ba261.pth", 60192808, (1, 1), resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnext50_32x4d-7cdf4587.pth", 25028904, (1, 1))
    IMAGENET1K_V2 = imagenet_weights(
        "resnext50_32x4d-1a0047aa.pth", 25028904, (1, 1), resize_size=232
    )
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("wide_resnet50_2-95faca4d.pth", 68883240, (1, 1))
    IMAGENET1K_V2 = imagenet_weights(
        "wide_resnet50_2-9ba9bcbe.pth", 68883240, (1, 1), resize_size=232
    )
    DEFAULT = IMAGENET1K_V2


def _builder(name: str, enum, block: type[BasicBlock | Bottleneck], layers: list[int], **fixed):
    doc = f"ResNet with {block.__name__} stages of {'-'.join(map(str, layers))} blocks"
    doc += "".join(f", {k}={v}" for k, v in fixed.items()) + "."
    return model_builder(name, enum, functools.partial(ResNet, block, layers), doc, **fixed)


resnet18 = _builder("resnet18", ResNet18_Weights, BasicBlock, [2, 2, 2, 2])
resnet34 = _builder("resnet34", ResNet34_Weights, BasicBlock, [3, 4, 6, 3])
resnet50 = _builder("resnet50", ResNet50_Weights, Bottleneck, [3, 4, 6, 3])
resnet101 = _builder("resnet101", ResNet101_Weights, Bottleneck, [3, 4, 23, 3])
resnet152 = _builder("resnet152", ResNet152_Weights, Bottleneck, [3, 8, 36, 3])
resnext50_32x4d = _builder(
    "resnext50_32x4d",
    ResNeXt50_32X4D_Weights,
    Bottleneck,
    [3, 4, 6, 3],
    groups=32,
    width_per_group=4,
)
wide_resnet50_2 = _builder(
    "wide_resnet50_2", Wide_ResNet50_2_Weights, Bottleneck, [3, 4, 6, 3], width_per_group=64 * 2
)
