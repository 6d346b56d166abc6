"""``torch.autograd.anomaly_mode``: ``detect_anomaly`` and ``set_detect_anomaly``.

While anomaly mode is on, an eager backward raises ``RuntimeError`` when a node returns NaN
gradients, naming the node (``graph.run_backward`` calls :func:`check_nan` after each node).
PyTorch also prints the forward traceback of that node; torchlike does not record tracebacks,
and inside ``torchlike.compile`` no NaN check runs (the values are only known when the compiled
step runs).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly"]

_ANOMALY = {"enabled": False, "check_nan": True}


def is_anomaly_enabled() -> bool:
    """``torch.is_anomaly_enabled()``."""
    return _ANOMALY["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """``torch.is_anomaly_check_nan_enabled()``."""
    return _ANOMALY["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """``torch.set_anomaly_enabled(enabled, check_nan=True)``."""
    _ANOMALY["enabled"], _ANOMALY["check_nan"] = bool(enabled), bool(check_nan)


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: on from the call (or for a
    ``with`` block)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (_ANOMALY["enabled"], _ANOMALY["check_nan"])
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self._prev)


class detect_anomaly:
    """``torch.autograd.detect_anomaly(check_nan=True)``: anomaly detection for a ``with`` block
    or a decorated function."""

    def __init__(self, check_nan: bool = True) -> None:
        self._check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        self._prev = (_ANOMALY["enabled"], _ANOMALY["check_nan"])
        set_anomaly_enabled(True, self._check_nan)

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self._prev)

    def __call__(self, fn: Callable) -> Callable:
        def wrapped(*args, **kwargs):
            with detect_anomaly(self._check_nan):
                return fn(*args, **kwargs)

        return wrapped


def check_nan(node, grads, positions) -> None:
    """Raise PyTorch's error when ``node``'s backward gave NaN for an input; ``grads[k]`` is the
    gradient of the node's input ``positions[k]``."""
    for i, g in zip(positions, grads):
        arr = getattr(g, "_data", g)
        if arr is None or isinstance(arr, jax.core.Tracer):
            continue
        if jnp.issubdtype(arr.dtype, jnp.inexact) and bool(np.isnan(np.asarray(arr)).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
