"""``torch.backends.cudnn``: flags recorded as module attributes (XLA chooses its own
convolution algorithms; ``benchmark`` and ``deterministic`` have nothing to switch)."""

from __future__ import annotations

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """True when a CUDA device is visible to JAX (cuDNN comes with JAX's CUDA plugin)."""
    from .. import cuda

    return cuda.is_available()


def version() -> int | None:
    """None: torchlike is not linked against cuDNN itself (PyTorch's CPU build answers None)."""
    return None
