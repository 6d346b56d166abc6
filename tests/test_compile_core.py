"""``torchlike.compile`` on plain functions of tensors, against eager torchlike and PyTorch.

Covers results (single tensors, tuples, dicts), when it recompiles (``num_compiles``), the errors
raised by reading values inside a compiled function, and random numbers under
``torch.manual_seed``. Modules and optimizers in compiled steps are ``test_compile_state.py``'s.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from op_table import assert_same

import torchlike as tl


def data(lib, *shape, seed=0, dtype="float32"):
    arr = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return lib.from_numpy(arr)


def mlp(lib, x, w1, w2):
    h = (x @ w1).relu()
    logits = h @ w2
    return logits.log_softmax(-1).mean(0), logits.max(1).indices


def with_inplace_and_views(lib, x):
    y = x * 2
    y[:, 0] = 0
    y.add_(1)
    y.view(-1)[1] = -1
    z = lib.cat([y, y.t()[:2].reshape(y.shape[0], -1)], 1)
    return lib.where(z > 0, z.sqrt(), z.exp()).sum(0)


def with_backward_inside(lib, x, w):
    w = w.detach().requires_grad_()
    loss = ((x @ w).tanh() ** 2).mean()
    loss.backward()
    return loss.detach(), w.grad


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (mlp, [(5, 4), (4, 8), (8, 3)]),
        (with_inplace_and_views, [(3, 4)]),
        (with_backward_inside, [(5, 4), (4, 2)]),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_compiled_equals_eager_and_torch(fn, shapes):
    args = lambda lib: [data(lib, *s, seed=i) for i, s in enumerate(shapes)]  # noqa: E731
    compiled = tl.compile(lambda *xs: fn(tl, *xs))
    ours = compiled(*args(tl))
    assert_same(ours, fn(torch, *args(torch)))
    eager = fn(tl, *args(tl))
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (ours, eager))):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1.3e-6, atol=1e-5)


def test_returns_tuples_dicts_and_nesting():
    def f(x):
        return {"sum": x.sum(), "parts": (x[0], [x * 2, x.argmax()])}, x.max(0)

    ours = tl.compile(f)(data(tl, 3, 2))
    theirs = f(data(torch, 3, 2))
    assert isinstance(ours, tuple) and isinstance(ours[0], dict)
    assert sorted(ours[0]) == sorted(theirs[0])
    for key in theirs[0]:
        assert_same(ours[0][key], theirs[0][key], path=key)
    assert_same(ours[1], theirs[1])


def test_returned_dict_keeps_its_key_order():
    f = lambda x: {"b": x.sum(), "a": x.mean()}  # noqa: E731
    assert list(tl.compile(f)(tl.ones(2))) == list(f(tl.ones(2))) == ["b", "a"]


def test_python_values_as_results():
    """PyTorch's compiled functions may return sizes, ints and dtypes, as eager ones do."""

    def f(x):
        return x.shape, x.dim(), x.numel(), x.dtype, x.size(-1), x.sum()

    assert_same(tl.compile(f)(data(tl, 2, 3)), f(data(torch, 2, 3)))


def test_recompiles_only_for_new_shapes_and_dtypes():
    f = tl.compile(lambda x, y: (x * y).sum(0))
    f(data(tl, 4, 3), data(tl, 3))
    assert f.num_compiles == 1
    f(data(tl, 4, 3, seed=1), data(tl, 3, seed=2))  # a new batch of the same shape
    assert f.num_compiles == 1
    out = f(data(tl, 5, 3), data(tl, 3))
    assert f.num_compiles == 2 and tuple(out.shape) == (3,)
    out = f(data(tl, 5, 3, dtype="float64"), data(tl, 3))
    assert f.num_compiles == 3 and out.dtype == tl.float64
    f(data(tl, 4, 3, seed=3), data(tl, 3))  # a shape seen before: no new program
    assert f.num_compiles == 3


def test_same_values_each_call_with_new_inputs():
    f = tl.compile(lambda x: (x.exp() * 2).cumsum(0))
    for seed in range(3):
        assert_same(f(data(tl, 4, seed=seed)), (data(torch, 4, seed=seed).exp() * 2).cumsum(0))
    assert f.num_compiles == 1


def test_a_captured_tensor_is_read_on_every_call():
    w = tl.ones(3)
    f = tl.compile(lambda x: x * w)
    f(tl.ones(3))
    w.mul_(2)
    assert_same(f(tl.ones(3)), torch.full((3,), 2.0))
    assert f.num_compiles == 1


def test_compiled_output_supports_backward():
    """``loss = compiled(x); loss.backward()`` reaches ``x.grad``, as with torch.compile."""

    def f(x, w):
        return ((x @ w).tanh() ** 2).sum()

    results = []
    for lib, wrap in ((torch, lambda fn: fn), (tl, tl.compile)):
        x, w = data(lib, 3, 4), data(lib, 4, 2, seed=1).requires_grad_()
        wrap(f)(x, w).backward()
        results.append(w.grad)
    assert_same(results[1], results[0])


# -- reading values inside a compiled function ----------------------------------------------------

HOST_READS = {
    "item": lambda x: x.sum().item() + 1,
    "bool": lambda x: bool(x.sum() > 0),
    "if": lambda x: x if x.sum() > 0 else -x,
    "float": lambda x: float(x.sum()),
    "int": lambda x: int(x.argmax()),
    "tolist": lambda x: x.tolist(),
    "numpy": lambda x: x.numpy(),
    "mask_index": lambda x: x[x > 0],
    "nonzero": lambda x: x.nonzero(),
}


@pytest.mark.parametrize("name", HOST_READS)
def test_reading_a_value_inside_compile_says_what_to_do(name):
    fn = HOST_READS[name]
    fn(tl.ones(3))  # fine eagerly
    with pytest.raises(RuntimeError, match="torchlike.compile") as info:
        tl.compile(fn)(tl.ones(3))
    message = str(info.value)
    assert any(hint in message for hint in ("outside", "torch.where", "instead")), message


# -- random numbers ------------------------------------------------------------------------------


def noisy(x):
    return x + tl.rand(3), tl.randn(2, 2).sum()


def test_manual_seed_gives_fresh_numbers_each_call_and_the_eager_sequence():
    compiled = tl.compile(noisy)
    x = tl.zeros(3)
    tl.manual_seed(1234)
    got = [compiled(x) for _ in range(3)]
    tl.manual_seed(1234)
    want = [noisy(x) for _ in range(3)]
    for (a, b), (c, d) in zip(got, want):
        np.testing.assert_array_equal(a.numpy(), c.numpy())  # the same draws, bit for bit
        np.testing.assert_allclose(b.numpy(), d.numpy(), rtol=1.3e-6)  # a fused sum
    firsts = [g[0].numpy() for g in got]
    assert not np.array_equal(firsts[0], firsts[1]) and not np.array_equal(firsts[1], firsts[2])
    assert compiled.num_compiles == 1
    tl.manual_seed(1234)  # and again compiled: the same sequence
    again = [compiled(x)[0].numpy() for _ in range(3)]
    np.testing.assert_array_equal(np.stack(again), np.stack(firsts))


def test_compiled_and_eager_calls_share_one_stream():
    compiled = tl.compile(noisy)
    x = tl.zeros(3)
    tl.manual_seed(7)
    mixed = [compiled(x)[0], noisy(x)[0], compiled(x)[0]]
    tl.manual_seed(7)
    eager = [noisy(x)[0] for _ in range(3)]
    for a, b in zip(mixed, eager):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
