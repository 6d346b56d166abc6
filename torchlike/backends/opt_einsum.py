"""``torch.backends.opt_einsum``: JAX's ``einsum`` always optimises the contraction order
(with opt_einsum), so the switch reads as on."""

from __future__ import annotations

enabled = True
strategy = "auto"


def is_available() -> bool:
    return True
