"""Gradients of gradients (``create_graph=True``) against PyTorch.

Each row is a scalar function of an input ``x`` and parameters ``w``; the generic test takes
``g = autograd.grad(f, x, create_graph=True)``, forms a gradient penalty from it (as WGAN-GP and
MAML-style code do), backpropagates that, and compares ``g`` and the second-order gradients of
``x`` and ``w`` with torch's. The same step is then run through ``torchlike.compile``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 6, 6))
W = RNG.standard_normal((4, 3, 3, 3)) * 0.3
V = RNG.standard_normal((6, 3))


def conv_net(lib, x, w):
    F = lib.nn.functional
    h = F.max_pool2d(F.conv2d(x, w, padding=1).tanh(), 2)
    return F.cross_entropy(h.flatten(1)[:, :5], lib.tensor([1, 3]))


def mlp(lib, x, w):
    h = x.reshape(2, -1)[:, :6] @ w.reshape(-1, 3)[:6]
    return h.sigmoid().pow(3).mean() + h.softmax(1)[:, 0].sum()


def views_and_writes(lib, x, w):
    y = x[:, 0] * 1.0
    y[:, 1] = x[:, 1, 1] * w[0, 0, 0, 0]
    z = lib.cat([y.exp(), y.transpose(1, 2)], 0)
    return z.log_softmax(-1).sum() + lib.stack([z.amax(), z.norm()]).sum()


def elementwise(lib, x, w):
    a = x[0, :, :3, :3] * w[0]
    return lib.where(a > 0, a.log1p(), a.clamp(-0.5) ** 2).sum() + (a.abs() + 1).rsqrt().sum()


FUNCTIONS = {
    "conv_net": conv_net,
    "mlp": mlp,
    "views_and_writes": views_and_writes,
    "elementwise": elementwise,
}


def penalty_step(lib, f, x, w):
    (g,) = lib.autograd.grad(f(lib, x, w), x, create_graph=True)
    penalty = ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
    penalty.backward()
    return g, penalty


def run(lib, name, compiled=False):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    w = lib.tensor(W, dtype=lib.float64, requires_grad=True)
    step = penalty_step
    if compiled:
        step = tl.compile(penalty_step)
    g, penalty = step(lib, FUNCTIONS[name], x, w)
    return [g.detach().numpy(), penalty.detach().numpy(), x.grad.numpy(), w.grad.numpy()]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_gradient_penalty_matches_torch(name, compiled):
    for ours, theirs, what in zip(
        run(tl, name, compiled), run(ref, name), ["grad", "penalty", "x.grad", "w.grad"]
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10, err_msg=what)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")  # torch's leak hint
def test_backward_with_create_graph_gives_grads_with_history():
    def scenario(lib):
        a = lib.tensor([1.5, 0.5, -0.25], requires_grad=True)
        (a.log_softmax(0)[0] * a.prod()).backward(create_graph=True)
        assert a.grad.grad_fn is not None and a.grad.requires_grad
        (second,) = lib.autograd.grad(a.grad.sum(), a)
        a.grad = None  # break the cycle, as torch's warning advises
        return second.numpy()

    np.testing.assert_allclose(scenario(tl), scenario(ref), rtol=1e-5, atol=1e-6)


def test_third_derivative():
    def scenario(lib):
        x = lib.tensor(0.7, requires_grad=True)
        y = x.sin() * x.exp()
        (d1,) = lib.autograd.grad(y, x, create_graph=True)
        (d2,) = lib.autograd.grad(d1, x, create_graph=True)
        (d3,) = lib.autograd.grad(d2, x)
        return [d.detach().numpy() for d in (d1, d2, d3)]

    for ours, theirs in zip(scenario(tl), scenario(ref)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_grad_outputs_with_history_are_differentiated_too():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        v = lib.tensor([0.5, -1.0], requires_grad=True)
        (g,) = lib.autograd.grad(x**3, x, grad_outputs=v * 2, create_graph=True)
        g.sum().backward()
        return [x.grad.numpy(), v.grad.numpy()]

    for ours, theirs in zip(scenario(tl), scenario(ref)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_through_a_compiled_forward_is_refused_clearly():
    model = tl.nn.Linear(3, 1)
    x = tl.ones(2, 3, requires_grad=True)
    out = tl.compile(model)(x).sum()
    with pytest.raises(RuntimeError, match="create_graph=True cannot differentiate through"):
        tl.autograd.grad(out, x, create_graph=True)
