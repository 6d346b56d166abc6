"""Image utilities as ``torchvision.utils``: ``make_grid``, ``save_image``,
``draw_bounding_boxes`` and ``draw_segmentation_masks``.

They follow torchvision's definitions step by step (the same float32 arithmetic, the same
rounding, the same PIL drawing calls), so ``save_image`` writes the PNG torchvision writes, pixel
for pixel. The work is done with NumPy on the host, as torchvision does it on the CPU; results are
torchlike tensors without autograd history (torchvision runs these under ``no_grad``).
"""

from __future__ import annotations

import math
import pathlib
import warnings
from typing import BinaryIO

import jax.numpy as jnp
import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .._dtype import uint8
from .._tensor import Tensor

__all__ = ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks"]

Color = str | tuple[int, int, int]


def _host(t: Tensor) -> np.ndarray:
    return np.array(t._data)


def _wrap(arr: np.ndarray) -> Tensor:
    return Tensor._wrap(jnp.asarray(arr))


def _grid_input(tensor: Tensor | list[Tensor]) -> np.ndarray:
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"tensor or list of tensors expected, got a list containing {type(t)}"
                )
        return np.stack([_host(t) for t in tensor])
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    return _host(tensor)


def _normalize(arr: np.ndarray, value_range: tuple | None) -> np.ndarray:
    """torchvision's ``norm_ip``: clamp to the range, shift by ``low``, divide by the span."""
    if value_range is not None:
        low, high = value_range
    else:
        low, high = float(arr.min()), float(arr.max())
    arr = np.clip(arr, arr.dtype.type(low), arr.dtype.type(high))
    arr = arr - arr.dtype.type(low)
    return arr / arr.dtype.type(max(high - low, 1e-5))


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a batch of images into one image, ``nrow`` per row, ``padding`` pixels between them.

    Args:
        tensor: a ``(B, C, H, W)`` batch, a list of ``(C, H, W)`` images, or one image
            (``(H, W)`` or ``(C, H, W)``). One-channel images are repeated to three channels.
        nrow: images per row. Default: 8.
        padding: pixels around each image. Default: 2.
        normalize: shift and scale to ``[0, 1]`` by ``value_range`` (or the min and max).
        value_range: ``(min, max)`` for ``normalize``.
        scale_each: normalise each image by its own min and max.
        pad_value: value of the padding pixels.

    Returns:
        A ``(C, H', W')`` tensor of the input's dtype (a single image is returned as it is,
        after the channel and normalisation steps).
    """
    arr = _grid_input(tensor)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate([arr, arr, arr], 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate([arr, arr, arr], 1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError(
                "value_range has to be a tuple (min, max) if specified. min and max are numbers"
            )
        if scale_each is True:
            arr = np.stack([_normalize(img, value_range) for img in arr])
        else:
            arr = _normalize(arr, value_range)
    if arr.shape[0] == 1:
        return _wrap(arr[0])
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full(
        (arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, arr.dtype
    )
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        top, left = y * height + padding, x * width + padding
        grid[:, top : top + height - padding, left : left + width - padding] = arr[k]
    return _wrap(grid)


def save_image(
    tensor: Tensor | list[Tensor],
    fp: str | pathlib.Path | BinaryIO,
    format: str | None = None,
    **kwargs,
) -> None:
    """Save an image, or a batch tiled by :func:`make_grid` (``**kwargs`` go to it), as a file.

    Values in ``[0, 1]`` become bytes as torchvision rounds them (``x * 255 + 0.5``, clamped,
    truncated). ``format`` is needed when ``fp`` is a file object.
    """
    grid = _host(make_grid(tensor, **kwargs))
    if grid.dtype.kind != "f":
        grid = grid.astype(np.float32)
    scaled = grid * grid.dtype.type(255) + grid.dtype.type(0.5)
    ndarr = np.clip(scaled, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    Image.fromarray(np.ascontiguousarray(ndarr)).save(fp, format=format)


def _palette(num_objects: int) -> list[tuple[int, int, int]]:
    palette = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1], np.int64)
    return [tuple(int(v) for v in (i * palette) % 255) for i in range(num_objects)]


def _parse_colors(colors, *, num_objects: int, floating: bool = False) -> list[tuple]:
    """torchvision's colour rules: None (its palette), one colour for all, or a list."""
    if colors is None:
        colors = _palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(
                "Number of colors must be equal or larger than the number of objects, but got "
                f"{len(colors)} < {num_objects}."
            )
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(
            f"colors must be a tuple or a string, or a list thereof, but got {colors}."
        )
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * num_objects
    colors = [ImageColor.getrgb(c) if isinstance(c, str) else c for c in colors]
    if floating:
        colors = [tuple(v / 255 for v in c) for c in colors]
    return colors


def _check_image(image, name: str) -> np.ndarray:
    if not isinstance(image, Tensor):
        raise TypeError(f"{name} expected, got {type(image)}")
    if not (image.dtype.is_floating_point or image.dtype == uint8):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    return _host(image)


def _float_to_uint8(arr: np.ndarray) -> np.ndarray:
    """torchvision's ``to_dtype(float -> uint8, scale=True)``: ``x * (256 - 1e-3)``, truncated."""
    return (arr * arr.dtype.type(255 + 1.0 - 1e-3)).astype(np.uint8)


def draw_bounding_boxes(
    image: Tensor,
    boxes: Tensor,
    labels: list[str] | None = None,
    colors: list[Color] | Color | None = None,
    fill: bool | None = False,
    width: int = 1,
    font: str | None = None,
    font_size: int | None = None,
    label_colors: list[Color] | Color | None = None,
    label_background_colors: list[Color] | Color | None = None,
    fill_labels: bool = False,
) -> Tensor:
    """Draw boxes (and labels) on a ``(C, H, W)`` uint8 or float image, with PIL as torchvision.

    Args:
        image: ``(1 or 3, H, W)``, uint8 in ``[0, 255]`` or float in ``[0, 1]``.
        boxes: ``(N, 4)`` as ``(xmin, ymin, xmax, ymax)``, or ``(N, 8)`` corner points.
        labels: one string per box.
        colors: one colour for all boxes or one per box (names, ``"#RRGGBB"``, RGB tuples);
            torchvision's palette when None.
        fill: fill the boxes (alpha 100).
        width: line width.
        font, font_size: a TrueType font file and its size; PIL's default font otherwise.
        label_colors, label_background_colors, fill_labels: label text and background colours.

    Returns:
        A ``(3, H, W)`` tensor of the image's dtype.
    """
    arr = _check_image(image, "Tensor")
    if arr.shape[0] not in (1, 3):
        raise ValueError("Only grayscale and RGB images are supported")
    box = _host(boxes)
    if box.shape[-1] == 4 and ((box[:, 0] > box[:, 2]).any() or (box[:, 1] > box[:, 3]).any()):
        raise ValueError(
            "Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
            "torchvision.ops.box_convert to convert them"
        )
    num_boxes = box.shape[0]
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(
            f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. Please specify "
            "labels for each box."
        )
    colors = _parse_colors(colors, num_objects=num_boxes)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors or "black", num_objects=num_boxes)
    else:
        label_colors = list(colors)
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, num_objects=num_boxes)
    else:
        label_background_colors = list(colors)
    if font is None:
        if font_size is not None:
            warnings.warn(
                "Argument 'font_size' will be ignored since 'font' is not set.", stacklevel=2
            )
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)

    if arr.shape[0] == 1:
        arr = np.tile(arr, (3, 1, 1))
    floating = arr.dtype.kind == "f"
    if floating:
        arr = _float_to_uint8(arr)
    canvas = Image.fromarray(np.ascontiguousarray(arr.transpose(1, 2, 0)))
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    rows = box.astype(np.int64).tolist()
    for bbox, color, label, label_color, label_bg in zip(
        rows, colors, labels, label_colors, label_background_colors
    ):
        fill_color = tuple(color) + (100,) if fill else None
        if len(bbox) > 4:
            _oriented_rectangle(draw, bbox, fill_color, tuple(color), width)
        else:
            draw.rectangle(bbox, width=width, outline=tuple(color), fill=fill_color)
        if label is not None:
            margin = width + 1
            if fill_labels:
                left, top, right, bottom = draw.textbbox(
                    (bbox[0] + margin, bbox[1] + margin), label, font=txt_font
                )
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=tuple(label_bg))
            draw.text(
                (bbox[0] + margin, bbox[1] + margin), label, fill=tuple(label_color), font=txt_font
            )
    out = np.asarray(canvas).transpose(2, 0, 1)
    if floating:
        dtype = _host(image).dtype
        out = out.astype(dtype) * dtype.type(1.0 / 255)
    return _wrap(np.ascontiguousarray(out))


def _oriented_rectangle(draw, xy, fill, outline, width: int) -> None:
    """A four-corner box as torchvision draws it: first edge dashed, the others solid."""
    _dashed_line(draw, ((xy[0], xy[1]), (xy[2], xy[3])), outline, width)
    for i in range(2, len(xy), 2):
        a = (xy[i], xy[i + 1])
        b = (xy[(i + 2) % len(xy)], xy[(i + 3) % len(xy)])
        draw.line((a, b), width=width, fill=outline)
    draw.polygon(xy, fill=fill, outline=None, width=0)


def _dashed_line(draw, xy, fill, width: int, dash: float = 5, space: float = 5) -> None:
    on = True
    for (x1, y1), (x2, y2) in zip(xy[:-1], xy[1:]):
        remaining = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        angle = math.atan2(y2 - y1, x2 - x1)
        while remaining > 0:
            step = min(remaining, dash if on else space)
            end = (x1 + math.cos(angle) * step, y1 + math.sin(angle) * step)
            if on:
                draw.line([(x1, y1), end], fill, width, None)
            remaining -= step
            x1, y1 = end
            on = not on


def draw_segmentation_masks(
    image: Tensor,
    masks: Tensor,
    alpha: float = 0.8,
    colors: list[Color] | Color | None = None,
) -> Tensor:
    """Blend boolean masks onto a ``(3, H, W)`` image: ``image * (1 - alpha) + painted * alpha``,
    where overlapping mask pixels are painted black, as torchvision does.

    Args:
        image: ``(3, H, W)``, uint8 or float.
        masks: ``(N, H, W)`` or ``(H, W)`` booleans.
        alpha: opacity of the masks (0 transparent, 1 opaque).
        colors: one colour for all masks or one per mask; torchvision's palette when None.

    Returns:
        A tensor of the image's shape and dtype.
    """
    arr = _check_image(image, "The image must be a tensor, got")
    if arr.shape[0] != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
    m = _host(masks)
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if m.dtype != np.bool_:
        raise ValueError(f"The masks must be of dtype bool. Got {masks.dtype}")
    if m.shape[-2:] != arr.shape[-2:]:
        raise ValueError("The image and the masks must have the same height and width")
    if m.shape[0] == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn", stacklevel=2)
        return image
    floating = arr.dtype.kind == "f"
    painted = arr.copy()
    for mask, color in zip(m, _parse_colors(colors, num_objects=m.shape[0], floating=floating)):
        painted[:, mask] = np.asarray(color, arr.dtype)[:, None]
    painted[:, m.sum(0) > 1] = 0
    work = arr.dtype.type if floating else np.float32
    out = arr.astype(work) * work(1 - alpha) + painted.astype(work) * work(alpha)
    return _wrap(out.astype(arr.dtype))
