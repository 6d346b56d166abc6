"""``torchlike.vision.ops`` against torchvision's definitions, written here in plain PyTorch.

torchvision itself is not importable on these machines (its wheel needs CUDA torch), so each
reference below is torchvision's documented formula run on real PyTorch (``ref``): values,
dtypes and autograd gradients come from PyTorch, not from pasted numbers. NMS is checked against
a greedy loop that follows torchvision's CPU kernel (stable descending sort, IoU in the boxes'
dtype compared with ``>`` against the threshold as a double).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch as ref
from _helpers import run_python

import torchlike as tl
from torchlike.vision import ops

TOL = {
    np.dtype(np.float32): dict(rtol=1.3e-6, atol=1e-5),
    np.dtype(np.float64): dict(rtol=1e-7, atol=1e-7),
    np.dtype(np.float16): dict(rtol=1e-3, atol=1e-5),  # assert_close's float16 row
}
FD_EPS, FD_TOL = 1e-6, dict(rtol=1e-3, atol=1e-5)  # PyTorch's gradcheck settings


# -- torchvision's definitions in plain PyTorch ---------------------------------------------------


def _upcast(t):
    if t.is_floating_point():
        return t if t.dtype in (ref.float32, ref.float64) else t.float()
    return t if t.dtype in (ref.int32, ref.int64) else t.int()


def ref_box_area(b):
    b = _upcast(b)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _ref_inter_union(b1, b2):
    lt = ref.max(b1[:, None, :2], b2[:, :2])
    rb = ref.min(b1[:, None, 2:], b2[:, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, ref_box_area(b1)[:, None] + ref_box_area(b2) - inter


def ref_box_iou(b1, b2):
    inter, union = _ref_inter_union(b1, b2)
    return inter / union


def ref_generalized_box_iou(b1, b2):
    inter, union = _ref_inter_union(b1, b2)
    lti = ref.min(b1[:, None, :2], b2[:, :2])
    rbi = ref.max(b1[:, None, 2:], b2[:, 2:])
    whi = _upcast(rbi - lti).clamp(min=0)
    areai = whi[:, :, 0] * whi[:, :, 1]
    return inter / union - (areai - union) / areai


def _to_xyxy(b, fmt):
    p, q, r, s = b.unbind(-1)
    if fmt == "xywh":
        return ref.stack((p, q, p + r, q + s), dim=-1)
    if fmt == "cxcywh":
        return ref.stack((p - 0.5 * r, q - 0.5 * s, p + 0.5 * r, q + 0.5 * s), dim=-1)
    return b


def _from_xyxy(b, fmt):
    x1, y1, x2, y2 = b.unbind(-1)
    if fmt == "xywh":
        return ref.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)
    if fmt == "cxcywh":
        return ref.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)
    return b


def ref_box_convert(b, in_fmt, out_fmt):
    if in_fmt == out_fmt:
        return b.clone()
    return _from_xyxy(_to_xyxy(b, in_fmt), out_fmt)


def ref_clip_boxes_to_image(b, size):
    height, width = size
    xs, ys = b[..., 0::2].clamp(min=0, max=width), b[..., 1::2].clamp(min=0, max=height)
    return ref.stack((xs, ys), dim=b.dim()).reshape(b.shape)


def ref_generalized_box_iou_loss(b1, b2, reduction="none", eps=1e-7):
    b1 = b1 if b1.dtype in (ref.float32, ref.float64) else b1.float()
    b2 = b2 if b2.dtype in (ref.float32, ref.float64) else b2.float()
    x1, y1, x2, y2 = b1.unbind(-1)
    x1g, y1g, x2g, y2g = b2.unbind(-1)
    xk1, yk1, xk2, yk2 = ref.max(x1, x1g), ref.max(y1, y1g), ref.min(x2, x2g), ref.min(y2, y2g)
    inter = ref.zeros_like(x1)
    m = (yk2 > yk1) & (xk2 > xk1)
    inter[m] = (xk2[m] - xk1[m]) * (yk2[m] - yk1[m])
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    area_c = (ref.max(x2, x2g) - ref.min(x1, x1g)) * (ref.max(y2, y2g) - ref.min(y1, y1g))
    loss = 1 - (inter / (union + eps) - (area_c - union) / (area_c + eps))
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    return loss.sum() if reduction == "sum" else loss


def ref_nms(boxes, scores, iou_threshold, idxs=None):
    """Greedy NMS as torchvision's CPU kernel (``idxs``: only same-category boxes suppress)."""
    if boxes.shape[0] == 0:
        return ref.zeros(0, dtype=ref.int64)
    idxs = ref.zeros(len(scores), dtype=ref.int64) if idxs is None else idxs
    order = scores.sort(stable=True, descending=True).indices.tolist()
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    suppressed, keep = set(), []
    for n, i in enumerate(order):
        if i in suppressed:
            continue
        keep.append(i)
        for j in order[n + 1 :]:
            if j in suppressed or idxs[j] != idxs[i]:
                continue
            lt, rb = ref.max(boxes[i, :2], boxes[j, :2]), ref.min(boxes[i, 2:], boxes[j, 2:])
            w, h = (rb - lt).clamp(min=0)
            inter = w * h
            if float(inter / (areas[i] + areas[j] - inter)) > iou_threshold:
                suppressed.add(j)
    return ref.tensor(keep, dtype=ref.int64)


# -- box sets --------------------------------------------------------------------------------------


def random_boxes(r, n, dtype=np.float32):
    xy = r.uniform(0, 40, (n, 2))
    wh = r.uniform(1, 25, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


def touching_boxes(r, n, dtype=np.float32):
    """Boxes on an integer lattice: shared edges and corners, identical boxes, equal coordinates
    (the ties of max/min and the clamp at 0 that decide where gradients go)."""
    xy = r.integers(0, 4, (n, 2)) * 5
    wh = r.integers(1, 3, (n, 2)) * 5
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


def degenerate_boxes(r, n, dtype=np.float32):
    """Zero-width and zero-height boxes among ordinary ones (0/0 IoUs are NaN, as torchvision)."""
    b = random_boxes(r, n, dtype)
    b[::3, 2] = b[::3, 0]
    b[1::4, 3] = b[1::4, 1]
    return b


BOX_SETS = {
    "random": random_boxes,
    "touching": touching_boxes,
    "degenerate": degenerate_boxes,
    "float64": lambda r, n: random_boxes(r, n, np.float64),
    "float16": lambda r, n: random_boxes(r, n, np.float16),  # computed in float32 (_upcast)
    "int64": lambda r, n: touching_boxes(r, n, np.int64),
    "int16": lambda r, n: touching_boxes(r, n, np.int16),
}
FLOAT_SETS = ("random", "touching", "degenerate", "float64")


# -- the op table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpCase:
    name: str
    ours: Callable
    theirs: Callable
    boxes: int = 1  # how many box arguments (each of 7 boxes, or 5 for the second)
    differentiable: bool = True
    paired: bool = False  # two box sets of the same length (elementwise ops)


OPS = [
    OpCase("box_area", ops.box_area, ref_box_area),
    OpCase("box_iou", ops.box_iou, ref_box_iou, boxes=2),
    OpCase("generalized_box_iou", ops.generalized_box_iou, ref_generalized_box_iou, boxes=2),
    *(
        OpCase(
            f"box_convert_{i}_{o}",
            lambda b, i=i, o=o: ops.box_convert(b, i, o),
            lambda b, i=i, o=o: ref_box_convert(b, i, o),
        )
        for i in ("xyxy", "xywh", "cxcywh")
        for o in ("xyxy", "xywh", "cxcywh")
    ),
    OpCase(
        "clip_boxes_to_image",
        lambda b: ops.clip_boxes_to_image(b, (30, 20)),
        lambda b: ref_clip_boxes_to_image(b, (30, 20)),
    ),
    *(
        OpCase(
            f"generalized_box_iou_loss_{red}",
            lambda a, b, red=red: ops.generalized_box_iou_loss(a, b, reduction=red),
            lambda a, b, red=red: ref_generalized_box_iou_loss(a, b, reduction=red),
            boxes=2,
            paired=True,
        )
        for red in ("none", "mean", "sum")
    ),
]
IDS = [c.name for c in OPS]


def sample(case: OpCase, box_set: str, seed: int = 0) -> list[np.ndarray]:
    r = np.random.default_rng(seed)
    make = BOX_SETS[box_set]
    return [make(r, 7 if k == 0 or case.paired else 5) for k in range(case.boxes)]


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _assert_close(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    tol = TOL.get(theirs.dtype, dict(rtol=0, atol=0))
    np.testing.assert_allclose(ours, theirs, equal_nan=True, **tol)


@pytest.mark.parametrize("box_set", BOX_SETS)
@pytest.mark.parametrize("case", OPS, ids=IDS)
def test_forward_matches_torchvision_definition(case, box_set):
    args = sample(case, box_set)
    ours = case.ours(*(tl.tensor(a) for a in args))
    theirs = case.theirs(*(ref.tensor(a) for a in args))
    _assert_close(_np(ours), theirs.numpy())


def _weights(shape, seed=1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


@pytest.mark.parametrize("box_set", FLOAT_SETS)
@pytest.mark.parametrize("case", [c for c in OPS if c.differentiable], ids=lambda c: c.name)
def test_backward_matches_torch_autograd(case, box_set):
    args = sample(case, box_set)
    ours_in = [tl.tensor(a, requires_grad=True) for a in args]
    theirs_in = [ref.tensor(a, requires_grad=True) for a in args]
    theirs = case.theirs(*theirs_in)
    w = _weights(tuple(theirs.shape))
    finite = np.isfinite(theirs.detach().numpy())  # a NaN IoU would poison every gradient
    w = np.where(finite, w, 0.0).astype(args[0].dtype)
    (ref.nan_to_num(theirs) * ref.tensor(w)).sum().backward()
    (tl.nan_to_num(case.ours(*ours_in)) * tl.tensor(w)).sum().backward()
    for o, t in zip(ours_in, theirs_in):
        _assert_close(_np(o.grad), t.grad.numpy())


@pytest.mark.parametrize("case", [c for c in OPS if c.differentiable], ids=lambda c: c.name)
def test_gradient_matches_finite_differences(case):
    """Analytic gradients against central differences of our own forward, in float64, on boxes
    away from ties (where the one-sided slopes differ)."""
    args = sample(case, "float64", seed=3)
    inputs = [tl.tensor(a, requires_grad=True) for a in args]
    out = case.ours(*inputs)
    w = _weights(tuple(out.shape))
    (out * tl.tensor(w)).sum().backward()

    def value(arrays) -> float:
        return float((_np(case.ours(*(tl.tensor(a) for a in arrays))) * w).sum())

    for k, t in enumerate(inputs):
        numeric = np.zeros_like(args[k])
        for j in range(args[k].size):
            shifted = []
            for step in (FD_EPS, -FD_EPS):
                moved = [a.copy() for a in args]
                moved[k].flat[j] += step
                shifted.append(value(moved))
            numeric.flat[j] = (shifted[0] - shifted[1]) / (2 * FD_EPS)
        np.testing.assert_allclose(_np(t.grad), numeric, **FD_TOL)


def test_differentiable_ops_compile_with_the_same_values_and_gradients():
    """All differentiable ops in one compiled step: values and gradients as eagerly."""
    args = sample(OPS[1], "random") + sample(OpCase("p", None, None, 2, paired=True), "random")

    def step(a, b, c, d):
        total = 0
        for case in OPS:
            inputs = (a, b) if case.boxes == 2 and not case.paired else (c, d)
            total = total + case.ours(*inputs[: case.boxes]).sum()
        total.backward()
        return total

    results = []
    for fn in (step, tl.compile(step)):
        inputs = [tl.tensor(a, requires_grad=True) for a in args]
        total = fn(*inputs)
        results.append([_np(total)] + [_np(t.grad) for t in inputs])
    for eager, compiled in zip(*results):
        np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


# -- NMS ------------------------------------------------------------------------------------------


def nms_sample(kind: str, seed: int, n: int = 40):
    r = np.random.default_rng(seed)
    boxes = (touching_boxes if kind == "touching" else random_boxes)(r, n)
    if kind == "degenerate":
        boxes = degenerate_boxes(r, n)
        boxes[5:8] = boxes[4]  # identical boxes, empty ones among them
    if kind == "tied_scores":
        scores = r.integers(0, 4, n) / 4  # many equal scores: index order decides
        scores[::7] = -np.inf  # below NMS's internal padding, which must not reorder them
    elif kind == "identical":
        boxes[:] = boxes[0]
        scores = np.full(n, 0.5)
    else:
        scores = r.uniform(0, 1, n)
    return boxes, scores.astype(np.float32), r.integers(0, 3, n)


NMS_KINDS = ("random", "touching", "degenerate", "tied_scores", "identical")
THRESHOLDS = (0.0, 0.3, 0.5, 0.7, 1.0)


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("kind", NMS_KINDS)
def test_nms_matches_greedy_reference(kind, threshold):
    boxes, scores, _ = nms_sample(kind, seed=THRESHOLDS.index(threshold))
    ours = ops.nms(tl.tensor(boxes), tl.tensor(scores), threshold)
    theirs = ref_nms(ref.tensor(boxes), ref.tensor(scores), threshold)
    assert ours.dtype == tl.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("threshold", (0.3, 0.5))
@pytest.mark.parametrize("kind", NMS_KINDS)
def test_batched_nms_matches_per_category_reference(kind, threshold):
    boxes, scores, idxs = nms_sample(kind, seed=7)
    ours = ops.batched_nms(tl.tensor(boxes), tl.tensor(scores), tl.tensor(idxs), threshold)
    theirs = ref_nms(ref.tensor(boxes), ref.tensor(scores), threshold, ref.tensor(idxs))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    kept = scores[ours.numpy()]
    assert np.all(kept[:-1] >= kept[1:])  # by decreasing score


def test_nms_of_no_boxes_is_empty():
    boxes, scores = tl.zeros(0, 4), tl.zeros(0)
    for keep in (ops.nms(boxes, scores, 0.5), ops.batched_nms(boxes, scores, tl.zeros(0), 0.5)):
        assert keep.shape == (0,) and keep.dtype == tl.int64


@pytest.mark.parametrize("min_size", (0.0, 5.0, 10.0))
def test_remove_small_boxes(min_size):
    boxes = touching_boxes(np.random.default_rng(0), 12)
    boxes[::4, 2] = boxes[::4, 0] + 4
    b = ref.tensor(boxes)
    keep = ref.where(((b[:, 2] - b[:, 0]) >= min_size) & ((b[:, 3] - b[:, 1]) >= min_size))[0]
    ours = ops.remove_small_boxes(tl.tensor(boxes), min_size)
    assert ours.dtype == tl.int64
    np.testing.assert_array_equal(ours.numpy(), keep.numpy())


@pytest.mark.parametrize(
    "fn",
    [
        lambda b, s: ops.nms(b, s, 0.5),
        lambda b, s: ops.batched_nms(b, s, tl.zeros(3, dtype=tl.int64), 0.5),
        lambda b, s: ops.remove_small_boxes(b, 1.0),
    ],
    ids=["nms", "batched_nms", "remove_small_boxes"],
)
def test_data_dependent_ops_refuse_to_compile(fn):
    boxes = tl.tensor(random_boxes(np.random.default_rng(0), 3))
    with pytest.raises(RuntimeError, match="outside it"):
        tl.compile(fn)(boxes, tl.ones(3))


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: ops.box_convert(tl.zeros(2, 4), "xyxy", "xyz"),
            ValueError,
            "Unsupported Bounding",
        ),
        (lambda: ops.box_convert(tl.zeros(2, 4), "xyxy", "xywhr"), NotImplementedError, "rotated"),
        (
            lambda: ops.generalized_box_iou_loss(tl.zeros(4), tl.zeros(4), reduction="avg"),
            ValueError,
            "Invalid Value for arg 'reduction'",
        ),
        (lambda: ops.nms(tl.zeros(3, 4, 1), tl.zeros(3), 0.5), RuntimeError, "2d tensor, got 3D"),
        (lambda: ops.nms(tl.zeros(3, 5), tl.zeros(3), 0.5), RuntimeError, "4 elements"),
        (lambda: ops.nms(tl.zeros(3, 4), tl.zeros(2), 0.5), RuntimeError, "got 3 and 2"),
        (
            lambda: ops.nms(tl.zeros(3, 4), tl.zeros(3, dtype=tl.float64), 0.5),
            RuntimeError,
            "same type",
        ),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_torchvision_ops_resolve_under_torchlike_run(tmp_path):
    script = textwrap.dedent(
        """
        import torch
        import torchvision
        from torchvision.ops import batched_nms, box_iou

        boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
        print(box_iou(boxes, boxes)[0, 1].item())
        print(batched_nms(boxes, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([0, 0, 1]), 0.5))
        out = torchvision.ops.box_convert(boxes, "xyxy", "cxcywh")
        print(type(out) is torch.Tensor and torch.__name__)
        """
    )
    (tmp_path / "det.py").write_text(script)
    stdout = run_python(["-m", "torchlike", "run", "det.py"], tmp_path, timeout=120)
    iou, keep, module = stdout.splitlines()
    boxes = ref.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11]])
    assert float(iou) == pytest.approx(ref_box_iou(boxes, boxes)[0, 1].item(), rel=1e-6)
    assert keep == "tensor([0, 2])" and module.startswith("torchlike")
