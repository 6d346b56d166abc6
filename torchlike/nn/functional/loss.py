"""Loss functions, with PyTorch's ``reduction`` (and the deprecated ``size_average``/``reduce``
pair): regression (``mse_loss``, ``l1_loss``, ``huber_loss`` ...), classification (``nll_loss``,
``cross_entropy``, ``binary_cross_entropy`` ...) and the margin, ranking and distribution losses."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype
from ..._dispatch import apply
from ..._ops.pointwise import broadcast_shapes as _broadcast_shapes
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ._utils import _check_expandable, _concrete, _shape, _values
from .distance import pairwise_distance


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction named by the deprecated ``size_average``/``reduce`` pair, with PyTorch's
    deprecation warning (``torch.nn._reduction.legacy_get_string``)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        stacklevel=3,
    )
    return ret


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


# -- regression losses -----------------------------------------------------------------------------


def _warn_if_broadcast(input, target) -> None:
    """PyTorch's warning for a regression target of another shape than the input (it is
    broadcast); ``stacklevel`` names the caller of the public loss function."""
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=4,
        )


def _pointwise_loss_fn(x, t, w, *, dtype, reduction, squared):
    d = x.astype(dtype) - t.astype(dtype)
    loss = d * d if squared else jnp.abs(d)
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * w
    return jnp.sum(loss) / jnp.sum(w) if reduction == "mean" else _reduce(loss, reduction)


def _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared: bool):
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _broadcast_shapes(tuple(input.shape), tuple(target.shape))
    dt = _dtype.result_type(input, target)
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if not dt.is_floating_point:
        if squared:
            raise NotImplementedError(f"\"mse_cpu\" not implemented for '{_dtype.type_name(dt)}'")
        if reduction == "mean":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_dtype.type_name(dt)}"
            )
    if weight is not None:
        name = {"mean": "Div", "sum": "Sum", "none": "Mul"}[reduction]
    elif squared:
        name = "MseLoss"
    else:
        name = {"mean": "Mean", "sum": "Sum", "none": "Abs"}[reduction]
    return apply(
        _pointwise_loss_fn,
        name,
        (input, target, weight),
        dtype=dt.np,
        reduction=reduction,
        squared=squared,
    )


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error ``(x - y) ** 2``, reduced by ``reduction`` (``'mean'``, ``'sum'``, ``'none'``).

    With ``weight`` (the input's shape) each error is weighted and ``'mean'`` divides by the sum
    of the weights. ``size_average`` and ``reduce`` are PyTorch's deprecated spellings.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared=True)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error ``|x - y|``, reduced as in :func:`mse_loss`.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared=False)


def _smooth_l1_fn(x, t, *, dtype, reduction, beta, huber):
    d = jnp.abs(x.astype(dtype) - t.astype(dtype))
    if beta == 0:
        loss = d
    elif huber:  # beta is delta: 0.5 d^2 below it, delta * (d - 0.5 delta) above
        loss = jnp.where(d < beta, 0.5 * d * d, beta * (d - 0.5 * beta))
    else:
        loss = jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def _smooth_loss(input, target, size_average, reduce, reduction, beta, huber):
    _warn_if_broadcast(input, target)
    if beta < 0:
        what = (
            "huber_loss does not support negative values for delta."
            if huber
            else ("smooth_l1_loss does not support negative values for beta.")
        )
        raise RuntimeError(what)
    reduction = _reduction(size_average, reduce, reduction)
    _broadcast_shapes(tuple(input.shape), tuple(target.shape))
    dt = _dtype.result_type(input, target)
    if not dt.is_floating_point:
        kernel = "huber_cpu" if huber else "smooth_l1_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.type_name(dt)}'")
    name = "HuberLoss" if huber else "SmoothL1Loss"
    return apply(
        _smooth_l1_fn,
        name,
        (input, target),
        dtype=dt.np,
        reduction=reduction,
        beta=float(beta),
        huber=huber,
    )


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta`` and ``|d| - 0.5 beta`` elsewhere (``d = x - y``),
    reduced by ``reduction``; ``beta=0`` is :func:`l1_loss`.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _smooth_loss(input, target, size_average, reduce, reduction, beta, huber=False)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta`` and ``delta (|d| - 0.5 delta)`` elsewhere, reduced by
    ``reduction``: :func:`smooth_l1_loss` scaled by ``delta``. ``weight`` is not supported.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    if weight is not None:
        raise NotImplementedError("huber_loss with weight is not supported by torchlike yet")
    return _smooth_loss(input, target, None, None, reduction, delta, huber=True)


# -- classification losses -------------------------------------------------------------------------


def _class_loss(logp, t, w, *, ignore_index, reduction, label_smoothing):
    """Negative log likelihood of class targets ``t`` under log-probabilities ``logp`` (classes
    on axis 1), with PyTorch's class weights, ``ignore_index`` and label smoothing."""
    n_classes = logp.shape[1]
    t = t.astype(jnp.int64)
    valid = t != ignore_index
    in_range = (t >= 0) & (t < n_classes)
    safe = jnp.where(valid & in_range, t, 0)
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    picked = jnp.where(in_range | ~valid, picked, jnp.nan)  # a bad target poisons the loss
    class_w = jnp.ones((n_classes,), logp.dtype) if w is None else w.astype(logp.dtype)
    w_t = jnp.where(valid, class_w[safe], 0)
    loss = -picked * w_t
    total = jnp.sum(w_t)
    nll = jnp.sum(loss) / total if reduction == "mean" else _reduce(loss, reduction)
    if label_smoothing == 0:
        return nll
    w_c = class_w.reshape((n_classes,) + (1,) * (logp.ndim - 2))
    smooth = jnp.where(valid, -jnp.sum(logp * w_c, axis=1), 0)
    smooth = jnp.sum(smooth) / total if reduction == "mean" else _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _nll_loss_fn(x, t, w, *, ignore_index, reduction, label_smoothing, log_softmax):
    scalar_target = t.ndim == 0
    if x.ndim == 1:  # unbatched: one sample
        x, t = x[None], t.reshape(1)
    logp = jax.nn.log_softmax(x, axis=1) if log_softmax else x
    out = _class_loss(
        logp, t, w, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    return out.reshape(()) if scalar_target and reduction == "none" else out


def _prob_loss_fn(x, p, w, *, reduction, label_smoothing):
    batched = x.ndim > 1
    if not batched:
        x, p = x[None], p[None]
    n_classes = x.shape[1]
    logp = jax.nn.log_softmax(x, axis=1)
    if label_smoothing > 0:
        p = p * (1 - label_smoothing) + label_smoothing / n_classes
    terms = logp * p
    if w is not None:
        terms = terms * w.reshape((n_classes,) + (1,) * (x.ndim - 2))
    if reduction == "mean":
        return -jnp.sum(terms) / (x.size / n_classes)
    if reduction == "sum":
        return -jnp.sum(terms)
    out = -jnp.sum(terms, axis=1)
    return out if batched else out[0]


def _check_class_target(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """PyTorch's ``nll_loss_nd`` shape and dtype checks, in PyTorch's order."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
            )
    elif input.ndim == 4:
        if target.ndim != 3:
            raise RuntimeError(
                "only batches of spatial targets supported (3D tensors) but got targets of "
                f"dimension: {target.ndim}"
            )
        if target.shape[1:] != input.shape[2:]:
            raise RuntimeError(
                f"size mismatch (got input: {_shape(input)} , target: {_shape(target)}"
            )
    elif target.shape[1:] != input.shape[2:]:
        raise RuntimeError(
            f"Expected target size {[input.shape[0]] + _shape(input)[2:]}, got {_shape(target)}"
        )
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_dtype.type_name(target.dtype)}"
        )
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {_shape(weight)}"
        )


def _check_target_values(target: Tensor, n_classes: int, ignore_index: int) -> None:
    if not _concrete(target):
        return  # traced: the loss is NaN instead
    t = _values(target)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def _nll_grad_fn_name(input: Tensor, reduction: str, label_smoothing: float) -> str:
    """The last op of PyTorch's ``nll_loss_nd`` (2-D kernel, spatial kernel, or a reshape)."""
    if label_smoothing > 0:
        return "Add"
    if input.ndim <= 2:
        return "NllLoss"
    return "View" if input.ndim != 4 and reduction == "none" else "NllLoss2D"


def _nll(input, target, weight, ignore_index, reduction, label_smoothing, log_softmax):
    _check_class_target(input, target, weight)
    _check_target_values(target, input.shape[0 if input.ndim == 1 else 1], ignore_index)
    return apply(
        _nll_loss_fn,
        _nll_grad_fn_name(input, reduction, label_smoothing),
        (input, target, weight),
        ignore_index=int(ignore_index),
        reduction=reduction,
        label_smoothing=float(label_smoothing),
        log_softmax=log_softmax,
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of class ``target`` under log-probabilities ``input``.

    Args:
        weight: per-class weights ``(C)``; ``'mean'`` divides by the targets' total weight.
        ignore_index: targets equal to it contribute nothing (nor to the mean's divisor).

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: ``(N)``, ``()`` or ``(N, d1, ..., dK)``, int64 class indices in ``[0, C)``.
        - Output: a scalar, or the target's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return _nll(input, target, weight, ignore_index, reduction, 0.0, False)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the softmax of the logits ``input`` and ``target``.

    ``target`` holds class indices, or class probabilities when it has the input's shape.

    Args:
        weight: per-class weights ``(C)``.
        ignore_index: class-index targets equal to it are left out (not for probabilities).
        label_smoothing: mix this much of the uniform distribution into the target.

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: class indices ``(N)``, ``()`` or ``(N, d1, ..., dK)`` (int64, in ``[0, C)``),
          or probabilities of the input's shape.
        - Output: a scalar, or the per-sample loss for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.shape != target.shape:
        return _nll(input, target, weight, ignore_index, reduction, label_smoothing, True)
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_dtype.type_name(target.dtype)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    return apply(
        _prob_loss_fn,
        "Div" if reduction == "mean" else "Neg",
        (input, target, weight),
        reduction=reduction,
        label_smoothing=float(label_smoothing),
    )


@jax.custom_jvp
def _bce_terms(x, t):
    """PyTorch's elementwise binary cross entropy, each log clamped at -100."""
    return (t - 1) * jnp.maximum(jnp.log1p(-x), -100) - t * jnp.maximum(jnp.log(x), -100)


@_bce_terms.defjvp
def _bce_terms_jvp(primals, tangents):
    # PyTorch's backward: finite at x = 0 and 1, where the clamped logs' derivatives are not.
    x, t = primals
    dx, dt = tangents
    d_x = (x - t) / jnp.maximum((1 - x) * x, 1e-12)
    d_t = jnp.maximum(jnp.log1p(-x), -100) - jnp.maximum(jnp.log(x), -100)
    return _bce_terms(x, t), d_x * dx + d_t * dt


def _bce_fn(x, t, w, *, reduction):
    loss = _bce_terms(x, t)
    return _reduce(loss if w is None else loss * w, reduction)


def _check_weight_broadcast(weight: Tensor, shape) -> None:
    for i, (have, want) in enumerate(zip(reversed(weight.shape), reversed(shape)), 1):
        if have not in (1, want):
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {have} at -{i}! Mismatching "
                f"argument at index 1 had {weight.shape}; but expected shape should be "
                f"broadcastable to {list(shape)}"
            )


def _check_unit_interval(t: Tensor, what: str) -> None:
    if _concrete(t):
        v = _values(t)
        if not ((v >= 0) & (v <= 1)).all():
            raise RuntimeError(f"all elements of {what} should be between 0 and 1")


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target``.

    Each log is clamped at -100 (so a probability of exactly 0 or 1 gives a finite loss), and the
    gradient is PyTorch's ``(x - y) / max(x (1 - x), 1e-12)``.

    Shape:
        - Target: the input's shape; ``weight`` broadcasts to it.
        - Output: a scalar, or the input's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        _check_weight_broadcast(weight, target.shape)
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {_dtype.type_name(target.dtype)} but expected "
            f"{_dtype.type_name(input.dtype)}"
        )
    _check_unit_interval(input, "input")
    _check_unit_interval(target, "target")
    return apply(_bce_fn, "BinaryCrossEntropy", (input, target, weight), reduction=reduction)


def _bce_logits_fn(x, t, w, pos_w, *, reduction):
    log_sig = jax.nn.log_sigmoid(x)
    if pos_w is not None:
        log_sig = log_sig * ((pos_w - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    return _reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    Args:
        weight: broadcast over the loss.
        pos_weight: weight of the positive term, per class (broadcast along the last dim).

    Shape:
        - Target: the input's shape.
        - Output: a scalar, or the input's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    if pos_weight is not None:
        _broadcast_shapes(tuple(pos_weight.shape), tuple(target.shape))
    if weight is not None:
        _broadcast_shapes(tuple(input.shape), tuple(weight.shape))
    return apply(
        _bce_logits_fn,
        "BinaryCrossEntropyWithLogits",
        (input, target, weight, pos_weight),
        reduction=reduction,
    )


# -- distribution, embedding, margin and ranking losses --------------------------------------------


def _loss_name(reduction: str, none: str) -> str:
    """The ``grad_fn`` PyTorch's composite losses end with: the reduction, or their last op."""
    return {"mean": "Mean", "sum": "Sum"}.get(reduction, none)


def _margin_loss(fn, last_op: str, inputs: tuple, margin: float, reduction: str) -> Tensor:
    """``fn(*inputs, margin=, reduction=)``, a margin loss ending with ``last_op`` unreduced."""
    return apply(
        fn, _loss_name(reduction, last_op), inputs, margin=float(margin), reduction=reduction
    )


def _kl_div_fn(x, t, *, reduction, log_target):
    loss = jnp.exp(t) * (t - x) if log_target else jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input`` (``target`` is log-probabilities too with ``log_target``); ``'batchmean'`` divides
    the sum by the batch size, ``'mean'`` by the element count (with PyTorch's warning).

    Shape:
        - Input and target: ``(*)``, the same shape; output: a scalar, or ``(*)`` for ``'none'``.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    name = {"batchmean": "Div", "none": "Sub" if not log_target else "Mul"}.get(reduction)
    return apply(
        _kl_div_fn,
        name or _loss_name(reduction, ""),
        (input, target),
        reduction=reduction,
        log_target=log_target,
    )


def _poisson_nll_fn(x, t, *, log_input, full, eps, reduction):
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        safe = jnp.where(t > 1, t, 1)
        stirling = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * math.pi * safe)
        loss = loss + jnp.where(t > 1, stirling, 0)
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``), else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's ``log(target!)`` where
    ``target > 1``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply(
        _poisson_nll_fn,
        _loss_name(reduction, "Add" if full else "Sub"),
        (input, target),
        log_input=log_input,
        full=full,
        eps=float(eps),
        reduction=reduction,
    )


def _gaussian_nll_fn(x, t, var, *, full, eps, reduction):
    var = var + jax.lax.stop_gradient(jnp.maximum(var, eps) - var)  # clamped without grad
    loss = 0.5 * (jnp.log(var) + (x - t) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log likelihood ``0.5 * (log(var) + (input - target)^2 / var)``, with
    ``var`` clamped to ``eps`` outside autograd (as PyTorch clamps it under ``no_grad``).

    Shape:
        - Input: ``(N, *)``; target: the input's shape (or broadcastable); var: the input's
          shape, the input's with one dim of size 1, or without its last dim.
        - Output: a scalar, or ``(N, *)`` for ``'none'``.
    """
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = Tensor._wrap(jnp.full(tuple(input.shape), float(var), input._data.dtype))
    elif _concrete(var) and bool(np.any(_values(var) < 0)):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return apply(
        _gaussian_nll_fn,
        _loss_name(reduction, "Add" if full else "Mul"),
        (input, target, var),
        full=full,
        eps=float(eps),
        reduction=reduction,
    )


def _cosine_embedding_fn(x1, x2, y, *, margin, reduction):
    dim = x1.ndim - 1
    prod = jnp.sum(x1 * x2, axis=dim)
    mag1 = jnp.sum(x1 * x1, axis=dim) + 1e-12
    mag2 = jnp.sum(x2 * x2, axis=dim) + 1e-12
    cos = prod / jnp.sqrt(mag1 * mag2)
    loss = jnp.where(y == 1, 1 - cos, 0) + jnp.where(y == -1, jnp.maximum(cos - margin, 0), 0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (PyTorch's ``cos``: the squared norms each get ``1e-12``).

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each; target ``(N)`` or ``()``; output: a scalar, or
          ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim - 1 != target.ndim or input1.ndim > 2:
        raise RuntimeError(
            f"{input1.ndim}D target tensor expects {target.ndim + 1}D input tensors, but found "
            f"inputs with sizes {_shape(input1)} and {_shape(input2)}."
        )
    return _margin_loss(_cosine_embedding_fn, "Add", (input1, input2, target), margin, reduction)


def _margin_ranking_fn(x1, x2, y, *, margin, reduction):
    return _reduce(jnp.maximum(-y * (x1 - x2) + margin, 0), reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``.

    Shape:
        - Input1, input2, target: ``(N)`` or ``()``; output: a scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _margin_loss(_margin_ranking_fn, "ClampMin", (input1, input2, target), margin, reduction)


def _hinge_embedding_fn(x, y, *, margin, reduction):
    loss = jnp.where(y != 1, jnp.maximum(margin - x, 0), 0) + jnp.where(y != -1, x, 0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return _margin_loss(_hinge_embedding_fn, "Add", (input, target), margin, reduction)


def _soft_margin_fn(x, y, *, reduction):
    return _reduce(jnp.log1p(jnp.exp(-y * x)), reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``log(1 + exp(-target * input))``, for targets in ``{-1, 1}``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_expandable(target, tuple(input.shape))
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "The function 'soft_margin_loss' is not differentiable with respect to argument "
            "'target'. This input cannot have requires_grad True."
        )
    return apply(_soft_margin_fn, "SoftMarginLoss", (input, target), reduction=reduction)


def _multilabel_soft_margin_fn(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over classes of the binary logistic loss of each label.

    Shape:
        - Input and target: ``(N, C)``; weight ``(C)``; output: a scalar, or ``(N)``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply(
        _multilabel_soft_margin_fn,
        _loss_name(reduction, "Div"),
        (input, target, weight),
        reduction=reduction,
    )


def _multi_margin_fn(x, y, w, *, p, margin, reduction):
    squeeze = x.ndim == 1
    x = x.reshape(-1, x.shape[-1])
    y = y.reshape(-1)
    picked = jnp.take_along_axis(x, y[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0)
    z = z**p if p == 2 else z
    if w is not None:
        z = z * w[y][:, None]
    others = jnp.arange(x.shape[1])[None, :] != y[:, None]
    loss = jnp.sum(jnp.where(others, z, 0), axis=1) / x.shape[1]
    if squeeze and reduction == "none":
        return loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: per sample, ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C``
    (times ``weight[y]``).

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target ``(N)`` or ``()`` class indices; output: a
          scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    return apply(
        _multi_margin_fn,
        "MultiMarginLoss",
        (input, target, weight),
        p=int(p),
        margin=float(margin),
        reduction=reduction,
    )


def _multilabel_margin_fn(x, y, *, reduction):
    squeeze = x.ndim == 1
    x = x.reshape(-1, x.shape[-1])
    y = y.reshape(x.shape)
    valid = jnp.cumprod(y >= 0, axis=1).astype(bool)  # targets before the first -1
    safe = jnp.where(valid, y, 0)
    classes = jnp.arange(x.shape[1])
    is_target = jnp.any(valid[:, :, None] & (safe[:, :, None] == classes), axis=1)
    picked = jnp.take_along_axis(x, safe, axis=1)  # (N, C): x at each listed target
    hinge = jnp.maximum(1 - picked[:, :, None] + x[:, None, :], 0)  # (N, target j, class k)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = jnp.sum(jnp.where(mask, hinge, 0), axis=(1, 2)) / x.shape[1]
    if squeeze and reduction == "none":
        return loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss: per sample, ``sum_{j in targets, k not in targets} max(0, 1 -
    (x[j] - x[k])) / C``; ``target`` lists class indices, ended by the first ``-1``.

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target: the input's shape (int64); output: a scalar, or
          ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    return apply(
        _multilabel_margin_fn, "MultilabelMarginLoss", (input, target), reduction=reduction
    )


def _triplet_fn(dp, dn, *, margin, reduction):
    return _reduce(jnp.maximum(margin + dp - dn, 0), reduction)


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p == n):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` :func:`pairwise_distance`; ``swap``
    uses ``min(d(a, n), d(p, n))`` as the negative distance.

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each; output: a scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = dist_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _margin_loss(_triplet_fn, "ClampMin", (dist_pos, dist_neg), margin, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    :func:`pairwise_distance`).

    Shape:
        - Input: ``(N, *)`` or ``(*)`` each, as the distance function takes them; output: a
          scalar, or ``(N)`` for ``'none'``.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(distance(positive, negative))
    return _margin_loss(_triplet_fn, "ClampMin", (dist_pos, dist_neg), margin, reduction)
