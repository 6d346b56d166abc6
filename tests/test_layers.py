"""Layers and ``nn.init`` against PyTorch.

Every row of the module registry (``module_table``: the basic layers and the zoo) runs through the
generic tests here: the row builds the same layer with torch's and torchlike's ``nn``, torch's
state is copied into ours, and in each of the row's modes (train/eval), eagerly and (for compiled
rows) inside ``torchlike.compile``, the tests compare outputs, input and parameter gradients and
the whole state after the step (running statistics, renormalised embeddings); then
``state_dict`` keys, shapes and dtypes, and ``repr``. Initialisers are compared by the
statistics of large draws, and by PyTorch's bounds, since the random numbers themselves differ.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch
from module_table import COMPILED_ROWS, FD_ROWS, LAYERS, MODULE_ROWS, ROWS
from module_table.core import TOL, cases, forward_backward, pair
from module_table.parity import (
    check_compiled_matches_eager,
    check_finite_differences,
    check_matches_torch,
    check_state_dict_and_repr,
)

import torchlike as tl

pytestmark = [
    # PyTorch's performance note for its own 'same' padding with even kernels (it copies the input).
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning"),
    # PyTorch's notes that its oneDNN kernels lack LSTM projections and that its nested tensors
    # (its inference path for padded batches) are a prototype; nothing to do with the tests.
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported"),
    pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors"),
]

# -- the module registry's rows, eagerly and compiled ----------------------------------------------


@pytest.mark.parametrize("layer, mode, compiled", cases(LAYERS))
def test_forward_backward_and_state_match_torch(layer, mode, compiled):
    tol = layer.tol or TOL
    theirs, ours = pair(layer, mode)
    arrays = layer.inputs(np.random.default_rng(0))
    t_first = theirs(*[None if a is None else ref.tensor(a) for a in arrays])
    t_first = t_first[0] if isinstance(t_first, tuple) else t_first
    cotangent = np.random.default_rng(1).standard_normal(tuple(t_first.shape)).astype(np.float32)
    theirs, _ = pair(layer, mode)  # afresh: that forward may have moved running statistics
    t_outs, t_in, t_params = forward_backward(ref, theirs, arrays, cotangent)
    o_outs, o_in, o_params = forward_backward(tl, ours, arrays, cotangent, compiled)
    for a, b in zip(o_outs, t_outs, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)
    for a, b in zip(o_in, t_in, strict=True):
        np.testing.assert_allclose(a, b, **tol)
    assert list(o_params) == list(t_params)
    for name in t_params:
        np.testing.assert_allclose(o_params[name], t_params[name], **tol, err_msg=name)
    # Running statistics, counters, renormalised embeddings: the state after the step.
    t_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), t_state[name].numpy(), **tol, err_msg=name)


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.id)
def test_state_dict_matches_torch(layer):
    ref.manual_seed(0)
    theirs, ours = layer.make(ref), layer.make(tl)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape), str(v.dtype)) for k, v in theirs.state_dict().items()
    ]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.id)
def test_repr_matches_torch(layer):
    assert repr(layer.make(tl)) == repr(layer.make(ref))


# -- rows with nested results or functional calls: recurrent, attention, functional layers ------


def _row_id(row) -> str:
    return row.id


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_row_outputs_and_gradients_match_torch(row):
    check_matches_torch(row)


@pytest.mark.parametrize("row", COMPILED_ROWS, ids=_row_id)
def test_row_compiled_matches_eager(row):
    check_compiled_matches_eager(row)


@pytest.mark.parametrize("row", MODULE_ROWS, ids=_row_id)
def test_row_state_dict_and_repr_match_torch(row):
    check_state_dict_and_repr(row)


@pytest.mark.parametrize("row", FD_ROWS, ids=_row_id)
def test_row_gradients_match_finite_differences(row):
    check_finite_differences(row)


def test_repr_in_a_container_matches_torch():
    def net(lib):
        nn = lib.nn
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(1176, 10),
            nn.LogSoftmax(dim=1),
        )

    assert repr(net(tl)) == repr(net(ref))


def test_conv_transpose_subclass_calls_output_padding_as_pytorch():
    # subclasses with their own forward call _output_padding with PyTorch's seven arguments
    def custom(lib):
        class Scaled(lib.nn.ConvTranspose2d):
            def forward(self, x, output_size=None):
                pad = self._output_padding(
                    x, output_size, self.stride, self.padding, self.kernel_size, 2, self.dilation
                )
                return lib.nn.functional.conv_transpose2d(
                    x, self.weight * 2, self.bias, self.stride, self.padding, pad, 1, self.dilation
                )

        return Scaled(2, 3, 3, stride=2, padding=1)

    ref.manual_seed(0)
    theirs, ours = custom(ref), custom(tl)
    ours.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(1, 2, 4, 4)).astype(np.float32)
    for size in (None, [8, 8], [1, 3, 7, 8]):
        want, got = theirs(ref.tensor(x), size), ours(tl.tensor(x), size)
        np.testing.assert_allclose(as_numpy(got), want.detach().numpy(), rtol=1e-5, atol=1e-5)
        assert ours._output_padding(tl.tensor(x), size) == theirs._output_padding(
            ref.tensor(x), size, theirs.stride, theirs.padding, theirs.kernel_size, 2
        )


def test_legacy_reduction_arguments_warn_as_torch():
    for size_average, reduce in [(False, None), (None, False), (True, True), (False, True)]:
        messages, modules = [], []
        for lib in (ref, tl):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                modules.append(lib.nn.MSELoss(size_average=size_average, reduce=reduce))
            messages.append([str(w.message) for w in caught])
        assert messages[0] == messages[1]
        assert modules[0].reduction == modules[1].reduction


# -- constructor errors ---------------------------------------------------------------------------

# fmt: off
CONSTRUCTOR_ERRORS = {
    "conv2d_groups_in": lambda nn: nn.Conv2d(3, 4, 3, groups=2),
    "conv2d_groups_out": lambda nn: nn.Conv2d(4, 3, 3, groups=2),
    "conv2d_groups_zero": lambda nn: nn.Conv2d(4, 4, 3, groups=0),
    "conv2d_padding_string": lambda nn: nn.Conv2d(3, 4, 3, padding="full"),
    "conv2d_same_strided": lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding="same"),
    "conv2d_padding_mode": lambda nn: nn.Conv2d(3, 4, 3, padding_mode="mirror"),
    "dropout_p": lambda nn: nn.Dropout(1.5),
    "unflatten_type": lambda nn: nn.Unflatten(1, 6),
    "unflatten_element": lambda nn: nn.Unflatten(1, (2, 3.0)),
}
# fmt: on


def _sorted_sets(message: str) -> str:
    """PyTorch prints Python sets in messages, whose order is arbitrary: sort their elements."""
    return re.sub(r"\{([^{}]*)\}", lambda m: str(sorted(m.group(1).split(", "))), message)


@pytest.mark.parametrize("build", list(CONSTRUCTOR_ERRORS.values()), ids=list(CONSTRUCTOR_ERRORS))
def test_constructor_errors_match_torch(build):
    assert_raises_like_torch(build, (ref.nn,), (tl.nn,), message=_sorted_sets)


# -- default initialisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, fan_in",
    [
        (lambda nn: nn.Linear(300, 200), 300),
        (lambda nn: nn.Conv2d(16, 32, 3), 16 * 9),
        (lambda nn: nn.Conv2d(16, 32, (3, 5), groups=4), 4 * 15),
    ],
    ids=["linear", "conv2d", "conv2d_groups"],
)
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(make, fan_in):
    """kaiming_uniform_(a=sqrt(5)) weights and the bias both draw from U(-b, b), b = fan_in^-1/2."""
    tl.manual_seed(0)
    layer = make(tl.nn)
    bound = 1 / math.sqrt(fan_in)
    for name, p in layer.named_parameters():
        values = as_numpy(p)
        assert np.abs(values).max() <= bound, name
        if values.size >= 1000:  # enough draws to come close to the bound and match moments
            assert np.abs(values).max() > 0.99 * bound, name
            assert abs(values.mean()) < 0.05 * bound, name
            assert abs(values.std() - bound / math.sqrt(3)) < 0.03 * bound, name


def test_default_init_follows_the_seed():
    def weights(seed):
        tl.manual_seed(seed)
        return as_numpy(tl.nn.Linear(8, 4).weight)

    np.testing.assert_array_equal(weights(0), weights(0))
    assert not np.array_equal(weights(0), weights(1))


def test_dtype_argument():
    layer = tl.nn.Conv2d(2, 3, 3, dtype=tl.float64)
    assert layer.weight.dtype == tl.float64 and layer.bias.dtype == tl.float64
    assert tl.nn.Linear(2, 3, dtype=tl.float64).weight.dtype == tl.float64


def test_reset_parameters_redraws():
    layer = tl.nn.Linear(8, 4)
    before = as_numpy(layer.weight).copy()
    layer.reset_parameters()
    assert not np.array_equal(before, as_numpy(layer.weight))
    assert layer.weight.is_leaf and layer.weight.requires_grad


# -- dropout module -------------------------------------------------------------------------------


def test_dropout_module_train_and_eval():
    layer = tl.nn.Dropout(0.4)
    x = tl.ones(50_000)
    tl.manual_seed(3)
    a = as_numpy(layer(x))
    tl.manual_seed(3)
    np.testing.assert_array_equal(as_numpy(layer(x)), a)
    assert abs((a == 0).mean() - 0.4) < 0.01
    np.testing.assert_allclose(a[a != 0], np.float32(1) / np.float32(0.6), rtol=1e-7)
    layer.eval()
    assert layer(x) is x


# -- nn.init --------------------------------------------------------------------------------------

SHAPE = (256, 64, 3, 3)

# fmt: off
INITS = {
    "uniform_": lambda init, t: init.uniform_(t, -0.3, 0.7),
    "normal_": lambda init, t: init.normal_(t, 0.5, 2.0),
    "trunc_normal_": lambda init, t: init.trunc_normal_(t, 0.1, 1.5, -1.0, 2.0),
    "constant_": lambda init, t: init.constant_(t, 0.25),
    "ones_": lambda init, t: init.ones_(t),
    "zeros_": lambda init, t: init.zeros_(t),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t, gain=2.0),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t, a=0.1, nonlinearity="leaky_relu"),
    "kaiming_uniform_fan_out": lambda init, t: init.kaiming_uniform_(t, mode="fan_out",
                                                                     nonlinearity="relu"),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t, mode="fan_out",
                                                            nonlinearity="tanh"),
    "orthogonal_": lambda init, t: init.orthogonal_(t, gain=0.5),
}
# fmt: on


def _draw(lib, fill, shape=SHAPE):
    lib.manual_seed(0)
    t = lib.nn.Parameter(lib.empty(*shape))
    out = fill(lib.nn.init, t)
    assert out is t
    assert t.is_leaf and t.requires_grad and t.grad_fn is None
    return as_numpy(t)


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


@pytest.mark.parametrize("fill", list(INITS.values()), ids=list(INITS))
def test_init_distribution_matches_torch(fill):
    """Same distribution as torch's draw: with 147k samples each, the KS statistic of two equal
    distributions stays below 0.01 (the 0.1% critical value is 0.0072)."""
    assert ks_distance(_draw(tl, fill), _draw(ref, fill)) < 0.01


@pytest.mark.parametrize("shape", [(40, 90), (90, 40), (12, 5, 3)], ids=str)
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    tl.manual_seed(0)
    w = as_numpy(tl.nn.init.orthogonal_(tl.empty(*shape), gain=2.0)).reshape(shape[0], -1)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 4 * np.eye(len(gram)), atol=1e-5)


def test_eye_matches_torch():
    for shape in [(3, 5), (4, 2)]:
        np.testing.assert_array_equal(
            _draw(tl, lambda init, t: init.eye_(t), shape),
            _draw(ref, lambda init, t: init.eye_(t), shape),
        )


def test_init_through_a_view_writes_the_base():
    w = tl.zeros(4, 6)
    tl.nn.init.ones_(w[1])
    expected = np.zeros((4, 6), np.float32)
    expected[1] = 1
    np.testing.assert_array_equal(as_numpy(w), expected)


def test_init_uses_the_given_generator():
    def draw(seed):
        g = tl.Generator().manual_seed(seed)
        return as_numpy(tl.nn.init.kaiming_normal_(tl.empty(8, 8), generator=g))

    np.testing.assert_array_equal(draw(5), draw(5))
    assert not np.array_equal(draw(5), draw(6))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 7), (6, 2, 5)], ids=str)
def test_fan_in_and_fan_out_match_torch(shape):
    assert tl.nn.init._calculate_fan_in_and_fan_out(tl.empty(*shape)) == (
        ref.nn.init._calculate_fan_in_and_fan_out(ref.empty(*shape))
    )


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv2d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("leaky_relu", 1),
        ("selu",),
    ],
    ids=str,
)
def test_calculate_gain_matches_torch(args):
    assert tl.nn.init.calculate_gain(*args) == ref.nn.init.calculate_gain(*args)


# fmt: off
INIT_ERRORS = {
    "fan_1d": lambda lib: lib.nn.init.xavier_uniform_(lib.empty(5)),
    "gain_unknown": lambda lib: lib.nn.init.calculate_gain("swish"),
    "gain_slope": lambda lib: lib.nn.init.calculate_gain("leaky_relu", "x"),
    "kaiming_mode": lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 4), mode="fan_avg"),
    "eye_3d": lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
    "orthogonal_1d": lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
    "kaiming_empty_warns": lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(0, 3)),
}
# fmt: on


@pytest.mark.parametrize("build", list(INIT_ERRORS.values()), ids=list(INIT_ERRORS))
def test_init_errors_match_torch(build):
    assert_raises_like_torch(build)
