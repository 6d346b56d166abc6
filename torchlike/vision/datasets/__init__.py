"""Datasets read from local files in their official formats (nothing is downloaded here)."""

from .mnist import MNIST, FashionMNIST  # noqa: F401
