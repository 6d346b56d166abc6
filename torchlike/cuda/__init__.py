"""``torch.cuda``: what PyTorch programs ask about the GPU, answered from JAX."""

from __future__ import annotations

from .._device import _devices


def is_available() -> bool:
    """True when JAX has a GPU backend with at least one device."""
    return bool(_devices("gpu"))


def device_count() -> int:
    return len(_devices("gpu"))


def current_device() -> int:
    if not is_available():
        raise RuntimeError("Found no NVIDIA driver on your system (JAX sees no GPU).")
    return 0


def get_device_name(device=None) -> str:
    if not is_available():
        raise RuntimeError("Found no NVIDIA driver on your system (JAX sees no GPU).")
    return _devices("gpu")[0].device_kind


def manual_seed(seed: int) -> None:
    """Seeds the one torchlike generator (JAX's PRNG is not per device)."""
    from ..random import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Wait for all queued work (JAX dispatches asynchronously)."""
    import jax

    jax.effects_barrier()


def empty_cache() -> None:
    """A no-op: XLA's allocator keeps its own pools."""


def _stats(device=None) -> dict:
    if not is_available():
        return {}
    return _devices("gpu")[0].memory_stats() or {}


def memory_allocated(device=None) -> int:
    """Bytes in use on the GPU (0 without one), from XLA's allocator statistics."""
    return int(_stats(device).get("bytes_in_use", 0))


def max_memory_allocated(device=None) -> int:
    return int(_stats(device).get("peak_bytes_in_use", 0))


def memory_reserved(device=None) -> int:
    return int(_stats(device).get("bytes_reserved", _stats(device).get("bytes_limit", 0)))


def reset_peak_memory_stats(device=None) -> None:
    """Not resettable in XLA: peak statistics keep counting from process start."""


from . import amp  # noqa: E402,F401  (torch.cuda.amp)
