"""The small examples (linear regression, character LSTM) run in reduced form on each backend, so
they cannot rot: torchlike compiled, torchlike eager and real PyTorch (``--reference``) each finish
and end with a well-formed ``RESULT`` line, and where the runs are comparable they agree."""

from __future__ import annotations

import importlib.util
import math
import os
import re

import numpy as np
import pytest
from _helpers import ROOT, result_line, run_python

EXAMPLES = os.path.join(ROOT, "examples")
BACKENDS = {"torchlike-compiled": [], "torchlike-eager": ["--eager"], "pytorch": ["--reference"]}


def run_example(name: str, cwd, *args: str) -> tuple[str, dict]:
    """Run ``examples/<name>.py`` in ``cwd``; its stdout and its parsed final ``RESULT`` line."""
    stdout = run_python([os.path.join(EXAMPLES, f"{name}.py"), *args], cwd)
    return stdout, result_line(stdout)


def check_result(result: dict, example: str, backend: str, metric: str, epochs: int) -> None:
    assert set(result) == {"example", "backend", "metric", "value", "epochs", "epoch_time_s"}
    assert (result["example"], result["backend"], result["metric"]) == (example, backend, metric)
    assert result["epochs"] == epochs and len(result["epoch_time_s"]) == epochs
    assert all(t > 0 for t in result["epoch_time_s"])
    assert math.isfinite(result["value"])


# -- linear regression: short full-batch training, so every backend reaches least squares ----------

LINREG_SAMPLES, LINREG_EPOCHS = 256, 80
LINREG_ARGS = ["--samples", str(LINREG_SAMPLES), "--batch-size", str(LINREG_SAMPLES)]
LINREG_ARGS += ["--epochs", str(LINREG_EPOCHS), "--limit-batches", "1", "--plot", "fit.png"]


@pytest.fixture(scope="module")
def linreg_runs(tmp_path_factory) -> dict:
    runs = {}
    for backend, flags in BACKENDS.items():
        cwd = tmp_path_factory.mktemp(backend)
        stdout, result = run_example("linear_regression", cwd, *LINREG_ARGS, *flags)
        fitted = re.search(r"fitted coefficient (\S+), intercept (\S+)", stdout)
        runs[backend] = (cwd, result, float(fitted[1]), float(fitted[2]))
    return runs


@pytest.mark.parametrize("backend", BACKENDS)
def test_linear_regression_result_and_plot(linreg_runs, backend):
    cwd, result, _, _ = linreg_runs[backend]
    check_result(result, "linear_regression", backend, "mse", LINREG_EPOCHS)
    with open(cwd / "fit.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_linear_regression_backends_agree_on_the_least_squares_fit(linreg_runs):
    spec = importlib.util.spec_from_file_location(
        "linreg", os.path.join(EXAMPLES, "linear_regression.py")
    )
    linreg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(linreg)
    x, y = linreg.make_data(LINREG_SAMPLES, 0)
    design = np.hstack([x, np.ones_like(x)]).astype(np.float64)
    (coef, intercept), *_ = np.linalg.lstsq(design, y[:, 0].astype(np.float64), rcond=None)
    mse = float(np.mean((design @ [coef, intercept] - y[:, 0]) ** 2))

    _, ref, ref_coef, ref_intercept = linreg_runs["pytorch"]
    for backend, (_, result, fit_coef, fit_intercept) in linreg_runs.items():
        assert fit_coef == pytest.approx(ref_coef, abs=1e-2), backend
        assert fit_intercept == pytest.approx(ref_intercept, abs=1e-2), backend
        assert fit_coef == pytest.approx(coef, abs=2e-3), backend
        assert fit_intercept == pytest.approx(intercept, abs=2e-3), backend
        assert result["value"] == pytest.approx(mse, rel=1e-3), backend


# -- character LSTM: a small model, a few dozen steps on the real text -----------------------------

LSTM_STEPS, LSTM_PROMPT, LSTM_SAMPLE = 40, "def ", 20
LSTM_ARGS = ["--batch-size", "16", "--seq-len", "64", "--hidden", "64", "--embed", "16"]
LSTM_ARGS += ["--lr", "1e-2", "--dropout", "0", "--epochs", "1", "--limit-batches", str(LSTM_STEPS)]
LSTM_ARGS += ["--prompt", LSTM_PROMPT, "--sample-len", str(LSTM_SAMPLE)]


@pytest.fixture(scope="module")
def lstm_runs(tmp_path_factory) -> dict:
    runs = {}
    for backend, flags in BACKENDS.items():
        stdout, result = run_example(
            "char_lstm", tmp_path_factory.mktemp(backend), *LSTM_ARGS, *flags
        )
        baseline = float(re.search(r"unigram baseline: validation perplexity (\S+)", stdout)[1])
        sample = stdout[stdout.index("sample:\n") + len("sample:\n") : stdout.rindex("\nRESULT")]
        runs[backend] = (result, baseline, sample)
    return runs


@pytest.mark.parametrize("backend", BACKENDS)
def test_char_lstm_learns_and_samples(lstm_runs, backend):
    result, baseline, sample = lstm_runs[backend]
    check_result(result, "char_lstm", backend, "perplexity", 1)
    assert 1 < result["value"] < 0.8 * baseline  # well past character frequencies alone
    assert sample.startswith(LSTM_PROMPT) and len(sample) == len(LSTM_PROMPT) + LSTM_SAMPLE


def test_char_lstm_compiled_and_eager_train_the_same_model(lstm_runs):
    compiled, eager = lstm_runs["torchlike-compiled"][0], lstm_runs["torchlike-eager"][0]
    assert compiled["value"] == pytest.approx(eager["value"], rel=1e-4)
    assert lstm_runs["pytorch"][1] == lstm_runs["torchlike-compiled"][1]  # same text, same split
