"""``torchlike.nn``: modules, parameters, functional ops and initialisers, as ``torch.nn``."""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all
from .parallel import DataParallel
from .parameter import Buffer, Parameter

__all__ = [
    *_modules_all,
    "Buffer",
    "DataParallel",
    "Parameter",
    "functional",
    "init",
    "parallel",
    "utils",
]
