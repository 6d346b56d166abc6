"""The module registry's row type, ``ModuleInfo`` (one layer configuration), and the harness
that runs a row under torch and torchlike.

A row builds the same layer with torch's and torchlike's ``nn``; torchlike's gets a copy of
torch's state; both run forward on the row's inputs in each of the row's modes (train/eval),
eagerly and, for ``compiled`` rows, as one ``torchlike.compile``d step with the backward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch as ref
from _helpers import as_numpy

import torchlike as tl

TOL = dict(rtol=1.3e-6, atol=1e-5)
# Normalisations divide by a standard deviation computed in another order than PyTorch's
# (Welford there, two passes here); the rounding difference is amplified by 1/std.
NORM_TOL = dict(rtol=1e-5, atol=2e-5)


@dataclass(frozen=True)
class ModuleInfo:
    id: str
    make: Callable  # the library (torch or torchlike) -> the layer
    inputs: Callable  # numpy Generator -> tuple of arrays (or None) for forward
    modes: tuple = ("train",)
    tol: dict | None = None  # TOL unless given
    compiled: bool = True  # also check the step inside torchlike.compile


def cases(rows: list[ModuleInfo]) -> list:
    """``pytest.param(row, mode, compiled)`` for every mode of every row, eager and compiled."""
    return [
        pytest.param(row, mode, compiled, id=f"{row.id}-{mode}{'-compiled' if compiled else ''}")
        for row in rows
        for mode in row.modes
        for compiled in ((False, True) if row.compiled else (False,))
    ]


def pair(layer: ModuleInfo, mode: str):
    """The torch layer and ours, ours holding a copy of torch's state, both in ``mode``."""
    ref.manual_seed(0)
    theirs = layer.make(ref)
    ours = layer.make(tl)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    theirs.train(mode == "train")
    ours.train(mode == "train")
    return theirs, ours


def forward_backward(lib, module, arrays, cotangent, compile_step: bool = False):
    """Forward on ``arrays`` (float ones through a non-leaf, so in-place layers may run), then
    backward with ``cotangent``; returns outputs, input grads and parameter grads."""
    leaves = [
        None if a is None else lib.tensor(a).requires_grad_(a.dtype.kind == "f") for a in arrays
    ]

    def step(g, *xs):
        out = module(*[x * 1 if x is not None and x.requires_grad else x for x in xs])
        outs = out if isinstance(out, tuple) else (out,)
        outs[0].backward(g)
        return outs, [x.grad for x in xs if x is not None and x.requires_grad]

    run = tl.compile(step) if compile_step else step
    outs, input_grads = run(lib.tensor(cotangent), *leaves)
    param_grads = {n: as_numpy(p.grad) for n, p in module.named_parameters() if p.requires_grad}
    return [as_numpy(o) for o in outs], [as_numpy(g) for g in input_grads], param_grads
