"""Recurrent layers and ``nn.utils.rnn`` against PyTorch.

Each row builds the same layer with torch's and torchlike's ``nn``, copies torch's state into ours
and runs a call (plain tensors, initial states, or a ``PackedSequence``). Generic tests compare
every output (outputs, ``h_n``/``c_n``, packed layouts), the gradients of the inputs, initial
states and parameters, ``state_dict`` keys and shapes, ``repr``, eager against
``torchlike.compile``, and our gradients against finite differences of our own forward.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch, f32
from module_table.parity import (
    TOL,
    Row,
    assert_all_close,
    check_compiled_matches_eager,
    check_finite_differences,
    check_matches_torch,
    check_state_dict_and_repr,
    cotangents,
    f64,
    flat,
)

import torchlike as tl

# PyTorch's own note that its oneDNN kernels lack projections; nothing to do with the test.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def with_states(lib, m, x, h, c):
    return m(x, (h, c))


def packed(lengths, enforce_sorted=False, batch_first=False):
    """Pack ``x`` with ``lengths``, run, and return the packed output, its padded form and the
    states; an initial state (or LSTM pair) may follow ``x``."""

    def call(lib, m, x, *states):
        rnn = lib.nn.utils.rnn
        seq = rnn.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
        hx = states[0] if len(states) == 1 else tuple(states) if states else None
        out, h = m(seq, hx)
        return out, rnn.pad_packed_sequence(out, batch_first), h

    return call


# fmt: off
ROWS = [
    Row("rnn", lambda lib: lib.nn.RNN(4, 5), lambda r: (f32(r, 3, 2, 4),)),
    Row("rnn_relu_deep_bidir_batch_first",
        lambda lib: lib.nn.RNN(4, 5, 2, nonlinearity="relu", batch_first=True, bidirectional=True),
        lambda r: (f32(r, 2, 3, 4), f32(r, 4, 2, 5))),
    Row("rnn_unbatched_no_bias", lambda lib: lib.nn.RNN(4, 5, bias=False),
        lambda r: (f32(r, 3, 4), f32(r, 1, 5))),
    Row("lstm", lambda lib: lib.nn.LSTM(4, 5), lambda r: (f32(r, 3, 2, 4),)),
    Row("lstm_deep_bidir_states", lambda lib: lib.nn.LSTM(4, 5, num_layers=2, bidirectional=True),
        lambda r: (f32(r, 3, 2, 4), f32(r, 4, 2, 5), f32(r, 4, 2, 5)), with_states),
    Row("lstm_proj_batch_first", lambda lib: lib.nn.LSTM(4, 6, proj_size=3, batch_first=True),
        lambda r: (f32(r, 2, 3, 4), f32(r, 1, 2, 3), f32(r, 1, 2, 6)), with_states),
    Row("lstm_unbatched_bidir", lambda lib: lib.nn.LSTM(4, 5, bidirectional=True),
        lambda r: (f32(r, 3, 4), f32(r, 2, 5), f32(r, 2, 5)), with_states),
    Row("lstm_unbatched_batch_first", lambda lib: lib.nn.LSTM(4, 5, batch_first=True),
        lambda r: (f32(r, 3, 4),)),
    Row("lstm_dropout_one_train", lambda lib: lib.nn.LSTM(4, 5, num_layers=3, dropout=1.0),
        lambda r: (f32(r, 3, 2, 4),)),
    Row("lstm_float64", lambda lib: lib.nn.LSTM(3, 4, dtype=lib.float64),
        lambda r: (f64(r, 3, 2, 3),)),
    Row("gru_deep_bidir_batch_first",
        lambda lib: lib.nn.GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True),
        lambda r: (f32(r, 2, 3, 4), f32(r, 4, 2, 5))),
    Row("lstm_packed_unsorted",
        lambda lib: lib.nn.LSTM(4, 5, num_layers=2, bidirectional=True),
        lambda r: (f32(r, 4, 3, 4), f32(r, 4, 3, 5), f32(r, 4, 3, 5)), packed([2, 4, 3])),
    Row("gru_packed_sorted_batch_first", lambda lib: lib.nn.GRU(4, 5, batch_first=True),
        lambda r: (f32(r, 3, 4, 4),), packed([4, 4, 1], enforce_sorted=True, batch_first=True)),
    Row("rnn_packed_bidir", lambda lib: lib.nn.RNN(4, 5, bidirectional=True),
        lambda r: (f32(r, 3, 4, 4), f32(r, 2, 4, 5)), packed([1, 3, 2, 3])),
    Row("rnn_cell", lambda lib: lib.nn.RNNCell(4, 5), lambda r: (f32(r, 2, 4),)),
    Row("rnn_cell_relu_no_bias", lambda lib: lib.nn.RNNCell(4, 5, False, "relu"),
        lambda r: (f32(r, 2, 4), f32(r, 2, 5))),
    Row("lstm_cell", lambda lib: lib.nn.LSTMCell(4, 5), lambda r: (f32(r, 2, 4),)),
    Row("lstm_cell_states_unbatched", lambda lib: lib.nn.LSTMCell(4, 5),
        lambda r: (f32(r, 4), f32(r, 5), f32(r, 5)), lambda lib, m, x, h, c: m(x, (h, c))),
    Row("gru_cell", lambda lib: lib.nn.GRUCell(4, 5), lambda r: (f32(r, 2, 4), f32(r, 2, 5))),
    Row("gru_cell_unbatched", lambda lib: lib.nn.GRUCell(4, 5, bias=False),
        lambda r: (f32(r, 4),)),
]
# fmt: on


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_outputs_and_gradients_match_torch(row):
    check_matches_torch(row)


COMPILE_ROWS = ["lstm_deep_bidir_states", "lstm_proj_batch_first", "gru_deep_bidir_batch_first",
                "lstm_packed_unsorted", "lstm_cell_states_unbatched"]  # fmt: skip


@pytest.mark.parametrize("row", [r for r in ROWS if r.id in COMPILE_ROWS], ids=lambda r: r.id)
def test_compiled_matches_eager(row):
    check_compiled_matches_eager(row)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_state_dict_and_repr_match_torch(row):
    check_state_dict_and_repr(row)


FD_ROWS = ["lstm_deep_bidir_states", "lstm_cell_states_unbatched"]
assert {*COMPILE_ROWS, *FD_ROWS} <= {r.id for r in ROWS}  # no row dropped by a typo


@pytest.mark.parametrize("row", [r for r in ROWS if r.id in FD_ROWS], ids=lambda r: r.id)
def test_gradients_match_finite_differences(row):
    check_finite_differences(row)


# -- initialisation, dropout, one op per call -----------------------------------------------------


@pytest.mark.parametrize(
    "make", [lambda nn: nn.LSTM(16, 64, 2, bidirectional=True), lambda nn: nn.GRUCell(16, 64)]
)
def test_default_init_is_uniform_within_one_over_sqrt_hidden(make):
    tl.manual_seed(0)
    bound = 1 / math.sqrt(64)
    for name, p in make(tl.nn).named_parameters():
        values = as_numpy(p)
        assert np.abs(values).max() <= bound, name
        if values.size >= 1000:
            assert np.abs(values).max() > 0.99 * bound, name
            assert abs(values.std() - bound / math.sqrt(3)) < 0.03 * bound, name


def test_dropout_between_layers_follows_the_seed_eager_and_compiled():
    layer = tl.nn.GRU(2, 3, num_layers=2, dropout=0.5)
    x = tl.tensor(f32(np.random.default_rng(0), 4, 3, 2))
    step = tl.compile(lambda m, x: m(x)[0])
    results = []
    with tl.no_grad():
        for run_step in (lambda: layer(x)[0], lambda: step(layer, x), lambda: step(layer, x)):
            tl.manual_seed(7)
            results.append(as_numpy(run_step()))
        np.testing.assert_allclose(results[1], results[0], **TOL)
        np.testing.assert_array_equal(results[2], results[1])
        assert not np.allclose(as_numpy(step(layer, x)), results[1])  # a fresh mask per call
        layer.eval()
        tl.manual_seed(7)
        assert not np.allclose(as_numpy(layer(x)[0]), results[0])


def test_whole_stack_is_one_node_on_the_tape():
    layer = tl.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = tl.randn(6, 2, 3)
    layer.flatten_parameters()  # PyTorch's cuDNN weight packing: accepted, nothing to do
    out, (h, c) = layer(x)
    assert out.grad_fn is h.grad_fn is c.grad_fn


# -- errors ---------------------------------------------------------------------------------------

# fmt: off
ERRORS = {
    "dropout_range": lambda nn: nn.LSTM(3, 4, dropout=1.5),
    "dropout_bool": lambda nn: nn.GRU(3, 4, dropout=True),
    "hidden_zero": lambda nn: nn.RNN(3, 0),
    "input_type": lambda nn: nn.LSTM(3.0, 4),
    "layers_zero": lambda nn: nn.GRU(3, 4, num_layers=0),
    "bias_type": lambda nn: nn.LSTM(3, 4, bias=1),
    "proj_too_big": lambda nn: nn.LSTM(3, 4, proj_size=4),
    "proj_negative": lambda nn: nn.LSTM(3, 4, proj_size=-1),
    "proj_gru": lambda nn: nn.GRU(3, 4, proj_size=2),
    "nonlinearity": lambda nn: nn.RNN(3, 4, nonlinearity="sigmoid"),
    "input_4d": lambda nn: nn.LSTM(3, 4)(tl_or_torch(nn).ones(2, 2, 2, 3)),
    "rnn_input_4d": lambda nn: nn.RNN(3, 4)(tl_or_torch(nn).ones(2, 2, 2, 3)),
    "input_size": lambda nn: nn.GRU(3, 4)(tl_or_torch(nn).ones(2, 2, 5)),
    "hidden_size": lambda nn: nn.GRU(3, 4)(tl_or_torch(nn).ones(2, 2, 3),
                                          tl_or_torch(nn).ones(1, 3, 4)),
    "cell_size": lambda nn: nn.LSTM(3, 4)(tl_or_torch(nn).ones(2, 2, 3),
                                          (tl_or_torch(nn).ones(1, 2, 4),
                                           tl_or_torch(nn).ones(1, 2, 5))),
    "hidden_dims": lambda nn: nn.RNN(3, 4)(tl_or_torch(nn).ones(2, 2, 3),
                                           tl_or_torch(nn).ones(2, 4)),
    "lstm_hidden_dims": lambda nn: nn.LSTM(3, 4)(tl_or_torch(nn).ones(2, 3),
                                                 (tl_or_torch(nn).ones(1, 2, 4),
                                                  tl_or_torch(nn).ones(1, 4))),
    "cell_input_3d": lambda nn: nn.GRUCell(3, 4)(tl_or_torch(nn).ones(2, 2, 3)),
    "lstm_cell_hx_3d": lambda nn: nn.LSTMCell(3, 4)(tl_or_torch(nn).ones(2, 3),
                                                    (tl_or_torch(nn).ones(1, 2, 4),
                                                     tl_or_torch(nn).ones(2, 4))),
    "pack_unsorted": lambda nn: nn.utils.rnn.pack_padded_sequence(
        tl_or_torch(nn).ones(3, 2, 1), [1, 3]),
    "pack_zero_length": lambda nn: nn.utils.rnn.pack_padded_sequence(
        tl_or_torch(nn).ones(3, 2, 1), [3, 0]),
    "pad_total_length": lambda nn: nn.utils.rnn.pad_packed_sequence(
        nn.utils.rnn.pack_padded_sequence(tl_or_torch(nn).ones(3, 2, 1), [3, 2]),
        total_length=2),
}
# fmt: on


def tl_or_torch(nn):
    return tl if nn is tl.nn else ref


@pytest.mark.parametrize("build", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_match_torch(build):
    assert_raises_like_torch(build, (ref.nn,), (tl.nn,))


def test_single_layer_dropout_warns_as_torch():
    messages = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning) as caught:
            lib.nn.LSTM(3, 4, dropout=0.2)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]


# -- nn.utils.rnn ---------------------------------------------------------------------------------

SEQS = [(3, 2), (5, 2), (1, 2), (5, 2)]

# fmt: off
UTILS = {
    "pad_sequence": lambda rnn, xs: rnn.pad_sequence(xs),
    "pad_sequence_options": lambda rnn, xs: rnn.pad_sequence(xs, batch_first=True,
                                                             padding_value=-1.5),
    "pad_sequence_left": lambda rnn, xs: rnn.pad_sequence(xs, padding_side="left"),
    "pack_sequence": lambda rnn, xs: rnn.pack_sequence(xs, enforce_sorted=False),
    "pack_padded_batch_first": lambda rnn, xs: rnn.pack_padded_sequence(
        rnn.pad_sequence(xs, batch_first=True), [3, 5, 1, 5], batch_first=True,
        enforce_sorted=False),
    "pack_padded_tensor_lengths": lambda rnn, xs: rnn.pack_padded_sequence(
        rnn.pad_sequence([xs[1], xs[3], xs[0], xs[2]]),
        (ref if rnn is ref.nn.utils.rnn else tl).tensor([5, 5, 3, 1])),
    "pad_packed": lambda rnn, xs: rnn.pad_packed_sequence(
        rnn.pack_sequence(xs, enforce_sorted=False), padding_value=2.0, total_length=7),
    "pad_packed_batch_first": lambda rnn, xs: rnn.pad_packed_sequence(
        rnn.pack_sequence(xs, enforce_sorted=False), batch_first=True),
    "unpack_sequence": lambda rnn, xs: rnn.unpack_sequence(rnn.pack_sequence(xs, False)),
    "unpad_sequence": lambda rnn, xs: rnn.unpad_sequence(
        rnn.pad_sequence(xs), (ref if rnn is ref.nn.utils.rnn else tl).tensor([3, 5, 1, 5])),
}
# fmt: on


@pytest.mark.parametrize("fn", list(UTILS.values()), ids=list(UTILS))
def test_rnn_utils_match_torch(fn):
    arrays = [f32(np.random.default_rng(i), *s) for i, s in enumerate(SEQS)]
    results = []
    for lib in (ref, tl):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        outs = flat(fn(lib.nn.utils.rnn, xs))
        floats = [o for o in outs if o.dtype.is_floating_point]
        sum((o * lib.tensor(g)).sum() for o, g in zip(floats, cotangents(floats))).backward()
        results.append(([as_numpy(o) for o in outs], [as_numpy(x.grad) for x in xs]))
    (t_outs, t_grads), (o_outs, o_grads) = results
    assert_all_close(o_outs, t_outs, "output")
    assert_all_close(o_grads, t_grads, "grad")


def test_packed_sequence_fields_and_type():
    rnn = tl.nn.utils.rnn
    seq = rnn.pack_sequence([tl.ones(2, 3), tl.ones(3, 3)], enforce_sorted=False)
    assert isinstance(seq, rnn.PackedSequence) and isinstance(seq, tuple)
    data, batch_sizes, sorted_indices, unsorted_indices = seq
    assert data.shape == (5, 3) and batch_sizes.tolist() == [2, 2, 1]
    assert sorted_indices.tolist() == [1, 0] and unsorted_indices.tolist() == [1, 0]
    assert seq.to(tl.float64).data.dtype == tl.float64
