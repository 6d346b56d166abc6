"""Module backward hooks (register_full_backward_hook / _pre_hook) against PyTorch: what the
hooks see (grad_input, grad_output), their replacements, and the gradients that result, eagerly
and inside a compiled step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as ref

import torchlike as tl

W = np.random.default_rng(0)
WEIGHTS = [W.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,), (2, 4), (2,)]]
X = W.standard_normal((5, 3)).astype(np.float32)


def model(lib):
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    m.load_state_dict(
        {k: lib.tensor(w) for k, w in zip(["0.weight", "0.bias", "2.weight", "2.bias"], WEIGHTS)}
    )
    return m


def as_np(x):
    return None if x is None else np.asarray(x.detach().numpy())


def record_to(seen, name):
    def hook(module, *grads):
        seen.append((name, [[as_np(g) for g in part] for part in grads]))

    return hook


def program(lib, x_grad: bool, case: str):
    """One backward through a hooked model; returns what the hooks saw and the grads."""
    seen = []
    m = model(lib)
    x = lib.tensor(X, requires_grad=x_grad)
    m[2].register_full_backward_hook(record_to(seen, "last"))
    m[0].register_full_backward_hook(record_to(seen, "first"))
    if case == "replace_output":  # a pre hook doubling the last layer's grad_output
        m[2].register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        m[2].register_full_backward_pre_hook(record_to(seen, "last pre"))
    if case == "replace_input":  # the activation's grad_input clamped
        m[1].register_full_backward_hook(lambda mod, gi, go: (gi[0].clamp(-0.1, 0.1),))
    if case == "prepend":
        m[2].register_full_backward_hook(record_to(seen, "prepended"), prepend=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (m(x) ** 2).sum().backward()
    seen.append(("warned", sorted({str(w.message)[:40] for w in caught})))
    grads = [as_np(p.grad) for p in m.parameters()] + [as_np(x.grad)]
    return seen, grads


@pytest.mark.parametrize("x_grad", [False, True])
@pytest.mark.parametrize("case", ["plain", "replace_output", "replace_input", "prepend"])
def test_backward_hooks_match_torch(x_grad, case):
    theirs, ours = program(ref, x_grad, case), program(tl, x_grad, case)
    assert [name for name, _ in ours[0]] == [name for name, _ in theirs[0]]
    assert ours[0][-1] == theirs[0][-1]  # the same warnings
    for (name, a), (_, b) in zip(ours[0][:-1], theirs[0][:-1]):
        assert [[g is None for g in part] for part in a] == [
            [g is None for g in part] for part in b
        ], name
        for pa, pb in zip(a, b):
            for ga, gb in zip(pa, pb):
                if gb is not None:
                    np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=2e-5, err_msg=name)
    for ga, gb in zip(ours[1], theirs[1]):
        assert (ga is None) == (gb is None)
        if gb is not None:
            np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=2e-5)


def test_backward_hooks_in_a_compiled_step_give_the_eager_gradients():
    def build():
        m = model(tl)
        m[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
        return m, tl.optim.SGD(m.parameters(), lr=0.1)

    def step(m, opt, x):
        opt.zero_grad()
        loss = (m(x) ** 2).sum()
        loss.backward()
        opt.step()
        return loss

    (m1, o1), (m2, o2) = build(), build()
    compiled = tl.compile(step)
    for _ in range(3):
        a, b = step(m1, o1, tl.tensor(X)), compiled(m2, o2, tl.tensor(X))
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=2e-5)


def test_a_hook_returning_the_wrong_number_of_gradients_is_an_error():
    m = model(tl)
    m[1].register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input"):
        (m(tl.tensor(X, requires_grad=True)) ** 2).sum().backward()
