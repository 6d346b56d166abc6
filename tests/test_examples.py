"""The examples run in reduced form, so they cannot rot: a few batches on each backend
(torchlike compiled, ``--eager``, ``--reference`` on real PyTorch), the ``RESULT`` line that
benchmarks/bench_examples.py reads, TensorBoard logs, checkpoints, and ``--resume`` continuing an
interrupted run to the very same result."""

from __future__ import annotations

import json
import math
import os

import pytest
from _helpers import ROOT, run_python
from data_paths import fashion_mnist_root

SCRIPT = os.path.join(ROOT, "examples", "mnist_cnn.py")
DATA = fashion_mnist_root()

pytestmark = pytest.mark.skipif(DATA is None, reason="Fashion-MNIST files are not on this machine")


def run(cwd, *args, script=SCRIPT):
    cwd.mkdir(exist_ok=True)
    return run_python([script, "--limit-batches", "3", "--data-root", DATA, *args], cwd)


def final_accuracy(stdout: str) -> str:
    return [line for line in stdout.splitlines() if line.startswith("final test accuracy")][0]


def result(stdout: str) -> dict:
    """The ``RESULT {json}`` line, which must be the last line printed."""
    last = stdout.rstrip().splitlines()[-1]
    assert last.startswith("RESULT "), last
    return json.loads(last[len("RESULT ") :])


@pytest.mark.parametrize(
    "flags, backend", [([], "torchlike-compiled"), (["--reference"], "pytorch")], ids=["", "ref"]
)
def test_interrupted_and_resumed_run_ends_where_a_straight_run_ends(tmp_path, flags, backend):
    straight = run(tmp_path / "a", "--epochs", "2", *flags)
    first = run(tmp_path / "b", "--epochs", "2", "--stop-after", "1", *flags)
    resumed = run(tmp_path / "b", "--epochs", "2", "--resume", *flags)
    assert "epoch 2" not in first and "resumed from epoch 1" in resumed
    assert final_accuracy(resumed) == final_accuracy(straight)
    assert result(straight)["value"] == result(resumed)["value"]
    assert result(straight)["backend"] == result(resumed)["backend"] == backend
    assert result(straight)["epochs"] == 2 and result(resumed)["epochs"] == 1

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logs = EventAccumulator(str(tmp_path / "a" / "runs" / "mnist_cnn"))
    logs.Reload()
    assert {"loss/train", "accuracy/test", "lr"} <= set(logs.Tags()["scalars"])
    assert [e.step for e in logs.Scalars("accuracy/test")] == [1, 2]
    assert os.listdir(tmp_path / "b" / "checkpoints" / "mnist_cnn")


CIFAR_FMNIST = ["--dataset", "fashion_mnist", "--batch-size", "16", "--test-batch-size", "100"]
# (example, extra arguments, backend the RESULT line must name); mnist_cnn's runs are above
REDUCED_RUNS = [
    ("cifar10_resnet", CIFAR_FMNIST, "torchlike-compiled"),
    ("cifar10_resnet", [*CIFAR_FMNIST, "--eager"], "torchlike-eager"),
    ("cifar10_resnet", [*CIFAR_FMNIST, "--reference"], "pytorch"),
]


@pytest.mark.parametrize(
    "example, args, backend", REDUCED_RUNS, ids=[f"{e}-{b}" for e, _, b in REDUCED_RUNS]
)
def test_reduced_run_prints_a_result_line(tmp_path, example, args, backend):
    script = os.path.join(ROOT, "examples", f"{example}.py")
    stdout = run(tmp_path / "run", "--epochs", "1", *args, script=script)
    res = result(stdout)
    assert (res["example"], res["backend"], res["metric"]) == (example, backend, "test_accuracy")
    assert res["epochs"] == 1 and len(res["epoch_time_s"]) == 1
    assert all(t > 0 for t in res["epoch_time_s"])
    assert math.isfinite(res["value"]) and 0 <= res["value"] <= 1
    assert final_accuracy(stdout) == f"final test accuracy: {res['value']:.2%}"
