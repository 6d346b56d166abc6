"""``CheckpointManager``: exact resume in a new process, crash safety, retention, DataLoader state.

The resume and crash tests run real subprocesses (tiny models); they call this module's
``_resume_child`` / ``_crash_child`` through ``python -c``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from _helpers import ROOT

import torchlike as tl
import torchlike.nn.functional as F
from torchlike import nn
from torchlike.utils import CheckpointManager
from torchlike.utils.data import DataLoader, TensorDataset

N = 7  # steps before the checkpoint: mid-epoch (5 batches per epoch)


def _setup():
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))
    opt = tl.optim.Adam(model.parameters(), lr=0.05)
    data = TensorDataset(tl.randn(20, 4), tl.randint(0, 3, (20,)))
    loader = DataLoader(data, batch_size=4, shuffle=True)
    scheduler = tl.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return dict(model=model, optimizer=opt, scheduler=scheduler, loader=loader)


def _step(model, opt, x, y):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


def _train(tracked, step: int, stop: int, epoch: int = 0, compiled: bool = False) -> int:
    """Train from ``step`` to ``stop`` (dropout, shuffled batches, a step LR schedule);
    returns the epoch."""
    model, opt, loader = tracked["model"], tracked["optimizer"], tracked["loader"]
    train_step = tl.compile(_step) if compiled else _step
    while True:
        for x, y in loader:
            train_step(model, opt, x, y)
            tracked["scheduler"].step()
            step += 1
            if step == stop:
                return epoch
        epoch += 1


def _params(model) -> dict[str, np.ndarray]:
    return {k: np.asarray(v._data) for k, v in model.state_dict().items()}


def _resume_child(directory: str, out: str, compiled: bool) -> None:
    tracked = _setup()
    with CheckpointManager(directory, **tracked) as manager:
        info = manager.restore()
    _train(tracked, info["step"], 2 * N, info["epoch"], compiled)
    tl.save(tracked["model"].state_dict(), out)


def _python(code: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.path.join(ROOT, "tests"))
    return subprocess.Popen(
        [sys.executable, "-c", "import test_checkpoint_manager as t; " + code],
        env=env,
        cwd=ROOT,
        **kwargs,
    )


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_exact_resume_in_a_new_process(tmp_path, compiled):
    straight = _setup()
    _train(straight, 0, 2 * N, compiled=compiled)
    want = _params(straight["model"])

    first = _setup()
    epoch = _train(first, 0, N, compiled=compiled)
    assert epoch == 1 and first["loader"].state_dict()["batches_taken"] == 2  # mid-epoch
    with CheckpointManager(tmp_path / "run", **first) as manager:
        manager.save(N, epoch=epoch)
    run, out = str(tmp_path / "run"), str(tmp_path / "out")
    child = _python(f"t._resume_child({run!r}, {out!r}, {compiled})")
    assert child.wait(timeout=240) == 0
    got = tl.load(tmp_path / "out")
    assert list(got) == list(want)
    for key, value in want.items():
        np.testing.assert_array_equal(np.asarray(got[key]._data), value, err_msg=key)
    assert not np.array_equal(_params(first["model"])["0.weight"], want["0.weight"])


class _Holder:
    """A state of ``size`` floats, all equal to the step: a torn write would show."""

    def __init__(self, size: int = 1) -> None:
        self.size, self.step = size, 0

    def state_dict(self):
        return {"step": self.step, "w": tl.full((self.size,), float(self.step))}

    def load_state_dict(self, state) -> None:
        self.step = state["step"]
        self.w = state["w"]


def _crash_child(directory: str, mode: str) -> None:
    holder = _Holder(8_000_000)  # 32 MB: a save takes long enough to be killed inside it
    if mode == "manager":
        manager = CheckpointManager(directory, max_to_keep=None, state=holder)
    for step in range(1, 10_000):
        holder.step = step
        if mode == "manager":
            manager.save(step)
            manager.wait_until_finished()
        else:
            tl.save(holder.state_dict(), directory)
        if step == 1:
            print("saved", flush=True)


def _kill_mid_save(directory) -> int:
    """Start a child that saves in a loop; SIGKILL it while a save is being written.

    Returns the step that was being written (named by the temporary directory Orbax writes).
    """
    child = _python(f"t._crash_child({str(directory)!r}, {_MODE!r})", stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"saved\n"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            tmp = [n for n in os.listdir(os.path.dirname(directory)) if "tmp" in n]
            tmp += [n for n in _listdir(directory) if "tmp" in n]
            if tmp:
                child.send_signal(signal.SIGKILL)
                step = re.match(r"(\d+)\.", tmp[0])
                return int(step.group(1)) if step else -1
            time.sleep(0.002)
        raise AssertionError("never saw a save in progress")
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def _listdir(path) -> list[str]:
    return os.listdir(path) if os.path.isdir(path) else []


_MODE = "manager"


def test_sigkill_during_a_managed_save(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "_MODE", "manager")
    directory = tmp_path / "run"
    interrupted = _kill_mid_save(str(directory))
    holder = _Holder()
    with CheckpointManager(directory, max_to_keep=None, state=holder) as manager:
        steps = manager.all_steps()
        assert steps and steps[0] == 1  # the first checkpoint survives
        assert interrupted not in steps or interrupted == steps[-1]
        for step in steps:  # every listed checkpoint is complete and consistent
            assert manager.restore(step)["step"] == step
            assert holder.step == step and holder.w.shape == (8_000_000,)
            assert float(holder.w.min()) == float(holder.w.max()) == step
    assert not [n for n in os.listdir(directory) if "tmp" in n]  # the torn one was cleaned up


def test_sigkill_while_overwriting_a_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "_MODE", "save")
    path = tmp_path / "ckpt"
    _kill_mid_save(str(path))
    state = tl.load(path)  # the previous or the new version, never a torn one
    assert state["step"] >= 1 and state["w"].shape == (8_000_000,)
    assert float(state["w"].min()) == float(state["w"].max()) == state["step"]


# -- retention and restore -------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "best"), [("min", 2), ("max", 3)], ids=["min", "max"])
def test_keeps_last_n_and_best(tmp_path, mode, best):
    holder = _Holder()
    losses = {1: 0.5, 2: 0.1, 3: 0.9, 4: 0.8, 5: 0.7, 6: 0.6}
    with CheckpointManager(
        tmp_path, max_to_keep=2, best_metric="loss", best_mode=mode, state=holder
    ) as manager:
        for step, loss in losses.items():
            holder.step = step
            manager.save(step, metrics={"loss": loss})
        manager.wait_until_finished()
        assert manager.all_steps() == sorted({best, 5, 6})
        assert manager.best_step() == best and manager.latest_step() == 6
        assert manager.restore(best)["step"] == best and holder.step == best
        with pytest.raises(ValueError, match="metrics"):
            manager.save(7)


def test_restore_on_start_up(tmp_path):
    model = nn.Linear(2, 2)
    before = _params(model)
    with CheckpointManager(tmp_path, model=model) as manager:
        assert manager.restore() is None  # nothing saved yet: a fresh start
        assert manager.latest_step() is None
    np.testing.assert_array_equal(_params(model)["weight"], before["weight"])
    with CheckpointManager(tmp_path, model=model) as manager:
        manager.save(3, epoch=1, extra={"note": "hi"})
    fresh = nn.Linear(2, 2)
    with CheckpointManager(tmp_path, model=fresh) as manager:
        assert manager.restore() == {"step": 3, "epoch": 1, "extra": {"note": "hi"}}
    np.testing.assert_array_equal(_params(fresh)["weight"], before["weight"])
    with CheckpointManager(tmp_path, model=fresh, other=nn.Linear(1, 1)) as manager:
        with pytest.raises(KeyError, match="other"):
            manager.restore()
    with pytest.raises(TypeError, match="state_dict"):
        CheckpointManager(tmp_path, model=object())


def test_rng_state_is_saved(tmp_path):
    gen = tl.Generator().manual_seed(5)
    with CheckpointManager(tmp_path, gen=gen) as manager:
        tl.manual_seed(1)
        manager.save(1)
        want = (tl.rand(3), tl.rand(3, generator=gen))
        tl.manual_seed(2)
        gen.manual_seed(6)
        manager.restore()
        got = (tl.rand(3), tl.rand(3, generator=gen))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g._data), np.asarray(w._data))


@pytest.mark.parametrize("own_generator", [False, True], ids=["global_seed", "generator"])
def test_dataloader_resumes_mid_epoch(own_generator):
    data = TensorDataset(tl.arange(10))

    def loader():
        gen = tl.Generator().manual_seed(3) if own_generator else None
        return DataLoader(data, batch_size=3, shuffle=True, generator=gen)

    tl.manual_seed(0)
    first = loader()
    it = iter(first)
    taken = [next(it)[0].tolist() for _ in range(2)]
    state, rng = first.state_dict(), tl.get_rng_state()
    rest = [b[0].tolist() for b in it]
    second_epoch = [b[0].tolist() for b in first]

    tl.manual_seed(123)  # a new process: other random state
    resumed = loader()
    tl.set_rng_state(rng)
    resumed.load_state_dict(state)
    assert [b[0].tolist() for b in resumed] == rest
    assert [b[0].tolist() for b in resumed] == second_epoch
    assert sorted(sum(taken + rest, [])) == list(range(10))


def test_dataloader_saved_after_an_epoch_ends():
    """Saved after the last batch: the resumed epoch is empty, the next one is the next epoch."""
    data = TensorDataset(tl.arange(6))
    tl.manual_seed(0)
    first = DataLoader(data, batch_size=4, shuffle=True)
    list(first)
    state, rng = first.state_dict(), tl.get_rng_state()
    assert state["batches_taken"] == 2
    next_epoch = [b[0].tolist() for b in first]

    tl.manual_seed(1)
    resumed = DataLoader(data, batch_size=4, shuffle=True)
    tl.set_rng_state(rng)
    resumed.load_state_dict(state)
    assert list(resumed) == []
    assert [b[0].tolist() for b in resumed] == next_epoch
