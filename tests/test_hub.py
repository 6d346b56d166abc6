"""torchlike.hub and the pretrained-weights API, with a local HTTP server on 127.0.0.1 playing
download.pytorch.org and GitHub (no network in the tests). PyTorch's own ``torch.hub`` reads the
cache torchlike writes, and vice versa."""

import hashlib
import io
import os
import zipfile

import numpy as np
import pytest
import torch
from _helpers import FileServer

import torchlike
from torchlike import hub
from torchlike.vision import models
from torchlike.vision.models._api import skip_init


@pytest.fixture(scope="module")
def server():
    """``(base_url, routes)``: put bytes at ``routes[path]`` to serve them."""
    s = FileServer()
    yield s.base, s.files
    s.close()


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    return os.path.join(str(tmp_path / "torch_home"), "hub")


def _torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


TINY = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([1, 2], dtype=torch.int64)}


@pytest.mark.parametrize(
    "env",
    [{"TORCH_HOME": "/x/th"}, {"XDG_CACHE_HOME": "/x/xdg"}, {"HOME": "/x/home"}],
)
def test_get_dir_is_torchs(env, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert hub.get_dir() == torch.hub.get_dir()
    hub.set_dir("~/elsewhere")
    torch.hub.set_dir("~/elsewhere")
    assert hub.get_dir() == torch.hub.get_dir()


def test_download_url_to_file_checks_the_hash_prefix(server, tmp_path):
    base, routes = server
    routes["/f.bin"] = b"payload" * 1000
    digest = hashlib.sha256(routes["/f.bin"]).hexdigest()
    dst = tmp_path / "f.bin"
    hub.download_url_to_file(base + "/f.bin", str(dst), hash_prefix=digest[:10], progress=False)
    assert dst.read_bytes() == routes["/f.bin"]
    bad = tmp_path / "bad.bin"
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.download_url_to_file(base + "/f.bin", str(bad), hash_prefix="0000", progress=False)
    assert sorted(os.listdir(tmp_path)) == ["f.bin"]  # no target, no .partial left behind


def test_load_state_dict_from_url_downloads_once_then_uses_the_cache(server, hub_dir):
    base, routes = server
    data = _torch_bytes(TINY)
    name = f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    routes["/models/" + name] = data
    sd = hub.load_state_dict_from_url(base + "/models/" + name, check_hash=True, progress=False)
    np.testing.assert_array_equal(sd["w"].numpy(), TINY["w"].numpy())
    assert sd["b"].dtype == torchlike.int64
    cached = os.path.join(hub_dir, "checkpoints", name)
    assert os.path.exists(cached)
    del routes["/models/" + name]  # "offline": both libraries answer from the cache
    assert set(hub.load_state_dict_from_url(base + "/models/" + name)) == {"w", "b"}
    assert torch.equal(torch.hub.load_state_dict_from_url(base + "/models/" + name)["w"], TINY["w"])
    routes["/models/tiny-deadbeef.pth"] = data
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(base + "/models/tiny-deadbeef.pth", check_hash=True)
    assert not os.path.exists(os.path.join(hub_dir, "checkpoints", "tiny-deadbeef.pth"))
    other = hub.load_state_dict_from_url(
        base + "/models/tiny-deadbeef.pth", model_dir=os.path.join(hub_dir, "x"), file_name="y.pt"
    )
    assert set(other) == {"w", "b"} and os.path.exists(os.path.join(hub_dir, "x", "y.pt"))


def test_weights_enum_finds_the_torchvision_file_in_the_cache(hub_dir):
    weights = models.ResNet18_Weights.DEFAULT
    assert weights is models.ResNet18_Weights.IMAGENET1K_V1
    assert weights.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert len(weights.meta["categories"]) == 1000 and weights.meta["categories"][0] == "tench"
    os.makedirs(os.path.join(hub_dir, "checkpoints"))
    with open(os.path.join(hub_dir, "checkpoints", "resnet18-f37072fd.pth"), "wb") as f:
        f.write(_torch_bytes(TINY))
    sd = weights.get_state_dict(progress=False, check_hash=True)  # no network: the cache
    np.testing.assert_array_equal(sd["w"].numpy(), TINY["w"].numpy())


def test_weights_enum_download_refuses_a_wrong_hash(server, hub_dir, monkeypatch):
    base, routes = server
    routes["/models/resnet18-f37072fd.pth"] = _torch_bytes(TINY)  # not the official bytes
    value = models.ResNet18_Weights.IMAGENET1K_V1.value
    monkeypatch.setattr(value, "url", base + "/models/resnet18-f37072fd.pth")
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "f37072fd"'):
        models.ResNet18_Weights.DEFAULT.get_state_dict(progress=False, check_hash=True)
    assert os.listdir(os.path.join(hub_dir, "checkpoints")) == []


def test_builder_loads_weights_from_the_cache_and_legacy_pretrained(hub_dir):
    with skip_init():  # only the shapes matter here
        reference = models.squeezenet1_1().eval()
    sd = {k: v + 1 if v.dtype.is_floating_point else v for k, v in reference.state_dict().items()}
    os.makedirs(os.path.join(hub_dir, "checkpoints"))
    torchlike.save(sd, os.path.join(hub_dir, "checkpoints", "squeezenet1_1-b8a52dc0.pth"))
    for kwargs in ({"weights": models.SqueezeNet1_1_Weights.DEFAULT}, {"weights": "DEFAULT"}):
        model = models.squeezenet1_1(**kwargs)
        got = model.state_dict()
        np.testing.assert_array_equal(got["features.0.weight"], sd["features.0.weight"])
    with pytest.warns(UserWarning) as record:
        model = models.squeezenet1_1(pretrained=True)
    assert "'pretrained' is deprecated" in str(record[0].message)
    assert "weights=SqueezeNet1_1_Weights.IMAGENET1K_V1" in str(record[1].message)
    np.testing.assert_array_equal(model.state_dict()["classifier.1.bias"], sd["classifier.1.bias"])
    with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
        models.squeezenet1_1(weights="DEFAULT", num_classes=10)
    with pytest.raises(TypeError, match="expected SqueezeNet1_1_Weights but received"):
        models.squeezenet1_1(weights=models.ResNet18_Weights.DEFAULT)


def test_model_registry():
    assert {"resnet18", "vgg16_bn", "mobilenet_v2", "alexnet", "squeezenet1_0"} <= set(
        models.list_models()
    )
    assert models.list_models(include="resnet1*", exclude="*52") == ["resnet101", "resnet18"]
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_model_weights(models.vgg16) is models.VGG16_Weights
    assert models.get_weight("ResNet50_Weights.DEFAULT") is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(models.ResNet50_Weights.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    preset = models.ResNet50_Weights.DEFAULT.transforms()
    assert (preset.crop_size, preset.resize_size) == ([224], [232])


HUBCONF = '''
"""A tiny hub repository."""
import torchlike
from torchlike import nn

dependencies = ["numpy"]


def tiny_mlp(hidden=4):
    """Two linear layers; ``hidden`` units."""
    return nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 2))


def needs_missing():
    return None


def _private():
    return None
'''


def test_hub_local_directory(tmp_path):
    (tmp_path / "hubconf.py").write_text(HUBCONF)
    model = hub.load(str(tmp_path), "tiny_mlp", hidden=5, source="local")
    assert tuple(model[0].weight.shape) == (5, 3)
    assert hub.help(str(tmp_path), "tiny_mlp", source="local").startswith("Two linear layers")
    assert hub.list(str(tmp_path), source="local") == ["needs_missing", "tiny_mlp"]
    with pytest.raises(RuntimeError, match="Cannot find callable nothere in hubconf"):
        hub.load(str(tmp_path), "nothere", source="local")
    with pytest.raises(ValueError, match='Unknown source: "gitlab"'):
        hub.load(str(tmp_path), "tiny_mlp", source="gitlab")
    (tmp_path / "hubconf.py").write_text(HUBCONF.replace('["numpy"]', '["numpy", "no_such_pkg"]'))
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_pkg"):
        hub.load(str(tmp_path), "tiny_mlp", source="local")


def test_hub_github_download_then_cache(server, hub_dir, monkeypatch, capsys):
    base, routes = server
    monkeypatch.setattr(hub, "GITHUB", base)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("someone-tiny-0a1b2c3/", "")
        zf.writestr("someone-tiny-0a1b2c3/hubconf.py", HUBCONF)
    routes["/someone/tiny/zipball/main"] = archive.getvalue()
    model = hub.load("someone/tiny:main", "tiny_mlp", trust_repo=True)
    assert tuple(model[2].weight.shape) == (2, 4)
    repo_dir = os.path.join(hub_dir, "someone_tiny_main")
    assert os.path.isfile(os.path.join(repo_dir, "hubconf.py"))
    with open(os.path.join(hub_dir, "trusted_list")) as f:
        assert f.read().split() == ["someone_tiny"]
    del routes["/someone/tiny/zipball/main"]  # offline from here on
    assert hub.list("someone/tiny", trust_repo=True) == ["needs_missing", "tiny_mlp"]
    assert "Using cache found in" in capsys.readouterr().err
    assert torch.hub.list("someone/tiny:main", trust_repo=True) == ["needs_missing", "tiny_mlp"]
