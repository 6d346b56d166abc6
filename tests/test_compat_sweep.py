"""Small gaps found by running ordinary PyTorch programs on torchlike, each checked against
PyTorch: ``nn.utils.parameters_to_vector``/``vector_to_parameters``, what ``load_state_dict``
returns and prints, and ``torch.utils.checkpoint``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as ref
import torch.utils.checkpoint  # noqa: F401  (``ref.utils.checkpoint``)

import torchlike as tl
import torchlike.utils.checkpoint  # noqa: F401

TOL = dict(rtol=1e-6, atol=1e-6)


def _pair(make):
    """The same module under torch and torchlike (torch's weights copied into ours)."""
    theirs = make(ref)
    ours = make(tl)
    ours.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))


def _deep(lib):
    return lib.nn.Sequential(
        *[lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.GELU()) for _ in range(5)]
    )


X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)


def test_parameters_to_vector_values_and_gradient():
    theirs, ours = _pair(_mlp)
    v_ref = ref.nn.utils.parameters_to_vector(theirs.parameters())
    v_tl = tl.nn.utils.parameters_to_vector(ours.parameters())
    np.testing.assert_allclose(v_tl.detach().numpy(), v_ref.detach().numpy(), **TOL)
    (v_ref**2).sum().backward()
    (v_tl**2).sum().backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL)


def test_vector_to_parameters_writes_the_slices():
    theirs, ours = _pair(_mlp)
    vec = np.arange(sum(p.numel() for p in theirs.parameters()), dtype=np.float32) / 10
    ref.nn.utils.vector_to_parameters(ref.tensor(vec), theirs.parameters())
    tl.nn.utils.vector_to_parameters(tl.tensor(vec), ours.parameters())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), err_msg=name)
    out_ref, out_tl = theirs(ref.tensor(X)), ours(tl.tensor(X))
    np.testing.assert_allclose(out_tl.detach().numpy(), out_ref.detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("lib", [ref, tl], ids=["torch", "torchlike"])
def test_vector_to_parameters_rejects_a_non_tensor(lib):
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        lib.nn.utils.vector_to_parameters([1.0, 2.0], _mlp(lib).parameters())


# (id, keys of the loaded state_dict: a function of the full one, strict)
LOADS = [
    ("all", lambda sd: sd, True),
    ("missing", lambda sd: {k: v for k, v in sd.items() if k != "2.bias"}, False),
    ("unexpected", lambda sd: {**sd, "extra": sd["0.bias"]}, False),
]


@pytest.mark.parametrize(("keys", "strict"), [r[1:] for r in LOADS], ids=[r[0] for r in LOADS])
def test_load_state_dict_result_prints_as_torchs(keys, strict):
    theirs, ours = _pair(_mlp)
    r_ref = theirs.load_state_dict(keys(theirs.state_dict()), strict=strict)
    r_tl = ours.load_state_dict(keys(ours.state_dict()), strict=strict)
    assert str(r_tl) == str(r_ref) and repr(r_tl) == repr(r_ref)
    assert (r_tl.missing_keys, r_tl.unexpected_keys) == (r_ref.missing_keys, r_ref.unexpected_keys)
    assert tuple(r_tl) == tuple(r_ref)


def _checkpointed(lib, module, x, reentrant):
    return lib.utils.checkpoint.checkpoint(module, x, use_reentrant=reentrant)


def _sequential(lib, module, x, reentrant):
    return lib.utils.checkpoint.checkpoint_sequential(module, 2, x, use_reentrant=reentrant)


CHECKPOINTS = [
    ("checkpoint", _checkpointed, False),
    ("checkpoint_reentrant", _checkpointed, True),
    ("checkpoint_sequential", _sequential, False),
    ("checkpoint_sequential_reentrant", _sequential, True),
]


@pytest.mark.parametrize(
    ("call", "reentrant"), [c[1:] for c in CHECKPOINTS], ids=[c[0] for c in CHECKPOINTS]
)
def test_checkpoint_values_and_gradients(call, reentrant):
    theirs, ours = _pair(_deep)
    x_ref = ref.tensor(X, requires_grad=True)
    x_tl = tl.tensor(X, requires_grad=True)
    out_ref, out_tl = call(ref, theirs, x_ref, reentrant), call(tl, ours, x_tl, reentrant)
    np.testing.assert_allclose(
        out_tl.detach().numpy(), out_ref.detach().numpy(), rtol=1e-5, atol=1e-6
    )
    (out_ref**2).sum().backward()
    (out_tl**2).sum().backward()
    np.testing.assert_allclose(x_tl.grad.numpy(), x_ref.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name
        )


def test_checkpoint_keyword_arguments():
    def f(lib):
        return lambda x, scale=1.0: x * scale

    x = X[:2]
    ours = tl.utils.checkpoint.checkpoint(f(tl), tl.tensor(x), use_reentrant=False, scale=3.0)
    theirs = ref.utils.checkpoint.checkpoint(f(ref), ref.tensor(x), use_reentrant=False, scale=3.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("lib", [ref, tl], ids=["torch", "torchlike"])
def test_checkpoint_errors_and_warnings_as_torchs(lib):
    x = lib.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        lib.utils.checkpoint.checkpoint(lambda t, scale: t * scale, x, use_reentrant=True, scale=2)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: other"):
        lib.utils.checkpoint.checkpoint_sequential(
            [lib.nn.Identity()], 1, x, use_reentrant=False, other=1
        )
    for call in (
        lambda: lib.utils.checkpoint.checkpoint(lib.nn.Identity(), x),
        lambda: lib.utils.checkpoint.checkpoint_sequential([lib.nn.Identity()] * 2, 2, x),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert any(
            "use_reentrant parameter should be passed explicitly" in str(w.message) for w in caught
        )
        assert all(issubclass(w.category, UserWarning) for w in caught)
