"""Datasets as ``torchvision.datasets``: official file formats read locally, tensorflow-datasets
for downloads."""

from .cifar import CIFAR10
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "MNIST", "DatasetFolder", "FashionMNIST", "ImageFolder", "VisionDataset"]
