"""Classes of bugs that real PyTorch programs run unmodified showed (``docs/compat.md``).

* ``torch.save(obj, "last.ckpt")``: PyTorch writes its zip file at exactly that path whatever the
  name; torchlike wrote an Orbax directory for any name but ``.pt/.pth/.bin``.
* Short programs paid a compilation per shape for work that needs none: tensors made from host
  data (``torch.tensor`` per line of a corpus, ``from_numpy``), copies (``deepcopy`` of a model)
  and random draws (every parameter shape's initialisation). Counted here with JAX's own
  compile events; the values are compared with real PyTorch (or, for random draws, which are
  torchlike's own stream, with the same draws inside ``torchlike.compile``).
* Forked ``DataLoader`` workers run ops with jit disabled; each call was counted as a compile,
  and the "recompiled 100 programs" warning reached the user for an op that never recompiled.
"""

from __future__ import annotations

import copy
import logging
import os

import jax
import numpy as np
import pytest
import torch as ref

import torchlike as tl
from torchlike import _dispatch

# -- torch.save writes PyTorch's file at exactly the path given ---------------------------------

NAMES = ["last.ckpt", "weights", "model.tar", "model.pt", "state.pth"]


def _state(lib):
    lib.manual_seed(0)
    return {"w": lib.arange(6.0).reshape(2, 3), "step": 7, "names": ["a", "b"]}


@pytest.mark.parametrize("name", NAMES)
def test_save_writes_a_torch_file_at_any_name(tmp_path, name):
    ours, theirs = tmp_path / "ours" / name, tmp_path / "theirs" / name
    ours.parent.mkdir()
    theirs.parent.mkdir()
    tl.save(_state(tl), ours)
    ref.save(_state(ref), theirs)
    assert ours.is_file() and theirs.is_file()
    assert os.listdir(ours.parent) == [name]  # that path only: no directory, no temporary
    assert ours.read_bytes()[:4] == theirs.read_bytes()[:4] == b"PK\x03\x04"
    for path in (ours, theirs):  # each library reads both files
        got_ref, got_tl = ref.load(path), tl.load(path)
        np.testing.assert_array_equal(got_ref["w"].numpy(), np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(got_tl["w"].numpy(), got_ref["w"].numpy())
        assert got_tl["w"].dtype == tl.float32 and got_ref["w"].dtype == ref.float32
        assert (got_tl["step"], got_tl["names"]) == (got_ref["step"], got_ref["names"])


def test_orbax_only_when_asked_for(tmp_path):
    tl.save({"w": tl.ones(2)}, tmp_path / "ckpt", format="orbax")
    assert (tmp_path / "ckpt").is_dir()
    np.testing.assert_array_equal(tl.load(tmp_path / "ckpt")["w"].numpy(), np.ones(2))


# -- no compilation per shape for host data, copies and random draws ---------------------------


@pytest.fixture
def compiles():
    """A counter of XLA compilations made while the test runs."""
    count = [0]

    def listen(event, duration, **_):
        if event == "/jax/core/compile/backend_compile_duration":
            count[0] += 1

    jax.monitoring.register_event_duration_secs_listener(listen)
    yield count
    jax.monitoring.unregister_event_duration_listener(listen)


SIZES = range(40, 52)


def _from_lists(lib, sizes=SIZES):
    return [lib.tensor([[i, i + 1]] * n) for i, n in enumerate(sizes)]


def _from_numpy(lib, sizes=SIZES):
    r = np.random.default_rng(0)
    return [lib.from_numpy(r.standard_normal((n, 3))[::2].astype(np.float32)) for n in sizes]


HOST_DATA = {"tensor": _from_lists, "from_numpy": _from_numpy}


@pytest.mark.parametrize("make", HOST_DATA)
def test_host_data_compiles_nothing_per_shape(compiles, make):
    HOST_DATA[make](tl, [5])  # whatever is compiled once is compiled here
    compiles[0] = 0
    ours = HOST_DATA[make](tl)  # new shapes
    theirs = HOST_DATA[make](ref)
    assert compiles[0] == 0
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_deepcopy_compiles_nothing_per_shape(compiles):
    models = []
    for lib in (tl, ref):
        lib.manual_seed(0)
        models.append(lib.nn.Sequential(lib.nn.Linear(9, 5), lib.nn.Linear(5, 2)))
        state = models[-1].state_dict()
        models[-1].load_state_dict(
            {k: (lib.arange(float(v.numel())) / 8).reshape(v.shape) for k, v in state.items()}
        )
    compiles[0] = 0
    ours, theirs = (copy.deepcopy(m) for m in models)
    assert compiles[0] == 0
    for lib, model in zip((tl, ref), models):  # the copies are independent of the originals
        with lib.no_grad():
            model[0].weight.mul_(0)
    assert float(ours[0].weight.abs().sum()) > 0
    for (k, a), (k2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == k2 and str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_from_numpy_and_tensor_do_not_share_memory():
    arr = np.arange(6.0)
    a, b = tl.from_numpy(arr), tl.tensor(arr)
    arr[:] = -1
    np.testing.assert_array_equal(a.numpy(), np.arange(6.0))
    np.testing.assert_array_equal(b.numpy(), np.arange(6.0))


def _draws(sizes=SIZES):
    return [tl.randn(n, 3) for n in sizes] + [tl.rand(2, n) for n in sizes]


def test_random_draws_compile_per_size_class_and_match_compiled_ones(compiles):
    tl.manual_seed(0)
    _draws()
    assert compiles[0] <= 8  # two kinds of draw x a few size classes, not 2 x 12 shapes
    tl.manual_seed(1)
    eager = _draws([9, 40])
    tl.manual_seed(1)
    compiled = tl.compile(lambda x: [x + d for d in _draws([9, 40])])(tl.zeros(()))
    for a, b in zip(eager, compiled):  # the same numbers as a draw of the exact shape
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())


INITS = {  # init, its arguments, the bounds of its values (None: unbounded)
    "uniform_": ((-2.0, 3.0), (-2.0, 3.0)),
    "normal_": ((1.0, 2.0), None),
    "kaiming_uniform_": ((), (-((6 / 97) ** 0.5), (6 / 97) ** 0.5)),
}


@pytest.mark.parametrize("init", INITS)
def test_initialisation_is_distributed_as_in_pytorch(init):
    """Draws cut from a size class are still the distribution asked for (moments vs torch's)."""
    args, bounds = INITS[init]
    moments = []
    for lib in (tl, ref):
        lib.manual_seed(0)
        w = lib.empty(300, 97)
        getattr(lib.nn.init, init)(w, *args)
        x = w.numpy().astype(np.float64)
        moments.append((x.mean(), x.std()))
        if bounds is not None:
            assert bounds[0] <= x.min() and x.max() <= bounds[1]
    np.testing.assert_allclose(moments[0], moments[1], atol=0.03, rtol=0.02)


# -- jit disabled: nothing is compiled, nothing is counted or warned -----------------------------


def test_no_recompile_warning_when_jit_is_disabled(caplog):
    x = tl.arange(10.0)
    before = _dispatch.cache_info().compiles
    with caplog.at_level(logging.WARNING, logger="torchlike.eager"), jax.disable_jit():
        values = [float(x[i % 10] * 2) for i in range(_dispatch.RECOMPILE_WARN_THRESHOLD + 20)]
    assert values[:10] == [2.0 * i for i in range(10)]
    assert _dispatch.cache_info().compiles == before
    assert not [r for r in caplog.records if r.name == "torchlike.eager"]
