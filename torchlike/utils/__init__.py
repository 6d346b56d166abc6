"""``torchlike.utils``: data loading (``utils.data``) and training checkpoints."""

from . import (
    checkpoint,  # noqa: F401  (``torch.utils.checkpoint.checkpoint``: activation checkpointing)
    data,  # noqa: F401  (``torch.utils.data`` works after ``import torch``)
)
from .checkpoint_manager import CheckpointManager  # noqa: F401
