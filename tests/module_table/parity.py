"""Generic layer checks against PyTorch for rows with nested results or functional calls, shared
by the recurrent, attention and resampling-layer tables.

A :class:`Row` builds the same layer with torch's and torchlike's ``nn`` (or no layer, for a
functional op), makes input arrays, and calls the layer. The checks compare every tensor in the
result (nested tuples and ``PackedSequence`` fields included), the gradients of every input and
parameter after backpropagating a fixed cotangent from every floating output, ``state_dict`` keys
and shapes, ``repr``, eager against ``torchlike.compile`` (forward and backward as one step), and
our gradients against central finite differences of our own forward in float64.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch as ref
from _helpers import FD_EPS, FD_TOL, as_numpy

import torchlike as tl

# float32, loosened from assert_close's rtol=1.3e-6: recurrences and softmax-then-matmul chains
# accumulate rounding differently from PyTorch's kernels.
TOL = dict(rtol=1e-5, atol=1e-5)


def f64(r, *shape):
    return r.standard_normal(shape)


def plain(lib, m, *xs):
    return m(*xs)


@dataclass(frozen=True)
class Row:
    id: str
    make: Callable | None  # library -> layer (None: the call uses functional ops only)
    inputs: Callable  # numpy Generator -> arrays, each passed as a tensor requiring grad
    call: Callable = plain  # (library, layer, *tensors) -> result


def flat(out) -> list:
    """Every tensor in a (nested) result, PackedSequence fields included, Nones dropped."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [] if out is None else [out]


def pair(row: Row):
    """The torch layer and ours, ours holding a copy of torch's state."""
    if row.make is None:
        return None, None
    ref.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constructor advice (dropout, nested tensors)
        theirs, ours = row.make(ref), row.make(tl)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def floats(result) -> list:
    return [o for o in flat(result) if o.dtype.is_floating_point]


def cotangents(outs) -> list:
    r = np.random.default_rng(1)
    return [r.standard_normal(tuple(o.shape)).astype(as_numpy(o).dtype) for o in outs]


def _params(module) -> dict:
    return {} if module is None else dict(module.named_parameters())


def run(lib, row: Row, module, arrays):
    """Outputs, input gradients and parameter gradients, after backpropagating ``cotangents``
    from every floating output."""
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    outs = flat(row.call(lib, module, *leaves))
    diff = [o for o in outs if o.dtype.is_floating_point]
    sum((o * lib.tensor(g)).sum() for o, g in zip(diff, cotangents(diff))).backward()
    param_grads = {n: as_numpy(p.grad) for n, p in _params(module).items()}
    return [as_numpy(o) for o in outs], [as_numpy(x.grad) for x in leaves], param_grads


def assert_all_close(ours, theirs, what: str, tol=TOL) -> None:
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.dtype == b.dtype, f"{what} {i}"
        np.testing.assert_allclose(a, b, **tol, err_msg=f"{what} {i}")


def check_matches_torch(row: Row, tol=TOL) -> None:
    theirs, ours = pair(row)
    arrays = row.inputs(np.random.default_rng(0))
    t_outs, t_in, t_params = run(ref, row, theirs, arrays)
    o_outs, o_in, o_params = run(tl, row, ours, arrays)
    assert_all_close(o_outs, t_outs, "output", tol)
    assert_all_close(o_in, t_in, "input grad", tol)
    assert list(o_params) == list(t_params)
    assert_all_close(list(o_params.values()), list(t_params.values()), "parameter grad", tol)


def check_compiled_matches_eager(row: Row) -> None:
    """The same forward and backward, eager and as one compiled step."""
    _, ours = pair(row)
    arrays = row.inputs(np.random.default_rng(0))
    e_outs, e_in, e_params = run(tl, row, ours, arrays)
    leaves = [tl.tensor(a, requires_grad=True) for a in arrays]
    with tl.no_grad():
        gs = [tl.tensor(g) for g in cotangents(floats(row.call(tl, ours, *leaves)))]
    if ours is not None:
        ours.zero_grad()

    def step(module, *xs):
        outs = flat(row.call(tl, module, *xs))
        diff = [o for o in outs if o.dtype.is_floating_point]
        sum((o * g).sum() for o, g in zip(diff, gs)).backward()
        return [o.detach() for o in outs]

    c_outs = [as_numpy(o) for o in tl.compile(step)(ours, *leaves)]
    assert_all_close(c_outs, e_outs, "output")
    assert_all_close([as_numpy(x.grad) for x in leaves], e_in, "input grad")
    c_params = [as_numpy(p.grad) for p in _params(ours).values()]
    assert_all_close(c_params, list(e_params.values()), "parameter grad")


def check_state_dict_and_repr(row: Row) -> None:
    theirs, ours = pair(row)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)


def check_finite_differences(row: Row) -> None:
    """Our gradient along a random direction per tensor against central differences of our
    own forward, in float64 (PyTorch's gradcheck, fast mode)."""
    _, ours = pair(row)
    if ours is not None:
        ours.double()
    arrays = [a.astype(np.float64) for a in row.inputs(np.random.default_rng(0))]
    leaves = [tl.tensor(a, requires_grad=True) for a in arrays]
    outs = floats(row.call(tl, ours, *leaves))
    gs = cotangents(outs)
    sum((o * tl.tensor(g)).sum() for o, g in zip(outs, gs)).backward()

    def objective() -> float:
        with tl.no_grad():
            outs = floats(row.call(tl, ours, *leaves))
            return sum(float(np.sum(as_numpy(o) * g)) for o, g in zip(outs, gs))

    r = np.random.default_rng(2)
    for t in leaves + list(_params(ours).values()):
        analytic, base = as_numpy(t.grad), as_numpy(t).copy()
        direction = r.standard_normal(base.shape)
        shifted = []
        for step in (FD_EPS, -FD_EPS):
            with tl.no_grad():
                t.copy_(tl.tensor(base + step * direction))
            shifted.append(objective())
        with tl.no_grad():
            t.copy_(tl.tensor(base))
        numeric = (shifted[0] - shifted[1]) / (2 * FD_EPS)
        np.testing.assert_allclose(np.sum(analytic * direction), numeric, **FD_TOL)
