"""torchlike.onnx.export: models leave as standard ONNX files that onnxruntime runs with a dynamic
batch axis; their outputs match torchlike's and PyTorch's, and the same PyTorch model exported by
``torch.onnx.export`` agrees with them."""

import io
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from test_layers_zoo import resnet18 as zoo_resnet18  # torchvision's layout, written for any nn

import torchlike
import torchlike.onnx
from torchlike.vision import models
from torchlike.vision.models._api import skip_init


def mlp(nn):
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 3))


def lenet(nn):
    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 5, padding=2)
            self.conv2 = nn.Conv2d(4, 8, 5)
            self.fc = nn.Linear(8 * 5 * 5, 10)

        def forward(self, x):
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
            x = nn.functional.avg_pool2d(nn.functional.relu(self.conv2(x)), 2)
            return self.fc(x.flatten(1))

    return LeNet()


def lstm(nn):
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 8, num_layers=2, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.head(y)

    return Tagger()


def encoder_layer(nn):
    return nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)


CASES = {
    "mlp": (mlp, (2, 12)),
    "lenet": (lenet, (2, 1, 28, 28)),
    "resnet18": (lambda nn: zoo_resnet18(nn, num_classes=10), (2, 3, 32, 32)),
    "lstm": (lstm, (2, 5, 4)),
    "transformer_encoder_layer": (encoder_layer, (2, 5, 8)),
}
# torch 2.13's TorchScript exporter fails on nn.MultiheadAttention (it traces `is_causal` into a
# tensor that scaled_dot_product_attention refuses), and its dynamo exporter needs onnxscript,
# which is not a test dependency; that one model is compared with PyTorch eagerly only.
TORCH_CANNOT_EXPORT = {"transformer_encoder_layer"}


def _torchlike_twin(name, theirs):
    build, _ = CASES[name]
    with skip_init():  # the state dict below replaces every value
        ours = models.resnet18(num_classes=10) if name == "resnet18" else build(torchlike.nn)
    ours.load_state_dict(
        {k: torchlike.from_numpy(v.numpy()) for k, v in theirs.state_dict().items()}
    )
    return ours.eval()


def _run(model_bytes, x):
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize("name", list(CASES))
def test_export_runs_in_onnxruntime_and_matches(name):
    build, shape = CASES[name]
    torch.manual_seed(0)
    theirs = build(torch.nn)
    if name == "resnet18":
        with torch.no_grad():
            theirs(torch.randn(4, 3, 32, 32))  # running statistics away from 0 / 1
    theirs.eval()
    ours = _torchlike_twin(name, theirs)
    axes = {"x": {0: "batch"}, "y": {0: "batch"}}

    ours_file = io.BytesIO()
    torchlike.onnx.export(
        ours,
        (torchlike.randn(*shape),),
        ours_file,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes=axes,
    )
    proto = onnx.load_from_string(ours_file.getvalue())
    onnx.checker.check_model(proto)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    params = {i.name for i in proto.graph.initializer}
    assert set(dict(theirs.named_parameters())) <= params  # initializers named as state_dict keys

    theirs_file = None if name in TORCH_CANNOT_EXPORT else io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        if theirs_file is not None:
            torch.onnx.export(
                theirs,
                (torch.randn(*shape),),
                theirs_file,
                input_names=["x"],
                output_names=["y"],
                dynamic_axes=axes,
                dynamo=False,
            )

    for batch in (shape[0], 3):  # the example's batch and another one
        x = np.random.default_rng(batch).standard_normal((batch, *shape[1:])).astype(np.float32)
        with torch.no_grad():
            want = theirs(torch.from_numpy(x)).numpy()
        with torchlike.no_grad():
            eager = ours(torchlike.from_numpy(x)).numpy()
        got = _run(ours_file.getvalue(), x)
        np.testing.assert_allclose(eager, want, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got, eager, rtol=1e-4, atol=1e-5)
        if theirs_file is not None:
            np.testing.assert_allclose(got, _run(theirs_file.getvalue(), x), rtol=1e-4, atol=1e-5)


def test_export_to_path_and_static_shapes(tmp_path):
    model = mlp(torchlike.nn).eval()
    path = tmp_path / "mlp.onnx"
    torchlike.onnx.export(model, torchlike.randn(4, 12), str(path), opset_version=18)
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version == 18
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [4, 12]
    x = np.ones((4, 12), np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torchlike.no_grad():
        want = model(torchlike.from_numpy(x)).numpy()
    np.testing.assert_allclose(session.run(None, {"input": x})[0], want, rtol=1e-5, atol=1e-6)


def test_export_errors(monkeypatch):
    model = mlp(torchlike.nn)

    def sorts(x):
        return torchlike.sort(x, dim=1).values

    with pytest.raises(NotImplementedError, match="primitive 'sort' has no ONNX translation"):
        torchlike.onnx.export(sorts, (torchlike.randn(2, 3),), io.BytesIO())
    with pytest.raises(TypeError, match="does not support the argument 'custom_opsets'"):
        torchlike.onnx.export(model, (torchlike.randn(2, 12),), io.BytesIO(), custom_opsets={})
    with pytest.raises(ValueError, match="opset_version 13 or later"):
        torchlike.onnx.export(model, (torchlike.randn(2, 12),), io.BytesIO(), opset_version=11)
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the extra were not installed
    with pytest.raises(ImportError, match=r"pip install 'torchlike\[onnx\]'"):
        torchlike.onnx.export(model, (torchlike.randn(2, 12),), io.BytesIO())
