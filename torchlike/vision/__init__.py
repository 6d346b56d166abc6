"""``torchlike.vision``: datasets and transforms in the spirit of torchvision."""

from . import datasets, transforms  # noqa: F401
