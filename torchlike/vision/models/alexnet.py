"""AlexNet as ``torchvision.models.alexnet`` (the "one weird trick" variant), with its
``state_dict`` layout, so the official checkpoint loads."""

from __future__ import annotations

from ... import flatten as _flatten
from ..._tensor import Tensor
from ...nn import AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, Module, ReLU, Sequential
from ._api import WeightsEnum, imagenet_weights, model_builder

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(Module):
    """Five convolutions, adaptive pooling to 6x6, three fully connected layers.

    Args:
        num_classes: outputs. Default: 1000.
        dropout: dropout before the first two linear layers. Default: 0.5.

    Shape:
        - Input: ``(N, 3, H, W)``, ``H, W >= 63``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = Sequential(
            Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(64, 192, kernel_size=5, padding=2),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(192, 384, kernel_size=3, padding=1),
            ReLU(inplace=True),
            Conv2d(384, 256, kernel_size=3, padding=1),
            ReLU(inplace=True),
            Conv2d(256, 256, kernel_size=3, padding=1),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(p=dropout),
            Linear(256 * 6 * 6, 4096),
            ReLU(inplace=True),
            Dropout(p=dropout),
            Linear(4096, 4096),
            ReLU(inplace=True),
            Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(_flatten(self.avgpool(self.features(x)), 1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("alexnet-owt-7be5be79.pth", 61100840, (63, 63))
    DEFAULT = IMAGENET1K_V1


alexnet = model_builder(
    "alexnet",
    AlexNet_Weights,
    AlexNet,
    'AlexNet from "One weird trick for parallelizing convolutional neural networks".',
)
