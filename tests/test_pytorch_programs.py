"""Ordinary PyTorch programs (``tests/pytorch_programs/``, written the way PyTorch's own examples
and tutorials are) run unmodified under real PyTorch and under ``python -m torchlike run``.

Where a program can be made deterministic (numpy data, the initial ``state_dict`` saved by the
PyTorch run and loaded by the torchlike run through ``--init``, no sampling), every number it
prints must agree. Where it samples (dropout, ``randn``, ``Categorical``, hogwild scheduling), both
runs must succeed and show the training clearly progressing.

Among the deterministic ones, three must also learn well (their loss falls by 40%, their accuracy
reaches a bound):

- ``finetune_checkpoint.py``: a frozen first layer, two parameter groups, gradient accumulation,
  ``clip_grad_norm_``, ``ReduceLROnPlateau``, ``no_grad``/``inference_mode`` evaluation, and a
  ``{"model", "optimizer", "scheduler", "epoch"}`` checkpoint resumed into fresh objects.
- ``text_classification.py``: a ``Dataset`` + ``DataLoader(collate_fn=...)`` padding with
  ``pad_sequence``, ``Embedding(padding_idx=0)``, a bidirectional GRU over
  ``pack_padded_sequence(enforce_sorted=False)``, ``EmbeddingBag`` with offsets, Adam.
- ``attention_seq.py``: ``nn.MultiheadAttention`` (batch_first, causal ``attn_mask``,
  ``key_padding_mask``) and ``F.scaled_dot_product_attention(is_causal=True)``, ``LayerNorm``,
  AdamW with two weight-decay groups under ``OneCycleLR``, ``ignore_index`` targets.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from _helpers import ROOT
from data_paths import fashion_mnist_root

PROGRAMS = os.path.join(ROOT, "tests", "pytorch_programs")


def _start(script: str, args: list[str], cwd, torchlike: bool) -> subprocess.Popen:
    prefix = ["-m", "torchlike", "run"] if torchlike else []
    return subprocess.Popen(
        [sys.executable, *prefix, os.path.join(PROGRAMS, script), *args],
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen, script: str, torchlike: bool) -> str:
    try:
        stdout, stderr = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    who = "torchlike" if torchlike else "torch"
    assert proc.returncode == 0, f"{script} under {who} failed:\n{stderr[-4000:]}"
    return stdout


def run(script: str, args: list[str], cwd, torchlike: bool) -> str:
    return _finish(_start(script, args, cwd, torchlike), script, torchlike)


def numbers(stdout: str) -> list[tuple[str, list[float]]]:
    """Lines ``name v1 v2 ...`` whose values all parse as numbers, in order."""
    rows = []
    for line in stdout.splitlines():
        name, *rest = line.split()
        try:
            values = [float(v) for v in rest]
        except ValueError:
            continue
        if values and re.fullmatch(r"[a-z_]+", name):
            rows.append((name, values))
    return rows


def series(stdout: str, name: str) -> list[float]:
    return [v[0] for n, v in numbers(stdout) if n == name]


# Deterministic programs: (script, arguments, learns). ``--init INIT``: the PyTorch run saves its
# initial state_dict there and the torchlike run loads it, so both start from the same weights.
# ``learns``: (the printed loss that must fall by 40%, the accuracy that must be reached), or None
# (then the first and last printed losses must only decrease).
SAME_NUMBERS = [
    ("regression.py", ["--steps", "150", "--init", "INIT"], None),
    (
        "time_sequence_prediction.py",
        ["--steps", "2", "--max-iter", "4", "--length", "20", "--future", "5", "--init", "INIT"],
        None,
    ),
    ("word_language_model.py", ["--model", "LSTM", "--epochs", "1", "--init", "INIT"], None),
    ("word_language_model.py", ["--model", "Transformer", "--epochs", "1", "--init", "INIT"], None),
    (
        "word_language_model.py",
        ["--model", "GRU", "--epochs", "1", "--nhid", "16", "--tied", "--init", "INIT"],
        None,
    ),
    ("tutorial_basics.py", ["--steps", "150"], None),
    ("finetune_checkpoint.py", ["--init", "INIT"], ("train_loss", 0.9)),
    ("text_classification.py", ["--init", "INIT"], ("train_loss", 0.85)),
    ("attention_seq.py", ["--init", "INIT"], ("loss", 0.8)),
]


@pytest.mark.parametrize(
    ("script", "args", "learns"),
    SAME_NUMBERS,
    ids=[" ".join([s, *a[:2]]) for s, a, _ in SAME_NUMBERS],
)
def test_program_prints_torchs_numbers(tmp_path, script, args, learns):
    args = [str(tmp_path / "init.pt") if a == "INIT" else a for a in args]
    # the torch run writes the initial state_dict the torchlike run reads: one after the other
    theirs_out = run(script, args, tmp_path, torchlike=False)
    theirs = numbers(theirs_out)
    ours = numbers(run(script, args, tmp_path, torchlike=True))
    assert len(theirs) >= (3 if learns is None else 8)
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (name, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5, err_msg=name)
    if learns is not None:
        loss, accuracy = learns
        losses = series(theirs_out, loss)
        assert len(losses) >= 3 and losses[-1] < 0.6 * losses[0], losses
        assert series(theirs_out, "accuracy")[-1] >= accuracy
        return
    losses = [v[0] for n, v in theirs if n in ("loss", "train_loss", "test_loss")]
    if len(losses) >= 2:  # the programs learn something (so the comparison is not vacuous)
        assert losses[-1] < losses[0]


def _vae(out: str, folder) -> None:
    train = series(out, "train_loss")
    assert len(train) == 3 and train[-1] < 0.95 * train[0], train
    assert "sample_shape 64 1 8 8" in out and "comparison_shape 16 1 8 8" in out


def _dcgan(out: str, folder) -> None:
    epochs = re.findall(
        r"Loss_D: (\S+) Loss_G: (\S+) D\(x\): (\S+) D\(G\(z\)\): (\S+) / (\S+)", out
    )
    assert len(epochs) == 2
    values = [float(v) for row in epochs for v in row]
    assert all(math.isfinite(v) for v in values)
    d_x, d_g_z = float(epochs[-1][2]), float(epochs[-1][3])
    assert d_x > d_g_z, epochs  # the discriminator tells real from generated
    lo, hi = [v for n, v in numbers(out) if n == "fake_range"][-1]
    assert -1 <= lo < hi <= 1  # Tanh output
    assert (folder / "netG_epoch_1.pth").exists() and (folder / "netD_epoch_1.pth").exists()


def _reinforce(out: str, folder) -> None:
    first, last = series(out, "first_lengths")[0], series(out, "last_lengths")[0]
    # A random policy needs ~14 steps on average (capped at 20); the best one 3.
    assert last <= first and last < 4.0, (first, last)


def _hogwild(out: str, folder) -> None:
    assert "shared True" in out and "exitcodes 0 0" in out
    loss, acc = series(out, "test_loss"), series(out, "accuracy")
    # the parent sees what the two child processes trained
    assert loss[1] < 0.5 * loss[0] and acc[1] > 0.9, (loss, acc)


def _mnist(out: str, folder) -> None:
    acc = series(out, "accuracy")
    assert acc[0] < 0.3 and acc[-1] > 0.9, acc
    assert series(out, "lr") == [0.7]  # StepLR(step_size=1, gamma=0.7) after one epoch
    assert (folder / "mnist_cnn.pt").exists()  # torch.save of the state_dict


def _siamese(out: str, folder) -> None:
    acc = series(out, "accuracy")  # chance is 0.5: half the pairs are of one class
    assert acc[-1] > 0.65 and acc[-1] > acc[0] + 0.12, acc


# Programs that sample: (script, arguments, check run on each printout).
PROGRESSES = [
    ("vae.py", ["--epochs", "3"], _vae),
    ("dcgan.py", ["--niter", "2", "--num-images", "64"], _dcgan),
    ("reinforce.py", ["--episodes", "80"], _reinforce),
    ("mnist_hogwild.py", ["--epochs", "2"], _hogwild),
    ("mnist.py", ["--epochs", "1", "--save-model"], _mnist),
    ("siamese_network.py", ["--epochs", "3"], _siamese),
]


@pytest.mark.parametrize(("script", "args", "check"), PROGRESSES, ids=[p[0] for p in PROGRESSES])
def test_program_trains_under_both(tmp_path, script, args, check):
    # both runs at once, each in its own folder (the programs write files)
    dirs = {lib: tmp_path / lib for lib in ("torch", "torchlike")}
    procs = {}
    for lib, folder in dirs.items():
        folder.mkdir()
        procs[lib] = _start(script, args, folder, torchlike=lib == "torchlike")
    for lib, proc in procs.items():
        check(_finish(proc, script, torchlike=lib == "torchlike"), dirs[lib])


def test_mnist_program_on_fashion_mnist_through_torchvision(tmp_path):
    """``torchvision.datasets.FashionMNIST`` and ``torchvision.transforms`` resolve to
    torchlike.vision (real torchvision is not usable here, so this runs under torchlike only)."""
    root = fashion_mnist_root()
    if root is None:
        pytest.skip("Fashion-MNIST files are not on this machine")
    args = ["--data", root, "--epochs", "1", "--limit-batches", "60", "--test-batch-size", "1000"]
    acc = series(run("mnist.py", args, tmp_path, torchlike=True), "accuracy")
    assert acc[-1] > 0.6, acc
