"""``torchlike.optim``: PyTorch's optimizers, each a thin shell around an Optax chain."""

from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]
