"""Generic tests over the core op table (``op_table.OPS``), every result compared with PyTorch's.

For each row: forward values, types and dtypes per dtype; gradients of ``(out * w).sum()`` for a
fixed random ``w`` against PyTorch's, in float64; our gradients against central finite
differences of our own forward (float64, PyTorch's gradcheck settings); the
``torchlike.compile``'d call; the method and in-place forms; and the errors PyTorch raises on bad
input (same exception type). ``test_ops_hypothesis.py`` draws random shapes and values for the
same rows. The tests after those cover what is not one op: random sampling (distributions and
seeding, since torchlike's generator is not PyTorch's), missing ops, the default dtype, ``.data``,
and PyTorch behaviour torchlike documents as different.

Compile time dominates the run (every op is a ``jax.jit`` per shape and dtype), so the primary
dtype of a row gets every sample and the other dtypes the first ones.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from op_table import (
    FD_ATOL,
    FD_EPS,
    FD_RTOL,
    OPS,
    OPS_BY_NAME,
    TOL,
    NumPy,
    OpInfo,
    assert_same,
    build,
    expect_same_error,
    is_float,
    numpy_of,
)

import torchlike as tl

OTHER_DTYPE_SAMPLES = 1  # samples run for dtypes other than a row's first
GRAD_SAMPLES = 2
COMPILE_SAMPLES = 2


def samples(op: OpInfo, dtype: str, limit: int | None = None) -> list:
    out = list(op.samples(np.random.default_rng(0), dtype))
    if limit is None and dtype != op.dtypes[0]:
        limit = OTHER_DTYPE_SAMPLES
    return out[:limit]


def describe(sample) -> str:
    def short(v):
        if isinstance(v, np.ndarray):
            return f"array{list(v.shape)}:{v.dtype}"
        if isinstance(v, (list, tuple)):
            inner = ", ".join(short(x) for x in v)
            return f"[{inner}]" if isinstance(v, list) else f"({inner})"
        if isinstance(v, NumPy):
            return f"NumPy({short(v.array)})"
        return repr(v)

    args, kwargs = sample
    return ", ".join([short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()])


def run_sample(op: OpInfo, sample, i: int, check) -> None:
    """Run ``check(sample)``, naming the sample when it fails."""
    try:
        check(sample)
    except AssertionError as e:
        e.add_note(f"{op.name} sample {i}: ({describe(sample)})")
        raise


def params(ops, with_dtypes: bool):
    if with_dtypes:
        return [pytest.param(op, dt, id=f"{op.name}-{dt}") for op in ops for dt in op.dtypes]
    return [pytest.param(op, id=op.name) for op in ops]


def grad_dtype(op: OpInfo) -> str | None:
    floats = [d for d in op.dtypes if d in TOL]
    return "float64" if "float64" in floats else (floats[0] if floats else None)


DIFFERENTIABLE = [op for op in OPS if op.differentiable and grad_dtype(op)]


# -- forward -----------------------------------------------------------------------------------


@pytest.mark.parametrize("op, dtype", params(OPS, with_dtypes=True))
def test_forward_matches_torch(op: OpInfo, dtype: str):
    def check(sample):
        targs, tkwargs = build(torch, sample)
        oargs, okwargs = build(tl, sample)
        theirs = op.ref(*targs, **tkwargs)
        ours = op.ours(*oargs, **okwargs)
        assert_same(ours, theirs, op.tol, values=op.values)

    for i, sample in enumerate(samples(op, dtype)):
        run_sample(op, sample, i, check)


# -- gradients ---------------------------------------------------------------------------------


def float_outputs(out) -> list:
    """The tensors in an op's result (flattened in order) that carry a gradient."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in float_outputs(o)]
    if isinstance(out, (torch.Tensor, tl.Tensor)) and out.requires_grad:
        return [out]
    return []


def weights(outs) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.standard_normal(tuple(o.shape)) for o in outs]


def weighted_sum(lib, outs, ws):
    total = 0
    for o, w in zip(outs, ws):
        total = total + (o * lib.tensor(w, dtype=o.dtype)).sum()
    return total


def backward_both(op: OpInfo, sample):
    """Gradients of ``sum((out * w).sum())`` on both sides: (ours, theirs, outputs) or None."""
    tgrads, ograds = [], []
    targs, tkwargs = build(torch, sample, tgrads)
    oargs, okwargs = build(tl, sample, ograds)
    touts = float_outputs(op.ref(*targs, **tkwargs))
    oouts = float_outputs(op.ours(*oargs, **okwargs))
    assert len(oouts) == len(touts), "a different set of outputs requires grad"
    if not touts:
        return None
    ws = weights(touts)
    weighted_sum(torch, touts, ws).backward()
    weighted_sum(tl, oouts, ws).backward()
    return ograds, tgrads, oouts


@pytest.mark.parametrize("op", params(DIFFERENTIABLE, with_dtypes=False))
def test_gradients_match_torch(op: OpInfo):
    tol = {**TOL, **op.grad_tol}
    checked = 0

    def check(sample):
        nonlocal checked
        result = backward_both(op, sample)
        if result is None:
            return
        ograds, tgrads, _ = result
        for k, (o, t) in enumerate(zip(ograds, tgrads)):
            if t.grad is None:
                assert o.grad is None, f"input {k}: has a .grad where PyTorch's has none"
            else:
                assert o.grad is not None, f"input {k}: .grad is None"
                assert_same(o.grad, t.grad, tol, f"input {k}.grad")
        checked += 1

    for i, sample in enumerate(samples(op, grad_dtype(op), GRAD_SAMPLES)):
        run_sample(op, sample, i, check)
    assert checked, "no sample had an output requiring grad"


def float_arrays(value) -> list[np.ndarray]:
    """The float arrays of a sample, in the order ``build`` makes them require grad."""
    if isinstance(value, np.ndarray):
        return [value] if is_float(value) else []
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in float_arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in float_arrays(v)]
    return []


def our_loss(op: OpInfo, sample, ws) -> float:
    with tl.no_grad():
        args, kwargs = build(tl, sample)
        outs = [o for o in flatten(op.ours(*args, **kwargs)) if o.dtype.is_floating_point]
    return float(sum(np.sum(numpy_of(o) * w) for o, w in zip(outs, ws)))


def flatten(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flatten(o)]
    return [out] if isinstance(out, tl.Tensor) else []


FD_MAX_ELEMENTS = 60


@pytest.mark.parametrize(
    "op", params([op for op in DIFFERENTIABLE if op.fd and "float64" in op.dtypes], False)
)
def test_gradients_match_finite_differences(op: OpInfo):
    sample = next(
        s
        for s in samples(op, "float64", GRAD_SAMPLES)
        if 0 < sum(a.size for a in float_arrays(s)) <= FD_MAX_ELEMENTS
    )
    result = backward_both(op, sample)
    assert result is not None
    ograds, _, oouts = result
    ws = weights(oouts)
    for k, (arr, t) in enumerate(zip(float_arrays(sample), ograds)):
        numeric = np.zeros(arr.shape)
        for j in np.ndindex(arr.shape):
            orig = arr[j]
            arr[j] = orig + FD_EPS
            up = our_loss(op, sample, ws)
            arr[j] = orig - FD_EPS
            down = our_loss(op, sample, ws)
            arr[j] = orig
            numeric[j] = (up - down) / (2 * FD_EPS)
        analytic = np.zeros(arr.shape) if t.grad is None else numpy_of(t.grad)
        np.testing.assert_allclose(
            analytic, numeric, rtol=FD_RTOL, atol=FD_ATOL, err_msg=f"input {k}"
        )


# -- compiled, method and in-place forms ---------------------------------------------------------


@pytest.mark.parametrize("op", params([op for op in OPS if op.compiles], False))
def test_compiled_matches_torch(op: OpInfo):
    """The ``torchlike.compile``'d op gives PyTorch's result, as the eager op does (above)."""

    def check(sample):
        targs, tkwargs = build(torch, sample)
        oargs, okwargs = build(tl, sample)
        compiled = tl.compile(lambda *a, **k: op.ours(*a, **k))
        assert_same(
            compiled(*oargs, **okwargs), op.ref(*targs, **tkwargs), op.tol, values=op.values
        )

    for i, sample in enumerate(samples(op, op.dtypes[0], COMPILE_SAMPLES)):
        run_sample(op, sample, i, check)


def test_compiled_getitem():
    """Every index kind but boolean masks (data-dependent shapes) works in compiled code."""
    op = OPS_BY_NAME["getitem"]

    def check(sample):
        compiled = tl.compile(lambda x, idx: x[idx])
        assert_same(compiled(*build(tl, sample)[0]), op.ref(*build(torch, sample)[0]))

    for i, sample in enumerate(samples(op, "float32")):
        if not any(isinstance(v, np.ndarray) and v.dtype == bool for v in _leaves(sample)):
            run_sample(op, sample, i, check)


def _leaves(value):
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    if isinstance(value, dict):
        return _leaves(list(value.values()))
    return [value]


@pytest.mark.parametrize("op", params([op for op in OPS if op.method], False))
def test_method_form_matches_torch(op: OpInfo):
    def check(sample):
        (t0, *trest), tkwargs = build(torch, sample)
        (o0, *orest), okwargs = build(tl, sample)
        theirs = getattr(t0, op.method)(*trest, **tkwargs)
        assert_same(getattr(o0, op.method)(*orest, **okwargs), theirs, op.tol)

    for dtype in op.dtypes:
        for i, sample in enumerate(samples(op, dtype)):
            if isinstance(sample[0][0], np.ndarray):
                run_sample(op, sample, i, check)


def apply_inplace(op: OpInfo, first, rest, kwargs):
    if isinstance(op.inplace, str):
        return getattr(first, op.inplace)(*rest, **kwargs)
    return op.inplace(first, *rest, **kwargs)


@pytest.mark.parametrize("op", params([op for op in OPS if op.inplace], False))
def test_inplace_form_matches_torch(op: OpInfo):
    """``x.op_(...)`` / ``x op= y`` on a clone: the same values, the same object returned, and
    PyTorch's error where the result cannot be written into ``x`` (dtype or shape)."""

    def check(sample):
        (t0, *trest), tkwargs = build(torch, sample)
        (o0, *orest), okwargs = build(tl, sample)
        ta, oa = t0.clone(), o0.clone()
        try:
            theirs = apply_inplace(op, ta, trest, tkwargs)
        except RuntimeError:
            expect_same_error(
                lambda: apply_inplace(op, t0.clone(), trest, tkwargs),
                lambda: apply_inplace(op, oa, orest, okwargs),
            )
            return
        ours = apply_inplace(op, oa, orest, okwargs)
        assert ours is oa, "the in-place form must return the tensor it wrote to"
        assert theirs is ta
        assert_same(oa, ta, op.tol)

    for dtype in op.dtypes:
        for i, sample in enumerate(samples(op, dtype)):
            if isinstance(sample[0][0], np.ndarray):
                run_sample(op, sample, i, check)


@pytest.mark.parametrize(
    "op", params([op for op in OPS if op.inplace and op.differentiable], False)
)
def test_inplace_gradients_match_torch(op: OpInfo):
    """Gradients flow through ``y = x.clone(); y.op_(z)`` to ``x`` and ``z`` as in PyTorch."""
    dtype = grad_dtype(op)

    def check(sample):
        tgrads, ograds = [], []
        (t0, *trest), tkwargs = build(torch, sample, tgrads)
        (o0, *orest), okwargs = build(tl, sample, ograds)
        try:
            ta = apply_inplace(op, t0.clone(), trest, tkwargs)
        except RuntimeError:
            return  # PyTorch rejects this in-place form (test_inplace_form checks the error)
        oa = apply_inplace(op, o0.clone(), orest, okwargs)
        assert oa.grad_fn is not None
        ws = weights([ta])
        weighted_sum(torch, [ta], ws).backward()
        weighted_sum(tl, [oa], ws).backward()
        for k, (o, t) in enumerate(zip(ograds, tgrads)):
            assert_same(o.grad, t.grad, path=f"input {k}.grad")

    for i, sample in enumerate(samples(op, dtype, GRAD_SAMPLES)):
        if isinstance(sample[0][0], np.ndarray):
            run_sample(op, sample, i, check)


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", params([op for op in OPS if op.errors], False))
def test_errors_match_torch(op: OpInfo):
    for i, sample in enumerate(op.errors(np.random.default_rng(0))):

        def check(s):
            targs, tkwargs = build(torch, s)
            oargs, okwargs = build(tl, s)
            expect_same_error(lambda: op.ref(*targs, **tkwargs), lambda: op.ours(*oargs, **okwargs))

        run_sample(op, sample, i, check)


# -- random sampling: distributions and seeding -------------------------------------------------

N_DRAWS = 20_000  # the sample means below are then within 0.03 of the true ones (> 5 sigma)


def _draw_all(lib):
    """One draw of each random op (fixed shapes, so a second call under the same seed repeats
    them)."""
    g = lib.Generator().manual_seed(7)
    return {
        "bernoulli": lib.bernoulli(lib.full((N_DRAWS,), 0.3)),
        "bernoulli_p": lib.bernoulli(lib.zeros(N_DRAWS, dtype=lib.float64), p=0.8),
        "bernoulli_": lib.empty(N_DRAWS).bernoulli_(0.25),
        "multinomial": lib.multinomial(lib.tensor([1.0, 2.0, 0.0, 5.0]), N_DRAWS, True),
        "multinomial_rows": lib.multinomial(lib.tensor([[1.0, 0.0, 1.0, 1.0]] * 500), 3),
        "normal_": lib.empty(N_DRAWS, dtype=lib.float64).normal_(2.0, 3.0),
        "uniform_": lib.empty(N_DRAWS).uniform_(-1.0, 2.0),
        "exponential_": lib.empty(N_DRAWS).exponential_(2.0),
        "poisson": lib.poisson(lib.full((N_DRAWS,), 3.0)),
        "random_": lib.empty(N_DRAWS, dtype=lib.int64).random_(0, 5),
        "generator": lib.bernoulli(lib.full((50,), 0.5), generator=g),
    }


def test_random_ops_dtypes_shapes_and_distributions():
    tl.manual_seed(0)
    ours = _draw_all(tl)
    theirs = _draw_all(torch)
    for name, t in theirs.items():
        assert_same(ours[name], t, values=False, path=name)  # dtype and shape as PyTorch's
    v = {k: numpy_of(o).astype(np.float64) for k, o in ours.items()}
    assert set(np.unique(v["bernoulli"])) <= {0, 1} and abs(v["bernoulli"].mean() - 0.3) < 0.03
    assert abs(v["bernoulli_p"].mean() - 0.8) < 0.03
    assert abs(v["bernoulli_"].mean() - 0.25) < 0.03
    freq = np.bincount(v["multinomial"].astype(int), minlength=4) / N_DRAWS
    np.testing.assert_allclose(freq, [1 / 8, 2 / 8, 0, 5 / 8], atol=0.03)
    rows = v["multinomial_rows"].astype(int)  # without replacement: distinct, never weight 0
    assert all(len(set(r)) == 3 for r in rows) and not (rows == 1).any()
    assert abs(v["normal_"].mean() - 2) < 0.1 and abs(v["normal_"].std() - 3) < 0.1
    u = v["uniform_"]
    assert u.min() >= -1 and u.max() < 2 and abs(u.mean() - 0.5) < 0.03
    assert v["exponential_"].min() >= 0 and abs(v["exponential_"].mean() - 0.5) < 0.03
    assert abs(v["poisson"].mean() - 3) < 0.1 and abs(v["poisson"].var() - 3) < 0.2
    assert set(np.unique(v["random_"])) == {0, 1, 2, 3, 4}


def test_random_ops_follow_the_seed():
    tl.manual_seed(123)
    first = _draw_all(tl)
    tl.manual_seed(123)
    again = _draw_all(tl)
    tl.manual_seed(124)
    other = _draw_all(tl)
    for name in first:
        np.testing.assert_array_equal(numpy_of(again[name]), numpy_of(first[name]), name)
        if name != "generator":  # an explicit generator does not follow the global seed
            assert not np.array_equal(numpy_of(other[name]), numpy_of(first[name])), name
    assert np.array_equal(numpy_of(other["generator"]), numpy_of(first["generator"]))


def test_random_ops_compiled_draw_what_eager_draws():
    def draws(p, x):
        return tl.bernoulli(p), tl.multinomial(p, 2), x.clone().normal_(), x.clone().uniform_()

    p, x = tl.full((3, 4), 0.5), tl.zeros(3, 4)
    tl.manual_seed(5)
    eager = draws(p, x)
    tl.manual_seed(5)
    compiled = tl.compile(draws)(p, x)
    for a, b in zip(compiled, eager):
        np.testing.assert_array_equal(numpy_of(a), numpy_of(b))


@pytest.mark.parametrize(
    "make_call",
    [
        lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 1),
        lambda lib: lib.multinomial(lib.tensor([1.0, 1.0]), 3),
        lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1, True),
        lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
        lambda lib: lib.bernoulli(lib.tensor([0.5, 1.5])),
        lambda lib: lib.bernoulli(lib.tensor([1, 0])),
    ],
)
def test_random_op_errors_match_torch(make_call):
    expect_same_error(lambda: make_call(torch), lambda: make_call(tl))


# -- missing ops --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "get",
    [
        lambda lib: lib.stft,
        lambda lib: lib.tensor([1.0]).stft,
        lambda lib: lib.linalg.matrix_exp,
        lambda lib: lib.special.zeta,
    ],
)
def test_missing_op_raises_attribute_error_naming_it(get):
    get(torch)  # PyTorch has it
    with pytest.raises(AttributeError, match="'(stft|matrix_exp|zeta)'"):
        get(tl)


# -- what is not one op -------------------------------------------------------------------------


def test_default_dtype_can_be_changed_and_restored():
    assert tl.get_default_dtype() == tl.float32
    for lib in (torch, tl):
        lib.set_default_dtype(lib.float64)
    try:
        for make_it in (
            lambda lib: lib.tensor([1.5, 2]),
            lambda lib: lib.tensor(2.5),
            lambda lib: lib.zeros(2),
            lambda lib: lib.arange(0, 1, 0.25),
            lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4]),
            lambda lib: lib.tensor([1, 2]) * 0.5,
            lambda lib: lib.tensor([1.0], dtype=lib.float32) * 0.5,
            lambda lib: lib.linspace(0, 1, 3),
            lambda lib: lib.Tensor([1]),
        ):
            assert_same(make_it(tl), make_it(torch))
        assert tl.get_default_dtype() == tl.float64
    finally:
        torch.set_default_dtype(torch.float32)
        tl.set_default_dtype(tl.float32)
    assert tl.tensor([1.5]).dtype == tl.float32
    expect_same_error(
        lambda: torch.set_default_dtype(torch.int64), lambda: tl.set_default_dtype(tl.int64)
    )


def test_data_is_untracked_and_shares_values():
    """``x.data`` has no history; writes through it change ``x`` (or ``y``) but are not recorded."""
    results = []
    for lib in (torch, tl):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        d = x.data
        assert not d.requires_grad and d.is_leaf
        y = x * 3  # saves no tensor value of x, only the constant
        d.mul_(2)  # x is now [2, 4, 6]; y keeps [3, 6, 9]
        y.data.zero_()  # y's values change, its graph does not
        (y * 1).sum().backward()
        x.data = lib.tensor([0.0, 1.0, 2.0])
        results.append((x.detach().clone(), x.grad, y.detach(), x.requires_grad))
    theirs, ours = results
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert_same(a, b, path=f"result {k}")


def test_tensor_constructor_without_arguments_is_empty():
    assert_same(tl.Tensor(), torch.Tensor())
    assert_same(tl.FloatTensor(), torch.FloatTensor())


def test_tensor_type_checks():
    x = tl.FloatTensor([1, 2])
    assert isinstance(x, tl.FloatTensor) and not isinstance(x, tl.LongTensor)
    assert isinstance(tl.tensor([1]), tl.LongTensor)
    assert x.type() == torch.FloatTensor([1]).type() == "torch.FloatTensor"
    assert tl.is_tensor(x) and not tl.is_tensor([1])


_DTYPE_NAMES = "float32 float64 float16 bfloat16 complex64 complex128 int64 int32 int16 int8 uint8"


@pytest.mark.parametrize("name", [*_DTYPE_NAMES.split(), "bool"])
def test_legacy_type_names(name):
    x, r = tl.zeros(1, dtype=getattr(tl, name)), torch.zeros(1, dtype=getattr(torch, name))
    assert x.type() == tl.typename(x) == r.type() == torch.typename(r)
    assert tl.zeros(1).type(r.type()).dtype == getattr(tl, name)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.ones(2, 3, dtype=m.int64).expand(3),
        lambda m: m.complex(m.ones(2, dtype=m.float64), m.ones(2)),
        lambda m: m.view_as_complex(m.ones(2, 2, dtype=m.int64)),
        lambda m: m.cdist(m.ones(2, 2, dtype=m.int64), m.ones(2, 2, dtype=m.int64)),
        lambda m: m.ones(2).item(),
        lambda m: bool(m.ones(2)),
        lambda m: bool(m.ones(0)),
        lambda m: m.hsplit(m.tensor(1.0), 1),
        lambda m: m.vsplit(m.ones(3), 1),
    ],
)
def test_error_messages_match_torch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(tl)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.xfail(strict=True, reason="README: from_numpy copies (JAX arrays cannot alias NumPy)")
def test_from_numpy_shares_memory():
    arr = np.zeros(3, np.float32)
    t = tl.from_numpy(arr)
    arr[0] = 1
    assert t[0].item() == torch.from_numpy(arr)[0].item() == 1


@pytest.mark.xfail(strict=True, reason="README: views taken before an in-place write are snapshots")
def test_view_sees_later_write_to_its_base():
    x = tl.zeros(4)
    v = x.view(2, 2)
    x.add_(1)
    assert v.sum().item() == 4


def test_nan_propagates_through_bool_operands():
    """``0 * inf`` and ``0 / 0`` are NaN when the 0 comes from a bool tensor, too."""
    for make_it in (
        lambda lib: lib.tensor([False, True]) * lib.tensor([float("inf"), float("nan")]),
        lambda lib: lib.tensor([False, True]) / lib.tensor([False, False]),
        lambda lib: lib.tensor([1.0, float("inf")]) * lib.tensor([True, False]),
    ):
        assert_same(make_it(tl), make_it(torch))
