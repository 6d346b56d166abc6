"""``torchlike.autograd``: the tape (``graph.py``), grad modes (``grad_mode.py``), custom
Functions (``function.py``) and anomaly mode (``anomaly_mode.py``)."""

from . import (
    function,  # noqa: F401  (torch.autograd.function)
    profiler,  # noqa: F401  (torch.autograd.profiler)
)
from .anomaly_mode import (  # noqa: F401
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node, backward, grad
from .variable import Variable

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
