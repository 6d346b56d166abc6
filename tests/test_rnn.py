"""Recurrent layers and ``nn.utils.rnn`` against PyTorch: what their table cannot show.

The rows (``module_table/recurrent.py``: plain tensors, initial states, ``PackedSequence``) run
through the module registry's generic checks in ``test_layers.py``: every output (outputs,
``h_n``/``c_n``, packed layouts), the gradients of the inputs, initial states and parameters,
``state_dict`` keys and shapes, ``repr``, eager against ``torchlike.compile``, and finite
differences. Here: initialisation, dropout between layers, the tape, errors and ``nn.utils.rnn``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch, f32
from module_table.parity import (
    TOL,
    assert_all_close,
    cotangents,
    flat,
)

import torchlike as tl

# PyTorch's own note that its oneDNN kernels lack projections; nothing to do with the test.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


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
