"""``torchlike.compile`` and the state it threads: modules, optimizers, generators, grads.

Every check compares a compiled run with the same run done eagerly on a copy of the objects.
Tolerances are float32's (rtol 1e-5 / atol 1e-6 rather than bitwise): XLA fuses the whole step,
so it may order a reduction differently from the op-by-op eager run.
"""

from __future__ import annotations

import copy
import logging

import numpy as np
import pytest

import torchlike as tl
from torchlike import nn


class Affine(nn.Module):
    def __init__(self, n: int = 4) -> None:
        super().__init__()
        self.w = nn.Parameter(tl.linspace(-1, 1, n))
        self.b = nn.Parameter(tl.zeros(n))
        self.register_buffer("calls", tl.zeros(()))

    def forward(self, x):
        self.calls += 1
        return (x * self.w + self.b).tanh().sum()


def sgd_step(model, opt, x):
    opt.zero_grad()
    loss = model(x)
    loss.backward()
    opt.step()
    return loss


def make(momentum=0.9):
    model = Affine()
    return model, tl.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)


def inputs(n=5):
    rng = np.random.default_rng(0)
    return [tl.tensor(rng.standard_normal(4).astype(np.float32)) for _ in range(n)]


def assert_same_model(a: nn.Module, b: nn.Module) -> None:
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_compiled_step_equals_eager_and_writes_back():
    model, opt = make()
    twin, twin_opt = copy.deepcopy(model), None
    twin_opt = tl.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    step = tl.compile(sgd_step)
    for x in inputs():
        a = step(model, opt, x).item()
        b = sgd_step(twin, twin_opt, x).item()
        assert a == pytest.approx(b, rel=1e-5, abs=1e-6)
    assert_same_model(model, twin)
    assert float(model.calls) == 5  # buffers written in the step come back
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert step.num_compiles == 1  # .grad appearing after the first step does not recompile


def test_state_reached_only_through_a_bound_method_or_container():
    class Trainer:
        def __init__(self) -> None:
            self.model, self.opt = make()

        def step(self, x):
            return sgd_step(self.model, self.opt, x)

    box = {}
    box["model"], box["opt"] = make()

    def hidden_step(x):
        return sgd_step(box["model"], box["opt"], x)

    trainer = Trainer()
    twin, twin_opt = make()
    compiled_method, compiled_hidden = tl.compile(trainer.step), tl.compile(hidden_step)
    for x in inputs():
        expected = sgd_step(twin, twin_opt, x).item()
        assert compiled_method(x).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
        assert compiled_hidden(x).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert_same_model(trainer.model, twin)
    assert_same_model(box["model"], twin)


def test_seeded_randomness_is_fresh_each_call_and_same_as_eager():
    def noisy(x):
        return x + tl.rand(4)

    compiled = tl.compile(noisy)
    x = tl.zeros(4)
    tl.manual_seed(7)
    eager = [noisy(x).tolist() for _ in range(3)]
    tl.manual_seed(7)
    comp = [compiled(x).tolist() for _ in range(3)]
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    assert eager[0] != eager[1]


def test_own_generator_is_threaded():
    gen = tl.Generator().manual_seed(3)

    def draw():
        return tl.randn(3, generator=gen)

    compiled = tl.compile(draw)
    a, b = compiled().tolist(), compiled().tolist()
    assert a != b
    gen.manual_seed(3)
    assert draw().tolist() == pytest.approx(a, rel=1e-6)


def test_recompiles_are_explained(caplog):
    model, opt = make()
    step = tl.compile(sgd_step)
    with caplog.at_level(logging.INFO, logger="torchlike.compile"):
        step(model, opt, tl.ones(4))
        step(model, opt, tl.ones(4))
        assert step.num_compiles == 1 and not caplog.records
        step(model, opt, tl.ones(4, dtype=tl.float64))
        model.eval()
        step(model, opt, tl.ones(4))
        model.train()
        step(model, opt, tl.ones(4))  # back to the first program: no new compile
    messages = [r.getMessage() for r in caplog.records]
    assert step.num_compiles == 3
    assert "argument tensor 0 changed from float32[4] to float64[4]" in messages[0]
    assert "training flags" in messages[1]


def test_python_scalar_argument_is_static():
    def scale(x, k):
        return x * k

    compiled = tl.compile(scale)
    assert compiled(tl.ones(2), 2).tolist() == [2, 2]
    assert compiled(tl.ones(2), 3).tolist() == [3, 3]
    assert compiled.num_compiles == 2


def test_lr_change_needs_no_recompile():
    model, opt = make()
    step = tl.compile(sgd_step)
    for i, x in enumerate(inputs()):
        opt.param_groups[0]["lr"] = 0.1 / (i + 1)
        step(model, opt, x)
    assert step.num_compiles == 1


def test_lr_change_reaches_an_optimizer_held_in_a_list_argument():
    def step_in_list(model, opts, x):
        return sgd_step(model, opts[0], x)

    (model, opt), (twin, twin_opt) = make(), make()
    step = tl.compile(step_in_list)
    for i, x in enumerate(inputs()):
        for o in (opt, twin_opt):
            o.param_groups[0]["lr"] = 0.1 / (i + 1)
        a = step(model, [opt], x).item()
        b = sgd_step(twin, twin_opt, x).item()
        assert a == pytest.approx(b, rel=1e-5, abs=1e-6)
    assert_same_model(model, twin)
    assert step.num_compiles == 1


def test_host_reads_inside_compile_raise_pytorch_worded_errors():
    def uses_item(x):
        return x * x.sum().item()

    def uses_if(x):
        if x.sum() > 0:
            return x
        return -x

    for fn in (uses_item, uses_if):
        with pytest.raises(RuntimeError, match="torchlike.compile"):
            tl.compile(fn)(tl.ones(2))


def test_module_compile_and_donation():
    model = Affine()
    compiled = tl.compile(model)
    assert compiled(tl.ones(4)).item() == pytest.approx(model(tl.ones(4)).item(), rel=1e-6)
    m, opt = make()
    twin, twin_opt = make()
    step = tl.compile(sgd_step, donate=True)
    for x in inputs(3):
        step(m, opt, x)
        sgd_step(twin, twin_opt, x)
    assert_same_model(m, twin)


def test_donation_gives_away_only_the_state_the_step_writes():
    """donate=True: the parameters' and optimizer's old buffers are reused by XLA (deleted); the
    batch and anything else only read (hyperparameters) are not, so other references to them
    stay usable, and the optimizer does not rewrite its hyperparameters every call."""
    m, opt = make()
    step = tl.compile(sgd_step, donate=True)
    x = inputs(1)[0]
    alias = x.detach()  # the same array as the batch
    step(m, opt, x)
    old_weight, lr = m.w._data, opt._hyperparams[0]["learning_rate"].get_raw_value()
    for _ in range(3):
        step(m, opt, x)
    assert old_weight.is_deleted()  # donated: the step's output took its buffer
    assert not x._data.is_deleted() and alias.tolist() == x.tolist()
    assert opt._hyperparams[0]["learning_rate"].get_raw_value() is lr
    assert step.num_compiles == 1


def test_returning_a_module_is_an_error():
    model = Affine()
    with pytest.raises(TypeError, match="cannot return a Module"):
        tl.compile(lambda m: m)(model)


def test_replanning_after_a_structure_change_reuses_the_program_object():
    """An unrelated module built between calls re-plans the step; the plan must find the very
    same program object again, so per-call lookups match by identity (host overhead)."""
    model, opt = make()
    step = tl.compile(sgd_step)
    x = inputs(1)[0]
    step(model, opt, x)
    first = [p.program for p in step._plans.values()]
    nn.Linear(2, 2)  # bumps the structure version: the next call plans again
    step(model, opt, x)
    programs = [p.program for p in step._plans.values()]
    assert len(programs) == 2 and programs[1] is first[0]
    assert step.num_compiles == 1
