"""Files shared with real PyTorch (torch 2.13): both directions, and files that must be refused.

* ``torch.save`` state dicts load into torchlike models, which then give torch's outputs.
* ``torchlike.save(..., "x.pt")`` files load with ``torch.load(weights_only=True)`` into torch
  models, which then give torchlike's outputs; a checkpoint makes the round trip bit for bit.
* Crafted files whose pickle would run code are refused by name, and the code does not run.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import re
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch as ref
from _helpers import run_python

import torchlike as tl

TOL = dict(rtol=1.3e-6, atol=1e-5)


def _np(t) -> np.ndarray:
    if isinstance(t, ref.Tensor):
        t = t.detach()
        return t.view(ref.int16).numpy() if t.dtype == ref.bfloat16 else t.numpy()
    arr = np.asarray(t._data)
    return arr.view(np.int16) if t.dtype == tl.bfloat16 else arr


def _inputs(rng: np.random.Generator, spec):
    kind, shape = spec
    if kind == "int":
        return rng.integers(0, 10, shape)
    return rng.standard_normal(shape).astype(np.float32)


@dataclass(frozen=True)
class Model:
    id: str
    make: Callable  # the library (torch or torchlike) -> the model
    input: tuple  # ("float" | "int", shape)


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 5),
    )


MODELS = [
    Model("linear", lambda lib: lib.nn.Linear(5, 3), ("float", (4, 5))),
    Model("conv2d", lambda lib: lib.nn.Conv2d(2, 3, 3, stride=2), ("float", (2, 2, 7, 7))),
    Model("cnn_batchnorm", _cnn, ("float", (3, 1, 6, 6))),
    Model("layernorm", lambda lib: lib.nn.LayerNorm(6), ("float", (2, 6))),
    Model("embedding", lambda lib: lib.nn.Embedding(10, 4), ("int", (2, 3))),
    Model("lstm", lambda lib: lib.nn.LSTM(3, 4, batch_first=True), ("float", (2, 5, 3))),
]


def _warmed(cnn):
    """The torch CNN with BatchNorm statistics away from their initial values."""
    with ref.no_grad():
        for _ in range(2):
            cnn.train()(ref.randn(3, 1, 6, 6))
    return cnn.eval()


def _out(y):
    return y[0] if isinstance(y, tuple) else y


@pytest.mark.parametrize("m", MODELS, ids=lambda m: m.id)
def test_torch_state_dict_loads_into_torchlike(tmp_path, m):
    ref.manual_seed(0)
    theirs = m.make(ref)
    if m.id == "cnn_batchnorm":
        _warmed(theirs)
    theirs.eval()
    ref.save(theirs.state_dict(), tmp_path / "model.pt")
    ours = m.make(tl).eval()
    sd = tl.load(tmp_path / "model.pt")
    assert list(sd) == list(theirs.state_dict())
    ours.load_state_dict(sd)
    for key, value in theirs.state_dict().items():
        assert sd[key].dtype.name == str(value.dtype).removeprefix("torch.")
    x = _inputs(np.random.default_rng(0), m.input)
    want = _out(theirs(ref.from_numpy(x)))
    got = _out(ours(tl.from_numpy(x)))
    np.testing.assert_allclose(_np(got), _np(want), **TOL)


@pytest.mark.parametrize("m", MODELS, ids=lambda m: m.id)
def test_torchlike_state_dict_loads_into_torch(tmp_path, m):
    tl.manual_seed(0)
    ours = m.make(tl).eval()
    tl.save(ours.state_dict(), tmp_path / "model.pt")
    theirs = m.make(ref).eval()
    theirs.load_state_dict(ref.load(tmp_path / "model.pt", weights_only=True))
    x = _inputs(np.random.default_rng(0), m.input)
    want = _out(ours(tl.from_numpy(x)))
    got = _out(theirs(ref.from_numpy(x)))
    np.testing.assert_allclose(_np(got), _np(want), **TOL)


def test_checkpoint_round_trip_is_bitwise(tmp_path):
    """A torch checkpoint (weights, BatchNorm statistics, an int64 counter, bfloat16 and bool
    tensors, nested metadata) goes into torchlike and back out unchanged."""
    ref.manual_seed(0)
    model = _warmed(_cnn(ref))
    original = {
        "model": model.state_dict(),
        "half": ref.randn(3, dtype=ref.bfloat16),
        "mask": ref.tensor([True, False, True]),
        "meta": {"epoch": 7, "arch": "cnn", "betas": (0.9, 0.999)},
    }
    ref.save(original, tmp_path / "theirs.pt")
    tl.save(tl.load(tmp_path / "theirs.pt"), tmp_path / "ours.pt")
    back = ref.load(tmp_path / "ours.pt", weights_only=True)
    assert list(back["model"]) == list(original["model"])
    for key, value in original["model"].items():
        assert back["model"][key].dtype == value.dtype
        assert ref.equal(back["model"][key], value)
    assert back["half"].dtype == ref.bfloat16 and ref.equal(back["half"], original["half"])
    assert ref.equal(back["mask"], original["mask"])
    assert back["meta"] == original["meta"]


def test_views_and_shared_storages(tmp_path):
    """torch saves views as (storage, offset, size, stride): slices and transposes load right."""
    x = ref.arange(24, dtype=ref.float32).reshape(4, 6)
    ref.save(
        {"x": x, "slice": x[1:, ::2], "t": x.t(), "row": x[2], "item": x[3, 4]}, tmp_path / "v.pt"
    )
    got = tl.load(tmp_path / "v.pt")
    for key, want in {
        "x": x,
        "slice": x[1:, ::2],
        "t": x.t(),
        "row": x[2],
        "item": x[3, 4],
    }.items():
        assert tuple(got[key].shape) == tuple(want.shape)
        np.testing.assert_array_equal(_np(got[key]), want.contiguous().numpy())


def test_torch_optimizer_state_resumes_in_torchlike(tmp_path):
    """An Adam state dict written by torch continues in torchlike with torch's next step."""
    ref.manual_seed(0)
    theirs = ref.nn.Linear(3, 2)
    opt = ref.optim.Adam(theirs.parameters(), lr=0.01)
    x = ref.randn(4, 3)
    for _ in range(2):
        opt.zero_grad()
        theirs(x).square().sum().backward()
        opt.step()
    ref.save({"model": theirs.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = tl.load(tmp_path / "ckpt.pt")
    ours = tl.nn.Linear(3, 2)
    ours.load_state_dict(ckpt["model"])
    our_opt = tl.optim.Adam(ours.parameters(), lr=0.01)
    our_opt.load_state_dict(ckpt["opt"])
    opt.zero_grad()
    theirs(x).square().sum().backward()
    opt.step()
    ours(tl.from_numpy(x.numpy())).square().sum().backward()
    our_opt.step()
    np.testing.assert_allclose(_np(ours.weight), _np(theirs.weight), **TOL)


# -- files that must be refused --------------------------------------------------------------------

MARKER = "torchlike_side_effect"


def _touch(path: str) -> None:
    """The side effect a malicious file would trigger (a real function, importable by name)."""
    with open(path, "w") as f:
        f.write("code from a file ran")


class _Payload:
    def __init__(self, fn, *args) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _torch_zip(obj) -> bytes:
    """``obj`` pickled by the standard pickler into PyTorch's archive layout."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")
    return out.getvalue()


PAYLOADS = {
    "os_system": (lambda marker: _Payload(os.system, f"touch {marker}"), "whose module posix"),
    "eval": (lambda marker: _Payload(eval, f"open({marker!r}, 'w')"), "GLOBAL eval was not"),
    "side_effect_function": (lambda marker: _Payload(_touch, marker), "_touch was not"),
    "inside_a_state_dict": (
        lambda marker: {"weight": [1.0, 2.0], "bias": _Payload(_touch, marker)},
        "_touch was not",
    ),
}


@pytest.mark.parametrize("name", PAYLOADS)
def test_code_in_a_file_is_refused(tmp_path, name, monkeypatch):
    """Refused by name with ``weights_only=True``, as torch refuses it (and with
    ``weights_only=False`` under ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1``); the code does not run."""
    make, refused = PAYLOADS[name]
    marker = str(tmp_path / MARKER)
    path = tmp_path / "evil.pt"
    path.write_bytes(_torch_zip(make(marker)))
    with pytest.raises(pickle.UnpicklingError, match=refused) as theirs:
        ref.load(path)
    with pytest.raises(pickle.UnpicklingError, match=refused) as ours:
        tl.load(path)
    assert "Weights only load failed" in str(ours.value) and "Weights only" in str(theirs.value)
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(pickle.UnpicklingError, match=refused):
        tl.load(path, weights_only=False)
    assert not os.path.exists(marker)


def test_the_payload_is_live(tmp_path):
    """The same bytes do run code under plain pickle: the refusal above is what stops them."""
    marker = str(tmp_path / MARKER)
    with zipfile.ZipFile(io.BytesIO(_torch_zip(_Payload(_touch, marker)))) as zf:
        pickle.loads(zf.read("archive/data.pkl"))
    assert os.path.exists(marker)


def test_refused_in_an_orbax_checkpoint_too(tmp_path):
    import base64
    import json

    path = tmp_path / "ckpt"
    tl.save({"w": tl.ones(2)}, path, format="orbax")
    meta_file = next(p for p in (path / "object").iterdir() if p.suffix != ".txt")
    meta = json.loads(meta_file.read_text())
    marker = str(tmp_path / MARKER)
    meta["pickle"] = base64.b64encode(pickle.dumps(_Payload(_touch, marker), protocol=2)).decode()
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(pickle.UnpicklingError, match="_touch was not an allowed"):
        tl.load(path)
    assert not os.path.exists(marker)


def _rebuild_call(offset, size, stride, numel, nbytes):
    """A torch-layout pickle of one tensor with a given layout over a storage of ``nbytes``."""
    g = pickle.GLOBAL
    data = (
        b"\x80\x02"
        + g
        + b"torch._utils\n_rebuild_tensor_v2\n"
        + b"(("
        + pickle.dumps("storage", 2)[2:-1]
        + g
        + b"torch\nFloatStorage\n"
        + pickle.dumps("0", 2)[2:-1]
        + pickle.dumps("cpu", 2)[2:-1]
        + pickle.dumps(numel, 2)[2:-1]
        + b"tQ"
        + pickle.dumps(offset, 2)[2:-1]
        + pickle.dumps(size, 2)[2:-1]
        + pickle.dumps(stride, 2)[2:-1]
        + b"\x89"
        + b"}tR."
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/data/0", b"\x00" * nbytes)
        zf.writestr("archive/version", "3\n")
    return out.getvalue()


def test_layout_checks(tmp_path):
    path = tmp_path / "t.pt"
    path.write_bytes(_rebuild_call(1, (2, 2), (2, 1), 5, 20))
    assert tl.load(path).shape == tl.Size([2, 2])  # the crafting itself is sound
    bad = {
        "past_the_end": ((2, (2, 2), (2, 1), 5, 20), "reaches element 5"),
        "wrong_byte_count": ((0, (2,), (1,), 5, 12), "12 bytes"),
        "negative_stride": ((3, (2,), (-1,), 5, 20), "invalid tensor layout"),
    }
    for args, message in bad.values():
        path.write_bytes(_rebuild_call(*args))
        with pytest.raises(pickle.UnpicklingError, match=message):
            tl.load(path)


def test_torch_whole_module_is_refused_by_name(tmp_path):
    """``torch.save(model)`` pickles torch's classes: refused by name with ``weights_only=True``
    (as torch does); with ``weights_only=False`` refused too, torchlike's classes keeping
    different state, with the way out (the state dict) named."""
    ref.save(ref.nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear was not"):
        tl.load(tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"Linear was pickled whole .* state_dict"):
        tl.load(tmp_path / "model.pt", weights_only=False)


def test_reading_torch_files_does_not_import_torch(tmp_path):
    ref.save({"w": ref.ones(2, 3), "n": 4}, tmp_path / "w.pt")
    code = (
        "import sys, torchlike; sd = torchlike.load(sys.argv[1]); "
        "assert 'torch' not in sys.modules, 'torch was imported'; print(sd['w'].shape, sd['n'])"
    )
    stdout = run_python(["-c", code, str(tmp_path / "w.pt")], timeout=240)
    assert stdout.strip() == "torch.Size([2, 3]) 4"


def test_legacy_format_is_explained(tmp_path):
    ref.save({"w": ref.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy"):
        tl.load(tmp_path / "old.pt")


# -- objects besides tensors, both directions ------------------------------------------------

# Each row: a function of the library (torch or torchlike) -> the object to save.
PLAIN_OBJECTS = {
    "numpy_array": lambda lib: np.arange(6.0).reshape(2, 3),
    "numpy_int_array": lambda lib: np.array([[1, -2]], dtype=np.int32),
    "numpy_scalar": lambda lib: np.float32(1.5),
    "numpy_int_scalar": lambda lib: np.int64(7),
    "mixed_dict": lambda lib: {
        "w": lib.arange(4, dtype=lib.float32),
        "a": np.ones(2, np.float32),
        "n": 3,
        "s": "text",
        "l": [1, 2.5, None, True],
        "t": (1, "a"),
        "od": collections.OrderedDict(b=1, a=2),
        "counter": collections.Counter("aab"),
        "set": {1, 2},
        "c": 1 + 2j,
        "bytes": b"\x00\xff",
    },
    "plain_data": lambda lib: {"epoch": 3, "losses": [0.5, 0.25], "cfg": {"lr": 0.1}},
    "frozenset": lambda lib: {"f": frozenset({1, 2})},
}

# numpy's globals, as PyTorch's documentation tells a user to allow them for weights_only=True
NUMPY_GLOBALS = [
    np._core.multiarray._reconstruct,
    np._core.multiarray.scalar,
    np.ndarray,
    np.dtype,
    type(np.dtype(np.float64)),
    type(np.dtype(np.float32)),
    type(np.dtype(np.int32)),
    type(np.dtype(np.int64)),
]
MODES = {
    "weights_only": dict(weights_only=True),
    "numpy_allowed": dict(weights_only=True),
    "weights_only_false": dict(weights_only=False),
}


def _norm(obj):
    """A comparable picture of a loaded object, the same for torch's and torchlike's results."""
    if isinstance(obj, (ref.Tensor, tl.Tensor)):
        return ("tensor", str(obj.dtype).rpartition(".")[2], tuple(obj.shape), obj.tolist())
    if isinstance(obj, np.ndarray):
        return ("ndarray", str(obj.dtype), obj.shape, obj.tolist())
    if isinstance(obj, np.generic):
        return ("numpy_scalar", type(obj).__name__, obj.item())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, _norm(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_norm(v) for v in obj])
    return (type(obj).__name__, obj)


def _outcome(lib, path, mode: str):
    serialization = lib.serialization
    allowed = NUMPY_GLOBALS if mode == "numpy_allowed" else []
    try:
        with serialization.safe_globals(allowed):
            return _norm(lib.load(path, **MODES[mode]))
    except Exception as e:  # the refusal: its type and the global it names
        refused = re.search(r"GLOBAL (\S+) was not an allowed", str(e))
        return ("error", type(e).__name__, refused and refused.group(1))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("writer", ["torch", "torchlike"])
@pytest.mark.parametrize("name", PLAIN_OBJECTS)
def test_plain_objects_load_as_torch_loads_them(tmp_path, name, writer, mode):
    """A file written by either library loads in torchlike as torch loads it (the same objects,
    or the same refusal naming the same global), in each ``weights_only`` mode."""
    lib = ref if writer == "torch" else tl
    path = tmp_path / "obj.pt"
    lib.save(PLAIN_OBJECTS[name](lib), path)
    theirs = _outcome(ref, path, mode)
    assert _outcome(tl, path, mode) == theirs
    if name.startswith("numpy") and mode != "numpy_allowed":  # the table does test both ways
        assert (theirs[0] == "error") == (mode == "weights_only")


ENVIRONMENTS = {
    "force_weights_only": ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1"}, {"weights_only": False}),
    "force_no_weights_only": ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "true"}, {}),
    "force_no_but_explicit": ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}, {"weights_only": True}),
    "both": (
        {"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"},
        {},
    ),
}


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_environment_switches_act_as_in_torch(tmp_path, monkeypatch, name):
    env, kwargs = ENVIRONMENTS[name]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "a.pt"
    ref.save({"a": np.arange(3)}, path)
    outcomes = []
    for lib in (ref, tl):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcomes.append((_norm(lib.load(path, **kwargs)), None))
            except Exception as e:
                outcomes.append((type(e).__name__, None))
        outcomes[-1] = (outcomes[-1][0], [str(w.message) for w in caught])
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_explicit_pickle_module(tmp_path, weights_only):
    """``pickle_module=pickle``: ``weights_only`` then defaults to False; True is an error."""
    path = tmp_path / "a.pt"
    ref.save({"a": np.arange(3)}, path)
    outcomes = []
    for lib in (ref, tl):
        try:
            outcomes.append(_norm(lib.load(path, pickle_module=pickle, weights_only=weights_only)))
        except Exception as e:
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("existing", [None, 0o640])
def test_file_mode_is_torchs(tmp_path, existing):
    """A new file gets 0o666 less the umask, a replaced one keeps its mode, as ``torch.save``."""
    modes = []
    for lib in (ref, tl):
        path = tmp_path / f"{lib.__name__}.pt"
        if existing is not None:
            path.write_bytes(b"old")
            os.chmod(path, existing)
        lib.save({"w": lib.ones(2)}, path)
        modes.append(stat.S_IMODE(os.stat(path).st_mode))
    assert modes[0] == modes[1]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_disable_byteorder_record(tmp_path):
    """``torch.save(..., _disable_byteorder_record=True)``: torch 2.13 writes the ``byteorder``
    record all the same, and so does torchlike; torch reads the file."""
    names = []
    for lib in (ref, tl):
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save({"w": lib.arange(3.0)}, path, _disable_byteorder_record=True)
        with zipfile.ZipFile(path) as zf:
            names.append(sorted(n.split("/", 1)[1] for n in zf.namelist()))
        assert ref.equal(ref.load(path)["w"], ref.arange(3.0))
    assert ("byteorder" in names[0]) == ("byteorder" in names[1])
