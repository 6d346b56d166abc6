"""``torchvision.ops.generalized_box_iou_loss``: ``1 - GIoU`` of matched box pairs, one op."""

from __future__ import annotations

import jax.numpy as jnp

from ..._dispatch import apply
from ..._tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _giou_loss_fn(b1, b2, *, reduction, eps):
    if b1.dtype not in (jnp.float32, jnp.float64):  # torchvision's _upcast_non_float
        b1 = b1.astype(jnp.float32)
    if b2.dtype not in (jnp.float32, jnp.float64):
        b2 = b2.astype(jnp.float32)
    x1, y1, x2, y2 = (b1[..., i] for i in range(4))
    x1g, y1g, x2g, y2g = (b2[..., i] for i in range(4))
    xk1, yk1 = jnp.maximum(x1, x1g), jnp.maximum(y1, y1g)
    xk2, yk2 = jnp.minimum(x2, x2g), jnp.minimum(y2, y2g)
    overlap = (yk2 > yk1) & (xk2 > xk1)
    inter = jnp.where(overlap, (xk2 - xk1) * (yk2 - yk1), jnp.zeros_like(x1))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    area_c = (jnp.maximum(x2, x2g) - jnp.minimum(x1, x1g)) * (
        jnp.maximum(y2, y2g) - jnp.minimum(y1, y1g)
    )
    loss = 1 - (iou - (area_c - union) / (area_c + eps))
    if reduction == "mean":
        return loss.mean() if loss.size else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def generalized_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 - GIoU`` between matched xyxy boxes (Rezatofighi et al., 2019); symmetric.

    Args:
        boxes1 (Tensor[N, 4] or Tensor[4]): first set of boxes.
        boxes2 (Tensor[N, 4] or Tensor[4]): second set of boxes, paired with ``boxes1``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.
        eps (float): added to denominators against division by zero. Default: ``1e-7``.

    Non-float boxes are computed in float32. A differentiable op: usable inside
    ``torchlike.compile``.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: "
            "'none', 'mean', 'sum'"
        )
    return apply(
        _giou_loss_fn, "GeneralizedBoxIouLoss", (boxes1, boxes2), reduction=reduction, eps=eps
    )
