"""``torch.accelerator`` (PyTorch 2.6+): the device-agnostic accelerator queries."""

from __future__ import annotations

from . import cuda
from ._device import _devices, device


def is_available() -> bool:
    """True when JAX has a GPU or TPU."""
    return current_accelerator() is not None


def current_accelerator(check_available: bool = False) -> device | None:
    if cuda.is_available():
        return device("cuda")
    if _devices("tpu"):
        return device("xla")
    return None


def device_count() -> int:
    return cuda.device_count() or len(_devices("tpu"))
