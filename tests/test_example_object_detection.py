"""``examples/object_detection.py`` in reduced form, so it cannot rot: two training batches and a
small test set, compiled on torchlike and eagerly on real PyTorch (``--reference``, with the
script's plain-PyTorch stand-ins for torchvision's box ops)."""

from __future__ import annotations

import math
import os

import pytest
from _helpers import ROOT, result_line, run_python

SCRIPT = os.path.join(ROOT, "examples", "object_detection.py")
REDUCED = ["--epochs", "1", "--limit-batches", "2", "--batch-size", "8", "--test-size", "16"]


def run(*args) -> dict:
    return result_line(run_python([SCRIPT, *REDUCED, *args], timeout=300))


@pytest.mark.parametrize(
    "flags, backend", [((), "torchlike-compiled"), (("--reference",), "pytorch")]
)
def test_reduced_run_reports_a_finite_map(flags, backend):
    result = run(*flags)
    assert result["example"] == "object_detection" and result["backend"] == backend
    assert result["metric"] == "mAP@0.5" and result["epochs"] == 1
    assert math.isfinite(result["value"]) and 0.0 <= result["value"] <= 1.0
    assert len(result["epoch_time_s"]) == 1 and result["epoch_time_s"][0] > 0
