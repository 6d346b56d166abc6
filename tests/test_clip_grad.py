"""torchlike.nn.utils.clip_grad_norm_ / clip_grad_value_ against torch.nn.utils, eagerly and
inside torchlike.compile."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlike as tl
from torchlike.nn import Parameter

SHAPES = [(4, 3), (5,), (2, 2, 2)]
TOL = dict(rtol=1.3e-6, atol=1e-6)


def _pair(grads: list[np.ndarray | None]):
    """Parameters in torch and torchlike with the given gradients (None: no .grad)."""
    t_params, params = [], []
    for g, shape in zip(grads, SHAPES):
        tp = torch.zeros(shape, requires_grad=True)
        p = Parameter(tl.zeros(*shape))
        if g is not None:
            tp.grad, p.grad = torch.tensor(g), tl.tensor(g)
        t_params.append(tp)
        params.append(p)
    return t_params, params


def _grads(seed: int, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]


def _assert_same_grads(params, t_params) -> None:
    for p, tp in zip(params, t_params):
        assert (p.grad is None) == (tp.grad is None)
        if tp.grad is not None:
            np.testing.assert_allclose(np.asarray(p.grad), tp.grad.numpy(), **TOL)


# (norm_type, max_norm): clipping and not clipping, for the usual orders.
NORM_CASES = [
    (2.0, 0.5),
    (2.0, 100.0),
    (1, 2.0),
    (math.inf, 0.3),
    ("inf", 0.3),
    (0.5, 10.0),
    (3.0, 1.0),
]


@pytest.mark.parametrize(("norm_type", "max_norm"), NORM_CASES)
@pytest.mark.parametrize("missing", [None, 1], ids=["all_grads", "one_grad_none"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, missing):
    grads = _grads(0, scale=2.0)
    if missing is not None:
        grads[missing] = None
    t_params, params = _pair(grads)
    expected = torch.nn.utils.clip_grad_norm_(t_params, max_norm, norm_type)
    got = tl.nn.utils.clip_grad_norm_(iter(params), max_norm, norm_type)  # any iterable
    assert isinstance(got, tl.Tensor) and got.shape == ()
    np.testing.assert_allclose(got.item(), expected.item(), **TOL)
    _assert_same_grads(params, t_params)


def test_clip_grad_norm_single_tensor_and_no_grads():
    t_params, params = _pair(_grads(1))
    expected = torch.nn.utils.clip_grad_norm_(t_params[0], 0.1)
    got = tl.nn.utils.clip_grad_norm_(params[0], 0.1)
    np.testing.assert_allclose(got.item(), expected.item(), **TOL)
    _assert_same_grads(params, t_params)
    t_none, none = _pair([None, None, None])
    expected = torch.nn.utils.clip_grad_norm_(t_none, 1.0)
    got = tl.nn.utils.clip_grad_norm_(none, 1.0)
    assert got.item() == expected.item() == 0.0


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_nonfinite(bad):
    grads = _grads(2)
    grads[0][1, 1] = bad
    t_params, params = _pair(grads)
    with pytest.raises(RuntimeError) as expected:
        torch.nn.utils.clip_grad_norm_(t_params, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as got:
        tl.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert str(got.value) == str(expected.value)
    # Without the check the gradients are scaled by the non-finite norm, as PyTorch's are.
    expected_norm = torch.nn.utils.clip_grad_norm_(t_params, 1.0)
    got_norm = tl.nn.utils.clip_grad_norm_(params, 1.0)
    np.testing.assert_equal(got_norm.item(), expected_norm.item())
    for p, tp in zip(params, t_params):
        np.testing.assert_allclose(np.asarray(p.grad), tp.grad.numpy(), **TOL, equal_nan=True)


@pytest.mark.parametrize("clip_value", [0.1, 1, 5.0])
def test_clip_grad_value_matches_torch(clip_value):
    grads = _grads(3, scale=2.0)
    grads[2] = None
    t_params, params = _pair(grads)
    assert torch.nn.utils.clip_grad_value_(t_params, clip_value) is None
    assert tl.nn.utils.clip_grad_value_(params, clip_value) is None
    _assert_same_grads(params, t_params)
    assert np.abs(np.asarray(params[0].grad)).max() <= clip_value


def _mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _train_step(model, opt, nn, x, y, norm_type):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    nn.utils.clip_grad_value_(model[0].parameters(), 0.5)
    total = nn.utils.clip_grad_norm_(model.parameters(), 0.2, norm_type=norm_type)
    opt.step()
    return total


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clipping_inside_compiled_step(norm_type):
    torch.manual_seed(0)
    theirs, ours = _mlp(torch.nn), _mlp(tl.nn)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.5, momentum=0.9)
    opt = tl.optim.SGD(ours.parameters(), lr=0.5, momentum=0.9)
    step = tl.compile(_train_step)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.standard_normal((8, 4), np.float32), rng.standard_normal((8, 2), np.float32)
        x, y = 3 * x, 3 * y  # large enough gradients that both clips act
        expected = _train_step(
            theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y), norm_type
        )
        got = step(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y), norm_type)
        assert expected.item() > 0.2
        np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-5, atol=1e-6)
        _assert_same_grads(list(ours.parameters()), list(theirs.parameters()))
    assert step.num_compiles == 1
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p), q.detach().numpy(), rtol=1e-5, atol=1e-5)
