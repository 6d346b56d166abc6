"""Eager ops with changing Python values: one compiled program for all values, bounded caches.

Values are compared with real PyTorch; compilations are counted through
``torchlike._dispatch.cache_info()``.
"""

import logging

import numpy as np
import pytest
import torch

import torchlike
from torchlike import _dispatch, _eager_host

_X = np.arange(5 * 6 * 7, dtype=np.float32).reshape(5, 6, 7)

# Index expressions, as functions of the library, with PyTorch's result or error.
_INDICES = [
    lambda t: 2,
    lambda t: -1,
    lambda t: (1, 3),
    lambda t: (1, -2, 6),
    lambda t: slice(1, 4),
    lambda t: slice(-3, None),
    lambda t: slice(None, None, 2),
    lambda t: (slice(0, 5, 3), slice(1, None, 2), 4),
    lambda t: slice(3, 100),
    lambda t: slice(7, 9),
    lambda t: (Ellipsis, 2),
    lambda t: (None, 1, Ellipsis, None, slice(2, 3)),
    lambda t: (1, slice(None), [0, 1]),  # integers select first, as in PyTorch
    lambda t: ([0, 1], slice(None), 1),
    lambda t: (2, [0, 2], [1, 3]),
    lambda t: (t.tensor([0, 4]), 1),
    lambda t: 5,  # IndexError
    lambda t: (0, -7),  # IndexError
    lambda t: (0, 0, 0, 0),  # IndexError: too many indices
]


def _run(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e)


@pytest.mark.parametrize("k", range(len(_INDICES)))
def test_getitem_and_setitem_match_torch(k):
    make = _INDICES[k]
    ref = _run(lambda: torch.tensor(_X)[make(torch)])
    got = _run(lambda: torchlike.tensor(_X)[make(torchlike)])
    if isinstance(ref, type):
        assert got is ref
    else:
        np.testing.assert_array_equal(got.numpy(), ref.numpy())
        assert got.shape == ref.shape

    def write(lib):
        x = lib.tensor(_X)
        x[make(lib)] = -1.0
        return x

    ref, got = _run(lambda: write(torch)), _run(lambda: write(torchlike))
    if isinstance(ref, type):
        assert got is ref
    else:
        np.testing.assert_array_equal(got.numpy(), ref.numpy())


_METHODS = [
    lambda x: x.narrow(0, 1, 2),
    lambda x: x.narrow(1, -3, 2),
    lambda x: x.narrow(2, 0, 7),
    lambda x: x.narrow(0, 4, 3),  # RuntimeError
    lambda x: x.select(2, -1),
    lambda x: x.select(0, 5),  # IndexError
    lambda x: x.roll(3, 0),
    lambda x: x.roll((1, -2), (0, 2)),
    lambda x: x.roll(-7),
]


@pytest.mark.parametrize("k", range(len(_METHODS)))
def test_views_and_roll_match_torch(k):
    ref = _run(lambda: _METHODS[k](torch.tensor(_X)))
    got = _run(lambda: _METHODS[k](torchlike.tensor(_X)))
    if isinstance(ref, type):
        assert got is ref
    else:
        np.testing.assert_array_equal(got.numpy(), ref.numpy())


def test_distinct_indices_compile_a_handful_of_programs():
    x = torchlike.arange(400 * 3, dtype=torchlike.float32).reshape(400, 3)
    ids = torchlike.zeros(400, dtype=torchlike.long)
    before = _dispatch.cache_info().compiles
    for i in range(200):
        assert x[i].tolist() == [3.0 * i, 3.0 * i + 1, 3.0 * i + 2]
        assert float(x[i, 2]) == 3.0 * i + 2
        assert x[i : i + 2].shape == (2, 3)
        assert x.narrow(0, i, 2)[1, 0].item() == 3.0 * (i + 1)
        assert x.select(0, i)[1].item() == 3.0 * i + 1
        ids[i] = i
        x[i, 1] = 0.5
    assert x.roll(7, 0)[7, 0].item() == 0.0  # roll: shifts are values too
    assert x.roll(-3, 0)[0, 0].item() == 9.0
    assert ids.tolist()[:200] == list(range(200))
    assert x[:200, 1].tolist() == [0.5] * 200
    assert _dispatch.cache_info().compiles - before <= 16


def test_gradient_flows_through_dynamic_index():
    ref_x = torch.tensor(_X[0], requires_grad=True)
    got_x = torchlike.tensor(_X[0], requires_grad=True)
    for x in (ref_x, got_x):
        y = x * 1.0
        y[2, 1:4] = x[3, :3] * 2
        (y[1:3].sum() + x.narrow(1, 2, 3).square().sum() + x.select(1, -1).sum()).backward()
    np.testing.assert_allclose(got_x.grad.numpy(), ref_x.grad.numpy())


def _shift(x, *, k):
    return x + k


def _grow(x):
    return x * 3


def test_cache_is_bounded_and_warns_on_recompiles(caplog, monkeypatch):
    old, info = _dispatch.cache_size(), _dispatch.cache_info()
    # room for 4 more forward programs (earlier tests may have filled either cache first)
    bound = info.forward + 4
    try:
        _dispatch.set_cache_size(bound)
        x = torchlike.ones(2)
        for k in range(1000, 1009):  # a static option no other test uses: a new program each
            _dispatch.apply(_shift, "ShiftOp", (x,), k=k)
        after = _dispatch.cache_info()
        assert after.forward == bound and after.vjp <= bound and after.maxsize == bound
        assert after.evictions - info.evictions >= 9 - 4
    finally:
        _dispatch.set_cache_size(old)
    threshold = _dispatch.RECOMPILE_WARN_THRESHOLD
    try:
        _dispatch.RECOMPILE_WARN_THRESHOLD = 3
        with caplog.at_level(logging.WARNING, logger="torchlike.eager"):
            for k in range(5):  # one program per value of a static option
                _dispatch.apply(_shift, "ShiftOp", (torchlike.ones(2),), k=k)
        assert "ShiftOp" in caplog.text and "'k'" in caplog.text
        assert caplog.text.count("ShiftOp") == 1  # once per op
        caplog.clear()
        monkeypatch.setattr(_eager_host, "_ENABLED", False)  # compile every shape (no host path)
        with caplog.at_level(logging.INFO, logger="torchlike.eager"):
            for n in range(1, 6):  # growing tensors (a KV cache): a valid program, INFO only
                _dispatch.apply(_grow, "GrowOp", (torchlike.ones(n),))
        (record,) = [r for r in caplog.records if "GrowOp" in r.getMessage()]
        assert record.levelno == logging.INFO and "input shape" in record.getMessage()
    finally:
        _dispatch.RECOMPILE_WARN_THRESHOLD = threshold


def test_iterating_a_long_tensor_compiles_a_few_small_programs():
    """Rows come from chunked unbinds; values, in-place writes through rows and gradients match
    torch's whatever the length (one program with an output per row took seconds to compile)."""
    x = np.arange(300 * 2, dtype=np.float32).reshape(300, 2)
    before = _dispatch.cache_info().compiles
    rows = list(torchlike.tensor(x))
    assert _dispatch.cache_info().compiles - before <= 8
    assert [r.tolist() for r in rows] == [r.tolist() for r in torch.tensor(x)]
    ours, ref = torchlike.tensor(x), torch.tensor(x)
    for t in (ours, ref):
        for r in list(t)[::7]:
            r.mul_(-1)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    ours, ref = torchlike.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for t in (ours, ref):
        sum((r * i).sum() for i, r in enumerate(t.unbind(0)[250:])).backward()
    np.testing.assert_array_equal(ours.grad.numpy(), ref.grad.numpy())
    cols = torchlike.tensor(x.T.copy()).unbind(1)
    assert len(cols) == 300 and np.array_equal(np.stack([c.numpy() for c in cols], 1), x.T)


def test_cpu_programs_run_on_the_calling_thread():
    """Importing torchlike first makes JAX run single-device CPU programs inline (no hand-off to
    a worker thread per op); ``TORCHLIKE_CPU_ASYNC=1`` keeps JAX's asynchronous default, and a
    process whose JAX backend started before the import is left as it is."""
    import os
    import subprocess
    import sys

    read = "import jax; print(jax.config.read('jax_cpu_enable_async_dispatch'))"
    cases = [
        ({}, f"import torchlike; {read}", "False"),
        ({"TORCHLIKE_CPU_ASYNC": "1"}, f"import torchlike; {read}", "True"),
        (
            {},
            f"import jax.numpy as jnp; jnp.ones(2).block_until_ready(); import torchlike; {read}",
            "True",
        ),
    ]
    env = {k: v for k, v in os.environ.items() if k != "TORCHLIKE_CPU_ASYNC"}
    for extra, code, expected in cases:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=240,
            check=True,
        ).stdout.split()
        assert out[-1] == expected, (code, out)


def test_growing_tensors_move_on_the_host_without_compiling():
    """Autoregressive sampling grows a tensor a step at a time (``cat``), crops it (``[:, -k:]``)
    and reads its last position: a new shape every step. Those ops only move data, so at a new
    shape they run on the host (exactly) instead of compiling one program per step; a shape seen
    again compiles as before."""

    def sample(t, steps):
        idx, x = t.zeros(1, 1, dtype=t.long), t.arange(30.0).reshape(2, 5, 3)
        out = []
        with t.no_grad():
            for i in range(steps):
                idx = t.cat((idx, t.tensor([[i % 7]])), dim=1)
                crop = idx[:, -8:]
                last = x[:, -1 - i % 5, :].flip(0).to(t.float16)
                out.append((crop.tolist(), last.tolist(), list(idx.shape)))
        return out

    before = _dispatch.cache_info().compiles
    ours = sample(torchlike, 60)
    assert _dispatch.cache_info().compiles - before <= 12  # per-step shapes never compiled
    assert ours == sample(torch, 60)
    for _ in range(3):  # the same shape again and again: compiled on its third call
        torchlike.cat((torchlike.ones(2, 3), torchlike.ones(2, 3)))
    assert _dispatch.cache_info().compiles - before <= 13


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_growing_tensors_compute_on_the_host_past_a_few_shapes(monkeypatch, dtype):
    """Decoding with a KV cache: attention scores, softmax and products have a new length every
    step. Once an op has met GROWN_STEPS shapes one step longer it computes such shapes on the host
    (NumPy, float-accurate) instead of compiling a program per step; the numbers are PyTorch's."""
    for name in ("_seen", "_shapes_per_op", "_host_ops"):  # this test's counts only
        monkeypatch.setattr(_eager_host, name, type(getattr(_eager_host, name))())
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 18)).astype(np.float32) / 3
    start = rng.normal(size=(1, 1, 6)).astype(np.float32)

    def decode(t, steps):
        weight, h = t.tensor(w).to(getattr(t, dtype)), t.tensor(start).to(getattr(t, dtype))
        keys, values, outs = None, None, []
        with t.no_grad():
            for _ in range(steps):
                q, k, v = (h @ weight).split(6, dim=-1)
                keys = k if keys is None else t.cat([keys, k], dim=1)
                values = v if values is None else t.cat([values, v], dim=1)
                att = t.softmax(q @ keys.transpose(1, 2) / 6**0.5, dim=-1)
                h = t.tanh(att @ values) + 0.5 * h
                outs.append(h)
        return t.cat(outs, dim=1).float().numpy(), int(t.argmax(att))

    before = _dispatch.cache_info().compiles
    ours = decode(torchlike, 24)
    compiled = _dispatch.cache_info().compiles - before
    theirs = decode(torch, 24)
    tol = {"float32": 1e-5, "bfloat16": 2e-2}[dtype]  # bfloat16: PyTorch rounds each op too
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    assert ours[1] == theirs[1]
    assert compiled <= 30, compiled  # 12 measured; without the host path 149 (one a step an op)


def test_growing_shapes_of_random_ops_still_draw(monkeypatch):
    """A growing chain through an op whose program holds PRNG keys (dropout) is not host
    computable (keys are JAX's extended types): it compiles, as before, and draws."""
    for name in ("_seen", "_shapes_per_op", "_host_ops"):
        monkeypatch.setattr(_eager_host, name, type(getattr(_eager_host, name))())
    F = torchlike.nn.functional
    with torchlike.no_grad():
        for n in range(1, 7):
            out = F.feature_alpha_dropout(torchlike.ones(1, n, 2), 0.5, True)
            assert out.shape == (1, n, 2) and bool(torchlike.isfinite(out).all())
