"""Dropout functions: ``dropout``, ``dropout1d/2d/3d``, ``alpha_dropout`` and
``feature_alpha_dropout``. Masks are drawn from torchlike's global generator (``next_key``), so
``torch.manual_seed`` fixes them, eager and compiled alike."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..._dispatch import apply
from ..._ops import inplace as _inplace
from ..._tensor import Tensor
from ...random import next_key
from .activation import _SELU_ALPHA, _SELU_SCALE

_ALPHA_DROPOUT_ALPHA = _SELU_ALPHA * _SELU_SCALE  # SELU's negative saturation value, negated


def _dropout_fn(x, key_data, *, p, mask_ndim=None, alpha=False):
    """Dropout of single elements, or with ``mask_ndim`` of whole channels (one draw per index
    of the first ``mask_ndim`` dims); ``alpha`` keeps SELU's mean and variance instead."""
    if p == 1:
        return x * jnp.zeros((), x.dtype)
    shape = x.shape if mask_ndim is None else x.shape[:mask_ndim] + (1,) * (x.ndim - mask_ndim)
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), 1 - p, shape)
    if alpha:  # PyTorch's affine correction: a * (x * keep + alpha' * (keep - 1)) + shift
        a = 1 / math.sqrt((_ALPHA_DROPOUT_ALPHA**2 * p + 1) * (1 - p))
        noise = keep.astype(x.dtype)
        shift = (noise - 1) * np.asarray(_ALPHA_DROPOUT_ALPHA * a, x.dtype) + np.asarray(
            _ALPHA_DROPOUT_ALPHA * a * p, x.dtype
        )
        return x * (noise * np.asarray(a, x.dtype)) + shift
    scale = jnp.ones((), x.dtype) / jnp.asarray(1 - p, x.dtype)
    return x * jnp.where(keep, scale, jnp.zeros((), x.dtype))


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, training, inplace, mask_ndim=None, alpha=False, name="Mul") -> Tensor:
    _check_p(p)
    if not training or p == 0:
        return input
    key_data = jax.random.key_data(next_key())  # raw uint32s: a plain array to every transform
    out = apply(_dropout_fn, name, (input, key_data), p=float(p), mask_ndim=mask_ndim, alpha=alpha)
    return _inplace.commit(input, out) if inplace else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask is drawn from the ``torchlike.manual_seed`` stream, so the same seed gives the same
    mask (not PyTorch's mask: the generators differ). With ``training=False`` (or ``p=0``) the
    input is returned as is.
    """
    return _dropout(input, p, training, inplace)


def _feature_dropout(input, p, training, inplace, n: int, op: str, alpha=False) -> Tensor:
    """Channel dropout for ``n`` spatial dims: one draw per (sample, channel)."""
    _check_p(p)
    if input.ndim not in (n + 1, n + 2):
        warnings.warn(
            f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            f"please use dropout instead. Note that {op} exists to provide channel-wise dropout "
            f"on inputs with {n} spatial dimensions, a channel dimension, and an optional batch "
            f"dimension (i.e. {n + 1}D or {n + 2}D inputs).",
            stacklevel=3,
        )
    # An unbatched input is one sample: the mask varies over its channels (dim 0) only.
    mask_ndim = 1 if input.ndim == n + 1 else 2
    name = "Add" if alpha else "Mul"
    return _dropout(input, p, training, inplace, mask_ndim, alpha, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p``, scaling the
    rest by ``1 / (1 - p)``; masks as :func:`dropout`'s."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p``, scaling the rest by
    ``1 / (1 - p)``. A 3-D input is read as ``(N, C, L)``, with PyTorch's warning."""
    _check_p(p)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
        return _dropout(input, p, training, inplace, 2)
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` with probability ``p``,
    scaling the rest by ``1 / (1 - p)``."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks: dropped elements take SELU's saturation value and an affine
    map keeps the input's mean and variance. Note PyTorch's default ``training=False``."""
    return _dropout(input, p, training, inplace, None, True, "Add")


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """:func:`alpha_dropout` of whole channels (dims 0 and 1 pick the draw)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, 2, True, "Add")
