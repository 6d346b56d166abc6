"""``torchlike.lightning``: Lightning 2.x's API (``import lightning as L`` /
``import pytorch_lightning as pl``) on torchlike, with the training step compiled.

Under ``python -m torchlike run``, ``lightning``, ``lightning.pytorch`` and ``pytorch_lightning``
all resolve to this package, so Lightning programs run unchanged.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from . import _launcher, callbacks, loggers
from .callbacks import (
    Callback,
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
    TQDMProgressBar,
)
from .loggers import CSVLogger, TensorBoardLogger
from .module import (
    LightningDataModule,
    LightningModule,
    MisconfigurationException,
)
from .trainer import Trainer

__version__ = "2.6.6"

# A worker process of a multi-process run joins its world now (see _launcher.py).
_launcher.join_world()

# ``lightning.pytorch`` is Lightning's name for the same API (``L.pytorch.Trainer``).
pytorch = sys.modules[__name__]


def seed_everything(seed: int | None = None, workers: bool = False, verbose: bool = True) -> int:
    """Seed Python's ``random``, NumPy and torchlike's generator (``PL_GLOBAL_SEED`` too);
    returns the seed (from ``PL_GLOBAL_SEED``, else 0, when none is given)."""
    from .. import manual_seed

    if seed is None:
        seed = int(os.environ.get("PL_GLOBAL_SEED", 0))
    seed = int(seed)
    os.environ["PL_GLOBAL_SEED"] = str(seed)
    os.environ["PL_SEED_WORKERS"] = str(int(workers))
    random.seed(seed)
    np.random.seed(seed % 2**32)
    manual_seed(seed)
    return seed


__all__ = [
    "Callback",
    "CSVLogger",
    "EarlyStopping",
    "LearningRateMonitor",
    "LightningDataModule",
    "LightningModule",
    "MisconfigurationException",
    "ModelCheckpoint",
    "TensorBoardLogger",
    "TQDMProgressBar",
    "Trainer",
    "callbacks",
    "loggers",
    "seed_everything",
]
