"""``torchlike.nn.functional`` against PyTorch: the generic tests over the functional rows of the
op registry (``op_table/functional.py``), and what a table cannot show.

Each row names the function (the same name in ``torch.nn.functional`` and ours) and a sample
builder returning NumPy arguments; every test converts them for both libraries and compares, in
each of the row's dtypes: forward values, dtypes and ``grad_fn`` names; the gradients of every
float argument through ``.backward()``; then our gradients against central differences of our own
forward in float64 (along a random direction per argument, PyTorch's gradcheck fast mode), the
eager step against the ``torchlike.compile``d one (``compiled`` rows), and the errors raised on
bad input (type and message, taken from running PyTorch). The layers wrapping these functions
are rows of the module registry (``module_table/functional_layers.py``, run by
``test_layers.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref
from _helpers import FD_EPS, FD_TOL, TOL, as_numpy, assert_raises_like_torch, f32
from op_table.functional import ERRORS, FUNCTIONAL, Case, LibAttr

import torchlike as tl

# PyTorch's performance note for its own 'same' padding with even kernels (it copies the input).
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
# Rows with legacy size_average/reduce arguments: both libraries warn (the warning itself is
# checked by test_legacy_args_warn_and_kl_div_mean_warns and the mse_loss_legacy_warns error row).
legacy_args = pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")


# -- conversion -----------------------------------------------------------------------------------


def sample(case: Case, dtype: str):
    """The row's NumPy sample, its float32 arrays cast to ``dtype``."""
    args, kwargs = case.sample(np.random.default_rng(0))

    def cast(v):
        if isinstance(v, np.ndarray) and v.dtype == np.float32:
            return v.astype(dtype)
        return v

    return [cast(a) for a in args], {k: cast(v) for k, v in kwargs.items()}


def convert(lib, value, requires_grad=False):
    if isinstance(value, LibAttr):
        return getattr(lib, value.name)
    if isinstance(value, (np.ndarray, np.generic)):
        t = lib.tensor(np.asarray(value))
        return t.requires_grad_(True) if requires_grad else t
    return value


def grad_indices(case: Case, args) -> tuple:
    """The positional arguments whose gradients are compared."""
    if case.grad is not None:
        return case.grad
    return tuple(i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def build(case: Case, lib, dtype: str, args=None, kwargs=None):
    """The case's (args, kwargs) as ``lib`` tensors, and the indices that require grad."""
    if args is None:
        args, kwargs = sample(case, dtype)
    needs = grad_indices(case, args)
    targs = [convert(lib, a, i in needs) for i, a in enumerate(args)]
    return targs, {k: convert(lib, v) for k, v in kwargs.items()}, needs


def run(case: Case, lib, dtype: str):
    args, kwargs, needs = build(case, lib, dtype)
    return getattr(lib.nn.functional, case.op)(*args, **kwargs), args, needs


def outputs(out) -> tuple:
    return out if isinstance(out, tuple) else (out,)


def first(out):
    return outputs(out)[0]


def cotangent(shape, dtype, seed: int = 1) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).standard_normal(tuple(shape)), dtype)


def _per_dtype(cases: list[Case]) -> list:
    return [pytest.param(c, d, id=f"{c.id}-{d}") for c in cases for d in c.dtypes]


DIFFERENTIABLE = [c for c in FUNCTIONAL if c.grad != ()]


def _compiled_cases() -> list[Case]:
    """One compiled row per op and mode (the compiled program is the same pure function), plus
    the rows whose gradient rule is custom (PyTorch's nearest/bicubic backward special cases)."""
    seen: set[tuple] = set()
    rows = []
    for c in FUNCTIONAL:
        key = (c.op, c.sample(np.random.default_rng(0))[1].get("mode"))
        if c.compiled and (key not in seen or "scale_" in c.id):
            rows.append(c)
            seen.add(key)
    return rows


# -- the generic tests ----------------------------------------------------------------------------


@legacy_args
@pytest.mark.parametrize("case, dtype", _per_dtype(FUNCTIONAL))
def test_forward_matches_torch(case, dtype):
    theirs, _, _ = run(case, ref, dtype)
    ours, _, _ = run(case, tl, dtype)
    for a, b in zip(outputs(ours), outputs(theirs), strict=True):
        assert str(a.dtype) == str(b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
        expected = as_numpy(b)
        tol = TOL.get(expected.dtype, {})  # integer outputs: exact
        np.testing.assert_allclose(as_numpy(a), expected, **tol)
    if case.grad_fn and first(theirs).grad_fn is not None:
        assert first(ours).grad_fn.name() == first(theirs).grad_fn.name()


@legacy_args
@pytest.mark.parametrize("case, dtype", _per_dtype(DIFFERENTIABLE))
def test_backward_matches_torch(case, dtype):
    results = []
    for lib in (ref, tl):
        out, args, needs = run(case, lib, dtype)
        out = first(out)
        assert needs, f"{case.id}: no argument to differentiate"
        assert out.requires_grad, f"{lib.__name__}: the output of {case.id} does not require grad"
        out.backward(lib.tensor(cotangent(out.shape, as_numpy(out).dtype)))
        results.append([as_numpy(args[i].grad) for i in needs])
    theirs, ours = results
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOL[b.dtype])


@legacy_args
@pytest.mark.parametrize("case", _compiled_cases(), ids=lambda c: c.id)
def test_compiled_matches_eager(case: Case) -> None:
    """Forward and backward as one compiled step give the eager values and gradients."""
    eager, e_args, needs = run(case, tl, "float32")
    eager = first(eager)
    g = tl.tensor(cotangent(eager.shape, np.float32))
    (eager * g).sum().backward()
    targs, tkw, _ = build(case, tl, "float32")

    def step(*xs):
        full = list(targs)
        for i, x in zip(needs, xs):
            full[i] = x
        out = first(getattr(tl.nn.functional, case.op)(*full, **tkw))
        (out * g).sum().backward()
        return out.detach()

    out = tl.compile(step)(*[targs[i] for i in needs])
    np.testing.assert_allclose(out.numpy(), eager.detach().numpy(), **TOL[np.dtype(np.float32)])
    for i in needs:
        np.testing.assert_allclose(
            targs[i].grad.numpy(), e_args[i].grad.numpy(), **TOL[np.dtype(np.float32)]
        )


@legacy_args
@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if c.fd], ids=lambda c: c.id)
def test_gradient_matches_finite_differences(case: Case) -> None:
    """Our gradient along a random direction per argument against central differences of our own
    forward, in float64 (PyTorch's gradcheck, fast mode)."""
    args, kwargs = sample(case, "float64")
    out, targs, needs = run_on(case, args, kwargs)
    out = first(out)
    cot = cotangent(out.shape, np.float64)
    out.backward(tl.tensor(cot))
    r = np.random.default_rng(2)
    for i in needs:
        direction = r.standard_normal(args[i].shape)
        values = []
        for step in (FD_EPS, -FD_EPS):
            shifted = list(args)
            shifted[i] = args[i] + step * direction
            with tl.no_grad():
                y = first(run_on(case, shifted, kwargs)[0])
            values.append(float(np.sum(as_numpy(y) * cot)))
        numeric = (values[0] - values[1]) / (2 * FD_EPS)
        analytic = np.sum(as_numpy(targs[i].grad) * direction)
        np.testing.assert_allclose(analytic, numeric, **FD_TOL, err_msg=f"argument {i}")


def run_on(case: Case, args, kwargs):
    """``run`` on a given NumPy sample (torchlike)."""
    targs, tkw, needs = build(case, tl, "float64", args, kwargs)
    return getattr(tl.nn.functional, case.op)(*targs, **tkw), targs, needs


@pytest.mark.parametrize("build", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_match_torch(build):
    """The same exception type and message as PyTorch (functional calls and constructors)."""
    assert_raises_like_torch(build, (ref.nn.functional, ref), (tl.nn.functional, tl))


def test_legacy_args_warn_and_kl_div_mean_warns() -> None:
    """``size_average``/``reduce`` and ``kl_div(reduction='mean')`` warn as PyTorch does."""
    x, t = np.zeros(3, np.float32), np.ones(3, np.float32)
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            lib.nn.functional.soft_margin_loss(lib.tensor(x), lib.tensor(t), reduce=False)
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t))


# -- behaviour the table cannot show --------------------------------------------------------------


def _grads_at(lib, fn, values, **kwargs):
    x = lib.tensor(values).requires_grad_(True)
    y = fn(lib)(x * 1.0, **kwargs)  # through a non-leaf, so in-place forms are allowed
    first(y).sum().backward()
    return as_numpy(x.grad)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.nn.functional.relu,
        lambda lib: lib.nn.functional.relu_,
        lambda lib: lambda x: lib.nn.functional.relu(x, inplace=True),
        lambda lib: lib.nn.functional.leaky_relu,
        lambda lib: lambda x: lib.nn.functional.leaky_relu(x, 0.3, inplace=True),
    ],
    ids=["relu", "relu_", "relu_inplace", "leaky_relu", "leaky_relu_inplace"],
)
def test_rectifier_gradient_at_zero_matches_torch(fn):
    values = np.array([-1.0, 0.0, 2.0], np.float32)
    np.testing.assert_array_equal(_grads_at(tl, fn, values), _grads_at(ref, fn, values))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=2, stride=1, ceil_mode=True),
        dict(kernel_size=2, stride=1, dilation=2),
        dict(kernel_size=3, stride=1, padding=1, return_indices=True),
    ],
    ids=["disjoint", "overlapping_padded", "ceil", "dilated", "with_indices"],
)
def test_max_pool_ties_send_gradient_to_first_max(kwargs):
    values = np.ones((1, 1, 5, 5), np.float32)
    values[0, 0, 2:, :2] = 3.0

    def pool(lib):
        return lambda x: lib.nn.functional.max_pool2d(x, **kwargs)

    np.testing.assert_array_equal(_grads_at(tl, pool, values), _grads_at(ref, pool, values))


def test_relu_inplace_rebinds_input():
    x = tl.tensor([-1.0, 2.0])
    y = tl.nn.functional.relu(x, inplace=True)
    assert y is x
    np.testing.assert_array_equal(as_numpy(x), [0.0, 2.0])


def test_out_of_range_target_gives_nan_when_compiled():
    """Inside compile the values are unknown while tracing: NaN instead of an IndexError."""
    loss = tl.compile(lambda x, t: tl.nn.functional.cross_entropy(x, t))
    out = loss(tl.randn(3, 4), tl.tensor([0, 1, 7]))
    assert np.isnan(out.item())


# -- dropout --------------------------------------------------------------------------------------


def _dropout(seed: int, p: float, shape=(1000,), **kwargs):
    tl.manual_seed(seed)
    return as_numpy(tl.nn.functional.dropout(tl.ones(*shape), p, **kwargs))


def test_dropout_same_seed_same_mask():
    np.testing.assert_array_equal(_dropout(0, 0.3), _dropout(0, 0.3))
    assert not np.array_equal(_dropout(0, 0.3), _dropout(1, 0.3))


def test_dropout_draws_a_new_mask_each_call():
    tl.manual_seed(0)
    x = tl.ones(1000)
    a, b = (as_numpy(tl.nn.functional.dropout(x, 0.5)) for _ in range(2))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_fraction_and_scale(p):
    out = _dropout(0, p, shape=(100_000,))
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(out[kept], np.float32(1) / np.float32(1 - p), rtol=1e-7)


def test_dropout_p1_zeros_and_p0_identity():
    np.testing.assert_array_equal(_dropout(0, 1.0), np.zeros(1000, np.float32))
    x = tl.randn(10)
    assert tl.nn.functional.dropout(x, 0.0) is x


def test_dropout_eval_is_identity():
    x = tl.randn(10)
    assert tl.nn.functional.dropout(x, 0.5, training=False) is x


def test_dropout_gradient_is_mask_times_scale():
    tl.manual_seed(0)
    x = tl.randn(1000, requires_grad=True)
    out = tl.nn.functional.dropout(x, 0.25)
    out.sum().backward()
    assert out.grad_fn.name() == "MulBackward0"
    expected = np.where(as_numpy(out) != 0, np.float32(1) / np.float32(0.75), 0)
    np.testing.assert_allclose(as_numpy(x.grad), expected, rtol=1e-7)


def test_dropout_inplace_writes_input():
    tl.manual_seed(0)
    x = tl.ones(100)
    out = tl.nn.functional.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(as_numpy(x))) == {0.0, 2.0}


# -- in-place variants and random ops ----------------------------------------------------------

INPLACE = [
    ("celu_", (0.7,)),
    ("selu_", ()),
    ("leaky_relu_", (0.2,)),
    ("threshold_", (0.1, -2.0)),
    ("rrelu_", (0.1, 0.3)),
]


@pytest.mark.parametrize(("name", "args"), INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_variants_match_torch(name: str, args: tuple) -> None:
    """The in-place op overwrites a non-leaf and backpropagates through it as PyTorch's."""
    x = f32(np.random.default_rng(0), 3, 4)
    results = []
    for lib in (ref, tl):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 1.5
        out = getattr(lib.nn.functional, name)(y, *args)
        assert out is y
        (out * lib.tensor(x)).sum().backward()
        results.append((out.detach().numpy(), leaf.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, **TOL[np.dtype(np.float32)])


def test_rrelu_training_slopes() -> None:
    """Training slopes lie in ``[lower, upper]``, are the gradient, and repeat with the seed."""
    x = -np.abs(f32(np.random.default_rng(0), 200)) - 0.1
    t = tl.tensor(x, requires_grad=True)
    tl.manual_seed(3)
    y = tl.nn.functional.rrelu(t, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = y.detach().numpy() / x
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(t.grad.numpy(), slopes, rtol=1e-5)
    tl.manual_seed(3)
    again = tl.nn.functional.rrelu(tl.tensor(x), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())
    positive_x = tl.tensor(np.abs(x))
    np.testing.assert_array_equal(tl.nn.RReLU()(positive_x).numpy(), np.abs(x))


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax(hard: bool) -> None:
    """Samples are distributions (one-hot when ``hard``), follow the logits' softmax on
    average, and the straight-through gradient is the soft sample's."""
    logits = np.log(np.array([0.1, 0.2, 0.7], np.float32))
    tl.manual_seed(0)
    t = tl.tensor(np.tile(logits, (4000, 1)), requires_grad=True)
    y = tl.nn.functional.gumbel_softmax(t, tau=0.5, hard=hard)
    values = y.detach().numpy()
    np.testing.assert_allclose(values.sum(-1), 1.0, rtol=1e-5)
    if hard:
        assert set(np.unique(values)) <= {0.0, 1.0}
    np.testing.assert_allclose(values.mean(0), [0.1, 0.2, 0.7], atol=0.05 if not hard else 0.03)
    y[:, 2].sum().backward()
    assert np.isfinite(t.grad.numpy()).all() and np.abs(t.grad.numpy()).sum() > 0
    np.testing.assert_allclose(t.grad.numpy().sum(-1), 0.0, atol=1e-5)


def test_align_corners_default_warns() -> None:
    """``affine_grid``/``grid_sample`` without ``align_corners`` warn as PyTorch does and use
    ``False``."""
    theta = np.array([[[0.9, 0.2, 0.1], [-0.3, 1.1, 0.0]]], np.float32)
    results = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            g = lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 3, 4))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            y = lib.nn.functional.grid_sample(lib.arange(12.0).reshape(1, 1, 3, 4), g)
        results.append(y.numpy())
    np.testing.assert_allclose(results[1], results[0], **TOL[np.dtype(np.float32)])


DEPRECATED = [
    ("upsample", dict(scale_factor=2, mode="bilinear")),
    ("upsample_nearest", dict(size=(3, 5))),
    ("upsample_bilinear", dict(scale_factor=1.5)),
]


@pytest.mark.parametrize(("name", "kwargs"), DEPRECATED, ids=[n for n, _ in DEPRECATED])
def test_deprecated_upsample_aliases(name: str, kwargs: dict) -> None:
    """The deprecated aliases warn as PyTorch's and return :func:`interpolate`'s result."""
    x = f32(np.random.default_rng(0), 1, 2, 2, 3)
    results = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            results.append(getattr(lib.nn.functional, name)(lib.tensor(x), **kwargs).numpy())
    np.testing.assert_allclose(results[1], results[0], **TOL[np.dtype(np.float32)])
