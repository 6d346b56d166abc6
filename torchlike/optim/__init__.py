"""``torchlike.optim``: PyTorch's optimizers, each a thin shell around an Optax chain.

Also ``lr_scheduler`` (PyTorch's schedulers), ``Optax`` (any Optax transformation behind the
PyTorch interface) and ``LBFGS`` (closure-based, eager).
"""

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .lbfgs import LBFGS
from .nadam import NAdam
from .optax_bridge import Optax
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "Optax",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
    "swa_utils",
]
