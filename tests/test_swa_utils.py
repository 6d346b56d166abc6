"""torchlike.optim.swa_utils against torch.optim.swa_utils: the same averages, rates and statistics.

Each averaging case trains the same model (weights copied from torch) with SGD in both libraries
and folds it into an ``AveragedModel`` after every step; the averaged state_dicts (keys, order,
values, ``n_averaged``) must agree. SWALR's rates, update_bn's BatchNorm statistics and the
argument errors are compared with torch's the same way.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_lr_scheduler import _train_step

import torchlike as tl

STEPS = 5


def _mlp(nn):
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))


def _convnet(nn):
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Conv2d(3, 2, 1))


def _pair(make):
    """The same model in torch and torchlike (torchlike's weights copied from torch's)."""
    torch.manual_seed(0)
    theirs, ours = make(torch.nn), make(tl.nn)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def _batches(n, shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def _assert_same_state(ours, theirs) -> None:
    """Same keys in the same order, same shapes and dtypes, values to float32 precision."""
    ours, theirs = ours.state_dict(), theirs.state_dict()
    assert list(ours) == list(theirs)
    for key, t in theirs.items():
        o = ours[key].numpy()
        assert o.shape == tuple(t.shape) and str(o.dtype) == str(t.numpy().dtype), key
        np.testing.assert_allclose(o, t.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)


# (id, make(swa_utils module) -> AveragedModel keyword arguments)
AVERAGES = [
    ("swa_default", lambda m: {}),
    ("swa_multi", lambda m: {"multi_avg_fn": m.get_swa_multi_avg_fn()}),
    ("swa_avg_fn", lambda m: {"avg_fn": m.get_swa_avg_fn()}),
    ("ema_multi", lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.9)}),
    ("ema_avg_fn", lambda m: {"avg_fn": m.get_ema_avg_fn(0.8)}),
]


CASES = [
    pytest.param(make, use_buffers, id=f"{name}-{'buffers' if use_buffers else 'params'}")
    for name, make in AVERAGES
    for use_buffers in (False, True)
    if (name, use_buffers) != ("swa_multi", True)  # torch refuses it: test_swa_multi_on_integers
]


@pytest.mark.parametrize(("make_kwargs", "use_buffers"), CASES)
def test_averaged_model_matches_torch(make_kwargs, use_buffers):
    theirs, ours = _pair(_mlp)
    t_avg = torch.optim.swa_utils.AveragedModel(
        theirs, use_buffers=use_buffers, **make_kwargs(torch.optim.swa_utils)
    )
    avg = tl.optim.swa_utils.AveragedModel(
        ours, use_buffers=use_buffers, **make_kwargs(tl.optim.swa_utils)
    )
    _assert_same_state(avg, t_avg)  # before any update: the copy, n_averaged == 0
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    opt = tl.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    xs, ys = _batches(STEPS, (8, 4)), _batches(STEPS, (8, 3), seed=1)
    for x, y in zip(xs, ys):
        _train_step(theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y))
        _train_step(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y))
        t_avg.update_parameters(theirs)
        avg.update_parameters(ours)
    assert avg.n_averaged.dtype == tl.int64 and int(avg.n_averaged) == STEPS
    _assert_same_state(avg, t_avg)
    # the average differs from the last model: the test sees the averaging itself
    assert not np.allclose(
        avg.module[0].weight.detach().numpy(), ours[0].weight.detach().numpy(), atol=1e-4
    )
    t_avg.eval()
    avg.eval()
    x = _batches(1, (5, 4), seed=2)[0]
    np.testing.assert_allclose(
        avg(tl.from_numpy(x)).detach().numpy(),
        t_avg(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-5,
    )


def test_swa_multi_on_integers_raises_as_torch():
    """PyTorch's swa multi_avg_fn divides an int64 buffer in place, which torch refuses."""
    for lib in (torch, tl):
        model = _mlp(lib.nn)
        avg = lib.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn(), use_buffers=True
        )
        avg.update_parameters(model)
        with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
            avg.update_parameters(model)
        for n in (2, lib.tensor(2)):
            with pytest.raises(RuntimeError):
                lib.optim.swa_utils.get_swa_multi_avg_fn()([lib.tensor(3)], [lib.tensor(8)], n)


def test_averaged_model_loads_torch_state_dict():
    theirs, ours = _pair(_mlp)
    t_avg = torch.optim.swa_utils.AveragedModel(theirs)
    t_avg.update_parameters(theirs)
    t_avg.update_parameters(theirs)
    avg = tl.optim.swa_utils.AveragedModel(ours, device="cpu")
    avg.load_state_dict({k: tl.tensor(v.numpy()) for k, v in t_avg.state_dict().items()})
    assert int(avg.n_averaged) == 2
    _assert_same_state(avg, t_avg)


def test_compiled_step_then_update_parameters():
    theirs, ours = _pair(_mlp)
    ema = torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    t_avg = torch.optim.swa_utils.AveragedModel(theirs, multi_avg_fn=ema)
    avg = tl.optim.swa_utils.AveragedModel(
        ours, multi_avg_fn=tl.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    )
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt = tl.optim.SGD(ours.parameters(), lr=0.1)
    step = tl.compile(_train_step)
    for x, y in zip(_batches(STEPS, (8, 4)), _batches(STEPS, (8, 3), seed=1)):
        _train_step(theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y))
        step(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y))
        t_avg.update_parameters(theirs)
        avg.update_parameters(ours)
    _assert_same_state(avg, t_avg)
    assert step.num_compiles == 1


def _loader(kind):
    xs = _batches(4, (3, 2, 5, 5))
    if kind == "tensors":
        return [torch.from_numpy(x) for x in xs], [tl.from_numpy(x) for x in xs]
    ys = [np.zeros(3, np.float32)] * len(xs)
    return (
        [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in zip(xs, ys)],
        [[tl.from_numpy(x), tl.from_numpy(y)] for x, y in zip(xs, ys)],
    )


@pytest.mark.parametrize("kind", ["tensors", "pairs"])
def test_update_bn_matches_torch(kind):
    theirs, ours = _pair(_convnet)
    t_loader, loader = _loader(kind)
    for model in (theirs, ours):
        model[1].momentum = 0.3
        model.eval()
    torch.optim.swa_utils.update_bn(t_loader, theirs)
    tl.optim.swa_utils.update_bn(loader, ours)
    _assert_same_state(ours, theirs)
    assert int(ours[1].num_batches_tracked) == 4
    assert ours[1].momentum == 0.3 and not ours.training and not ours[1].training


def test_update_bn_through_averaged_model_and_without_batchnorm():
    theirs, ours = _pair(_convnet)
    t_avg, avg = torch.optim.swa_utils.AveragedModel(theirs), tl.optim.swa_utils.AveragedModel(ours)
    t_loader, loader = _loader("tensors")
    torch.optim.swa_utils.update_bn(t_loader, t_avg)
    tl.optim.swa_utils.update_bn(loader, avg)
    _assert_same_state(avg, t_avg)
    plain = tl.nn.Linear(2, 2)
    tl.optim.swa_utils.update_bn([], plain)  # no BatchNorm: nothing to do
    assert plain.training


def _two_groups(lib):
    params = [lib.nn.Parameter(lib.zeros(3)), lib.nn.Parameter(lib.zeros(2))]
    return lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}], lr=1.0)


# (id, SWALR keyword arguments)
SWALR_CASES = [
    ("cos", {"swa_lr": 0.05}),
    ("linear", {"swa_lr": 0.05, "anneal_strategy": "linear", "anneal_epochs": 4}),
    ("cos_per_group", {"swa_lr": [0.05, 0.2], "anneal_epochs": 7}),
    ("no_annealing", {"swa_lr": 0.1, "anneal_epochs": 0}),
    ("linear_one_epoch", {"swa_lr": [0.3, 0.01], "anneal_strategy": "linear", "anneal_epochs": 1}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in SWALR_CASES], ids=[c[0] for c in SWALR_CASES])
def test_swalr_matches_torch(kwargs):
    t_opt, opt = _two_groups(torch), _two_groups(tl)
    t_sched = torch.optim.swa_utils.SWALR(t_opt, **kwargs)
    sched = tl.optim.swa_utils.SWALR(opt, **kwargs)
    ours, theirs = [sched.get_last_lr()], [t_sched.get_last_lr()]
    for k in range(15):
        t_opt.step()
        t_sched.step()
        opt.step()
        sched.step()
        if k == 6:  # resume from torch's saved state
            sched = tl.optim.swa_utils.SWALR(opt, **kwargs)
            sched.load_state_dict(t_sched.state_dict())
        ours.append(sched.get_last_lr())
        theirs.append(t_sched.get_last_lr())
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12, atol=1e-15)
    assert not np.allclose(theirs[-1], [1.0, 0.5])  # the rates did move to swa_lr
    assert [g["lr"] for g in opt.param_groups] == pytest.approx(
        [g["lr"] for g in t_opt.param_groups], rel=1e-12
    )
    assert set(sched.state_dict()) == set(t_sched.state_dict())


# (id, call(lib) that torch rejects)
ERRORS = [
    ("strategy", lambda lib: lib.optim.swa_utils.SWALR(_two_groups(lib), 0.1, anneal_strategy="x")),
    ("negative_epochs", lambda lib: lib.optim.swa_utils.SWALR(_two_groups(lib), 0.1, -1)),
    ("float_epochs", lambda lib: lib.optim.swa_utils.SWALR(_two_groups(lib), 0.1, 2.5)),
    ("swa_lr_length", lambda lib: lib.optim.swa_utils.SWALR(_two_groups(lib), [0.1, 0.2, 0.3])),
    ("ema_decay", lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5)),
    ("ema_avg_decay", lambda lib: lib.optim.swa_utils.get_ema_avg_fn(-0.1)),
    (
        "two_avg_fns",
        lambda lib: lib.optim.swa_utils.AveragedModel(
            lib.nn.Linear(2, 2),
            avg_fn=lib.optim.swa_utils.get_swa_avg_fn(),
            multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn(),
        ),
    ),
]


@pytest.mark.parametrize("call", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(tl)
    assert str(ours.value) == str(theirs.value)
