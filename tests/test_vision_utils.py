"""torchlike.vision.utils against torchvision's definitions, written here in torch (torchvision is
not installed in the test environment): the same arrays, and ``save_image`` the same PNG bytes."""

import io
import math

import numpy as np
import pytest
import torch
from PIL import Image, ImageColor, ImageDraw, ImageFont

import torchlike
from torchlike.vision import utils

# --- torchvision's definitions, in torch ------------------------------------------------------


def ref_make_grid(
    t, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0
):
    if isinstance(t, list):
        t = torch.stack(t)
    if t.dim() == 2:
        t = t.unsqueeze(0)
    if t.dim() == 3:
        if t.size(0) == 1:
            t = torch.cat((t, t, t), 0)
        t = t.unsqueeze(0)
    if t.dim() == 4 and t.size(1) == 1:
        t = torch.cat((t, t, t), 1)
    if normalize:
        t = t.clone()

        def norm(img):
            low, high = (
                value_range if value_range is not None else (float(img.min()), float(img.max()))
            )
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        for img in t if scale_each else [t]:
            norm(img)
    if t.size(0) == 1:
        return t.squeeze(0)
    n = t.size(0)
    xm = min(nrow, n)
    ym = int(math.ceil(n / xm))
    h, w = t.size(2) + padding, t.size(3) + padding
    grid = t.new_full((t.size(1), h * ym + padding, w * xm + padding), pad_value)
    for k in range(n):
        y, x = divmod(k, xm)
        grid.narrow(1, y * h + padding, h - padding).narrow(2, x * w + padding, w - padding).copy_(
            t[k]
        )
    return grid


def ref_save_png(t, **kw):
    grid = ref_make_grid(t, **kw)
    arr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="png")
    return buf.getvalue()


def ref_palette(n):
    palette = torch.tensor([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [tuple(int(v) for v in (i * palette) % 255) for i in range(n)]


def ref_colors(colors, n):
    if colors is None:
        return ref_palette(n)
    colors = colors if isinstance(colors, list) else [colors] * n
    return [ImageColor.getrgb(c) if isinstance(c, str) else c for c in colors]


def ref_draw_boxes(image, boxes, labels=None, colors=None, fill=False, width=1):
    floating = image.is_floating_point()
    if image.size(0) == 1:
        image = torch.tile(image, (3, 1, 1))
    if floating:
        image = image.mul(255 + 1.0 - 1e-3).to(torch.uint8)
    img = Image.fromarray(image.permute(1, 2, 0).numpy())
    draw = ImageDraw.Draw(img, "RGBA" if fill else None)
    colors = ref_colors(colors, len(boxes))
    for i, (box, color) in enumerate(zip(boxes.to(torch.int64).tolist(), colors)):
        draw.rectangle(box, width=width, outline=color, fill=color + (100,) if fill else None)
        if labels is not None:
            m = width + 1
            draw.text(
                (box[0] + m, box[1] + m), labels[i], fill=color, font=ImageFont.load_default()
            )
    out = torch.from_numpy(np.array(img)).permute(2, 0, 1)
    return out.to(torch.float32).mul_(1.0 / 255) if floating else out


def ref_draw_masks(image, masks, alpha=0.8, colors=None):
    if masks.ndim == 2:
        masks = masks[None]
    colors = ref_colors(colors, masks.size(0))
    if image.is_floating_point():
        colors = [tuple(v / 255 for v in c) for c in colors]
    painted = image.clone()
    for mask, color in zip(masks, colors):
        painted[:, mask] = torch.tensor(color, dtype=image.dtype)[:, None]
    painted[:, masks.sum(0) > 1] = 0
    return (image * (1 - alpha) + painted * alpha).to(image.dtype)


# --- tests -----------------------------------------------------------------------------------

g = np.random.default_rng(0)
BATCH = g.standard_normal((5, 3, 7, 6)).astype(np.float32) * 0.6 + 0.5
GRAY = g.random((3, 1, 5, 5)).astype(np.float32)

GRID_CASES = [
    (BATCH, {}),
    (BATCH, {"nrow": 2, "padding": 1, "pad_value": 0.5}),
    (BATCH, {"normalize": True}),
    (BATCH, {"normalize": True, "scale_each": True}),
    (BATCH, {"normalize": True, "value_range": (-0.5, 1.5)}),
    (GRAY, {"nrow": 3, "padding": 0}),
    (BATCH[0], {}),
    (GRAY[0, 0], {"normalize": True}),
    (BATCH[:1].astype(np.float64), {"padding": 3}),
]


@pytest.mark.parametrize("arr,kw", GRID_CASES)
def test_make_grid_and_save_image_match_torchvision(arr, kw, tmp_path):
    got = utils.make_grid(torchlike.from_numpy(arr.copy()), **kw)
    want = ref_make_grid(torch.from_numpy(arr.copy()), **kw)
    assert got.dtype == getattr(torchlike, str(want.dtype).split(".")[1])
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    path = tmp_path / "grid.png"
    utils.save_image(torchlike.from_numpy(arr.copy()), path, **kw)
    assert np.array_equal(
        np.asarray(Image.open(path)),
        np.asarray(Image.open(io.BytesIO(ref_save_png(torch.from_numpy(arr.copy()), **kw)))),
    )


def test_make_grid_list_and_errors():
    imgs = [torchlike.from_numpy(a) for a in BATCH]
    np.testing.assert_array_equal(
        utils.make_grid(imgs, nrow=3).numpy(),
        ref_make_grid(list(torch.from_numpy(BATCH)), nrow=3).numpy(),
    )
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid(BATCH)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(imgs[0], normalize=True, value_range=[0, 1])


def test_save_image_file_object_with_format():
    buf = io.BytesIO()
    utils.save_image(torchlike.from_numpy(BATCH), buf, format="png")
    assert np.array_equal(
        np.asarray(Image.open(buf)),
        np.asarray(Image.open(io.BytesIO(ref_save_png(torch.from_numpy(BATCH))))),
    )


IMG_U8 = g.integers(0, 256, (3, 20, 24), dtype=np.uint8)
BOXES = np.array([[1, 2, 10, 12], [5, 5, 20, 18.7], [0, 0, 23, 19]], np.float32)

BOX_CASES = [
    (IMG_U8, {}),
    (IMG_U8, {"colors": "red", "width": 2, "labels": ["a", "bc", "d"]}),
    (IMG_U8, {"colors": [(0, 255, 0), "#FF00FF", "blue"], "fill": True}),
    (IMG_U8[:1], {"colors": "white"}),
    ((IMG_U8 / 255).astype(np.float32), {"fill": True}),
]


@pytest.mark.parametrize("img,kw", BOX_CASES)
def test_draw_bounding_boxes_matches_torchvision(img, kw):
    got = utils.draw_bounding_boxes(
        torchlike.from_numpy(img.copy()), torchlike.from_numpy(BOXES), **kw
    )
    want = ref_draw_boxes(torch.from_numpy(img.copy()), torch.from_numpy(BOXES), **kw)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_draw_bounding_boxes_errors():
    img = torchlike.from_numpy(IMG_U8)
    with pytest.raises(ValueError, match=r"\(xmin, ymin, xmax, ymax\) format"):
        utils.draw_bounding_boxes(img, torchlike.tensor([[5.0, 0.0, 1.0, 3.0]]))
    with pytest.raises(ValueError, match="Number of boxes"):
        utils.draw_bounding_boxes(img, torchlike.from_numpy(BOXES), labels=["x"])
    with pytest.raises(ValueError, match="Pass individual images"):
        utils.draw_bounding_boxes(img[None], torchlike.from_numpy(BOXES))
    with pytest.raises(ValueError, match="Number of colors"):
        utils.draw_bounding_boxes(img, torchlike.from_numpy(BOXES), colors=["red"])


MASKS = g.random((3, 20, 24)) > 0.6

MASK_CASES = [
    (IMG_U8, MASKS, {}),
    (IMG_U8, MASKS[0], {"alpha": 0.3, "colors": "green"}),
    ((IMG_U8 / 255).astype(np.float32), MASKS, {"colors": ["red", (1, 2, 3), "#00FFFF"]}),
]


@pytest.mark.parametrize("img,masks,kw", MASK_CASES)
def test_draw_segmentation_masks_matches_torchvision(img, masks, kw):
    got = utils.draw_segmentation_masks(
        torchlike.from_numpy(img.copy()), torchlike.from_numpy(masks), **kw
    )
    want = ref_draw_masks(torch.from_numpy(img.copy()), torch.from_numpy(masks), **kw)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_draw_segmentation_masks_errors():
    img = torchlike.from_numpy(IMG_U8)
    with pytest.raises(ValueError, match="must be of dtype bool"):
        utils.draw_segmentation_masks(img, torchlike.zeros(20, 24))
    with pytest.raises(ValueError, match="same height and width"):
        utils.draw_segmentation_masks(img, torchlike.zeros(5, 5, dtype=torchlike.bool))
