"""``SummaryWriter`` writes event files TensorBoard reads, with what PyTorch's writer writes.

The same calls go to torchlike's and torch's writers; TensorBoard's own reader
(``EventAccumulator``) loads both directories, and the scalars, histograms, images and text
must agree.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

import torchlike as tl  # noqa: E402
from torchlike.utils.tensorboard import SummaryWriter  # noqa: E402

RNG = np.random.default_rng(0)
VALUES = RNG.standard_normal(1000).astype(np.float32)
IMAGE = RNG.random((3, 8, 6)).astype(np.float32)


def log(writer, lib):
    for step in range(5):
        writer.add_scalar("loss/train", lib.tensor(1.0 / (step + 1)), step)
        writer.add_scalar("lr", 0.1 * 0.5**step, global_step=step)
    writer.add_scalars("acc", {"train": 0.9, "test": lib.tensor(0.8)}, 3)
    writer.add_histogram("weights", lib.tensor(VALUES), 1)
    writer.add_histogram("weights_10", VALUES, 2, bins=10)
    writer.add_image("img", lib.tensor(IMAGE), 0)
    writer.add_image("gray", (IMAGE[0] * 255).astype(np.uint8), 1, dataformats="HW")
    writer.add_text("note", "hello **tensorboard**", 4)
    writer.close()


def load(path):
    acc = EventAccumulator(str(path), size_guidance={"images": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb")
    log(SummaryWriter(root / "ours"), tl)
    import torch

    log(TorchWriter(str(root / "theirs")), torch)
    return root / "ours", root / "theirs"


def test_scalars(both):
    ours, theirs = load(both[0]), load(both[1])
    assert sorted(ours.Tags()["scalars"]) == sorted(theirs.Tags()["scalars"])
    for tag in theirs.Tags()["scalars"]:
        a, b = ours.Scalars(tag), theirs.Scalars(tag)
        assert [e.step for e in a] == [e.step for e in b]
        np.testing.assert_allclose([e.value for e in a], [e.value for e in b], rtol=1e-7)


def test_add_scalars_lays_out_series_as_torch(both):
    assert sorted(d for d in os.listdir(both[0]) if os.path.isdir(both[0] / d)) == sorted(
        d for d in os.listdir(both[1]) if os.path.isdir(both[1] / d)
    )
    for sub in ("acc_train", "acc_test"):
        a, b = load(both[0] / sub).Scalars("acc"), load(both[1] / sub).Scalars("acc")
        assert [(e.step, round(e.value, 6)) for e in a] == [(e.step, round(e.value, 6)) for e in b]


def test_histograms(both):
    ours, theirs = load(both[0]), load(both[1])
    for tag in ("weights", "weights_10"):
        (a,), (b,) = ours.Histograms(tag), theirs.Histograms(tag)
        assert a.step == b.step
        ha, hb = a.histogram_value, b.histogram_value
        for field in ("min", "max", "num", "sum", "sum_squares"):
            np.testing.assert_allclose(getattr(ha, field), getattr(hb, field), rtol=1e-6)
        np.testing.assert_allclose(ha.bucket_limit, hb.bucket_limit, rtol=1e-12)
        np.testing.assert_array_equal(ha.bucket, hb.bucket)


def test_images(both):
    from PIL import Image

    ours, theirs = load(both[0]), load(both[1])
    for tag in ("img", "gray"):
        (a,), (b,) = ours.Images(tag), theirs.Images(tag)
        assert (a.step, a.width, a.height) == (b.step, b.width, b.height)
        pa = np.asarray(Image.open(io.BytesIO(a.encoded_image_string)).convert("RGB"))
        pb = np.asarray(Image.open(io.BytesIO(b.encoded_image_string)).convert("RGB"))
        np.testing.assert_allclose(pa, pb, atol=1)


def test_text(both):
    ours, theirs = load(both[0]), load(both[1])
    (a,), (b,) = ours.Tensors("note/text_summary"), theirs.Tensors("note/text_summary")
    assert a.step == b.step and a.tensor_proto.string_val == b.tensor_proto.string_val


def test_default_log_dir_and_context_manager(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_run1") as w:
        w.add_scalar("x", 1.0, 0)
        assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_run1")
    files = os.listdir(w.get_logdir())
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    assert [e.value for e in load(w.get_logdir()).Scalars("x")] == [1.0]


def _events(directory):
    """Every event of the one file in ``directory``, wall times cleared."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    (name,) = os.listdir(directory)
    events = list(EventFileLoader(str(directory / name)).Load())
    for e in events:
        e.ClearField("wall_time")
    return events


def test_new_style_scalars_and_purge_step_write_torchs_events(tmp_path):
    """The events themselves (protos from TensorBoard's loader) equal PyTorch's."""
    import torch

    for lib, writer, sub in ((tl, SummaryWriter, "ours"), (torch, TorchWriter, "theirs")):
        w = writer(str(tmp_path / sub), purge_step=3)
        w.add_scalar("a", lib.tensor(0.25), 3, new_style=True)
        w.add_scalar("b", 1.0 / 3, 4, new_style=True, double_precision=True)
        w.add_scalar("c", 2.5, 5)
        w.close()
    ours, theirs = _events(tmp_path / "ours"), _events(tmp_path / "theirs")
    assert len(ours) == len(theirs) == 6
    assert ours[0].file_version == theirs[0].file_version == "brain.Event:2"
    assert ours[1:] == theirs[1:]
