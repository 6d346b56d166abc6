"""``torch.backends.mkldnn``: oneDNN is not used (XLA compiles CPU kernels itself)."""

from __future__ import annotations

enabled = False


def is_available() -> bool:
    return False
