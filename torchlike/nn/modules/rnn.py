"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and cells (PyTorch's ``torch/nn/modules/rnn.py``).

Weights keep PyTorch's names, shapes and gate order (LSTM ``i, f, g, o``; GRU ``r, z, n``), so a
PyTorch checkpoint loads key for key. A whole multi-layer, bidirectional stack is one pure JAX
function run through ``apply``: each layer's input projection is one matmul over all time steps,
and the time loop is a ``jax.lax.scan``, so the tape and ``torchlike.compile`` see one op per
forward call, never one per step. Variable-length batches (a ``PackedSequence``) run padded, with
each sequence's state frozen after its last step and reverse directions reversed within each
sequence's own length, which is what PyTorch computes.

Where torchlike differs: the dropout masks between layers come from the ``torchlike.manual_seed``
stream, so they are not PyTorch's masks; a ``PackedSequence``'s ``batch_sizes`` must be known in
Python (PyTorch keeps them on the CPU too), so inside ``torchlike.compile`` build it in the step
from Python lengths rather than passing it in as an argument.
"""

from __future__ import annotations

import math
import numbers
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from ..._dispatch import apply
from ..._ops.creation import empty, zeros
from ..._tensor import Tensor
from ...random import next_key
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _as_numpy, _gather, _packed_layout
from .module import Module

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# -- the pure recurrence --------------------------------------------------------------------------


def _step(mode: str, xw, h, c, w_hh, b_hh, w_hr):
    """One time step of one cell; ``xw`` is the input projection ``x W_ih^T + b_ih``."""
    hw = h @ w_hh.T
    if b_hh is not None:
        hw = hw + b_hh
    if mode == "LSTM":
        i, f, g, o = jnp.split(xw + hw, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h if w_hr is None else h @ w_hr.T), c
    if mode == "GRU":
        x_r, x_z, x_n = jnp.split(xw, 3, axis=-1)
        h_r, h_z, h_n = jnp.split(hw, 3, axis=-1)
        r = jax.nn.sigmoid(x_r + h_r)
        z = jax.nn.sigmoid(x_z + h_z)
        n = jnp.tanh(x_n + r * h_n)
        return (1 - z) * n + z * h, c
    pre = xw + hw
    return (jnp.tanh(pre) if mode == "RNN_TANH" else jax.nn.relu(pre)), c


def _input_projection(x, w_ih, b_ih):
    xw = x @ w_ih.T
    return xw if b_ih is None else xw + b_ih


def _scan_direction(mode: str, x, h0, c0, valid, weights):
    """Run one direction over time-major ``x`` ``(T, B, F)``; ``valid`` ``(T, B)`` or None."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights

    def body(carry, inputs):
        h, c = carry
        xw_t, valid_t = inputs
        h_new, c_new = _step(mode, xw_t, h, c, w_hh, b_hh, w_hr)
        if valid_t is None:
            return (h_new, c_new), h_new
        keep = valid_t[:, None]
        c_new = None if c is None else jnp.where(keep, c_new, c)
        return (jnp.where(keep, h_new, h), c_new), jnp.where(keep, h_new, 0)

    (h, c), out = lax.scan(body, (h0, c0), (_input_projection(x, w_ih, b_ih), valid))
    return out, h, c


def _reverse_time(x, lengths):
    """Reverse each sequence of time-major ``x`` within its own length (padding stays put)."""
    if lengths is None:
        return jnp.flip(x, 0)
    t = jnp.arange(x.shape[0])[:, None]
    index = jnp.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    return jnp.take_along_axis(x, index.reshape(index.shape + (1,) * (x.ndim - 2)), axis=0)


def _dropout_between_layers(x, key_data, layer: int, p: float):
    if p == 1:
        return jnp.zeros_like(x)
    key = jax.random.fold_in(jax.random.wrap_key_data(key_data), layer)
    keep = jax.random.bernoulli(key, 1 - p, x.shape)
    return jnp.where(keep, x / jnp.asarray(1 - p, x.dtype), jnp.zeros((), x.dtype))


def _rnn_fn(x, hx, cx, lengths, key_data, *weights, mode, num_layers, num_directions, dropout):
    """The whole stack over time-major ``x`` ``(T, B, F)``; returns output, h_n (and c_n)."""
    valid = None if lengths is None else jnp.arange(x.shape[0])[:, None] < lengths[None, :]
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for direction in range(num_directions):
            k = layer * num_directions + direction
            params = weights[5 * k : 5 * k + 5]
            c0 = None if cx is None else cx[k]
            inp = x if direction == 0 else _reverse_time(x, lengths)
            out, h, c = _scan_direction(mode, inp, hx[k], c0, valid, params)
            outs.append(out if direction == 0 else _reverse_time(out, lengths))
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if num_directions == 1 else jnp.concatenate(outs, axis=-1)
        if key_data is not None and layer < num_layers - 1:
            x = _dropout_between_layers(x, key_data, layer, dropout)
    if cx is None:
        return x, jnp.stack(h_n)
    return x, jnp.stack(h_n), jnp.stack(c_n)


def _cell_fn(x, h, c, w_ih, w_hh, b_ih, b_hh, *, mode):
    h, c = _step(mode, _input_projection(x, w_ih, b_ih), h, c, w_hh, b_hh, None)
    return h if c is None else (h, c)


# -- modules --------------------------------------------------------------------------------------


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Args:
        mode: ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``.
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked recurrent layers. Default: 1.
        bias: if ``False``, no ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first: input and output are ``(batch, seq, feature)``. Default: ``False``.
        dropout: dropout on the outputs of every layer but the last. Default: 0.
        bidirectional: run a second, reversed direction per layer. Default: ``False``.
        proj_size: LSTM only: project ``h`` to this size (``weight_hr``). Default: 0.

    Every weight and bias is drawn from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        _check_config(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout)
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        names = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, real_hidden_size),
                }
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, Parameter(empty(shape, **factory_kwargs)))
                kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
                names.append(tuple(kind + suffix for kind in kinds))
        # Five names per (layer, direction); the absent ones (no bias, no projection) stay unset.
        self._layer_weight_names = tuple(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [
            [getattr(self, n) for n in names if getattr(self, n, None) is not None]
            for names in self._layer_weight_names
        ]

    def _weights_in_order(self) -> list:
        return [getattr(self, n, None) for names in self._layer_weight_names for n in names]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs the weights for cuDNN here; XLA needs no such layout."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ----------------------------------------------------------------------------------
    def _state_shape(self, batch: int, cell: bool) -> tuple[int, int, int]:
        size = self.proj_size if self.proj_size > 0 and not cell else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _check_input(self, input: Tensor, packed: bool) -> None:
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.size(-1)}"
            )

    def _run(self, input, states: tuple, kind: str):
        """Shared forward: ``states`` is ``(hx,)`` or ``(hx, cx)``, each a Tensor or None.

        Returns ``(output, new_states)`` in the input's form (tensor or ``PackedSequence``,
        batched or not).
        """
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            pad_index, lengths, pack_index = _packed_layout(batch_sizes)
            self._check_input(data, packed=True)
            x = _gather(data, pad_index)  # (T, B, F), sorted by length
            lengths = jnp.asarray(lengths)
            batched, batch = True, int(lengths.shape[0])
        else:
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"{kind}: Expected input to be 2D or 3D, got {input.dim()}D"
                    + (" tensor instead" if kind == "RNN" else " instead")
                )
            batched = input.dim() == 3
            _check_state_dims(states, batched, lstm)
            batch_dim = 0 if self.batch_first else 1
            x = input if batched else input.unsqueeze(batch_dim)
            self._check_input(x, packed=False)
            if self.batch_first:
                x = x.transpose(0, 1)
            lengths, sorted_indices, unsorted_indices = None, None, None
            batch = x.shape[1]
        states = tuple(s if s is None or batched else s.unsqueeze(1) for s in states)
        full = []
        for i, s in enumerate(states):
            shape = self._state_shape(batch, cell=i == 1)
            if s is None:
                s = zeros(shape, dtype=x.dtype)
            else:
                _check_state_size(s, shape, lstm, i)
            if sorted_indices is not None:
                s = _gather(s, _as_numpy(sorted_indices), axis=1)
            full.append(s)
        use_dropout = self.training and self.dropout > 0 and self.num_layers > 1
        key_data = jax.random.key_data(next_key()) if use_dropout else None
        outs = apply(
            _rnn_fn,
            "CudnnRnn" if kind != "RNN" else "RnnTanh",
            (x, full[0], full[1] if lstm else None, lengths, key_data, *self._weights_in_order()),
            mode=self.mode,
            num_layers=self.num_layers,
            num_directions=2 if self.bidirectional else 1,
            dropout=self.dropout,
        )
        output, new_states = outs[0], outs[1:]
        if unsorted_indices is not None:
            new_states = tuple(_gather(s, _as_numpy(unsorted_indices), axis=1) for s in new_states)
        if packed:
            return PackedSequence(
                _gather(output, pack_index, merge=2), batch_sizes, sorted_indices, unsorted_indices
            ), new_states
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            new_states = tuple(s.squeeze(1) for s in new_states)
        return output, new_states


def _check_config(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout) -> None:
    number = isinstance(dropout, numbers.Number) and not isinstance(dropout, bool)
    if not number or not 0 <= dropout <= 1:
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
            f"expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            stacklevel=4,
        )
    if not isinstance(bias, bool):
        raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
    if not isinstance(batch_first, bool):
        raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
    if not isinstance(input_size, int):
        raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if mode not in _GATES:
        raise ValueError("Unrecognized RNN mode: " + mode)


def _check_state_dims(states: tuple, batched: bool, lstm: bool) -> None:
    if states[0] is None:
        return
    want = 3 if batched else 2
    dims = [s.dim() for s in states]
    if all(d == want for d in dims):
        return
    which = "batched 3-D" if batched else "unbatched 2-D"
    if lstm:
        raise RuntimeError(
            f"For {which} input, hx and cx should also be {want}-D but got "
            f"({dims[0]}-D, {dims[1]}-D) tensors"
        )
    raise RuntimeError(f"For {which} input, hx should also be {want}-D but got {dims[0]}-D tensor")


def _check_state_size(state: Tensor, shape: tuple, lstm: bool, index: int) -> None:
    if tuple(state.shape) != shape:
        what = f"hidden[{index}]" if lstm else "hidden"
        raise RuntimeError(f"Expected {what} size {shape}, got {list(state.shape)}")


_STACK_ARGS = """bias: learn ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first: ``(batch, seq, feature)`` input and output. Default: ``False``.
        dropout: dropout between layers (training mode). Default: 0.
        bidirectional: add a reversed direction. Default: ``False``."""
_INPUT_SHAPE = (
    "- Input: ``(L, H_in)``, ``(L, N, H_in)`` (``(N, L, H_in)`` if ``batch_first``), or a\n"
    "          ``PackedSequence``."
)


def _stack_doc(doc: str) -> str:
    """``doc`` with what RNN, LSTM and GRU document alike in place of ``{stack_args}`` (the
    arguments after ``num_layers``) and ``{input_shape}``."""
    return doc.replace("{stack_args}", _STACK_ARGS).replace("{input_shape}", _INPUT_SHAPE)


class RNN(RNNBase):
    __doc__ = _stack_doc(
        r"""A multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked layers. Default: 1.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        {stack_args}

    Shape:
        {input_shape}
        - hx: ``(D * num_layers, H_out)`` or ``(D * num_layers, N, H_out)``; zeros if omitted.
        - Output: ``(L, N, D * H_out)`` (batch first if ``batch_first``) and ``h_n`` shaped as hx,
          with ``D = 2`` if bidirectional else 1.
    """
    )

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, (h_n,) = self._run(input, (hx,), "RNN")
        return output, h_n


class LSTM(RNNBase):
    __doc__ = _stack_doc(
        r"""A multi-layer long short-term memory RNN, with PyTorch's gate order ``i, f, g, o``.

    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)`` (times ``W_hr^T`` if ``proj_size``).

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden and cell states.
        num_layers: stacked layers. Default: 1.
        {stack_args}
        proj_size: if > 0, project ``h`` to this size. Default: 0.

    Shape:
        {input_shape}
        - (h_0, c_0): ``(D * num_layers, N, H_out)`` and ``(D * num_layers, N, H_cell)`` (no ``N``
          for unbatched input); zeros if omitted. ``H_out = proj_size or hidden_size``.
        - Output: ``(output, (h_n, c_n))``, output ``(L, N, D * H_out)``.
    """
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx: tuple[Tensor, Tensor] | None = None):
        states = (None, None) if hx is None else tuple(hx)
        output, (h_n, c_n) = self._run(input, states, "LSTM")
        return output, (h_n, c_n)


class GRU(RNNBase):
    __doc__ = _stack_doc(
        r"""A multi-layer gated recurrent unit RNN, with PyTorch's gate order ``r, z, n``.

    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked layers. Default: 1.
        {stack_args}

    Shape:
        {input_shape}
        - hx: ``(D * num_layers, N, H_out)`` (no ``N`` for unbatched input); zeros if omitted.
        - Output: ``(output, h_n)``, output ``(L, N, D * H_out)``.
    """
    )

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, (h_n,) = self._run(input, (hx,), "GRU")
        return output, h_n


# -- cells ----------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """The shared parameters of the cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``,
    drawn from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((gates, input_size), **factory_kwargs))
        self.weight_hh = Parameter(empty((gates, hidden_size), **factory_kwargs))
        if bias:
            self.bias_ih = Parameter(empty(gates, **factory_kwargs))
            self.bias_hh = Parameter(empty(gates, **factory_kwargs))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _cell(self, mode: str, kind: str, input: Tensor, states: tuple):
        if input.dim() not in (1, 2):
            raise ValueError(f"{kind}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for i, s in enumerate(states):
            if s is not None and s.dim() not in (1, 2):
                what = "hidden" if len(states) == 1 else f"hx[{i}]"
                raise ValueError(f"{kind}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        states = tuple(
            zeros(shape, dtype=x.dtype) if s is None else (s if batched else s.unsqueeze(0))
            for s in states
        )
        out = apply(
            _cell_fn,
            {"LSTM": "LstmCell", "GRU": "GruCell"}.get(mode, "RnnTanhCell"),
            (x, states[0], states[1] if len(states) == 2 else None, self.weight_ih,
             self.weight_hh, self.bias_ih, self.bias_hh),
            mode=mode,
        )  # fmt: skip
        if batched:
            return out
        return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)


class RNNCell(RNNCellBase):
    r"""One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        bias: learn ``b_ih`` and ``b_hh``. Default: ``True``.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        - Input: ``(N, H_in)`` or ``(H_in)``; hx ``(N, H_out)`` or ``(H_out)``, zeros if omitted.
        - Output: ``(N, H_out)`` or ``(H_out)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._cell(mode, "RNNCell", input, (hx,))


class LSTMCell(RNNCellBase):
    r"""One LSTM step, gate order ``i, f, g, o``; returns ``(h', c')``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden and cell states.
        bias: learn ``b_ih`` and ``b_hh``. Default: ``True``.

    Shape:
        - Input: ``(N, H_in)`` or ``(H_in)``; hx ``(h_0, c_0)`` each ``(N, H_out)`` or
          ``(H_out)``, zeros if omitted.
        - Output: ``(h_1, c_1)``, each ``(N, H_out)`` or ``(H_out)``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        return self._cell("LSTM", "LSTMCell", input, (None, None) if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    r"""One GRU step, gate order ``r, z, n``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        bias: learn ``b_ih`` and ``b_hh``. Default: ``True``.

    Shape:
        - Input: ``(N, H_in)`` or ``(H_in)``; hx ``(N, H_out)`` or ``(H_out)``, zeros if omitted.
        - Output: ``(N, H_out)`` or ``(H_out)``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._cell("GRU", "GRUCell", input, (hx,))
