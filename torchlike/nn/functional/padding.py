"""``pad``: constant, reflect, replicate and circular padding (``nn/modules/padding.py``'s
layers)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._dispatch import apply
from ..._tensor import Tensor
from ._utils import _shape

_JNP_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_NON_CONSTANT_PAD_HELP = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _pad_fn(x, *, pads, mode, value):
    if mode == "constant":  # lax.pad also crops, for negative padding
        return lax.pad(x, np.array(value, x.dtype), [(lo, hi, 0) for lo, hi in pads])
    # Negative padding crops first; the rest is then padded from the cropped values (PyTorch's).
    x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads))]
    return jnp.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pads], mode=_JNP_PAD_MODES[mode])


def _check_pad(input: Tensor, pad: tuple, mode: str, value) -> None:
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode == "constant":
        return
    if mode not in _JNP_PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pad) // 2
    if n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            + _NON_CONSTANT_PAD_HELP
        )
    for i in range(n):
        dim, (lo, hi) = input.ndim - 1 - i, pad[2 * i : 2 * i + 2]
        if mode == "reflect" and (lo >= input.shape[dim] or hi >= input.shape[dim]):
            raise RuntimeError(
                f"Argument #{8 if n == 3 else 4}: Padding size should be less than the "
                f"corresponding input dimension, but got: padding ({lo}, {hi}) at dimension "
                f"{dim} of input {_shape(input)}"
            )
        if mode == "circular" and (lo > input.shape[dim] or hi > input.shape[dim]):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def _pad_grad_fn_name(mode: str, n_dims: int) -> str:
    if mode == "constant":
        return "ConstantPadNd"
    if mode == "circular":
        return "CopySlices"
    return f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{n_dims}D"


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims.

    Args:
        pad: ``(left, right)`` for the last dim, then ``(top, bottom)`` for the one before, ...
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'`` (mirror without the
            edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).

    Shape:
        - Input: any shape for ``'constant'``; otherwise ``(*, D, H, W)`` with one or two dims
          before the padded ones.
        - Output: each padded dim grows by its two pads.
    """
    pad = tuple(int(p) for p in pad)
    _check_pad(input, pad, mode, value)
    n = len(pad) // 2
    pairs = [(0, 0)] * (input.ndim - n) + [pad[2 * i : 2 * i + 2] for i in reversed(range(n))]
    return apply(
        _pad_fn,
        _pad_grad_fn_name(mode, n),
        (input,),
        pads=tuple(tuple(p) for p in pairs),
        mode=mode,
        value=0.0 if value is None else float(value),
    )
