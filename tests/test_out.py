"""``out=`` on every op-table row whose function takes it, against PyTorch's ``out=``.

For each row (the first samples of its first dtype, where PyTorch accepts ``out=`` for them):
the values written, the object returned (``out`` itself, or a tuple of the ``out`` tensors), an
``out`` with no elements (resized silently) and one of another shape (resized with PyTorch's
warning), an ``out`` of another dtype (cast, or PyTorch's error), and the autograd refusal.
Eager calls only: no compiles beyond the ops' own.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from op_table import OPS, TOL, OpInfo, assert_same, build, expect_same_error

import torchlike as tl

SAMPLES = 2  # per row: the first ones, where PyTorch accepts out= for them


def _takes_out(op: OpInfo) -> bool:
    f = op.ours
    while isinstance(f, functools.partial):
        f = f.func
    return getattr(f, "_handles_out", None) == "write"


OUT_ROWS = [op for op in OPS if _takes_out(op)]


def _empty_like(lib, result, shape=None, dtype=None):
    """An ``out`` for ``result``: a tensor (or a tuple of them) of ``shape``/``dtype``."""
    if isinstance(result, tuple):
        return tuple(_empty_like(lib, r, shape, dtype) for r in result)
    dt = result.dtype if dtype is None else dtype
    if lib is tl:
        dt = getattr(tl, str(dt).removeprefix("torch."))
    return lib.zeros(result.shape if shape is None else shape, dtype=dt)


def _kind(w) -> tuple:
    return w.category, str(w.message).split(" since")[0].split(" is ")[0]


def _name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


def _outs(out):
    return list(out) if isinstance(out, tuple) else [out]


def _accepting_samples(op: OpInfo):
    """The first samples for which PyTorch accepts ``out=`` (some overloads lack it)."""
    found = []
    for sample in op.samples(np.random.default_rng(0), op.dtypes[0]):
        targs, tkwargs = build(torch, sample)
        try:
            plain = op.ref(*targs, **tkwargs)
            if not isinstance(plain, (torch.Tensor, tuple)):
                continue
            op.ref(*targs, **tkwargs, out=_empty_like(torch, plain, shape=(0,)))
        except (TypeError, RuntimeError):
            continue
        found.append((sample, plain))
        if len(found) == SAMPLES:
            break
    return found


def _call(op: OpInfo, lib, sample, out):
    args, kwargs = build(lib, sample)
    fn = op.ref if lib is torch else op.ours
    return fn(*args, **kwargs, out=out)


def _check_written(op, sample, tout, oout, tol=None):
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        theirs = _call(op, torch, sample, tout)
    with warnings.catch_warnings(record=True) as ow:
        warnings.simplefilter("always")
        ours = _call(op, tl, sample, oout)
    # PyTorch's messages name the shapes of its internal (keepdim) outputs for some ops
    assert [_kind(w) for w in ow] == [_kind(w) for w in tw]
    assert all(a is b for a, b in zip(_outs(ours), _outs(oout), strict=True)), (
        "out= must return the out tensor(s) themselves"
    )
    assert all(a is b for a, b in zip(_outs(theirs), _outs(tout), strict=True))
    tol = {**op.tol, **(tol or {})}
    assert_same(ours, theirs, tol, values=op.values)
    assert_same(oout, tout, tol, values=op.values)


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in OUT_ROWS])
def test_out_matches_torch(op: OpInfo):
    found = _accepting_samples(op)
    if not found:  # PyTorch's overloads for these samples take no out=: neither may ours
        sample = next(iter(op.samples(np.random.default_rng(0), op.dtypes[0])))
        plain = op.ref(*build(torch, sample)[0], **build(torch, sample)[1])
        err = expect_same_error(
            lambda: _call(op, torch, sample, _empty_like(torch, plain)),
            lambda: _call(op, tl, sample, _empty_like(tl, plain)),
        )
        assert isinstance(err, TypeError)
        return
    for sample, plain in found:
        # no elements: resized silently; another shape: resized with PyTorch's warning
        for shape in ((0,), (7,), None):
            _check_written(
                op, sample, _empty_like(torch, plain, shape), _empty_like(tl, plain, shape)
            )
        # another dtype: cast into it, or PyTorch's error
        first = plain[0] if isinstance(plain, tuple) else plain
        for other in (torch.float64, torch.int64, torch.float16):
            if other == first.dtype:
                continue
            tout = _empty_like(torch, plain, dtype=other)
            oout = _empty_like(tl, plain, dtype=other)
            try:
                _call(op, torch, sample, _empty_like(torch, plain, dtype=other))
            except (RuntimeError, TypeError, NotImplementedError):
                expect_same_error(
                    lambda t=tout, s=sample: _call(op, torch, s, t),
                    lambda o=oout, s=sample: _call(op, tl, s, o),
                )
                continue
            # computed in one dtype, rounded to the other: the looser tolerance of the two
            tols = [{**TOL, **op.tol}.get(n) for n in (_name(first), _name(tout))]
            tols = [t for t in tols if t]
            loose = {_name(tout): max(tols)} if tols else {}
            _check_written(op, sample, tout, oout, loose)


@pytest.mark.parametrize(
    "op", [pytest.param(op, id=op.name) for op in OUT_ROWS if op.differentiable]
)
def test_out_and_autograd(op: OpInfo):
    """An input (or ``out``) requiring grad in grad mode: PyTorch's RuntimeError, named; ops that
    PyTorch composes from others copy into ``out`` with history instead."""
    found = _accepting_samples(op)
    if not found:
        return  # no out= overload (test_out_matches_torch checks the refusal)
    sample, plain = found[0]
    tgrads, ograds = [], []
    targs, tkwargs = build(torch, sample, tgrads)
    oargs, okwargs = build(tl, sample, ograds)
    tout, oout = _empty_like(torch, plain), _empty_like(tl, plain)
    if not tgrads:
        tout, oout = _outs(tout)[0].requires_grad_(True), _outs(oout)[0].requires_grad_(True)
    try:
        theirs = op.ref(*targs, **tkwargs, out=tout)
    except RuntimeError:
        err = expect_same_error(
            lambda: op.ref(*targs, **tkwargs, out=tout),
            lambda: op.ours(*oargs, **okwargs, out=oout),
        )
        assert "don't support automatic differentiation" in str(err)
        with torch.no_grad(), tl.no_grad():  # allowed without grad mode
            assert_same(
                op.ours(*oargs, **okwargs, out=_empty_like(tl, plain)),
                op.ref(*targs, **tkwargs, out=_empty_like(torch, plain)),
                op.tol,
                values=op.values,
            )
        return
    ours = op.ours(*oargs, **okwargs, out=oout)
    assert_same(ours, theirs, op.tol, values=op.values)
    for o, t in zip(_outs(ours), _outs(theirs), strict=True):
        assert o.requires_grad == t.requires_grad


def test_out_rows_cover_the_out_ops():
    assert len(OUT_ROWS) >= 150


def test_out_writes_through_a_view():
    """``out`` a view: the result lands in its base; resizing a view is refused by name (PyTorch
    resizes it within its base's storage)."""
    for lib in (torch, tl):
        base = lib.zeros(5)
        lib.add(lib.ones(3), 1, out=base[1:4])
        assert base.tolist() == [0.0, 2.0, 2.0, 2.0, 0.0]
    with pytest.raises(NotImplementedError, match="add.*view passed as out="):
        tl.add(tl.ones(3), 1, out=tl.zeros(4)[:2])


def test_out_positional_and_bad_out():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    t, o = torch.zeros(0), tl.zeros(0)
    torch.norm(torch.from_numpy(x), "fro", None, False, t)
    tl.norm(tl.from_numpy(x), "fro", None, False, o)
    assert_same(o, t)
    expect_same_error(
        lambda: torch.add(torch.ones(2), 1, out=[1.0]), lambda: tl.add(tl.ones(2), 1, out=[1.0])
    )
    expect_same_error(
        lambda: torch.max(torch.ones(2, 2), 1, out=torch.zeros(2)),
        lambda: tl.max(tl.ones(2, 2), 1, out=tl.zeros(2)),
    )


def test_methods_reject_out():
    for lib in (torch, tl):
        x = lib.ones(3)
        with pytest.raises(TypeError, match="unexpected keyword argument 'out'"):
            x.add(1, out=lib.zeros(3))
        with pytest.raises(TypeError, match="out"):
            x.sum(0, out=lib.zeros(()))
