"""``torchlike.autograd``: the tape (``graph.py``), grad modes (``grad_mode.py``) and
custom Functions (``function.py``)."""

from . import function  # noqa: F401  (torch.autograd.function)
from . import profiler  # noqa: F401  (torch.autograd.profiler)
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import (  # noqa: F401
    Node,
    backward,
    detect_anomaly,
    grad,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
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
