"""Normalisation: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``local_response_norm``, ``rms_norm`` and ``normalize``."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._dispatch import apply
from ..._tensor import Tensor, _wrap_dim
from ...autograd.grad_mode import no_grad
from ._utils import _require_float, _shape
from .distance import _pnorm


def _affine(y, w, b, shape):
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _batch_norm_fn(x, mean, var, w, b, *, eps):
    """Normalise over every dim but the channels (dim 1); ``mean``/``var`` None: the batch's."""
    axes = (0, *range(2, x.ndim))
    if mean is None:
        mean, var = jnp.mean(x, axes), jnp.var(x, axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    return _affine(y, w, b, shape)


def _running_stats_fn(x, running_mean, running_var, momentum, *, axes):
    """PyTorch's running statistics: ``(1 - momentum) * running + momentum * batch``, the
    variance unbiased; ``axes`` are reduced (their means stay per channel)."""
    n = math.prod(x.shape[a] for a in axes)
    mean = jnp.mean(x, axes)
    var = jnp.var(x, axes) * (n / max(n - 1, 1))
    if axes[0] != 0:  # instance norm: per-sample stats, averaged over the batch
        mean, var = jnp.mean(mean, 0), jnp.mean(var, 0)
    momentum = jnp.asarray(momentum, running_mean.dtype)
    return (
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var,
    )


def _update_running_stats(input, running_mean, running_var, momentum, axes) -> None:
    """Write the new running statistics into the buffers (in a compiled step they come back
    to the module with the rest of its state)."""
    with no_grad():
        new_mean, new_var = apply(
            _running_stats_fn,
            "RunningStats",
            (input.detach(), running_mean, running_var, momentum),
            axes=axes,
        )
        running_mean.copy_(new_mean)
        running_var.copy_(new_var)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims, then scale and shift.

    With ``training=True`` the batch's statistics are used (biased variance) and, if given,
    ``running_mean``/``running_var`` are updated in place with ``momentum`` (the unbiased
    variance); otherwise the running statistics are used. ``momentum`` may be a tensor.

    Shape:
        - Input: ``(N, C, *)``; statistics, weight and bias ``(C)``. Output: the input's shape.
    """
    if training:
        per_channel = input.numel() // input.shape[1] if input.ndim > 1 else input.numel()
        if per_channel <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"torch.Size({_shape(input)})"
            )
        if running_mean is not None and running_var is not None:
            axes = (0, *range(2, input.ndim))
            _update_running_stats(input, running_mean, running_var, momentum, axes)
        stats = (None, None)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        stats = (running_mean, running_var)
    return apply(_batch_norm_fn, "NativeBatchNorm", (input, *stats, weight, bias), eps=float(eps))


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims, then scale and shift.

    With ``use_input_stats`` the running statistics, if given, are updated with the batch mean
    of the per-sample statistics; otherwise they are used instead.

    Shape:
        - Input: ``(N, C, *)``; statistics, weight and bias ``(C)``. Output: the input's shape.
    """
    if use_input_stats:
        spatial = math.prod(input.shape[2:])
        if spatial <= 1:
            raise ValueError(
                "Expected more than 1 spatial element when training, got input size "
                f"torch.Size({_shape(input)})"
            )
        if running_mean is not None and running_var is not None:
            axes = tuple(range(2, input.ndim))
            _update_running_stats(input, running_mean, running_var, momentum, axes)
        return apply(_instance_norm_fn, "View", (input, weight, bias), eps=float(eps))
    return apply(
        _batch_norm_fn,
        "NativeBatchNorm",
        (input, running_mean, running_var, weight, bias),
        eps=float(eps),
    )


def _instance_norm_fn(x, w, b, *, eps):
    axes = tuple(range(2, x.ndim))
    y = (x - jnp.mean(x, axes, keepdims=True)) * lax.rsqrt(jnp.var(x, axes, keepdims=True) + eps)
    return _affine(y, w, b, (1, -1) + (1,) * (x.ndim - 2))


def _layer_norm_fn(x, w, b, *, ndim, eps):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    mean = jnp.mean(x, axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(jnp.var(x, axes, keepdims=True) + eps)
    return _affine(y, w, b, x.shape[x.ndim - ndim :])


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift elementwise.

    Shape:
        - Input: ``(*, *normalized_shape)``; weight and bias ``normalized_shape``.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{_shape(input)}"
        )
    return apply(
        _layer_norm_fn, "NativeLayerNorm", (input, weight, bias), ndim=len(shape), eps=float(eps)
    )


def _group_norm_fn(x, w, b, *, groups, eps):
    grouped = x.reshape(x.shape[0], groups, -1)
    mean = jnp.mean(grouped, -1, keepdims=True)
    y = (grouped - mean) * lax.rsqrt(jnp.var(grouped, -1, keepdims=True) + eps)
    return _affine(y.reshape(x.shape), w, b, (1, -1) + (1,) * (x.ndim - 2))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups (over the group's channels and
    the spatial dims), then scale and shift per channel.

    Shape:
        - Input: ``(N, C, *)`` with ``C`` divisible by ``num_groups``. Output: the input's shape.
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    if input.shape[1] % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {_shape(input)} and num_groups={num_groups}"
        )
    return apply(
        _group_norm_fn,
        "NativeGroupNorm",
        (input, weight, bias),
        groups=int(num_groups),
        eps=float(eps),
    )


def _local_response_norm_fn(x, *, size, alpha, beta, k):
    """``x / (k + alpha * mean of x^2 over size neighbouring channels) ** beta``."""
    sq = jnp.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window = (1, size) + (1,) * (x.ndim - 2)
    sums = lax.reduce_window(sq, np.array(0, x.dtype), lax.add, window, (1,) * x.ndim, "VALID")
    return x / (sums / size * alpha + k) ** beta


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Normalise each element by the energy of ``size`` neighbouring channels (AlexNet's LRN).

    Shape:
        - Input: ``(N, C, *)``, at least 3-D. Output: the input's shape.
    """
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    return apply(
        _local_response_norm_fn,
        "Div",
        (input,),
        size=int(size),
        alpha=float(alpha),
        beta=float(beta),
        k=float(k),
    )


def _normalize_fn(x, *, p, dim, eps):
    return x / jnp.maximum(_pnorm(x, p, dim, keepdims=True), eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim`` (the gradient through the norm is 0 where it is
    clamped, as PyTorch's ``clamp_min``).

    Shape:
        - Input and output: ``(*)``, any shape.
    """
    if out is not None:
        raise NotImplementedError("torchlike: normalize(out=...) is not supported")
    _require_float(input, "linalg_vector_norm")
    dim = _wrap_dim(dim, input.ndim)
    return apply(_normalize_fn, "Div", (input,), p=float(p), dim=dim, eps=float(eps))


def _rms_norm_fn(x, w, *, ndim, eps):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    y = x * jax.lax.rsqrt(jnp.mean(x * x, axis=axes, keepdims=True) + eps)
    return y if w is None else y * w


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dims;
    ``eps`` defaults to the dtype's machine epsilon, as PyTorch's.

    Shape:
        - Input: ``(*, *normalized_shape)``; output: the same.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(jnp.finfo(input._data.dtype).eps)
    return apply(_rms_norm_fn, "Mul", (input, weight), ndim=len(shape), eps=float(eps))
