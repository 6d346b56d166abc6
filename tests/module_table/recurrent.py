"""Rows for the recurrent layers (``RNN``, ``LSTM``, ``GRU`` and their cells): plain tensors,
initial states and ``PackedSequence`` inputs, checked by :mod:`.parity`'s generic checks in
``test_rnn.py``; ``COMPILE_ROWS`` and ``FD_ROWS`` name the rows also run compiled and by finite
differences.
"""

from __future__ import annotations

from _helpers import f32

from .parity import Row, f64


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


COMPILE_ROWS = ["lstm_deep_bidir_states", "lstm_proj_batch_first", "gru_deep_bidir_batch_first",
                "lstm_packed_unsorted", "lstm_cell_states_unbatched"]  # fmt: skip
FD_ROWS = ["lstm_deep_bidir_states", "lstm_cell_states_unbatched"]
assert {*COMPILE_ROWS, *FD_ROWS} <= {r.id for r in ROWS}  # no row dropped by a typo
