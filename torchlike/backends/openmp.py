"""``torch.backends.openmp``: XLA's CPU runtime uses its own thread pool, not OpenMP."""

from __future__ import annotations


def is_available() -> bool:
    return False
