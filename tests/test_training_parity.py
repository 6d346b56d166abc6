"""End-to-end parity with PyTorch: the same model, weights and data give the same training run.

An MLP and a LeNet are built in torch and torchlike from the same definitions, torch's initial
weights are copied in, and 20 steps of SGD (momentum) and of Adam are taken on the same batches,
eagerly, as one compiled step (``torchlike.compile(train_step)``) and with a compiled model in an
eager loop (``torchlike.compile(model)``): losses, gradients and parameters must agree to 1e-5.
In float64 every comparison is to 1e-5; float32 Adam parameters get the looser bound below.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

STEPS = 20
TOL = dict(rtol=1e-5, atol=1e-5)
# Adam divides by sqrt(exp_avg_sq) + 1e-8: where a gradient is ~1e-8, rounding-level differences
# in it (different summation order in XLA's and oneDNN's matmuls) move that weight by a sizeable
# fraction of lr. One weight in 400k drifts ~1.2e-5 in 20 steps; allow 5e-5 (lr / 20) for Adam.
PARAM_TOL = {"sgd_momentum": TOL, "adam": dict(rtol=1e-5, atol=5e-5)}


def mlp(nn):
    return nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


MODELS = {"mlp": (mlp, (784,)), "lenet": (lenet, (1, 28, 28))}
OPTIMIZERS = {
    "sgd_momentum": lambda optim, params: optim.SGD(params, lr=0.05, momentum=0.9),
    "adam": lambda optim, params: optim.Adam(params, lr=1e-3),
}


def batches(shape, n=STEPS, batch=32, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [
        (
            rng.standard_normal((batch, *shape)).astype(dtype),
            rng.integers(0, 10, batch).astype(np.int64),
        )
        for _ in range(n)
    ]


def train_step(model, opt, crit, x, y):
    opt.zero_grad()
    loss = crit(model(x), y)
    loss.backward()
    opt.step()
    return loss


MODES = ["eager", "compiled_step", "compiled_model"]
CASES = [
    (model, opt, mode, dtype)
    for model in MODELS
    for opt in OPTIMIZERS
    for mode in MODES
    for dtype in ("float32", "float64")
    if dtype == "float32" or mode != "compiled_model"
]


@pytest.mark.parametrize(("model_name", "opt_name", "mode", "dtype"), CASES)
def test_training_matches_torch(model_name, opt_name, mode, dtype):
    build, shape = MODELS[model_name]
    ref.manual_seed(0)
    theirs = build(ref.nn).to(getattr(ref, dtype))
    ours = build(tl.nn).to(getattr(tl, dtype))
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())

    their_opt = OPTIMIZERS[opt_name](ref.optim, theirs.parameters())
    our_opt = OPTIMIZERS[opt_name](tl.optim, ours.parameters())
    their_crit, our_crit = ref.nn.CrossEntropyLoss(), tl.nn.CrossEntropyLoss()
    step = tl.compile(train_step) if mode == "compiled_step" else train_step
    forward = tl.compile(ours) if mode == "compiled_model" else ours
    param_tol = TOL if dtype == "float64" else PARAM_TOL[opt_name]

    for x, y in batches(shape, dtype=np.dtype(dtype)):
        their_loss = train_step(theirs, their_opt, their_crit, ref.from_numpy(x), ref.from_numpy(y))
        our_loss = step(forward, our_opt, our_crit, tl.from_numpy(x), tl.from_numpy(y))
        np.testing.assert_allclose(our_loss.item(), their_loss.item(), **TOL)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(
            np.asarray(p.grad._data), q.grad.numpy(), **TOL, err_msg=f"grad of {name}"
        )
        np.testing.assert_allclose(
            np.asarray(p._data),
            q.detach().numpy(),
            **param_tol,
            err_msg=f"value of {name}",
        )
        assert p._data.dtype == np.dtype(dtype)
    if mode == "compiled_step":
        assert step.num_compiles == 1
    if mode == "compiled_model":
        assert forward._call.num_compiles == 1


def test_eager_and_compiled_steps_interleave():
    """Eager and compiled steps on the same objects continue one trajectory."""
    ref.manual_seed(1)
    theirs = mlp(ref.nn)
    ours = mlp(tl.nn)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    their_opt = ref.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    our_opt = tl.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    crit_t, crit_o = ref.nn.CrossEntropyLoss(), tl.nn.CrossEntropyLoss()
    compiled = tl.compile(train_step)
    for i, (x, y) in enumerate(batches((784,), n=6)):
        step = compiled if i % 2 else train_step
        a = step(ours, our_opt, crit_o, tl.from_numpy(x), tl.from_numpy(y)).item()
        b = train_step(theirs, their_opt, crit_t, ref.from_numpy(x), ref.from_numpy(y)).item()
        np.testing.assert_allclose(a, b, **TOL)


def test_lr_change_does_not_recompile():
    model = mlp(tl.nn)
    opt = tl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    crit = tl.nn.CrossEntropyLoss()
    step = tl.compile(train_step)
    for i, (x, y) in enumerate(batches((784,), n=4)):
        opt.param_groups[0]["lr"] = 0.1 / (i + 1)
        step(model, opt, crit, tl.from_numpy(x), tl.from_numpy(y))
    assert step.num_compiles == 1


def test_lr_change_takes_effect_in_compiled_step():
    """A new lr reaches the compiled program (it is an input, not a baked constant)."""
    (x, y), (x2, y2) = batches((784,), n=2)
    model = mlp(tl.nn)
    opt = tl.optim.SGD(model.parameters(), lr=0.1)
    crit = tl.nn.CrossEntropyLoss()
    step = tl.compile(train_step)
    before = np.asarray(model[0].weight._data).copy()
    step(model, opt, crit, tl.from_numpy(x), tl.from_numpy(y))
    assert np.abs(np.asarray(model[0].weight._data) - before).max() > 0
    opt.param_groups[0]["lr"] = 0.0
    before = np.asarray(model[0].weight._data).copy()
    step(model, opt, crit, tl.from_numpy(x2), tl.from_numpy(y2))
    np.testing.assert_array_equal(np.asarray(model[0].weight._data), before)
    assert step.num_compiles == 1
