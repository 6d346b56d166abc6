"""torchlike.optim.lr_scheduler against torch.optim.lr_scheduler: the same learning rates.

Each scheduler is made on a torch optimizer and a torchlike one with the same groups, and stepped
300 times; the rates (and the momentum that CyclicLR/OneCycleLR cycle) must agree to 1e-7 at
every step. The scheduler state PyTorch saves loads into torchlike mid-run.
"""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np
import pytest
import torch

import torchlike as tl
import torchlike.optim as tl_optim
from torchlike.nn import Parameter

STEPS = 300


class _Scaled:
    """A callable object: its attributes are saved by LambdaLR's state_dict, as PyTorch's."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate**epoch


# (id, optimizer, make(lr_scheduler module, optimizer) -> scheduler)
SCHEDULERS = [
    ("lambda", "SGD", lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + 0.05 * e))),
    ("lambda_per_group", "SGD", lambda m, o: m.LambdaLR(o, [_Scaled(0.99), lambda e: 0.5])),
    ("multiplicative", "SGD", lambda m, o: m.MultiplicativeLR(o, lambda e: 0.99 if e % 2 else 1)),
    ("step", "SGD", lambda m, o: m.StepLR(o, step_size=30, gamma=0.5)),
    ("multistep", "SGD", lambda m, o: m.MultiStepLR(o, milestones=[30, 80, 80, 200], gamma=0.5)),
    ("exponential", "SGD", lambda m, o: m.ExponentialLR(o, gamma=0.99)),
    ("cosine", "SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=70, eta_min=1e-3)),
    (
        "cosine_warm_restarts",
        "SGD",
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-4),
    ),
    ("cosine_warm_restarts_t1", "SGD", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=25)),
    (
        "linear",
        "SGD",
        lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=40),
    ),
    ("constant", "SGD", lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=20)),
    ("polynomial", "SGD", lambda m, o: m.PolynomialLR(o, total_iters=200, power=2.0)),
    ("one_cycle", "SGD", lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS)),
    (
        "one_cycle_three_phase_linear_adam",
        "Adam",
        lambda m, o: m.OneCycleLR(
            o, max_lr=0.3, epochs=30, steps_per_epoch=10, anneal_strategy="linear", three_phase=True
        ),
    ),
    (
        "cyclic_triangular",
        "SGD",
        lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=20, step_size_down=30),
    ),
    (
        "cyclic_triangular2_adam",
        "Adam",
        lambda m, o: m.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=25, mode="triangular2"),
    ),
    (
        "cyclic_exp_range_no_momentum",
        "SGD",
        lambda m, o: m.CyclicLR(
            o, 0.01, 0.1, step_size_up=15, mode="exp_range", gamma=0.995, cycle_momentum=False
        ),
    ),
    (
        "cyclic_custom_scale",
        "SGD",
        lambda m, o: m.CyclicLR(
            o,
            0.01,
            0.1,
            step_size_up=15,
            scale_fn=lambda x: 1 / (1 + 0.01 * x),
            scale_mode="iterations",
        ),
    ),
    (
        "sequential",
        "SGD",
        lambda m, o: m.SequentialLR(
            o,
            [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=100)],
            milestones=[10],
        ),
    ),
    (
        "sequential_three",
        "SGD",
        lambda m, o: m.SequentialLR(
            o,
            [
                m.ConstantLR(o, factor=0.3, total_iters=5),
                m.ExponentialLR(o, gamma=0.98),
                m.StepLR(o, step_size=20, gamma=0.7),
            ],
            milestones=[20, 100],
        ),
    ),
    (
        "chained",
        "SGD",
        lambda m, o: m.ChainedScheduler(
            [m.ConstantLR(o, factor=0.5, total_iters=10), m.ExponentialLR(o, gamma=0.99)]
        ),
    ),
    (
        "chained_warmup_cosine",
        "Adam",
        lambda m, o: m.ChainedScheduler(
            [m.LinearLR(o, start_factor=0.2, total_iters=15), m.CosineAnnealingLR(o, T_max=60)],
            optimizer=o,
        ),
    ),
]
IDS = [s[0] for s in SCHEDULERS]


def _optimizers(name: str):
    """The same two-group optimizer in torch and torchlike."""
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    t_params = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    params = [Parameter(tl.zeros(3)), Parameter(tl.zeros(2))]
    t_opt = getattr(torch.optim, name)(
        [{"params": t_params[:1]}, {"params": t_params[1:], "lr": 0.05}], **kwargs
    )
    opt = getattr(tl_optim, name)(
        [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], **kwargs
    )
    return t_opt, opt


def _observed(opt, scheduler) -> list[float]:
    """What a scheduler controls: the rates, and the momentum or beta1 of each group."""
    momentum = [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
    return list(scheduler.get_last_lr()) + [g["lr"] for g in opt.param_groups] + momentum


def _assert_same_state(ours, theirs) -> None:
    """Scheduler state dicts: the same keys and values (numbers to 1e-7)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), (ours, theirs)
        for key in theirs:
            _assert_same_state(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same_state(a, b)
    elif isinstance(theirs, float) and math.isfinite(theirs):
        assert ours == pytest.approx(theirs, rel=1e-7, abs=1e-12)
    else:
        assert ours == theirs


@pytest.mark.parametrize("case", SCHEDULERS, ids=IDS)
def test_lr_sequence_matches_torch(case):
    _, opt_name, make = case
    t_opt, opt = _optimizers(opt_name)
    t_sched, sched = make(torch.optim.lr_scheduler, t_opt), make(tl_optim.lr_scheduler, opt)
    assert type(sched).__name__ == type(t_sched).__name__
    ours, theirs = [_observed(opt, sched)], [_observed(t_opt, t_sched)]
    for k in range(STEPS):
        t_opt.step()
        t_sched.step()
        opt.step()
        sched.step()
        if k == STEPS // 2:  # resume from PyTorch's saved state in a fresh torchlike pair
            _assert_same_state(sched.state_dict(), t_sched.state_dict())
            saved = opt.state_dict()
            _, opt = _optimizers(opt_name)
            sched = make(tl_optim.lr_scheduler, opt)
            opt.load_state_dict(saved)
            sched.load_state_dict(copy.deepcopy(t_sched.state_dict()))
        ours.append(_observed(opt, sched))
        theirs.append(_observed(t_opt, t_sched))
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-7, atol=1e-12)
    assert np.ptp(np.array(theirs)[:, 0]) > 0  # the case does schedule something
    _assert_same_state(sched.state_dict(), t_sched.state_dict())
    _assert_same_state(opt.state_dict()["param_groups"], t_opt.state_dict()["param_groups"])


def _plateau_metric(k: int) -> float:
    """Falls, then plateaus with noise, then rises: every branch of ReduceLROnPlateau."""
    if k < 60:
        return 1.0 / (1 + k)
    if k < 200:
        return 0.016 + 0.001 * math.sin(k)
    return 0.016 + 0.0005 * (k - 200)


PLATEAU = [
    ("min_rel", {}),
    ("min_abs_cooldown", {"threshold_mode": "abs", "threshold": 1e-3, "cooldown": 4}),
    ("max_rel", {"mode": "max", "patience": 3, "factor": 0.5, "min_lr": [1e-3, 2e-3]}),
    (
        "max_abs",
        {"mode": "max", "threshold_mode": "abs", "patience": 0, "factor": 0.7, "min_lr": 0.001},
    ),
]


@pytest.mark.parametrize("kwargs", [p[1] for p in PLATEAU], ids=[p[0] for p in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    t_opt, opt = _optimizers("SGD")
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    sched = tl_optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    ours, theirs = [], []
    for k in range(STEPS):
        metric = _plateau_metric(k)
        t_sched.step(metric)
        sched.step(tl.tensor(metric) if k % 2 else metric)  # a 0-d tensor, as a loss would be
        ours.append(_observed(opt, sched))
        theirs.append(_observed(t_opt, t_sched))
        if k == STEPS // 2:
            _assert_same_state(sched.state_dict(), t_sched.state_dict())
            sched = tl_optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            sched.load_state_dict(copy.deepcopy(t_sched.state_dict()))
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-7, atol=1e-12)
    assert len(set(np.array(theirs)[:, 0])) > 2  # the rate was reduced more than once


def _mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _train_step(model, opt, nn, x, y):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss


@pytest.mark.parametrize(
    ("opt_name", "make"),
    [
        ("SGD", lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=12)),
        ("Adam", lambda m, o: m.CyclicLR(o, 0.001, 0.05, step_size_up=3)),
        ("Adagrad", lambda m, o: m.StepLR(o, step_size=2, gamma=0.5)),
        ("NAdam", lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=12)),
        ("RMSprop", lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=4)),
    ],
    ids=["sgd_one_cycle", "adam_cyclic_betas", "adagrad_step", "nadam_one_cycle", "rmsprop_cyclic"],
)
def test_scheduler_between_compiled_steps_does_not_recompile(opt_name, make):
    """The rate (and momentum/beta1) change every step; the compiled step is compiled once and
    follows torch's trajectory."""
    torch.manual_seed(0)
    theirs, ours = _mlp(torch.nn), _mlp(tl.nn)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    kwargs = {"lr": 0.1, "momentum": 0.9} if opt_name in ("SGD", "RMSprop") else {"lr": 0.01}
    t_opt = getattr(torch.optim, opt_name)(theirs.parameters(), **kwargs)
    opt = getattr(tl_optim, opt_name)(ours.parameters(), **kwargs)
    t_sched, sched = make(torch.optim.lr_scheduler, t_opt), make(tl_optim.lr_scheduler, opt)
    step = tl.compile(_train_step)
    rng = np.random.default_rng(0)
    for _ in range(12):
        x, y = rng.standard_normal((8, 4), np.float32), rng.standard_normal((8, 2), np.float32)
        _train_step(theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y))
        step(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y))
        t_sched.step()
        sched.step()
    assert step.num_compiles == 1
    assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-7)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p), q.detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("lib", ["torch", "torchlike"])
def test_warnings_match_torch(lib):
    """The same warnings, in both libraries: stepping before the optimizer, calling get_lr()
    directly, passing an epoch (which then uses the closed form)."""
    t_opt, opt = _optimizers("SGD")
    optimizer, m = (t_opt, torch.optim) if lib == "torch" else (opt, tl_optim)
    sched = m.lr_scheduler.StepLR(optimizer, step_size=2)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()
    with pytest.warns(UserWarning, match=r"epoch parameter in `scheduler.step\(\)`"):
        sched.step(5)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.1**2, 0.05 * 0.1**2])


@pytest.mark.parametrize(
    "make",
    [
        lambda m, o: m.StepLR(object(), step_size=3),
        lambda m, o: m.ConstantLR(o, factor=2.0),
        lambda m, o: m.LinearLR(o, start_factor=0.0),
        lambda m, o: m.LinearLR(o, end_factor=1.5),
        lambda m, o: m.StepLR(o, step_size=3, last_epoch=4),
        lambda m, o: m.LambdaLR(o, [lambda e: 1.0]),
        lambda m, o: m.MultiplicativeLR(o, 0.5),
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0),
        lambda m, o: m.OneCycleLR(o, max_lr=0.1),
        lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5),
        lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
        lambda m, o: m.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10),
        lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sine"),
        lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
        lambda m, o: m.ReduceLROnPlateau(o, mode="up"),
        lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda m, o: m.SequentialLR(o, [m.StepLR(o, 3)], milestones=[5]),
        lambda m, o: m.SequentialLR(o, [], milestones=[]),
        lambda m, o: m.ChainedScheduler([m.ReduceLROnPlateau(o)]),
    ],
)
def test_errors_match_torch(make):
    t_opt, opt = _optimizers("SGD")
    with pytest.raises(Exception) as expected:
        make(torch.optim.lr_scheduler, t_opt)
    with pytest.raises(type(expected.value)) as got:
        make(tl_optim.lr_scheduler, opt)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("t_mult", [1, 2])
def test_cosine_warm_restarts_fractional_epochs(t_mult):
    """``step(epoch + i / iters)``, the per-batch use PyTorch documents."""
    t_opt, opt = _optimizers("SGD")
    m_t, m = torch.optim.lr_scheduler, tl_optim.lr_scheduler
    t_sched = m_t.CosineAnnealingWarmRestarts(t_opt, T_0=3, T_mult=t_mult, eta_min=0.01)
    sched = m.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.01)
    ours, theirs = [], []
    for epoch in range(20):
        for i in range(7):
            t_opt.step()
            opt.step()
            t_sched.step(epoch + i / 7)
            sched.step(epoch + i / 7)
            ours.append(sched.get_last_lr())
            theirs.append(t_sched.get_last_lr())
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-7, atol=1e-12)
    _assert_same_state(sched.state_dict(), t_sched.state_dict())


@pytest.mark.parametrize("name", torch.optim.lr_scheduler.__all__)
def test_signature_matches_torch(name):
    def params(cls):
        sig = inspect.signature(cls.__init__)
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]

    assert params(getattr(tl_optim.lr_scheduler, name)) == params(
        getattr(torch.optim.lr_scheduler, name)
    )
