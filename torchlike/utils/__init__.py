"""``torchlike.utils``: data loading (``utils.data``) and training checkpoints."""

from . import data  # noqa: F401  (``torch.utils.data`` works after ``import torch``)
from .checkpoint_manager import CheckpointManager  # noqa: F401
