"""``torchlike.save`` / ``torchlike.load`` round trips, in every format, and the allow-list.

Each object row is saved and loaded in each format that can hold it; the result must equal the
original exactly: container types and key order, tensor dtypes, shapes and bits, shared tensors
still shared. Safetensors files are checked both ways against ``safetensors.torch`` with real
torch, malformed ones for torchlike's errors. PyTorch's own files (``torch.save``/``torch.load``)
are tested in ``test_torch_files.py``.
"""

from __future__ import annotations

import collections
import copy
import io
import os
import pickle

import jax
import numpy as np
import pytest
from _helpers import run_python
from flax import nnx

import torchlike as tl
from torchlike import nn


def _bits(t: tl.Tensor) -> np.ndarray:
    arr = np.asarray(t._data)
    return arr.reshape(-1).view(np.uint8)


def assert_same(got, want) -> None:
    """Exact equality: types, key order, dtypes, shapes and bits of tensors."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, tl.Tensor):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.requires_grad == want.requires_grad
        np.testing.assert_array_equal(_bits(got), _bits(want))
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_same(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    else:
        assert got == want


def _nested():
    return {
        "z": tl.ones(2, dtype=tl.bfloat16),
        "a": [tl.arange(6).reshape(2, 3), (1, 2.5, "text", None, True)],
        3: {"bool": tl.tensor([True, False]), "int8": tl.tensor([-1, 2], dtype=tl.int8)},
        "f64": tl.tensor([1.0, 1e-300], dtype=tl.float64),
        "f16": tl.tensor([0.1, 65504.0], dtype=tl.float16),
        "u8": tl.tensor([0, 255], dtype=tl.uint8),
        "i32": tl.tensor([-(2**31)], dtype=tl.int32),
        "c64": tl.tensor([1 + 2j]),
        "scalar": tl.tensor(3.25),
        "empty": tl.zeros(0, 4),
        "grad": tl.ones(2, requires_grad=True),
        "size": tl.Size([2, 3]),
        "dtype": tl.int64,
        "bytes": b"\x00\xff",
        "set": {1, 2},
    }


def _optimizer_state():
    model = nn.Linear(3, 2)
    opt = tl.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    model(tl.randn(4, 3)).sum().backward()
    opt.step()
    return opt.state_dict()


OBJECTS = {
    "tensor": lambda: tl.randn(3, 4),
    "state_dict": lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).state_dict(),
    "nested": _nested,
    "optimizer_state_dict": _optimizer_state,
    "ordered_dict": lambda: collections.OrderedDict([("b", 1), ("a", tl.zeros(2))]),
    "no_tensors": lambda: {"epoch": 3, "names": ["x", "y"]},
}
FORMATS = {"orbax": "ckpt", "torch": "ckpt.pt"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", OBJECTS)
def test_round_trip(tmp_path, name, fmt):
    tl.manual_seed(0)
    obj = OBJECTS[name]()
    path = _saved(obj, tmp_path / FORMATS[fmt])
    assert path.is_dir() == (fmt == "orbax")
    assert_same(tl.load(path), obj)


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_tensors_stay_shared(tmp_path, fmt):
    t = tl.randn(3)
    loaded = tl.load(_saved({"a": t, "b": [t]}, tmp_path / FORMATS[fmt]))
    assert loaded["a"] is loaded["b"][0]


def test_file_objects_use_the_torch_format():
    obj = {"w": tl.randn(2, 2)}
    buffer = io.BytesIO()
    tl.save(obj, buffer)
    assert buffer.getvalue()[:4] == b"PK\x03\x04"
    buffer.seek(0)
    assert_same(tl.load(buffer), obj)


@pytest.mark.parametrize("fmt", FORMATS)
def test_overwrite_replaces_the_checkpoint(tmp_path, fmt):
    path = _saved({"v": tl.zeros(2)}, tmp_path / FORMATS[fmt])
    _saved({"w": tl.ones(3)}, path)
    assert_same(tl.load(path), {"w": tl.ones(3)})
    assert sorted(os.listdir(tmp_path)) == [FORMATS[fmt]]  # no temporary left behind


# -- safetensors: the package's files both ways, with real torch, and malformed files refused -----

SAFETENSORS = {  # every dtype the format shares with torch, 0-d and empty shapes
    "b.weight": lambda lib: lib.tensor([[-2.0, 0.5, 1e-3], [3.0, -0.0, float("nan")]]),
    "a.bias": lambda lib: lib.tensor([0.5, -1.25, 3.0, 1e30], dtype=lib.bfloat16),
    "f64": lambda lib: lib.tensor([1.0, 1e-300], dtype=lib.float64),
    "f16": lambda lib: lib.tensor([[0.1], [65504.0]], dtype=lib.float16),
    "steps": lambda lib: lib.arange(3),
    "i32": lambda lib: lib.tensor(-(2**31), dtype=lib.int32),
    "i16": lambda lib: lib.tensor([-7, 9], dtype=lib.int16),
    "i8": lambda lib: lib.tensor([-1, 2], dtype=lib.int8),
    "u8": lambda lib: lib.tensor([0, 255], dtype=lib.uint8),
    "mask": lambda lib: lib.tensor([True, False, True]),
    "c64": lambda lib: lib.tensor([1 + 2j, -0.5j]),
    "empty": lambda lib: lib.zeros(0, 4),
}


def _safetensors_dict(lib) -> dict:
    return {name: make(lib) for name, make in SAFETENSORS.items()}


def _same_as_torch(ours: dict, theirs: dict) -> None:
    """torchlike tensors equal torch's: names in the same order, dtypes, shapes and bits."""
    import torch

    assert list(ours) == list(theirs)
    for name, t in theirs.items():
        got = ours[name]
        assert str(got.dtype) == str(t.dtype) and tuple(got.shape) == tuple(t.shape), name
        want = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
        np.testing.assert_array_equal(_bits(got), want.numpy().reshape(-1).view(np.uint8))


def test_safetensors_round_trip(tmp_path):
    tensors = _safetensors_dict(tl)
    path = tmp_path / "model.safetensors"
    tl.save(tensors, path)
    loaded = tl.load(path)
    assert sorted(loaded) == sorted(tensors)
    assert_same({k: loaded[k] for k in tensors}, tensors)
    buffer = io.BytesIO(path.read_bytes())  # a file object holding one loads the same
    assert_same(tl.load(buffer), loaded)
    with pytest.raises(ValueError, match="flat dict"):
        tl.save({"nested": {"x": tl.ones(1)}}, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError, match="no dtype for complex128"):
        tl.save({"z": tl.tensor([1j], dtype=tl.complex128)}, tmp_path / "bad.safetensors")


def test_safetensors_interchange_with_torch(tmp_path):
    """Files written by torchlike load with ``safetensors.torch`` and the reverse, in the same
    tensor order and bit for bit."""
    import torch
    from safetensors.torch import load_file, save_file

    expected = _safetensors_dict(torch)
    _same_as_torch(_safetensors_dict(tl), expected)  # the table builds the same in both
    ours = tmp_path / "ours.safetensors"
    tl.save(_safetensors_dict(tl), ours)
    read_by_torch = load_file(ours)
    assert sorted(read_by_torch) == sorted(expected)
    for name, t in expected.items():
        assert read_by_torch[name].dtype == t.dtype
        assert torch.equal(
            read_by_torch[name].view(-1).view(torch.uint8), t.view(-1).view(torch.uint8)
        )
    _same_as_torch(tl.load(ours), read_by_torch)
    theirs = tmp_path / "theirs.safetensors"
    save_file(_safetensors_dict(torch), theirs, metadata={"format": "pt"})
    _same_as_torch(tl.load(theirs), load_file(theirs))


def _safetensors_file(header, data: bytes = b"", raw: bytes | None = None) -> bytes:
    import json
    import struct

    text = json.dumps(header).encode() if raw is None else raw
    return struct.pack("<Q", len(text)) + text + data


def _f32(offsets, shape=(1,)):
    return {"dtype": "F32", "shape": list(shape), "data_offsets": list(offsets)}


MALFORMED_SAFETENSORS = {  # file bytes, what the error says
    "header_past_the_end": (b"\x40" + b"\x00" * 7 + b'{"x":', "header runs past the end"),
    "not_json": (_safetensors_file(None, raw=b"{not json}"), "not the format's JSON"),
    "not_utf8": (_safetensors_file(None, raw=b'{"\xff":1}'), "not UTF-8"),
    "offsets_past_the_end": (
        _safetensors_file({"x": _f32((0, 64), (16,))}, b"\x00" * 16),
        "data_offsets past the end",
    ),
    "offsets_disagree_with_shape": (
        _safetensors_file({"x": _f32((0, 8), (4,))}, b"\x00" * 8),
        "bad data_offsets",
    ),
    "gap": (_safetensors_file({"x": _f32((4, 8))}, b"\x00" * 8), "bad data_offsets for 'x'"),
    "overlap": (
        _safetensors_file({"x": _f32((0, 8), (2,)), "y": _f32((4, 12), (2,))}, b"\x00" * 12),
        "bad data_offsets for 'y'",
    ),
    "trailing_bytes": (
        _safetensors_file({"x": _f32((0, 4))}, b"\x00" * 8),
        "bytes after the last tensor",
    ),
    "unknown_dtype": (
        _safetensors_file({"x": {**_f32((0, 4)), "dtype": "Q7"}}, b"\x00" * 4),
        "unsupported safetensors dtype 'Q7'",
    ),
    "dtype_torchlike_lacks": (
        _safetensors_file({"x": {**_f32((0, 8)), "dtype": "U64"}}, b"\x00" * 8),
        "unsupported safetensors dtype 'U64' \\('x'\\)",
    ),
    "missing_field": (
        _safetensors_file({"x": {"dtype": "F32", "shape": [1]}}, b"\x00" * 4),
        "has no 'data_offsets'",
    ),
    "negative_dim": (
        _safetensors_file({"x": _f32((0, 4), (-1,))}, b"\x00" * 4),
        "not the format's JSON",
    ),
    "huge_shape": (
        _safetensors_file({"x": _f32((0, 4), (2**62, 2**62))}, b"\x00" * 4),
        "shape is too large",
    ),
}


@pytest.mark.parametrize("name", MALFORMED_SAFETENSORS)
def test_malformed_safetensors_refused_in_torchlikes_words(tmp_path, name):
    raw, message = MALFORMED_SAFETENSORS[name]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message) as info:
        tl.load(path)
    error = info.value  # torchlike's own error: no chained exception from the package
    assert type(error) is ValueError and (error.__context__ is None or error.__suppress_context__)
    assert "rror while deserializing" not in str(info.value)


def _saved(obj, path):
    """``tl.save``; a path without a suffix asks for an Orbax directory (``format="orbax"``)."""
    tl.save(obj, path, format=None if path.suffix else "orbax")
    return path


# -- whole modules and the allow-list --------------------------------------------------------------


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 3), nn.Dropout(0.2))
        self.register_buffer("scale", tl.tensor(2.0))

    def forward(self, x):
        return self.head(self.conv(x)) * self.scale


@pytest.mark.parametrize("fmt", FORMATS)
def test_whole_module_loads_with_weights_only_false(tmp_path, fmt):
    """``torch.save(model)`` + ``torch.load(f, weights_only=False)``, as PyTorch's examples do;
    the default, ``weights_only=True``, refuses the user's class by name, as PyTorch's does."""
    tl.manual_seed(0)
    model = _Net().eval()
    path = _saved(model, tmp_path / FORMATS[fmt])
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL \S*\._Net was not an allowed"):
        tl.load(path)
    loaded = tl.load(path, weights_only=False)
    assert type(loaded) is _Net and not loaded.training
    assert_same(loaded.state_dict(), model.state_dict())
    x = tl.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(np.asarray(loaded(x)._data), np.asarray(model(x)._data))
    assert isinstance(loaded.conv.weight, nn.Parameter) and loaded.conv.weight.requires_grad


class _Full(nn.Module):
    """Submodules, parameters, buffers (persistent, not, BatchNorm's running stats), a plain list
    of modules, plain attributes and a hook table: all a whole module's pickle must carry."""

    def __init__(self, lib) -> None:
        lib.nn.Module.__init__(self)  # shared with the PyTorch twin below
        self.fc = lib.nn.Linear(3, 4)
        self.bn = lib.nn.BatchNorm1d(4)
        self.register_buffer("scale", lib.full((4,), 2.0))
        self.register_buffer("scratch", lib.zeros(1), persistent=False)
        self.blocks = [lib.nn.Linear(4, 4), lib.nn.Tanh()]
        self.depth = 2

    def forward(self, x):
        x = self.bn(self.fc(x)) * self.scale
        for block in self.blocks:
            x = block(x)
        return x


_FULL_CLASSES = [nn.Linear, nn.BatchNorm1d, nn.Tanh]


def _torch_full():
    """The same model in PyTorch, as a module-level class (so that torch.save pickles it)."""
    import torch

    cls = type("_TorchFull", (torch.nn.Module,), {"__init__": _Full.__init__})
    cls.__module__, cls.__qualname__ = __name__, "_TorchFull"
    globals()["_TorchFull"] = cls
    return torch, cls(torch)


@pytest.mark.parametrize("fmt", FORMATS)
def test_whole_module_loads_with_weights_only_and_allow_list(tmp_path, fmt):
    """A whole model pickles as its class and plain data (PyTorch's vocabulary for tensors), so
    ``weights_only=True`` loads it once its classes are allow-listed, and refuses it otherwise
    with PyTorch's error naming the user's class; nothing internal to torchlike is named."""
    tl.manual_seed(0)
    model = _Full(tl)
    model.train()(tl.randn(5, 3))  # running stats move
    model.eval()
    x = tl.randn(2, 3)
    want = np.asarray(model(x)._data)
    path = _saved(model, tmp_path / FORMATS[fmt])

    torch, ref = _torch_full()
    ref_path = str(tmp_path / "ref.pt")
    torch.save(ref, ref_path)
    with pytest.raises(pickle.UnpicklingError) as ref_err:
        torch.load(ref_path)
    assert "_TorchFull was not an allowed global" in str(ref_err.value)
    with pytest.raises(type(ref_err.value), match=r"GLOBAL \S*\._Full was not an allowed global"):
        tl.load(path)

    with tl.serialization.safe_globals([_Full, *_FULL_CLASSES]):
        if fmt == "torch":
            assert tl.serialization.get_unsafe_globals_in_checkpoint(path) == []
        loaded = tl.load(path)
    unsafe = tl.load(path, weights_only=False)
    for got in (loaded, unsafe):
        assert type(got) is _Full and not got.training and got.depth == 2
        assert [type(b) for b in got.blocks] == [nn.Linear, nn.Tanh]
        assert_same(got.state_dict(), model.state_dict())
        assert [n for n, _ in got.named_buffers()] == [n for n, _ in model.named_buffers()]
        assert [type(b) for b in got.buffers()] == [type(b) for b in model.buffers()]
        assert isinstance(got.fc.weight, nn.Parameter) and got.fc.weight.requires_grad
        np.testing.assert_array_equal(np.asarray(got(x)._data), want)
        np.testing.assert_array_equal(np.asarray(copy.deepcopy(got)(x)._data), want)
        graphdef, state = nnx.split(got)  # still an NNX graph
        np.testing.assert_array_equal(np.asarray(nnx.merge(graphdef, state)(x)._data), want)
        # the plain list's layer is NNX data, so a compiled step sees (and trains) it
        assert any("blocks" in str(path) for path, _ in nnx.to_flat_state(state))
        got.train()(tl.randn(4, 3))  # BatchNorm updates its restored running stats
        assert not np.array_equal(
            np.asarray(got.bn.running_mean._data), np.asarray(model.bn.running_mean._data)
        )


def test_whole_module_pickle_keeps_hooks_and_opaque_attributes():
    """Hook tables and attributes JAX cannot take apart survive a plain pickle round trip."""
    model = nn.Sequential(nn.Linear(2, 2))
    model.kinds = {nn.Linear: 1, "x": 2}  # keys that cannot be sorted
    model.register_forward_hook(_record_hook)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.kinds == {nn.Linear: 1, "x": 2}
    _HOOK_CALLS.clear()
    loaded(tl.ones(1, 2))
    assert _HOOK_CALLS == [1]
    loaded.register_forward_pre_hook(_record_hook).remove()
    loaded(tl.ones(1, 2))
    assert _HOOK_CALLS == [1, 1]


_HOOK_CALLS: list = []


def _record_hook(*args) -> None:
    _HOOK_CALLS.append(1)


class _Record:
    """A plain user class, for the allow-list."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other) -> bool:
        return type(other) is _Record and other.n == self.n


def test_add_safe_globals(tmp_path):
    path = _saved({"r": _Record(3), "w": tl.ones(2)}, tmp_path / "r.pt")
    name = f"{__name__}._Record"
    assert tl.serialization.get_unsafe_globals_in_checkpoint(path) == [name]
    with pytest.raises(pickle.UnpicklingError, match=rf"GLOBAL {name} was not an allowed"):
        tl.load(path)
    with tl.serialization.safe_globals([_Record]):
        assert tl.load(path)["r"] == _Record(3)
    assert _Record not in tl.serialization.get_safe_globals()  # the context manager undid it
    tl.serialization.add_safe_globals([(_Record, name)])
    try:
        assert tl.serialization.get_unsafe_globals_in_checkpoint(path) == []
        assert tl.load(path)["r"] == _Record(3)
    finally:
        tl.serialization.clear_safe_globals()
    assert tl.serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals"):
        tl.load(path)


# -- placement -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "map_location",
    ["cpu", tl.device("cpu"), {"cpu": "cpu"}, jax.devices("cpu")[0]],
    ids=["str", "device", "dict", "jax_device"],
)
def test_map_location(tmp_path, fmt, map_location):
    path = _saved({"w": tl.randn(2, 2)}, tmp_path / FORMATS[fmt])
    loaded = tl.load(path, map_location=map_location)
    assert loaded["w"].device == tl.device("cpu")


def test_map_location_sharding(tmp_path):
    """A Sharding is handed to Orbax, which restores each array with it."""
    sharding = jax.sharding.SingleDeviceSharding(jax.devices("cpu")[0])
    path = _saved({"w": tl.randn(4, 2)}, tmp_path / "ckpt")
    assert tl.load(path, map_location=sharding)["w"]._data.sharding == sharding


_SHARDED = """
import sys
import jax, numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
import torchlike as tl
mesh = Mesh(np.array(jax.devices()[:2]), ("x",))
rows = NamedSharding(mesh, P("x"))
w = tl.arange(8.0).reshape(4, 2)
sharded = tl.Tensor._wrap(jax.device_put(w._data, rows))
tl.save({"w": w, "s": sharded}, sys.argv[1], format="orbax")
got = tl.load(sys.argv[1], map_location=rows)
assert got["w"]._data.sharding == rows and got["s"]._data.sharding == rows
plain = tl.load(sys.argv[1], map_location="cpu")
assert len(plain["s"]._data.devices()) == 1
for t in (*got.values(), *plain.values()):
    np.testing.assert_array_equal(np.asarray(t._data), np.asarray(w._data))
print("ok")
"""


def test_sharded_restore(tmp_path):
    """Orbax restores each array with the Sharding given as map_location (two CPU devices)."""
    env = dict(XLA_FLAGS="--xla_force_host_platform_device_count=2")
    stdout = run_python(["-c", _SHARDED, str(tmp_path / "ckpt")], env=env, timeout=240)
    assert stdout.strip() == "ok"


def test_unavailable_device_is_an_error(tmp_path):
    path = _saved({"w": tl.randn(2)}, tmp_path / "w.pt")
    if tl.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        tl.load(path, map_location="cuda")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuntimeError, match="not a torchlike checkpoint"):
        tl.load(tmp_path / "empty")
    (tmp_path / "junk.pt").write_bytes(b"hello world, not a checkpoint")
    with pytest.raises(RuntimeError, match="not a PyTorch, safetensors"):
        tl.load(tmp_path / "junk.pt")
    with pytest.raises(ValueError, match="unknown format"):
        tl.save({}, tmp_path / "x", format="npz")
