"""``torch.cpu``: the CPU device queries PyTorch programs make."""

from __future__ import annotations

from . import amp  # noqa: F401


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Wait for queued work (JAX dispatches asynchronously)."""
    import jax

    jax.effects_barrier()
