"""``torchlike.vision.ops`` (``torchvision.ops``): box operations for detection models.

Differentiable ops (``box_area``, ``box_iou``, ``generalized_box_iou``, ``box_convert``,
``clip_boxes_to_image``, ``generalized_box_iou_loss``) are single torchlike ops that work inside
``torchlike.compile``; ``nms``, ``batched_nms`` and ``remove_small_boxes`` have data-dependent
output sizes and run eagerly only.
"""

from .boxes import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    generalized_box_iou,
    nms,
    remove_small_boxes,
)
from .giou_loss import generalized_box_iou_loss

__all__ = [
    "batched_nms",
    "box_area",
    "box_convert",
    "box_iou",
    "clip_boxes_to_image",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "nms",
    "remove_small_boxes",
]
