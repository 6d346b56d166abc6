"""``torchlike.vision``: datasets, transforms and box ops in the spirit of torchvision."""

from . import datasets, models, ops, transforms, utils  # noqa: F401
