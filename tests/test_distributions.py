"""``torch.distributions`` against PyTorch: densities, moments, entropies, KL, gradients, shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

LOC = np.array([0.5, -1.0, 2.0])
SCALE = np.array([1.0, 0.5, 2.5])
PROBS = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])

# name -> (build(lib, *params), params (float64 arrays, differentiable), value to score)
DISTS = {
    "normal": (lambda D, a, b: D.Normal(a, b), (LOC, SCALE), np.array([0.0, 0.3, -1.0])),
    "uniform": (lambda D, a, b: D.Uniform(a, a + b), (LOC, SCALE), LOC + 0.25),
    "bernoulli_probs": (
        lambda D, p: D.Bernoulli(probs=p),
        (np.array([0.1, 0.5, 0.9]),),
        np.array([1.0, 0.0, 1.0]),
    ),
    "bernoulli_logits": (lambda D, g: D.Bernoulli(logits=g), (LOC,), np.array([1.0, 0.0, 1.0])),
    "categorical_probs": (lambda D, p: D.Categorical(probs=p), (PROBS,), np.array([2, 0])),
    "categorical_logits": (lambda D, g: D.Categorical(logits=g), (PROBS * 3,), np.array([1, 2])),
}
PROPERTIES = ["log_prob", "entropy", "mean", "variance", "stddev", "batch_shape", "event_shape"]


def evaluate(lib, name):
    build, params, value = DISTS[name]
    ts = [lib.tensor(p, requires_grad=True) for p in params]
    d = build(lib.distributions, *ts)
    out = {}
    total = 0
    for prop in PROPERTIES:
        try:
            got = (
                d.log_prob(lib.tensor(value))
                if prop == "log_prob"
                else (d.entropy() if prop == "entropy" else getattr(d, prop))
            )
        except NotImplementedError:
            out[prop] = "NotImplementedError"
            continue
        if isinstance(got, lib.Tensor):
            out[prop] = got.detach().numpy()
            if got.requires_grad:
                total = total + got.sum()
        else:
            out[prop] = tuple(got)
    total.backward()
    out["grads"] = [t.grad.numpy() for t in ts]
    return out


@pytest.mark.parametrize("name", list(DISTS))
def test_matches_torch(name):
    ours, theirs = evaluate(tl, name), evaluate(ref, name)
    for key in theirs:
        if isinstance(theirs[key], (str, tuple)):
            assert ours[key] == theirs[key], key
        elif key == "grads":
            for a, b in zip(ours[key], theirs[key]):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=key)
        else:
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, atol=1e-9, err_msg=key)


@pytest.mark.parametrize("name", list(DISTS))
def test_samples_have_torchs_shape_and_dtype(name):
    build, params, _ = DISTS[name]
    ours = build(tl.distributions, *[tl.tensor(p) for p in params]).sample((4,))
    theirs = build(ref.distributions, *[ref.tensor(p) for p in params]).sample((4,))
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    assert not ours.requires_grad


def test_sample_statistics_and_seeding():
    tl.manual_seed(0)
    n = tl.distributions.Normal(tl.tensor([1.0, -2.0]), tl.tensor([0.5, 2.0])).sample((20000,))
    np.testing.assert_allclose(n.mean(0).numpy(), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(n.std(0).numpy(), [0.5, 2.0], rtol=0.03)
    c = tl.distributions.Categorical(probs=tl.tensor([0.2, 0.8])).sample((20000,))
    assert abs(c.float().mean().item() - 0.8) < 0.02
    tl.manual_seed(5)
    a = tl.distributions.Bernoulli(probs=tl.tensor(0.3)).sample((8,))
    tl.manual_seed(5)
    assert (tl.distributions.Bernoulli(probs=tl.tensor(0.3)).sample((8,)) == a).all().item()


def test_rsample_is_differentiable_and_compiles():
    loc = tl.tensor([0.5, 1.0], requires_grad=True)
    scale = tl.tensor([1.0, 2.0], requires_grad=True)
    tl.manual_seed(1)
    x = tl.distributions.Normal(loc, scale).rsample((3,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [3.0, 3.0])
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-6)

    f = tl.compile(lambda m: tl.distributions.Normal(m, 1.0).rsample((2,)))
    first, second = f(tl.zeros(3)), f(tl.zeros(3))
    assert not (first == second).all().item()  # fresh draws each call


@pytest.mark.parametrize(
    ("pair", "make"),
    [
        (
            "normal",
            lambda D, lib: (
                D.Normal(lib.tensor(LOC), lib.tensor(SCALE)),
                D.Normal(lib.tensor(SCALE), lib.tensor(LOC**2 + 0.1)),
            ),
        ),
        (
            "categorical",
            lambda D, lib: (
                D.Categorical(probs=lib.tensor(PROBS)),
                D.Categorical(logits=lib.tensor(PROBS)),
            ),
        ),
        (
            "bernoulli",
            lambda D, lib: (
                D.Bernoulli(probs=lib.tensor([0.2, 0.6])),
                D.Bernoulli(logits=lib.tensor([0.3, -1.0])),
            ),
        ),
        (
            "uniform",
            lambda D, lib: (
                D.Uniform(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
                D.Uniform(lib.tensor([-1.0, 1.5]), lib.tensor([2.0, 3.0])),
            ),
        ),
    ],
)
def test_kl_divergence_matches_torch(pair, make):
    ours = tl.distributions.kl_divergence(*make(tl.distributions, tl))
    theirs = ref.distributions.kl_divergence(*make(ref.distributions, ref))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_invalid_parameters_raise_value_error_as_torch():
    for lib in (tl, ref):
        with pytest.raises(ValueError, match="Expected parameter scale"):
            lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0]))
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            lib.distributions.Bernoulli()
        lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0]), validate_args=False)
