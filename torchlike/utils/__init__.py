"""``torchlike.utils``: data loading (``utils.data``)."""

from . import data  # noqa: F401  (``torch.utils.data`` works after ``import torch``)
