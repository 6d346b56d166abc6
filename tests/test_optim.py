"""torchlike.optim against torch.optim: same weights, same gradients each step, same results.

Gradients are computed by real PyTorch (a small MLP on its own weights) and given to both
optimizers, so a difference can only come from the optimizer.
"""

from __future__ import annotations

import copy
import inspect

import jax
import numpy as np
import optax
import pytest
import torch
from flax import nnx

import torchlike as tl
import torchlike.optim as tl_optim
from torchlike.nn import Parameter
from torchlike.optim.optimizer import _update

# (id, class name, kwargs): every option of every optimizer appears in some row.
CASES = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    (
        "sgd_nesterov_wd",
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ),
    ("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_betas_wd", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "betas": (0.9, 0.9), "amsgrad": True}),
    ("adam_maximize", "Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.05}),
    ("adam_decoupled", "Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adamw", "AdamW", {"lr": 0.01}),
    (
        "adamw_amsgrad",
        "AdamW",
        {"lr": 0.02, "betas": (0.5, 0.9), "weight_decay": 0.1, "amsgrad": True},
    ),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "centered": True}),
    (
        "rmsprop_momentum_centered_wd",
        "RMSprop",
        {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
    ),
    ("rmsprop_momentum_maximize", "RMSprop", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    (
        "adagrad_decay_init_wd",
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.1},
    ),
    ("adagrad_maximize", "Adagrad", {"lr": 0.1, "eps": 1e-6, "maximize": True}),
    ("adadelta", "Adadelta", {"lr": 1.0}),
    (
        "adadelta_options",
        "Adadelta",
        {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "maximize": True},
    ),
    ("adamax", "Adamax", {"lr": 0.01}),
    (
        "adamax_betas_wd",
        "Adamax",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    ("adamax_maximize", "Adamax", {"lr": 0.01, "maximize": True}),
    ("nadam", "NAdam", {"lr": 0.01}),
    (
        "nadam_decay_wd",
        "NAdam",
        {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.01, "weight_decay": 0.1},
    ),
    (
        "nadam_decoupled_maximize",
        "NAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ),
    ("radam", "RAdam", {"lr": 0.01}),
    (
        "radam_betas_wd",
        "RAdam",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    (
        "radam_decoupled_maximize",
        "RAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ),
]
IDS = [c[0] for c in CASES]

# PyTorch's assert_close rtol per dtype. Instead of its fixed atol (1e-5 for float32, which would
# hide a 1e-5 relative error in a small state such as Adam's exp_avg_sq), an element near zero may
# be off by rtol times the largest element of its tensor: rounding noise of the larger elements
# that summed into it.
RTOL = {np.float32: 1.3e-6, np.float64: 1e-7}

SHAPES = [(4, 5), (5,), (5, 3), (3,)]


def _weights(dtype, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _torch_grads(params: list[torch.Tensor], step: int) -> list[torch.Tensor]:
    rng = np.random.default_rng(1000 + step)
    x = torch.tensor(rng.standard_normal((8, 4)), dtype=params[0].dtype)
    target = torch.tensor(rng.standard_normal((8, 3)), dtype=params[0].dtype)
    w1, b1, w2, b2 = params
    # A scale that changes over the steps, so that AMSGrad's running maximum matters.
    loss = (1 + 3 * (step % 4 == 0)) * ((torch.tanh(x @ w1 + b1) @ w2 + b2 - target) ** 2).mean()
    return list(torch.autograd.grad(loss, params))


def _groups(params: list, grouped: bool, lr: float) -> list:
    if not grouped:
        return params
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.3}]


class _Pair:
    """The same optimizer in PyTorch and torchlike, over the same initial weights."""

    def __init__(
        self,
        name: str,
        kwargs: dict,
        dtype,
        grouped: bool = False,
        weights: list[np.ndarray] | None = None,
    ) -> None:
        weights = _weights(dtype) if weights is None else weights
        self.t_params = [torch.tensor(w, requires_grad=True) for w in weights]
        self.params = [Parameter(tl.tensor(w)) for w in weights]
        lr = kwargs["lr"]
        self.t_opt = getattr(torch.optim, name)(_groups(self.t_params, grouped, lr), **kwargs)
        self.opt = getattr(tl_optim, name)(_groups(self.params, grouped, lr), **kwargs)
        self.rtol = RTOL[dtype]

    def set_grads(self, step: int, frozen: tuple[int, ...] = ()) -> None:
        for i, (tp, p, g) in enumerate(
            zip(self.t_params, self.params, _torch_grads(self.t_params, step))
        ):
            tp.grad = None if i in frozen else g
            p.grad = None if i in frozen else tl.tensor(g.numpy())

    def run(self, steps: range, frozen: tuple[int, ...] = (), on_step=None) -> None:
        for k in steps:
            self.set_grads(k, frozen)
            if on_step is not None:
                on_step(k, self.t_opt)
                on_step(k, self.opt)
            self.t_opt.step()
            self.opt.step()

    def check(self) -> None:
        for p, tp in zip(self.params, self.t_params):
            assert p.dtype.name == str(tp.dtype).removeprefix("torch.")
            _assert_close(np.asarray(p), tp.detach().numpy(), self.rtol)
        _assert_state_dicts(self.opt.state_dict(), self.t_opt.state_dict(), self.rtol)


def _assert_close(actual: np.ndarray, desired: np.ndarray, rtol: float, msg: str = "") -> None:
    atol = rtol * float(np.abs(desired).max(initial=0.0))
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, err_msg=msg)


def _assert_state_dicts(ours: dict, ref: dict, rtol: float) -> None:
    assert ours["param_groups"] == ref["param_groups"]
    assert ours["state"].keys() == ref["state"].keys()
    for k, ref_state in ref["state"].items():
        assert list(ours["state"][k]) == list(ref_state)
        for name, value in ref_state.items():
            mine = ours["state"][k][name]
            assert mine.dtype.name == str(value.dtype).removeprefix("torch."), name
            _assert_close(np.asarray(mine), value.numpy(), rtol, name)


def _from_torch(state_dict: dict) -> dict:
    """A PyTorch optimizer state dict with its tensors converted to torchlike's."""
    return {
        "state": {
            k: {n: tl.tensor(v.numpy()) for n, v in s.items()}
            for k, s in state_dict["state"].items()
        },
        "param_groups": copy.deepcopy(state_dict["param_groups"]),
    }


def _halve_lr_at_10(step: int, opt) -> None:
    if step == 10:
        for group in opt.param_groups:
            group["lr"] *= 0.5


@pytest.mark.parametrize("grouped", [False, True], ids=["one_group", "two_groups"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case, dtype, grouped):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, dtype, grouped)
    pair.run(range(20), on_step=_halve_lr_at_10)
    pair.check()
    if kwargs.get("amsgrad"):  # the case exercises AMSGrad's maximum
        state = pair.t_opt.state_dict()["state"][0]
        assert not torch.equal(state["max_exp_avg_sq"], state["exp_avg_sq"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_param_without_grad_is_untouched(case):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float64)
    before = np.asarray(pair.params[1]).copy()
    pair.run(range(6), frozen=(1,))
    np.testing.assert_array_equal(np.asarray(pair.params[1]), before)
    # Adagrad makes every state at creation; the others only at a parameter's first step.
    has_state = pair.t_params[1] in pair.t_opt.state
    assert (pair.opt.state[pair.params[1]] != {}) == has_state
    assert (pair.params[1] in pair.opt.state) == has_state
    assert (1 in pair.opt.state_dict()["state"]) == has_state
    pair.check()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_round_trip(case):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float64, grouped=True)
    pair.run(range(8))
    saved = pair.opt.state_dict()
    copies = [Parameter(tl.tensor(np.asarray(p))) for p in pair.params]
    other = getattr(tl_optim, name)(_groups(copies, True, 1.0), lr=123.0)
    other.load_state_dict(saved)
    _assert_state_dicts(other.state_dict(), pair.t_opt.state_dict(), pair.rtol)
    for k in range(8, 14):
        pair.set_grads(k)
        for p, q in zip(copies, pair.params):
            p.grad = tl.tensor(np.asarray(q.grad))
        pair.t_opt.step()
        pair.opt.step()
        other.step()
    for p, q in zip(copies, pair.params):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))
    pair.check()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loads_torch_state_dict(case):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float32, grouped=True)
    pair.t_opt.load_state_dict(pair.t_opt.state_dict())  # no-op, as PyTorch users do
    for k in range(8):
        for tp, g in zip(pair.t_params, _torch_grads(pair.t_params, k)):
            tp.grad = g
        pair.t_opt.step()
    current = [tp.detach().numpy().copy() for tp in pair.t_params]
    pair.params = [Parameter(tl.tensor(w)) for w in current]
    pair.opt = getattr(tl_optim, name)(_groups(pair.params, True, 1.0), lr=7.0)
    pair.opt.load_state_dict(_from_torch(pair.t_opt.state_dict()))
    pair.check()
    pair.run(range(8, 16))
    pair.check()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torch_loads_our_state_dict(case):
    """The other direction: torchlike's state dict, converted, drives a torch optimizer."""
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float64, grouped=True)
    pair.run(range(8))
    t_params = [torch.tensor(np.asarray(p), requires_grad=True) for p in pair.params]
    t_opt = getattr(torch.optim, name)(_groups(t_params, True, 1.0), lr=7.0)
    ours = pair.opt.state_dict()
    t_opt.load_state_dict(
        {
            "state": {
                k: {n: torch.tensor(np.asarray(v)) for n, v in s.items()}
                for k, s in ours["state"].items()
            },
            "param_groups": copy.deepcopy(ours["param_groups"]),
        }
    )
    for k in range(8, 14):
        pair.set_grads(k)
        for tp, p in zip(t_params, pair.params):
            tp.grad = torch.tensor(np.asarray(p.grad))
        pair.t_opt.step()
        t_opt.step()
    for tp, ref in zip(t_params, pair.t_params):
        _assert_close(tp.detach().numpy(), ref.detach().numpy(), pair.rtol)


def test_option_changes_mid_run_match_torch():
    pair = _Pair("SGD", {"lr": 0.1}, np.float64)

    def change(step, opt):
        group = opt.param_groups[0]
        if step == 3:
            group["momentum"], group["dampening"] = 0.9, 0.2
        if step == 6:
            group["maximize"] = True

    pair.run(range(10), on_step=change)
    pair.check()


def test_lr_change_does_not_recompile():
    pair = _Pair("Adam", {"lr": 0.01}, np.float64)
    pair.run(range(2))
    compiled = _update._cache_size()
    pair.run(range(2, 8), on_step=lambda k, opt: opt.param_groups[0].update(lr=0.01 / (k + 1)))
    assert _update._cache_size() == compiled
    pair.check()


class _Compiled:
    """What torchlike.compile does with a step: split the optimizer (with the parameters it
    shares with the model) into NNX state, and run step() in jax.jit on merged copies."""

    def __init__(self) -> None:
        self.traces = 0
        self.run = jax.jit(self._run, static_argnums=0)

    def _run(self, graphdef, state, grads):
        self.traces += 1
        opt = nnx.merge(graphdef, state)
        for p, g in zip(opt._params, grads):
            p.grad = None if g is None else tl.Tensor._wrap(g)
        opt.step()
        return nnx.state(opt)

    def step(self, opt) -> None:
        opt._compile_sync()
        graphdef, state = nnx.split(opt)
        grads = [None if p.grad is None else p.grad._data for p in opt._params]
        nnx.update(opt, self.run(graphdef, state, grads))


@pytest.mark.parametrize("case", [CASES[2], CASES[7], CASES[11]], ids=[IDS[2], IDS[7], IDS[11]])
def test_step_in_jit_on_nnx_state(case):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float64, grouped=True)
    compiled = _Compiled()
    for k in range(6):
        pair.set_grads(k, frozen=(3,) if k < 2 else ())
        _halve_lr_at_10(10 if k == 3 else 0, pair.t_opt)
        _halve_lr_at_10(10 if k == 3 else 0, pair.opt)
        pair.t_opt.step()
        compiled.step(pair.opt)
    assert compiled.traces == 2  # one per set of parameters with gradients; lr is an array
    pair.check()


def test_step_under_nnx_jit():
    pair = _Pair("Adam", {"lr": 0.01, "amsgrad": True}, np.float64)

    @nnx.jit
    def train_step(opt, grads):
        for p, g in zip(opt._params, grads):
            p.grad = tl.Tensor._wrap(g)
        opt.step()

    for k in range(4):
        pair.set_grads(k)
        pair.t_opt.step()
        pair.opt._compile_sync()
        train_step(pair.opt, [p.grad._data for p in pair.params])
    pair.check()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_functional_transformation(case):
    _, name, kwargs = case
    pair = _Pair(name, kwargs, np.float64)
    tx = pair.opt.transformation()
    params = [np.asarray(p) for p in pair.params]
    state = tx.init(params)
    for k in range(5):
        grads = [g.numpy() for g in _torch_grads(pair.t_params, k)]
        for tp, g in zip(pair.t_params, grads):
            tp.grad = torch.tensor(g)
        pair.t_opt.step()
        updates, state = tx.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    for p, tp in zip(params, pair.t_params):
        _assert_close(np.asarray(p), tp.detach().numpy(), pair.rtol)


def test_closure_zero_grad_and_param_groups():
    pair = _Pair("SGD", {"lr": 0.1, "momentum": 0.9}, np.float64)
    assert pair.opt.defaults == pair.t_opt.defaults
    assert pair.opt.step(lambda: 3.5) == 3.5
    pair.set_grads(0)
    pair.opt.zero_grad(set_to_none=False)
    assert all(np.all(np.asarray(p.grad) == 0) for p in pair.params)
    pair.opt.zero_grad()
    assert all(p.grad is None for p in pair.params)
    extra, t_extra = (
        Parameter(tl.tensor(np.ones(2))),
        torch.ones(2, dtype=torch.float64, requires_grad=True),
    )
    pair.opt.add_param_group({"params": extra, "lr": 0.5})
    pair.t_opt.add_param_group({"params": t_extra, "lr": 0.5})
    assert pair.opt.state_dict()["param_groups"] == pair.t_opt.state_dict()["param_groups"]
    assert str(pair.opt) == str(pair.t_opt)
    for p, tp in ((extra, t_extra),):
        p.grad, tp.grad = tl.tensor(np.full(2, 0.25)), torch.full((2,), 0.25, dtype=torch.float64)
    pair.opt.step()
    pair.t_opt.step()
    np.testing.assert_allclose(np.asarray(extra), t_extra.detach().numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda m, ps: m.SGD(ps, lr=-1.0),
        lambda m, ps: m.SGD(ps, momentum=-0.5),
        lambda m, ps: m.SGD(ps, nesterov=True),
        lambda m, ps: m.SGD(ps, momentum=0.9, dampening=0.1, nesterov=True),
        lambda m, ps: m.Adam(ps, betas=(1.0, 0.999)),
        lambda m, ps: m.Adam(ps, eps=-1.0),
        lambda m, ps: m.AdamW(ps, weight_decay=-0.1),
        lambda m, ps: m.SGD([]),
        lambda m, ps: m.SGD([{"params": ps}, {"params": ps[:1]}]),
        lambda m, ps: m.SGD(ps[0]),
        lambda m, ps: m.SGD([{"params": set(ps)}]),
        lambda m, ps: m.SGD([ps[0], 3]),
        lambda m, ps: m.RMSprop(ps, alpha=-0.1),
        lambda m, ps: m.RMSprop(ps, momentum=-0.1),
        lambda m, ps: m.Adagrad(ps, lr_decay=-1.0),
        lambda m, ps: m.Adagrad(ps, initial_accumulator_value=-1.0),
        lambda m, ps: m.Adadelta(ps, rho=1.5),
        lambda m, ps: m.Adamax(ps, betas=(0.9, 1.0)),
        lambda m, ps: m.NAdam(ps, momentum_decay=-1.0),
        lambda m, ps: m.RAdam(ps, eps=-1.0),
    ],
    ids=[
        "lr",
        "momentum",
        "nesterov",
        "nesterov_dampening",
        "beta1",
        "eps",
        "weight_decay",
        "empty",
        "shared",
        "tensor",
        "set",
        "not_tensor",
        "rmsprop_alpha",
        "rmsprop_momentum",
        "adagrad_lr_decay",
        "adagrad_initial_accumulator",
        "adadelta_rho",
        "adamax_beta2",
        "nadam_momentum_decay",
        "radam_eps",
    ],
)
def test_errors_match_torch(make):
    t_params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    params = [Parameter(tl.tensor(np.zeros(n, np.float32))) for n in (2, 3)]
    with pytest.raises(Exception) as expected:
        make(torch.optim, t_params)
    with pytest.raises(type(expected.value)) as got:
        make(tl_optim, params)
    assert str(got.value) == str(expected.value)


def _mlp(nn):
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))


def _train_step(model, opt, nn, x, y, sign):
    opt.zero_grad()
    loss = sign * nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss


@pytest.mark.parametrize("mode", ["eager", "compiled"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mlp_training_matches_torch(case, mode):
    """100 steps of a whole training loop (torchlike's own forward and backward) in float32."""
    _, name, kwargs = case
    torch.manual_seed(0)
    theirs, ours = _mlp(torch.nn), _mlp(tl.nn)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    t_opt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    opt = getattr(tl_optim, name)(ours.parameters(), **kwargs)
    step = tl.compile(_train_step) if mode == "compiled" else _train_step
    sign = -1.0 if kwargs.get("maximize") else 1.0  # maximize -loss: a run that converges
    rng = np.random.default_rng(0)
    for _ in range(100):
        x, y = rng.standard_normal((8, 4), np.float32), rng.standard_normal((8, 3), np.float32)
        _train_step(theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y), sign)
        step(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y), sign)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p), q.detach().numpy(), rtol=1e-5, atol=1e-5)
    if mode == "compiled":
        assert step.num_compiles == 1


# Optax transformations driven through torchlike.optim.Optax: (id, transformation factory).
OPTAX_CASES = [
    ("adam", lambda: optax.adam(0.01)),
    ("lion", lambda: optax.lion(1e-3, weight_decay=0.1)),
    ("chain_lamb", lambda: optax.chain(optax.clip(0.5), optax.lamb(0.01))),
]


@pytest.mark.parametrize("make", [c[1] for c in OPTAX_CASES], ids=[c[0] for c in OPTAX_CASES])
def test_optax_bridge_matches_optax(make):
    """Optax(params, tx).step() follows tx.update / apply_updates on each parameter's tree,
    leaves a parameter without a gradient (and its state) alone, and round-trips its state."""
    weights = _weights(np.float32)
    params = [Parameter(tl.tensor(w)) for w in weights]
    opt = tl_optim.Optax(params, make())
    tx = make()
    ref_params = [jax.numpy.asarray(w) for w in weights]
    ref_states = [tx.init(w) for w in ref_params]
    update = jax.jit(tx.update)
    t_params = [torch.tensor(w, requires_grad=True) for w in weights]
    for k in range(10):
        frozen = 3 if k < 4 else None
        grads = _torch_grads(t_params, k)
        for i, (p, g) in enumerate(zip(params, grads)):
            p.grad = None if i == frozen else tl.tensor(g.numpy())
            if i == frozen:
                continue
            updates, ref_states[i] = update(g.numpy(), ref_states[i], ref_params[i])
            ref_params[i] = optax.apply_updates(ref_params[i], updates)
        opt.step()
        if k == 5:  # continue in a fresh optimizer loaded from the state dict
            saved = opt.state_dict()
            opt = tl_optim.Optax(params, make())
            opt.load_state_dict(saved)
    for p, r in zip(params, ref_params):
        np.testing.assert_allclose(np.asarray(p), np.asarray(r), rtol=1e-6, atol=1e-7)
    assert int(opt.state_dict()["state"][3]["step"]) == 6  # skipped while it had no gradient


def test_optax_bridge_with_scheduler_matches_torch_sgd():
    """optax.sgd with momentum is PyTorch's SGD; group lr scales it, so schedulers work."""
    pair = _Pair("SGD", {"lr": 0.1, "momentum": 0.9}, np.float32)
    pair.opt = tl_optim.Optax(pair.params, optax.sgd(0.1, momentum=0.9))
    t_sched = torch.optim.lr_scheduler.StepLR(pair.t_opt, step_size=3, gamma=0.5)
    sched = tl_optim.lr_scheduler.StepLR(pair.opt, step_size=3, gamma=0.5)
    for k in range(10):
        pair.set_grads(k)
        pair.t_opt.step()
        pair.opt.step()
        t_sched.step()
        sched.step()
    assert pair.opt.param_groups[0]["lr"] == 0.5**3
    for p, tp in zip(pair.params, pair.t_params):
        _assert_close(np.asarray(p), tp.detach().numpy(), pair.rtol)


def test_optax_bridge_in_compiled_step():
    torch.manual_seed(0)
    model, eager_model = _mlp(tl.nn), _mlp(tl.nn)
    eager_model.load_state_dict(model.state_dict())
    opt = tl_optim.Optax(model.parameters(), optax.lion(1e-3))
    eager_opt = tl_optim.Optax(eager_model.parameters(), optax.lion(1e-3))
    step = tl.compile(_train_step)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.standard_normal((8, 4), np.float32), rng.standard_normal((8, 3), np.float32)
        step(model, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y), 1.0)
        _train_step(eager_model, eager_opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y), 1.0)
    assert step.num_compiles == 1
    for p, q in zip(model.parameters(), eager_model.parameters()):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=1e-6, atol=1e-7)


def test_optax_bridge_rejects_non_transformation():
    with pytest.raises(TypeError, match="optax.GradientTransformation"):
        tl_optim.Optax([Parameter(tl.zeros(2))], 0.1)


def _lbfgs_closure(model, opt, nn, x, y):
    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    return closure


def _tree_to_tl(value):
    """A PyTorch state (tensors in dicts and lists, numbers) with torchlike tensors."""
    if isinstance(value, dict):
        return {k: _tree_to_tl(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tree_to_tl(v) for v in value]
    return tl.tensor(value.numpy()) if isinstance(value, torch.Tensor) else value


def _assert_lbfgs_states(ours: dict, theirs: dict) -> None:
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"]) == [0]
    mine, ref = ours["state"][0], theirs["state"][0]
    assert set(mine) == set(ref)
    for key, value in ref.items():
        values = value if isinstance(value, list) else [value]
        got = mine[key] if isinstance(value, list) else [mine[key]]
        assert len(got) == len(values), key
        for a, b in zip(got, values):
            if b is None:
                assert a is None, key
            else:
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-7, err_msg=key)


# L-BFGS divides by curvature estimates (y.s, y.y) at every iteration, which amplifies the
# rounding differences of float32 dot products and matmuls (XLA's and PyTorch's summation orders
# differ) until, after a few steps, float32 runs are 1e-3 apart. In float64 they agree to ~1e-11,
# so the trajectories are compared in float64.
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_torch_and_loads_its_state(line_search_fn):
    torch.manual_seed(0)
    theirs, ours = _mlp(torch.nn).double(), _mlp(tl.nn).to(tl.float64)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    kwargs = {"lr": 0.5, "max_iter": 6, "history_size": 4, "line_search_fn": line_search_fn}
    t_opt = torch.optim.LBFGS(theirs.parameters(), **kwargs)
    opt = tl_optim.LBFGS(ours.parameters(), **kwargs)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 3))
    t_closure = _lbfgs_closure(theirs, t_opt, torch.nn, torch.from_numpy(x), torch.from_numpy(y))
    for k in range(6):
        if k == 3:  # continue from PyTorch's state, loaded into a fresh optimizer
            opt = tl_optim.LBFGS(ours.parameters(), **kwargs)
            opt.load_state_dict(_tree_to_tl(t_opt.state_dict()))
        closure = _lbfgs_closure(ours, opt, tl.nn, tl.from_numpy(x), tl.from_numpy(y))
        expected, got = t_opt.step(t_closure), opt.step(closure)
        np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-10)
        _assert_lbfgs_states(opt.state_dict(), t_opt.state_dict())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p), q.detach().numpy(), rtol=1e-9, atol=1e-10)


def test_lbfgs_strong_wolfe_on_rosenbrock():
    """An ill-conditioned problem, where the line search brackets and zooms."""

    def run(m, param):
        opt = m.optim.LBFGS([param], lr=1.0, history_size=7, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (1 - param[0]) ** 2 + 100 * (param[1] - param[0] ** 2) ** 2
            loss.backward()
            return loss

        trace = []
        for _ in range(3):
            opt.step(closure)
            state = opt.state_dict()["state"][0]
            trace.append([*np.asarray(param.detach()), state["func_evals"], state["n_iter"]])
        return np.array(trace)

    start = np.array([-1.5, 2.0])
    theirs = run(torch, torch.nn.Parameter(torch.tensor(start)))
    ours = run(tl, Parameter(tl.tensor(start)))
    assert theirs[0, 2] > theirs[0, 3]  # more evaluations than iterations: searched
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_lbfgs_errors_match_torch():
    for make in (
        lambda m, ps: m.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}]),
        lambda m, ps: m.LBFGS(ps, lr=-1.0),
    ):
        t_params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
        params = [Parameter(tl.zeros(2)), Parameter(tl.zeros(3))]
        with pytest.raises(ValueError) as expected:
            make(torch.optim, t_params)
        with pytest.raises(ValueError) as got:
            make(tl_optim, params)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name", sorted({c[1] for c in CASES} | {"LBFGS"}) + ["Optimizer"])
def test_signature_matches_torch(name):
    def params(cls):
        sig = inspect.signature(cls.__init__)
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]

    assert params(getattr(tl_optim, name)) == params(getattr(torch.optim, name))


BAD_ARGUMENTS = [
    (name, kwargs)
    for name, keys in {
        "SGD": ["lr", "momentum", "weight_decay"],
        "Adam": ["lr", "eps", "betas0", "betas1", "weight_decay"],
        "AdamW": ["lr", "eps", "betas0", "betas1", "weight_decay"],
        "Adamax": ["lr", "eps", "betas0", "betas1", "weight_decay"],
        "NAdam": ["lr", "eps", "betas0", "betas1", "weight_decay", "momentum_decay"],
        "RAdam": ["lr", "eps", "betas0", "betas1", "weight_decay"],
        "RMSprop": ["lr", "eps", "momentum", "weight_decay", "alpha"],
        "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
        "Adadelta": ["lr", "rho", "eps", "weight_decay"],
    }.items()
    for kwargs in (
        {"betas": (-0.1, 0.9)}
        if key == "betas0"
        else {"betas": (0.9, 1.0)}
        if key == "betas1"
        else {key: 1.5 if key == "rho" else -0.5}
        for key in keys
    )
]


@pytest.mark.parametrize(("name", "kwargs"), BAD_ARGUMENTS)
def test_invalid_arguments_raise_torchs_errors(name, kwargs):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as got:
        getattr(tl_optim, name)([Parameter(tl.zeros(2))], **kwargs)
    assert str(got.value) == str(expected.value)


def test_changes_to_a_group_between_steps_take_effect():
    """An optimizer skips re-reading a group whose values are the same objects as at its last
    step; values replaced (and tensors changed in place, below) must still reach the next step,
    as in PyTorch."""

    def change(k, opt):
        group = opt.param_groups[0]
        if k == 2:
            group["betas"] = (0.5, group["betas"][1])
        if k == 4:
            group["lr"] = 0.05  # a value replaced
        if k == 6:
            group["eps"] = 1e-3

    pair = _Pair("Adam", {"lr": 0.01, "betas": (0.9, 0.999)}, np.float32)
    pair.run(range(9), on_step=change)
    for p, tp in zip(pair.params, pair.t_params):
        _assert_close(np.asarray(p), tp.detach().numpy(), pair.rtol)


def test_a_tensor_learning_rate_changed_in_place_takes_effect():
    weights = _weights(np.float32)
    t_params = [torch.tensor(w, requires_grad=True) for w in weights]
    params = [Parameter(tl.tensor(w)) for w in weights]
    t_lr, lr = torch.tensor(0.01), tl.tensor(0.01)
    t_opt = torch.optim.Adam(t_params, lr=t_lr, foreach=False)
    opt = tl_optim.Adam(params, lr=lr)
    for k in range(6):
        if k == 3:
            t_lr.fill_(0.1)
            lr.fill_(0.1)
        for tp, p, g in zip(t_params, params, _torch_grads(t_params, k)):
            tp.grad, p.grad = g, tl.tensor(g.numpy())
        t_opt.step()
        opt.step()
    for p, tp in zip(params, t_params):
        _assert_close(np.asarray(p), tp.detach().numpy(), RTOL[np.float32])


@pytest.mark.parametrize("module", [torch, tl], ids=["torch", "torchlike"])
def test_step_hooks_as_torch(module):
    """Per-optimizer and global step hooks: order, arguments, a pre hook replacing the step's
    arguments, removal. Run on both libraries with the same script; the logs must agree."""
    import importlib

    hooks = importlib.import_module(f"{module.__name__}.optim.optimizer")
    log = []
    w = module.nn.Parameter(module.ones(2))
    opt = module.optim.SGD([w], lr=0.5)

    def pre(o, args, kwargs):
        log.append(("pre", o is opt, len(args), sorted(kwargs)))
        return args, {"closure": lambda: log.append("closure") or 3.0}

    handles = [
        opt.register_step_pre_hook(pre),
        opt.register_step_post_hook(lambda o, a, k: log.append(("post", sorted(k)))),
        hooks.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre")),
        hooks.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post")),
    ]
    try:
        w.grad = module.ones(2)
        log.append(("loss", opt.step()))
        for h in handles[1:]:
            h.remove()
        opt.step()
    finally:
        for h in handles:
            h.remove()
    log.append(("w", w.tolist()))
    assert log == [
        "global pre",
        ("pre", True, 1, []),
        "closure",
        ("post", ["closure"]),
        "global post",
        ("loss", 3.0),
        ("pre", True, 1, []),
        "closure",
        ("w", [0.0, 0.0]),
    ]
