"""Seeds as in PyTorch: each process starts its default generator from OS entropy (reported by
``torch.initial_seed()``), ``manual_seed`` makes draws repeat, a new ``Generator()`` starts from
PyTorch's fixed seed, and seeds are 64-bit unsigned (``-1`` is ``2**64 - 1``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch as ref
from _helpers import ROOT

import torchlike as tl

SCRIPT = (
    "import torchlike as t\n"
    "print(t.initial_seed(), t.rand(3).tolist())\n"
    "t.manual_seed(7)\n"
    "print(t.initial_seed(), t.rand(3).tolist())\n"
)


def test_each_process_draws_differently_until_seeded():
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT],
            env=dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu"),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0].splitlines() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    (unseeded_a, seeded_a), (unseeded_b, seeded_b) = outputs
    assert unseeded_a != unseeded_b  # different seeds and different numbers
    assert unseeded_a.split(" ", 1)[1] != unseeded_b.split(" ", 1)[1]
    assert seeded_a == seeded_b and seeded_a.startswith("7 ")


@pytest.mark.parametrize("seed", [0, -1, -(2**63), 2**63 + 5, 2**64 - 1, 2**64, -(2**63) - 1])
def test_seed_range_and_initial_seed_match_torch(seed):
    try:
        expected = ref.manual_seed(seed).initial_seed()
    except Exception as e:
        with pytest.raises(type(e), match=str(e)):
            tl.manual_seed(seed)
        return
    assert tl.manual_seed(seed).initial_seed() == tl.initial_seed() == expected
    first = tl.rand(2)
    tl.manual_seed(seed)
    assert tl.equal(tl.rand(2), first)


def test_new_generator_starts_from_torchs_fixed_seed():
    assert tl.Generator().initial_seed() == ref.Generator().initial_seed()
