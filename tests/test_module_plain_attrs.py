"""Plain attributes on ``nn.Module``: anything PyTorch accepts, with PyTorch's registration.

Lists, dicts and tuples of modules, tensors and NumPy arrays as plain attributes, arbitrary
objects, and attributes that change kind are all accepted. As in PyTorch, what a plain container
holds is not registered (not in ``parameters()``, ``state_dict()``, ``named_modules()``, not moved
by ``.to()``), yet ``forward`` uses it, and an optimizer built over its parameters trains them,
eagerly and in a compiled step. The same definitions run on torch and torchlike.
"""

from __future__ import annotations

import copy
import types

import numpy as np
import pytest
import torch as ref
from flax import nnx

import torchlike as tl


def definitions(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = []  # pytorch/examples' forward_forward builds its layers like this
            for _ in range(2):
                self.layers = self.layers + [nn.Linear(3, 3)]
            self.fcs = []
            for i in range(2):
                fc = nn.Linear(3, 3)
                # registered, and also kept in a plain list (written as PyTorch code writes it)
                setattr(self, "fc%i" % i, fc)  # noqa: UP031
                self.fcs.append(fc)
            self.by_name = {"head": nn.Linear(3, 2)}
            self.pair = (nn.Linear(3, 3),)
            self.history = [torch.zeros(1)]
            self.scale = torch.full((3,), 0.5)  # a plain tensor: used, not in state_dict
            self.table = np.arange(3.0)
            self.sizes = [3, 3]
            self.config = types.SimpleNamespace(depth=2)
            self.cache = None
            self.register_buffer("steps", torch.zeros(1))

        def forward(self, x):
            for layer in self.layers:
                x = torch.tanh(layer(x))
            for fc in self.fcs:
                x = fc(x)
            x = self.pair[0](x) * self.scale * float(self.table[1]) + self.history[0]
            return self.by_name["head"](x.reshape(-1, self.sizes[0]))

    return Net


def plain_modules(net) -> list:
    return [*net.layers, *net.fcs, net.by_name["head"], net.pair[0]]


@pytest.fixture
def pair():
    ref.manual_seed(0)
    theirs, ours = definitions(ref)(), definitions(tl)()
    with tl.no_grad():
        for t, o in zip(plain_modules(theirs), plain_modules(ours)):
            o.weight.copy_(tl.tensor(t.weight.detach().numpy()))
            o.bias.copy_(tl.tensor(t.bias.detach().numpy()))
    return theirs, ours


X = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)


def test_registration_matches_torch(pair):
    theirs, ours = pair
    for view in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, view)()] == [n for n, _ in getattr(theirs, view)()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for net in pair:  # a plain tensor, array or object stays what it was
        assert type(net.scale).__name__ == "Tensor" and isinstance(net.table, np.ndarray)
        assert net.config.depth == 2 and net.sizes == [3, 3]


def test_to_train_and_zero_grad_skip_plain_containers_as_in_torch(pair):
    for net in pair:
        net.double()
        net.eval()
    theirs, ours = pair
    for t, o in zip(plain_modules(theirs), plain_modules(ours)):
        assert str(o.weight.dtype) == str(t.weight.dtype), type(t)
        assert o.training == t.training
    assert str(ours.scale.dtype) == str(theirs.scale.dtype)


def test_attributes_may_change_kind(pair):
    for net, torch in ((pair[0], ref), (pair[1], tl)):
        net.cache = [torch.ones(2)]  # None, then a list of tensors
        net.sizes = (3, torch.nn.Linear(1, 1))  # Python values, then a module inside a tuple
        net.config = torch.zeros(1)  # an object, then a tensor
        net.table = None
        net.extra = {}
        net.extra["late"] = torch.nn.Linear(1, 1)
    assert [n for n, _ in pair[1].named_parameters()] == [n for n, _ in pair[0].named_parameters()]


def test_copy_and_nnx_views(pair):
    _, ours = pair
    clone = copy.deepcopy(ours)
    assert clone.layers[0] is not ours.layers[0]
    assert clone.fcs[0] is clone.fc0  # shared references stay shared
    x = tl.tensor(X)
    np.testing.assert_array_equal(clone(x).detach().numpy(), ours(x).detach().numpy())
    # NNX's graph holds what the plain containers hold (jax transformations must see it)
    n_params = len(jax_leaves(nnx.state(ours, nnx.Param)))
    assert n_params == 2 * len(plain_modules(ours)) > len(list(ours.parameters()))


def jax_leaves(tree):
    import jax

    return jax.tree.leaves(tree)


def _train(net, torch, steps: int, compiled: bool) -> list[float]:
    params = [p for m in plain_modules(net) for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=0.05)
    y = torch.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2))

    def step(x):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.detach()

    run = tl.compile(step) if compiled else step
    return [float(run(torch.tensor(X))) for _ in range(steps)]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_training_through_plain_containers_matches_torch(pair, compiled):
    theirs, ours = pair
    expected = _train(theirs, ref, 3, compiled=False)
    got = _train(ours, tl, 3, compiled=compiled)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    for t, o in zip(plain_modules(theirs), plain_modules(ours)):  # the eager view is updated
        np.testing.assert_allclose(
            o.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6
        )


def test_compiled_step_sees_modules_appended_later():
    net = definitions(tl)()
    late = tl.nn.Linear(2, 2)
    net.extra = []
    step = tl.compile(lambda x: sum(m(x).sum() for m in net.extra))
    assert float(step(tl.ones(1, 2))) == 0.0
    net.extra.append(late)  # not an assignment: no structure change is announced
    expected = float(late(tl.ones(1, 2)).sum())
    np.testing.assert_allclose(float(step(tl.ones(1, 2))), expected, rtol=1e-6)
    other = tl.nn.Linear(2, 2)
    net.extra[0] = other  # replaced, same length
    expected = float(other(tl.ones(1, 2)).sum())
    np.testing.assert_allclose(float(step(tl.ones(1, 2))), expected, rtol=1e-6)
