"""Tensor hooks and anomaly mode, compared with PyTorch on the same programs."""

import warnings

import numpy as np
import pytest
import torch as ref

import torchlike as tl


def _run(lib, prog):
    """Run ``prog(lib, record)``; return the leaf grads and everything the hooks recorded."""
    seen = []
    leaves = prog(lib, seen.append)
    grads = [None if x.grad is None else x.grad.detach().numpy() for x in leaves]
    return grads, [np.asarray(s.detach().numpy()) if hasattr(s, "numpy") else s for s in seen]


def _leaf_scale(lib, record):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: (record(g), g * 2)[1])
    (x * x).sum().backward()  # two uses of x: the hook sees the summed gradient once
    return [x]


def _nonleaf_replace(lib, record):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.exp()
    y.register_hook(record)
    y.register_hook(lambda g: g + 1)
    y.register_hook(record)  # sees the replaced gradient
    (y * 3).sum().backward()
    return [x]


def _remove(lib, record):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 10)
    h.remove()
    x.register_hook(record)
    (x**2).sum().backward()
    return [x]


def _root_and_retain(lib, record):
    x = lib.tensor([0.5, 1.5], requires_grad=True)
    y = x.sin()
    y.retain_grad()
    y.register_hook(lambda g: g * 0 + 4)  # retain_grad sees the hooked gradient
    y.sum().backward()
    record(y.grad)
    return [x]


def _post_accumulate(lib, record):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: record(t.grad.clone()))
    (w * 3).sum().backward()
    (w * 5).sum().backward()  # the hook sees the accumulated .grad
    return [w]


def _autograd_grad(lib, record):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 3)
    x.register_hook(lambda g: g + 1)
    (g,) = lib.autograd.grad(y.sum(), x)
    record(g)
    return [x]


@pytest.mark.parametrize(
    "prog",
    [_leaf_scale, _nonleaf_replace, _remove, _root_and_retain, _post_accumulate, _autograd_grad],
)
def test_hook_matches_torch(prog):
    got_g, got_seen = _run(tl, prog)
    want_g, want_seen = _run(ref, prog)
    assert len(got_seen) == len(want_seen)
    for a, b in zip(got_g + got_seen, want_g + want_seen):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_hook_in_compiled_step():
    w = tl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w.register_hook(lambda g: g.clamp(max=1.0))

    @tl.compile
    def step(x):
        w.grad = None
        (w * x).sum().backward()
        return w.grad

    g = step(tl.tensor([0.5, 2.0, -3.0]))
    np.testing.assert_allclose(g.numpy(), [0.5, 1.0, -3.0])


def test_hook_errors():
    for lib in (tl, ref):
        x = lib.ones(2)
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            x.register_hook(lambda g: g)
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="non-leaf"):
            y.register_post_accumulate_grad_hook(lambda t: None)
        z = lib.ones(2, requires_grad=True)
        z.register_hook(lambda g: g[:1])
        with pytest.raises(RuntimeError, match="hook"):
            (z * 2).sum().backward()


def test_anomaly_mode():
    assert tl.is_anomaly_enabled() is False
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = tl.autograd.detect_anomaly()  # as torch, it warns that it is slow
    with mode:
        assert tl.is_anomaly_enabled()
        x = tl.tensor([0.0, 1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="returned nan values"):
            (x.sqrt() * 0).sum().backward()  # 0 * inf -> nan in SqrtBackward
    assert not tl.is_anomaly_enabled()
    tl.autograd.set_detect_anomaly(True)
    assert tl.is_anomaly_enabled() and tl.is_anomaly_check_nan_enabled()
    tl.set_anomaly_enabled(False)
    assert not tl.is_anomaly_enabled()
    with tl.autograd.set_detect_anomaly(True, check_nan=False):
        x = tl.tensor([0.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()  # no check: a nan gradient, as torch
        assert np.isnan(x.grad.numpy()).all()
    assert not tl.is_anomaly_enabled()


def test_anomaly_names_the_input_position():
    """The position in PyTorch's message counts every input, those needing no gradient too."""
    messages = []
    for lib in (tl, ref):
        x, w = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([float("nan"), 1.0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly(), pytest.raises(RuntimeError) as err:
                (w * x).sum().backward()
        slow = [str(w.message) for w in caught if "Anomaly Detection has been" in str(w.message)]
        messages.append((str(err.value).splitlines()[0], slow))
    assert messages[0] == messages[1]


def test_every_hook_returns_one_removable_handle_class():
    """Modules, tensors and optimizers return ``torch.utils.hooks.RemovableHandle``."""
    for lib in (tl, ref):
        m = lib.nn.Linear(1, 1)
        x = lib.ones(1, requires_grad=True)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        handles = [
            m.register_forward_hook(lambda *a: None),
            m.register_full_backward_hook(lambda *a: None),
            x.register_hook(lambda g: g),
            opt.register_step_pre_hook(lambda *a: None),
        ]
        assert {type(h) for h in handles} == {lib.utils.hooks.RemovableHandle}
        with handles[0]:
            assert len(m._forward_hooks if lib is ref else m._hooks.fwd) == 1
        assert len(m._forward_hooks if lib is ref else m._hooks.fwd) == 0


def test_hooks_on_parameters():
    results = []
    for lib in (tl, ref):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 1)
        seen = []
        h = m.weight.register_hook(lambda g: g * 0.5)
        m.bias.register_post_accumulate_grad_hook(lambda p, seen=seen: seen.append(p.grad.clone()))
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]])
        m(x).sum().backward()
        h.remove()
        m(x).sum().backward()  # removed: the full gradient is added
        results.append((m.weight.grad.numpy(), m.bias.grad.numpy(), [s.numpy() for s in seen]))
    (w1, b1, s1), (w2, b2, s2) = results
    np.testing.assert_allclose(w1, w2, rtol=1e-6)
    np.testing.assert_allclose(b1, b2, rtol=1e-6)
    assert len(s1) == len(s2) == 2
    np.testing.assert_allclose(np.stack(s1), np.stack(s2), rtol=1e-6)
