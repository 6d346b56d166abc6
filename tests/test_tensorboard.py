"""``SummaryWriter`` writes event files TensorBoard reads, with what PyTorch's writer writes.

The same calls go to torchlike's and torch's writers; TensorBoard's own reader
(``EventAccumulator``) loads both directories, and the scalars, histograms, images and text
must agree.
"""

from __future__ import annotations

import io
import os
import warnings

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
LABELS = RNG.random(200) < 0.4
PREDS = np.clip(LABELS * 0.3 + RNG.random(200) * 0.7, 0, 1).astype(np.float32)


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
    writer.add_pr_curve("pr", lib.tensor(LABELS), lib.tensor(PREDS), 3)
    writer.add_pr_curve("pr_w", LABELS.astype(np.int64), PREDS, 4, 300, weights=PREDS * 2)
    writer.close()
    writer.add_scalar("after_close", 2.0, 6)  # a new event file, as PyTorch opens
    writer.close()
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


def test_pr_curves(both):
    ours, theirs = load(both[0]), load(both[1])
    for tag in ("pr", "pr_w"):
        (a,), (b,) = ours.Tensors(tag), theirs.Tensors(tag)
        assert a.step == b.step and a.tensor_proto.tensor_shape == b.tensor_proto.tensor_shape
        np.testing.assert_allclose(a.tensor_proto.float_val, b.tensor_proto.float_val, rtol=1e-6)
        assert ours.SummaryMetadata(tag) == theirs.SummaryMetadata(tag)


def test_writing_after_close_opens_a_new_file(both):
    for d in both:
        assert len([f for f in os.listdir(d) if f.startswith("events.out")]) == 2
    assert [(e.step, e.value) for e in load(both[0]).Scalars("after_close")] == [(6, 2.0)]


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


# -- add_graph ------------------------------------------------------------------------------------
def _models(lib):
    """(name, model, input) built alike with ``lib`` (torch or torchlike)."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.bn = nn.BatchNorm2d(2)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 4), nn.ReLU())

        def forward(self, x):
            y = self.block(x)
            return self.head(y) * 2, y.mean()

    class Branchy(nn.Module):  # data-dependent control flow: the graph takes the input's path
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.skip = nn.Linear(4, 4)

        def forward(self, x):
            if x.sum() > 0:
                x = self.fc(x)
            else:
                x = self.skip(x)
            for i in range(x.size(0)):
                x = x + i
            return x.view(x.size(0), -1)

    lib.manual_seed(0)
    seq = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))  # (shapes shared: fast)
    x4 = lib.tensor(VALUES[:8].reshape(2, 4))
    return [
        ("sequential", seq, lib.tensor(VALUES[:12].reshape(3, 4))),
        ("nested", Net(), lib.tensor(VALUES[:32].reshape(2, 1, 4, 4))),
        ("branch_pos", Branchy(), abs(x4)),
        ("branch_neg", Branchy(), -abs(x4)),
    ]


_SAME_OP = {"aten::_convolution": "aten::conv2d"}  # jit records conv2d as its C++ kernel


def _shapes(node):
    return [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]


def _canonical(graph_def):
    """The graph as PyTorch's and torchlike's have it alike: each tensor op (an ``aten::`` node
    with an output shape) and input by (scope, op, shapes), with the tensor ops and inputs it
    takes."""
    by_name = {n.name: n for n in graph_def.node}

    def key(n):
        if n.op == "IO Node":
            return (n.name.split("/")[0], _shapes(n))
        return (n.name.rsplit("/", 1)[0], _SAME_OP.get(n.op, n.op), _shapes(n))

    def is_tensor(n):
        return (n.op.startswith("aten::") and _shapes(n)) or n.name.startswith("input/")

    return sorted(
        (key(n), sorted(key(by_name[i]) for i in n.input if is_tensor(by_name[i])))
        for n in graph_def.node
        if is_tensor(n)
    )


def _graph_of(log_dir):
    acc = EventAccumulator(str(log_dir))
    acc.Reload()
    return acc.Graph(), acc.Tags()["run_metadata"]


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    """Each model's graph written by both writers and read back with TensorBoard's reader."""
    import torch
    from torch.jit import TracerWarning as TorchTracerWarning

    root = tmp_path_factory.mktemp("graphs")
    out = {}
    for lib, writer, warning in (
        (tl, SummaryWriter, tl.jit.TracerWarning),
        (torch, TorchWriter, TorchTracerWarning),
    ):
        for name, model, x in _models(lib):
            w = writer(str(root / lib.__name__ / name))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "`torch.jit.trace", DeprecationWarning)
                if name.startswith("branch"):
                    with pytest.warns(warning, match="Python boolean"):
                        w.add_graph(model, x)
                else:
                    w.add_graph(model, x)
            w.close()
            out[lib.__name__, name] = _graph_of(root / lib.__name__ / name)
    return out


@pytest.mark.parametrize("name", ["sequential", "nested", "branch_pos", "branch_neg"])
def test_add_graph_ops_scopes_and_edges_as_torch(graphs, name):
    (ours, tags), (theirs, their_tags) = graphs["torchlike", name], graphs["torch", name]
    assert tags == their_tags == ["step1"]
    assert _canonical(ours) == _canonical(theirs)
    # every parameter PyTorch reads, ours reads in the same module scope
    ours_attr = {(n.name.rsplit("/", 1)[0], n.attr["attr"].s) for n in ours.node
                 if n.op == "prim::GetAttr"}  # fmt: skip
    their_attr = {(n.name.rsplit("/", 2)[0], n.attr["attr"].s) for n in theirs.node
                  if n.op == "prim::GetAttr"}  # fmt: skip
    assert ours_attr == their_attr
    # our edges all name nodes of the graph; the output node takes the model's result
    names = {n.name for n in ours.node}
    assert all(i in names for n in ours.node for i in n.input)
    (out,) = [n for n in ours.node if n.name == "output/output.1"]
    (their_out,) = [n for n in theirs.node if n.name == "output/output.1"]
    if name != "nested":  # (a tuple: PyTorch writes the shape [1])
        assert _shapes(out) == _shapes(their_out)
    assert ours.versions.producer == theirs.versions.producer == 22


def test_add_graph_follows_the_branch_taken(graphs):
    for name, layer in (("branch_pos", "fc"), ("branch_neg", "skip")):
        scopes = {n.name.rsplit("/", 1)[0] for n in graphs["torchlike", name][0].node}
        assert f"Branchy/Linear[{layer}]" in scopes
        assert not any("Linear" in s and layer not in s for s in scopes)


class _Checked(tl.nn.Module):
    """A forward symbolic values cannot run (an isinstance check on its input)."""

    def __init__(self):
        super().__init__()
        self.fc = tl.nn.Linear(4, 4)

    def forward(self, x):
        if not isinstance(x, tl.Tensor):
            raise TypeError("a tensor is expected")
        return self.fc(x)


class _Outer(tl.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = _Checked()
        self.out = tl.nn.Linear(4, 4)

    def forward(self, x):
        return self.out(self.inner(x).relu())


def test_add_graph_draws_an_unrecordable_module_as_one_node(tmp_path, capsys):
    from torchlike.fx.proxy import symbolic_mode

    w = SummaryWriter(str(tmp_path))
    with pytest.warns(tl.jit.TracerWarning, match=r"_Checked\.forward \(TypeError"):
        w.add_graph(_Outer(), tl.ones(2, 4), verbose=True)
    w.close()
    assert "call_module[target=inner]" in capsys.readouterr().out  # verbose prints the graph
    assert not symbolic_mode.active  # no Proxy outlives add_graph
    nodes = {n.name: n for n in _graph_of(tmp_path)[0].node}
    inner = nodes["_Outer/_Checked[inner]/inner"]
    assert (inner.op, list(inner.input), _shapes(inner)) == ("_Checked", ["input/x"], [[2, 4]])
    assert nodes["_Outer/relu"].input == [inner.name]
    assert nodes["_Outer/Linear[out]/linear"].input[0] == "_Outer/relu"
    assert not any(name.startswith("_Outer/_Checked[inner]/Linear") for name in nodes)


def _dict_out(lib):
    class DictOut(lib.nn.Module):
        def forward(self, x):
            return {"y": x * 2}

    return DictOut()


def _int_out(lib):
    class IntOut(lib.nn.Module):
        def forward(self, x):
            return 3

    return IntOut()


def _two_args(lib):
    return lib.nn.ReLU()


@pytest.mark.parametrize(
    "make, inputs, strict",
    [
        (_dict_out, "tensor", True),  # a dict output needs use_strict_trace=False
        (_int_out, "tensor", True),  # only tensors may be output
        (_two_args, None, True),  # no input
        (_two_args, "tensor_and_int", True),  # only tensors may be input
    ],
)
def test_add_graph_refuses_what_torch_refuses(tmp_path, capsys, make, inputs, strict):
    import torch

    errors = []
    for lib, writer in ((tl, SummaryWriter), (torch, TorchWriter)):
        x = {None: None, "tensor": lib.ones(2), "tensor_and_int": (lib.ones(2), 2)}[inputs]
        w = writer(str(tmp_path / lib.__name__))
        with pytest.raises(RuntimeError) as info, warnings.catch_warnings():
            warnings.filterwarnings("ignore", "`torch.jit.trace", DeprecationWarning)
            w.add_graph(make(lib), x, use_strict_trace=strict)
        w.close()
        errors.append((str(info.value), capsys.readouterr().out))
    assert errors[0] == errors[1]
    assert errors[0][1].endswith("Error occurs, No graph saved\n")


def test_add_graph_dict_output_without_strict(tmp_path):
    w = SummaryWriter(str(tmp_path))
    w.add_graph(_dict_out(tl), tl.ones(2), use_strict_trace=False)
    w.close()
    ops = [n.op for n in _graph_of(tmp_path)[0].node]
    assert ops.count("aten::mul") == 1 and "prim::DictConstruct" in ops


class _WithConstant(tl.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tl.nn.Linear(4, 4)
        self.drop = tl.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.fc(x)) + tl.ones(4) * x.shape[1]


def test_add_graph_records_in_eval_mode_and_leaves_the_model_as_it_was(tmp_path):
    model = _WithConstant().train()
    before = (sorted(vars(model)), sorted(model.state_dict()))
    w = SummaryWriter(str(tmp_path))
    w.add_graph(model, tl.ones(2, 4))
    w.close()
    assert model.training and model.drop.training
    assert (sorted(vars(model)), sorted(model.state_dict())) == before
    nodes = {n.name: n for n in _graph_of(tmp_path)[0].node}
    (const,) = [n for n in nodes.values() if n.op == "prim::Constant" and _shapes(n) == [[4]]]
    (mul,) = [n for n in nodes.values() if n.op == "aten::mul"]
    assert mul.input[0] == const.name
    shape_1 = nodes[mul.input[1]]  # x.shape[1], recorded
    assert (shape_1.op, nodes[shape_1.input[0]].op) == ("aten::__getitem__", "aten::size")
    (drop,) = [n for n in nodes.values() if n.op == "aten::dropout"]
    assert "{ value : False}" in [nodes[i].attr["attr"].s.decode() for i in drop.input]
