"""What ``torchlike.lightning.Trainer`` costs per training step over a hand-written loop.

Both sides train the same model from the same weights on the same data with the same compiled
step (``torch.compile`` of forward, loss, backward and ``optimizer.step``; the trainer compiles
its own training step the same way) and step the same scheduler. Models:

* ``cnn``: ``LitCNN`` of ``examples/lightning_mnist.py`` (two conv blocks with BatchNorm,
  Dropout, Adam, OneCycleLR stepped every batch, ``self.log`` of the loss on step and epoch), on
  random 1x28x28 images, batch 64;
* ``mlp``: a small 784-128-10 MLP with the same ``training_step``, where compute is small and
  the trainer's own work per step shows most.

Trainer rows: ``bare`` (``logger=False``, no checkpointing, no progress bar) and ``example``
(the example's set-up: progress bar, default logger, ``ModelCheckpoint``, ``LearningRateMonitor``
every step). The runs are interleaved so that a change in machine load hits both alike: during
``fit`` a callback stops every ``--block`` steps and runs ``--block`` steps of the hand-written
loop; each block is timed between two synchronisations (``jax.block_until_ready`` on the
weights), so a time covers the whole loop (data loading, hooks, logging) for ``--block`` steps.
Each block starts after ``gc.collect()`` (so the garbage of compiling, before, is not collected
inside one side's block). The first ``--warmup`` steps of each side are not timed: they compile
the steps and the trainer's reduction of epoch-logged values (a program every 16 steps). The
table gives, per step, the median wall time and the median CPU time of the process (all its
threads: on a shared machine the CPU time is the steadier measure) and the trainer's overhead
over the hand loop in each.

    python benchmarks/bench_lightning.py [--models cnn mlp] [--blocks 3] [--block 8] [--json f]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import json
import os
import sys
import tempfile
import time

import jax
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))

import lightning_mnist  # noqa: E402  (the example's model)

import torchlike as torch  # noqa: E402
import torchlike.lightning as L  # noqa: E402

nn, F = torch.nn, torch.nn.functional


class LitMLP(lightning_mnist.LitCNN):
    """The example's module with a small MLP instead of the CNN."""

    def __init__(self, lr: float = 1e-3, steps: int = 1000) -> None:
        L.LightningModule.__init__(self)
        self.save_hyperparameters()
        self.features = nn.Flatten()
        self.head = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {"cnn": lightning_mnist.LitCNN, "mlp": LitMLP}


def sync(module) -> None:
    jax.block_until_ready([p._data for p in module.parameters()])


def clock() -> np.ndarray:
    """Wall time and this process's CPU time (all its threads), in seconds."""
    return np.array([time.perf_counter(), time.process_time()])


class HandLoop:
    """The same training written by hand: a compiled step and the scheduler, nothing else."""

    def __init__(self, module, loader) -> None:
        self.model = module
        self.loader = loader
        config = module.configure_optimizers()
        self.opt, self.sched = config["optimizer"], config["lr_scheduler"]["scheduler"]

        def step(model, opt, x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        self.step = torch.compile(step)
        self.batches = iter(loader)

    def run(self, n: int) -> np.ndarray:
        """Wall and CPU seconds for ``n`` steps, from synchronised to synchronised."""
        sync(self.model)
        gc.collect()
        start = clock()
        for _ in range(n):
            batch = next(self.batches, None)
            if batch is None:
                self.batches = iter(self.loader)
                batch = next(self.batches)
            self.step(self.model, self.opt, *batch)
            self.sched.step()
        sync(self.model)
        return clock() - start


class Interleave(L.Callback):
    """Times the trainer's blocks of steps and runs a block of the hand loop between them."""

    def __init__(self, hand: HandLoop, block: int, warmup: int) -> None:
        self.hand, self.block, self.warmup = hand, block, warmup
        self.trainer_times: list[np.ndarray] = []  # (wall, CPU) seconds per step, per block
        self.hand_times: list[np.ndarray] = []
        self.start = None

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        done = trainer.global_step
        if done < self.warmup or (done - self.warmup) % self.block:
            return
        sync(pl_module)
        now = clock()
        if self.start is not None:
            self.trainer_times.append((now - self.start) / self.block)
        self.hand_times.append(self.hand.run(self.block) / self.block)
        gc.collect()
        self.start = clock()


def measure(name: str, row: str, batch: int, blocks: int, block: int, warmup: int) -> dict:
    steps = warmup + blocks * block
    rng = np.random.default_rng(0)
    n = (steps + 1) * batch
    data = torch.utils.data.TensorDataset(
        torch.from_numpy(rng.standard_normal((n, 1, 28, 28)).astype(np.float32)),
        torch.from_numpy(rng.integers(0, 10, n)),
    )

    def loader():
        return torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, drop_last=True)

    L.seed_everything(0)
    module = MODELS[name](steps=2 * steps)
    twin = copy.deepcopy(module)
    hand = HandLoop(twin, loader())
    hand.run(warmup)  # compiles the hand-written step
    timer = Interleave(hand, block, warmup)
    with tempfile.TemporaryDirectory() as root:
        if row == "bare":
            options = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False)
        else:
            options = dict(
                default_root_dir=root,
                callbacks=[
                    L.callbacks.ModelCheckpoint(monitor="train_loss", save_last=True),
                    L.callbacks.LearningRateMonitor(logging_interval="step"),
                ],
                log_every_n_steps=10,
            )
        trainer = L.Trainer(max_steps=steps, callbacks=[timer, *options.pop("callbacks", [])],
                            **options)  # fmt: skip
        with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):  # the progress bar
            trainer.fit(module, loader())
    trainer_ms, trainer_cpu = 1e3 * np.median(timer.trainer_times, axis=0)
    hand_ms, hand_cpu = 1e3 * np.median(timer.hand_times, axis=0)
    return {
        "model": name,
        "trainer": row,
        "batch": batch,
        "steps_timed": len(timer.trainer_times) * block,
        "hand_ms": hand_ms,
        "trainer_ms": trainer_ms,
        "overhead_pct": 100 * (trainer_ms / hand_ms - 1),
        "overhead_us": 1e3 * (trainer_ms - hand_ms),
        "hand_cpu_ms": hand_cpu,
        "trainer_cpu_ms": trainer_cpu,
        "cpu_overhead_pct": 100 * (trainer_cpu / hand_cpu - 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["cnn", "mlp"])
    p.add_argument("--rows", nargs="+", choices=["bare", "example"], default=["bare", "example"])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--blocks", type=int, default=3, help="timed blocks per side")
    p.add_argument("--block", type=int, default=8, help="steps per block")
    p.add_argument("--warmup", type=int, default=34, help="untimed steps per side (compiling)")
    p.add_argument("--json", help="write the rows to this file")
    args = p.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {os.cpu_count()} CPUs, load average {load:.2f}, jax {jax.__version__}")
    print(f"{'model':6} {'trainer':8} {'hand ms/step':>13} {'trainer ms/step':>16} "
          f"{'overhead':>9} {'per step':>10} {'CPU ms/step hand':>17} {'trainer':>8} "
          f"{'overhead':>9}")  # fmt: skip
    rows = []
    for name in args.models:
        for row in args.rows:
            r = measure(name, row, args.batch, args.blocks, args.block, args.warmup)
            rows.append(r)
            print(
                f"{name:6} {row:8} {r['hand_ms']:13.2f} {r['trainer_ms']:16.2f} "
                f"{r['overhead_pct']:8.1f}% {r['overhead_us']:8.0f}us "
                f"{r['hand_cpu_ms']:17.2f} {r['trainer_cpu_ms']:8.2f} "
                f"{r['cpu_overhead_pct']:8.1f}%",
                flush=True,
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
