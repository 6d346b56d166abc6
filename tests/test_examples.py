"""The main example runs in reduced form, so it cannot rot: a few batches, TensorBoard logs,
checkpoints, and ``--resume`` continuing an interrupted run to the very same result."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "examples", "mnist_cnn.py")


def _fashion_mnist_available() -> bool:
    from torchlike.vision import datasets

    try:
        datasets.FashionMNIST(os.path.join(ROOT, "data"), train=False)
    except (RuntimeError, OSError):
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _fashion_mnist_available(), reason="Fashion-MNIST files are not on this machine"
)


def run(cwd, *args):
    cwd.mkdir(exist_ok=True)
    out = subprocess.run(
        [sys.executable, SCRIPT, "--limit-batches", "3", *args],
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def final_accuracy(stdout: str) -> str:
    return [line for line in stdout.splitlines() if line.startswith("final test accuracy")][0]


def test_interrupted_and_resumed_run_ends_where_a_straight_run_ends(tmp_path):
    straight = run(tmp_path / "a", "--epochs", "2")
    first = run(tmp_path / "b", "--epochs", "2", "--stop-after", "1")
    resumed = run(tmp_path / "b", "--epochs", "2", "--resume")
    assert "epoch 2" not in first and "resumed from epoch 1" in resumed
    assert final_accuracy(resumed) == final_accuracy(straight)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logs = EventAccumulator(str(tmp_path / "a" / "runs" / "mnist_cnn"))
    logs.Reload()
    assert {"loss/train", "accuracy/test", "lr"} <= set(logs.Tags()["scalars"])
    assert [e.step for e in logs.Scalars("accuracy/test")] == [1, 2]
    assert os.listdir(tmp_path / "b" / "checkpoints" / "mnist_cnn")
