"""``nn.Module`` on Flax NNX: PyTorch's registration semantics, state_dict, repr, NNX interop.

The same module definitions are written once against an ``nn`` namespace and instantiated with
torch's and torchlike's, so every comparison is against what real PyTorch does.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref
from flax import nnx

import torchlike as tl


def definitions(torch):
    nn = torch.nn

    class Affine(nn.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(n))
            self.shift = nn.Parameter(torch.zeros(n))
            self.register_buffer("calls", torch.zeros(1))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

        def forward(self, x):
            return x * self.scale + self.shift

        def extra_repr(self) -> str:
            return f"n={self.scale.shape[0]}"

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.zeta = Affine(3)  # registered first although it sorts last
            self.alpha = nn.ModuleList([Affine(3), Affine(3)])
            self.heads = nn.ModuleDict({"b": Affine(3), "a": Affine(3)})
            self.seq = nn.Sequential(Affine(3))
            self.register_parameter("gain", nn.Parameter(torch.ones(1)))
            self.register_buffer("absent", None)

        def forward(self, x):
            x = self.zeta(x)
            for m in self.alpha:
                x = m(x)
            return self.seq(self.heads["a"](self.heads["b"](x))) * self.gain

    return Net, Affine


@pytest.fixture
def pair():
    ref.manual_seed(0)
    their_net, _ = definitions(ref)
    our_net, _ = definitions(tl)
    return their_net(), our_net()


def test_names_and_order_match_torch(pair):
    theirs, ours = pair
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert tuple(a.shape) == tuple(b.shape), k


def test_repr_matches_torch(pair):
    theirs, ours = pair
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def test_load_state_dict_roundtrip_and_forward(pair):
    theirs, ours = pair
    with ref.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 1)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tl.tensor(x)).detach().numpy(),
        theirs(ref.tensor(x)).detach().numpy(),
        rtol=1e-6,
        atol=1e-6,
    )
    # real torch tensors are accepted as values too
    ours.load_state_dict(theirs.state_dict())


@pytest.mark.parametrize("change", ["missing", "unexpected", "shape"])
def test_load_state_dict_errors_match_torch(pair, change):
    theirs, ours = pair
    sd_t = dict(theirs.state_dict())
    if change == "missing":
        del sd_t["gain"]
    elif change == "unexpected":
        sd_t["bogus.weight"] = ref.zeros(1)
    else:
        sd_t["zeta.scale"] = ref.zeros(5)
    sd_o = {k: tl.tensor(v.numpy()) for k, v in sd_t.items()}
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(sd_t)
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(sd_o)
    assert str(ours_err.value) == str(theirs_err.value)
    if change != "shape":
        res_t = theirs.load_state_dict(sd_t, strict=False)
        res_o = ours.load_state_dict(sd_o, strict=False)
        assert (res_o.missing_keys, res_o.unexpected_keys) == (
            res_t.missing_keys,
            res_t.unexpected_keys,
        )


def test_train_eval_and_apply(pair):
    theirs, ours = pair
    ours.eval()
    assert not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())
    seen = []
    ours.apply(lambda m: seen.append(type(m).__name__))
    their_seen = []
    theirs.apply(lambda m: their_seen.append(type(m).__name__))
    assert seen == their_seen


def test_zero_grad_and_requires_grad(pair):
    _, ours = pair
    ours(tl.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in ours.parameters())
    ours.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in ours.parameters())
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_assignment_rules_match_torch(pair):
    theirs, ours = pair
    for net, torch in ((theirs, ref), (ours, tl)):
        with pytest.raises(TypeError):
            net.gain = torch.ones(1)  # a plain tensor cannot replace a Parameter
        net.gain = None  # None keeps the slot
        assert "gain" not in dict(net.named_parameters())
        net.gain = torch.nn.Parameter(torch.ones(1))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_forward_hooks(pair):
    _, ours = pair
    calls = []
    handle = ours.zeta.register_forward_hook(lambda m, args, out: calls.append(out.shape))
    pre = ours.zeta.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = ours.zeta(tl.ones(2, 3))
    assert calls == [tl.Size([2, 3])]
    np.testing.assert_array_equal(out.detach().numpy(), np.zeros((2, 3)))
    handle.remove()
    pre.remove()
    ours.zeta(tl.ones(2, 3))
    assert len(calls) == 1


def test_nnx_split_merge_and_state(pair):
    _, ours = pair
    graphdef, state = nnx.split(ours)
    hash(graphdef)  # usable as a jit cache key
    params = nnx.state(ours, nnx.Param)
    assert len(jax_leaves(params)) == len(list(ours.parameters()))
    clone = nnx.merge(graphdef, state)
    x = tl.randn(2, 3)
    np.testing.assert_array_equal(clone(x).detach().numpy(), ours(x).detach().numpy())
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in ours.named_parameters()]


def test_nnx_jit_runs_a_torchlike_module(pair):
    _, ours = pair

    @nnx.jit
    def forward(model, x):
        return model(x)

    x = tl.randn(2, 3)
    np.testing.assert_allclose(
        forward(ours, x).detach().numpy(), ours(x).detach().numpy(), rtol=1e-6
    )


def test_parameter_is_param_and_tensor():
    p = tl.nn.Parameter(tl.randn(3))
    assert isinstance(p, nnx.Param) and isinstance(p, tl.Tensor)
    assert p.requires_grad and p.is_leaf
    assert repr(p) == repr(ref.nn.Parameter(ref.tensor(p.detach().numpy())))
    with pytest.raises(RuntimeError):
        tl.nn.Parameter(tl.tensor([1, 2]))  # integer parameters cannot require grad


def test_data_writes_reach_parameter():
    p = tl.nn.Parameter(tl.ones(3))
    p.data.mul_(2)
    np.testing.assert_array_equal(p.detach().numpy(), [2, 2, 2])
    with tl.no_grad():
        p -= 1
    np.testing.assert_array_equal(p.detach().numpy(), [1, 1, 1])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p.add_(1)


def jax_leaves(tree):
    import jax

    return jax.tree.leaves(tree)


# -- the layer classes have PyTorch's bases -------------------------------------------------------


def _nn_bases(cls, package: str) -> set[str]:
    return {c.__name__ for c in cls.__mro__ if c.__module__.startswith(package)}


@pytest.mark.parametrize("name", [n for n in tl.nn.modules.__all__ if hasattr(ref.nn, n)])
def test_layer_classes_have_pytorchs_bases(name):
    """``isinstance(m, nn.modules.batchnorm._BatchNorm)``, ``nn.modules.loss._WeightedLoss``, ...
    answer as in PyTorch: every ``torch.nn`` class in PyTorch's MRO is in ours by name, and no
    public class of ours is a base where PyTorch's is not (a ``CELU`` is not an ``ELU``)."""
    theirs = _nn_bases(getattr(ref.nn, name), "torch.nn")
    ours = _nn_bases(getattr(tl.nn, name), "torchlike.nn")
    assert theirs - ours == set()
    assert {b for b in ours - theirs if not b.startswith("_")} == set()
    for base in theirs - {name}:  # and they are the classes importable under PyTorch's names
        module = next(c for c in getattr(ref.nn, name).__mro__ if c.__name__ == base).__module__
        ours_module = module.replace("torch.nn", "torchlike.nn", 1)
        assert issubclass(
            getattr(tl.nn, name), getattr(__import__(ours_module, fromlist=[base]), base)
        )
