"""``torch.backends.mps``: Apple's Metal backend is not available (JAX's Metal plugin is not
supported)."""

from __future__ import annotations


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
