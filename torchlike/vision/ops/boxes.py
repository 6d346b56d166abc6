"""Box utilities as ``torchvision.ops.boxes``: areas, IoU and generalised IoU, format conversion,
clipping, and (batched) non-maximum suppression.

Boxes are ``(x1, y1, x2, y2)`` rows unless a format says otherwise. ``box_area``, ``box_iou``,
``generalized_box_iou``, ``box_convert`` and ``clip_boxes_to_image`` are each one differentiable
op (one :func:`~torchlike._dispatch.apply` call of a pure JAX function), with torchvision's
formulas, dtype rules (``_upcast``) and gradients (ties of ``max``/``min`` split the gradient,
``clamp`` passes it on its closed range), so they work inside ``torchlike.compile``.

``nms``, ``batched_nms`` and ``remove_small_boxes`` return as many indices as boxes survive, a
data-dependent shape that a compiled program cannot express: they run eagerly only (call them on
a compiled model's outputs, outside the compiled function). NMS keeps torchvision's CPU kernel
semantics: boxes visited by decreasing score (a stable sort, so equal scores keep index order), a
box suppressed when its IoU with a kept box is ``> iou_threshold`` (compared in float64, as the
kernel does), and a ``0/0`` IoU of two empty boxes never suppresses. The suppression loop runs as
one jitted JAX program; only the kept indices are read back to the host.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _dtype
from ..._dispatch import apply
from ..._tensor import Tensor

_FORMATS = ("xyxy", "xywh", "cxcywh")
_ROTATED_FORMATS = ("xywhr", "cxcywhr", "xyxyxyxy")


# -- pure JAX helpers ----------------------------------------------------------------------------


def _upcast(x: jax.Array) -> jax.Array:
    """torchvision's ``_upcast``: half floats to float32, small integers to int32, so that
    products of coordinates do not overflow."""
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x if x.dtype in (jnp.float32, jnp.float64) else x.astype(jnp.float32)
    return x if x.dtype in (jnp.int32, jnp.int64) else x.astype(jnp.int32)


def _true_div(a: jax.Array, b: jax.Array, float_dtype) -> jax.Array:
    """``a / b`` with PyTorch's promotion: integer operands divide in the default float dtype."""
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(float_dtype)
    if not jnp.issubdtype(b.dtype, jnp.floating):
        b = b.astype(float_dtype)
    return a / b


def _clamp_min0(x: jax.Array) -> jax.Array:
    return jnp.where(x >= 0, x, jnp.zeros_like(x))  # gradient passes at 0, as PyTorch's clamp


def _area(boxes: jax.Array) -> jax.Array:
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(b1: jax.Array, b2: jax.Array) -> tuple[jax.Array, jax.Array]:
    lt = jnp.maximum(b1[:, None, :2], b2[:, :2])
    rb = jnp.minimum(b1[:, None, 2:], b2[:, 2:])
    wh = _clamp_min0(_upcast(rb - lt))
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, _area(b1)[:, None] + _area(b2) - inter


def _box_iou_fn(b1, b2, *, float_dtype):
    inter, union = _inter_union(b1, b2)
    return _true_div(inter, union, float_dtype)


def _generalized_box_iou_fn(b1, b2, *, float_dtype):
    inter, union = _inter_union(b1, b2)
    iou = _true_div(inter, union, float_dtype)
    lti = jnp.minimum(b1[:, None, :2], b2[:, :2])
    rbi = jnp.maximum(b1[:, None, 2:], b2[:, 2:])
    whi = _clamp_min0(_upcast(rbi - lti))
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - _true_div(areai - union, areai, float_dtype)


def _xywh_to_xyxy(b, float_dtype):
    x, y, w, h = (b[..., i] for i in range(4))
    return jnp.stack([x, y, x + w, y + h], axis=-1)


def _cxcywh_to_xyxy(b, float_dtype):
    if not jnp.issubdtype(b.dtype, jnp.floating):  # 0.5 * w: integer boxes become floats
        b = b.astype(float_dtype)
    cx, cy, w, h = (b[..., i] for i in range(4))
    return jnp.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], axis=-1)


def _xyxy_to_xywh(b, float_dtype):
    x1, y1, x2, y2 = (b[..., i] for i in range(4))
    return jnp.stack([x1, y1, x2 - x1, y2 - y1], axis=-1)


def _xyxy_to_cxcywh(b, float_dtype):
    x1, y1, x2, y2 = (b[..., i] for i in range(4))
    cx = _true_div(x1 + x2, jnp.asarray(2, b.dtype), float_dtype)
    cy = _true_div(y1 + y2, jnp.asarray(2, b.dtype), float_dtype)
    w, h = x2 - x1, y2 - y1
    if not jnp.issubdtype(b.dtype, jnp.floating):
        w, h = w.astype(float_dtype), h.astype(float_dtype)
    return jnp.stack([cx, cy, w, h], axis=-1)


_CONVERSIONS = {  # (in_fmt, out_fmt) -> steps, as torchvision composes them (through xyxy)
    ("xywh", "xyxy"): (_xywh_to_xyxy,),
    ("cxcywh", "xyxy"): (_cxcywh_to_xyxy,),
    ("xyxy", "xywh"): (_xyxy_to_xywh,),
    ("xyxy", "cxcywh"): (_xyxy_to_cxcywh,),
    ("xywh", "cxcywh"): (_xywh_to_xyxy, _xyxy_to_cxcywh),
    ("cxcywh", "xywh"): (_cxcywh_to_xyxy, _xyxy_to_xywh),
}


def _box_convert_fn(boxes, *, in_fmt, out_fmt, float_dtype):
    for step in _CONVERSIONS[(in_fmt, out_fmt)]:
        boxes = step(boxes, float_dtype)
    return boxes


def _clip_fn(boxes, *, height, width):
    even = jnp.arange(boxes.shape[-1]) % 2 == 0  # x1, x2, ... at even positions
    hi = jnp.where(even, width, height).astype(boxes.dtype)
    lo = jnp.zeros((), boxes.dtype)
    return jnp.where(boxes < lo, lo, jnp.where(boxes > hi, hi, boxes))


# -- public differentiable ops -------------------------------------------------------------------


def _float_dtype():
    return _dtype.get_default_dtype().np


def box_area(boxes: Tensor) -> Tensor:
    """Areas ``(x2 - x1) * (y2 - y1)`` of ``boxes`` (``Tensor[N, 4]``, xyxy) as ``Tensor[N]``.

    Half-precision boxes are computed in float32 and small integer boxes in int32, as torchvision.
    """
    return apply(_area, "BoxArea", (boxes,))


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise intersection over union of ``boxes1`` (``Tensor[N, 4]``) and ``boxes2``
    (``Tensor[M, 4]``), both xyxy, as ``Tensor[N, M]``.

    Two empty boxes (zero union) give NaN, as in torchvision; integer boxes give the default
    float dtype.
    """
    return apply(_box_iou_fn, "BoxIou", (boxes1, boxes2), float_dtype=_float_dtype())


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalised IoU (Rezatofighi et al., 2019) of xyxy ``boxes1`` (``Tensor[N, 4]``)
    and ``boxes2`` (``Tensor[M, 4]``): ``iou - (C - union) / C`` with ``C`` the area of the
    smallest enclosing box, as ``Tensor[N, M]`` in ``[-1, 1]``."""
    return apply(
        _generalized_box_iou_fn, "GeneralizedBoxIou", (boxes1, boxes2), float_dtype=_float_dtype()
    )


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert ``boxes`` (``Tensor[..., 4]``) between ``'xyxy'`` (corners), ``'xywh'`` (top-left
    corner, width, height) and ``'cxcywh'`` (centre, width, height).

    torchvision's rotated formats (``'xywhr'``, ``'cxcywhr'``, ``'xyxyxyxy'``) are not
    implemented in torchlike yet and raise ``NotImplementedError``.
    """
    known = _FORMATS + _ROTATED_FORMATS
    if in_fmt not in known or out_fmt not in known:
        raise ValueError(
            f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}"
        )
    if in_fmt == out_fmt:
        return boxes.clone()
    if (in_fmt, out_fmt) not in _CONVERSIONS:
        raise NotImplementedError(
            f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt "
            f"{out_fmt}: torchlike.vision.ops.box_convert supports {', '.join(_FORMATS)} "
            "(rotated boxes are not implemented yet)"
        )
    return apply(
        _box_convert_fn,
        "BoxConvert",
        (boxes,),
        in_fmt=in_fmt,
        out_fmt=out_fmt,
        float_dtype=_float_dtype(),
    )


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clamp the x coordinates of ``boxes`` (``Tensor[..., 4]``, xyxy) to ``[0, width]`` and the y
    coordinates to ``[0, height]``, with ``size = (height, width)``."""
    height, width = size
    return apply(_clip_fn, "ClipBoxesToImage", (boxes,), height=height, width=width)


# -- data-dependent ops (eager only) -------------------------------------------------------------


def _eager_only(fname: str, *tensors: Tensor) -> None:
    if any(isinstance(t._data, jax.core.Tracer) for t in tensors):
        raise RuntimeError(
            f"torchvision.ops.{fname}() returns a data-dependent number of indices, which a "
            "compiled function (torchlike.compile / jax.jit) cannot express. Return the boxes "
            f"and scores from the compiled function and call {fname}() on them outside it."
        )


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices (int64, ascending) of the xyxy ``boxes`` (``Tensor[N, 4]``) whose width and height
    are both ``>= min_size``. Eager only (data-dependent output size)."""
    _eager_only("remove_small_boxes", boxes)
    b = np.asarray(boxes._data)
    keep = ((b[:, 2] - b[:, 0]) >= min_size) & ((b[:, 3] - b[:, 1]) >= min_size)
    return Tensor._wrap(jnp.asarray(np.flatnonzero(keep), jnp.int64))


@functools.partial(jax.jit, static_argnames="iou_threshold")
def _nms_keep(boxes, scores, idxs, iou_threshold):
    """Greedy NMS over boxes sorted by decreasing score; ``(order, kept-in-that-order)``."""
    order = jnp.argsort(scores, descending=True, stable=True)
    b, c = boxes[order], idxs[order]
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    w = jnp.maximum(0, jnp.minimum(b[:, None, 2], b[:, 2]) - jnp.maximum(b[:, None, 0], b[:, 0]))
    h = jnp.maximum(0, jnp.minimum(b[:, None, 3], b[:, 3]) - jnp.maximum(b[:, None, 1], b[:, 1]))
    inter = w * h
    iou = inter / (area[:, None] + area - inter)
    n = b.shape[0]
    later = jnp.arange(n)[None, :] > jnp.arange(n)[:, None]
    suppresses = (iou.astype(jnp.float64) > iou_threshold) & (c[:, None] == c) & later

    def visit(i, keep):
        return keep & ~(keep[i] & suppresses[i])

    return order, lax.fori_loop(0, n, visit, jnp.ones(n, bool))


def _check_nms_args(boxes: Tensor, scores: Tensor) -> None:
    if boxes.ndim != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.ndim}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.ndim != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.ndim}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError(
            "boxes and scores should have same number of elements in dimension 0, got "
            f"{boxes.shape[0]} and {scores.shape[0]}"
        )
    if boxes.dtype != scores.dtype:
        raise RuntimeError("dets should have the same type as scores")
    if not boxes.dtype.is_floating_point:
        raise RuntimeError(f"\"nms_kernel\" not implemented for '{_dtype.type_name(boxes.dtype)}'")


def _nms(boxes: Tensor, scores: Tensor, idxs, iou_threshold: float) -> Tensor:
    n = boxes.shape[0]
    if n == 0:
        return Tensor._wrap(jnp.zeros((0,), jnp.int64))
    # Pad to a power of two so that varying box counts reuse a few compiled programs; padding
    # scores -inf and sits after every real box in the stable order, so it suppresses nothing.
    pad = max(8, 1 << (n - 1).bit_length()) - n
    order, keep = _nms_keep(
        jnp.pad(boxes._data, ((0, pad), (0, 0))),
        jnp.pad(scores._data, (0, pad), constant_values=-jnp.inf),
        jnp.pad(jnp.asarray(idxs), (0, pad)),
        iou_threshold=float(iou_threshold),
    )
    order, keep = np.asarray(order), np.asarray(keep)
    kept = order[keep & (order < n)]
    return Tensor._wrap(jnp.asarray(kept, jnp.int64))


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression: indices (int64) of the kept ``boxes``, sorted by decreasing score.

    Args:
        boxes (Tensor[N, 4]): xyxy boxes.
        scores (Tensor[N]): a score per box (same dtype as ``boxes``).
        iou_threshold (float): a box is discarded when its IoU with a kept, higher-scoring box is
            ``> iou_threshold``.

    Eager only: the number of kept boxes is data-dependent. Equal scores are visited in index
    order (torchvision's CPU kernel; its CUDA kernel may pick a different box among ties).
    """
    _eager_only("nms", boxes, scores)
    _check_nms_args(boxes, scores)
    return _nms(boxes, scores, jnp.zeros(boxes.shape[0], jnp.int32), iou_threshold)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """NMS within each category: boxes with different ``idxs`` never suppress each other.

    Args:
        boxes (Tensor[N, 4]): xyxy boxes.
        scores (Tensor[N]): a score per box.
        idxs (Tensor[N]): the category of each box.
        iou_threshold (float): discards boxes with IoU ``> iou_threshold`` within a category.

    Returns the kept indices (int64) sorted by decreasing score, as :func:`nms`. torchvision
    offsets each category's boxes so that one NMS call separates them; torchlike compares the
    categories directly, which is the same result without the offset's float rounding.
    Eager only.
    """
    _eager_only("batched_nms", boxes, scores, idxs)
    if boxes.numel() == 0:
        return Tensor._wrap(jnp.zeros((0,), jnp.int64))
    _check_nms_args(boxes, scores)
    return _nms(boxes, scores, idxs._data, iou_threshold)
