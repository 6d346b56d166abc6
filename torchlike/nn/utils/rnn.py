"""Variable-length batches for the recurrent layers (PyTorch's ``torch/nn/utils/rnn.py``).

A ``PackedSequence`` keeps PyTorch's layout: ``data`` holds the time steps one after another, each
step holding the sequences still running at that step (longest first), and ``batch_sizes[t]``
says how many. Packing and unpacking are single gathers (one op each on the tape), whose indices
are computed in Python from the lengths; the lengths must therefore be known in Python, as
PyTorch requires them on the CPU. Inside ``torchlike.compile`` give them as a list or a tensor
made in the step, not as a traced argument.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence

import jax.numpy as jnp
import numpy as np

from ..._dispatch import apply
from ..._ops.creation import tensor
from ..._tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


# -- gathers shared with the recurrent layers -----------------------------------------------------


def _gather_fn(x, index, padding_value, *, axis, merge):
    """Merge ``merge`` dims of ``x`` from ``axis`` on, then take ``index`` along them; entries
    of ``index`` equal to -1 give ``padding_value``."""
    shape = x.shape
    flat = x.reshape(shape[:axis] + (-1,) + shape[axis + merge :])
    out = jnp.take(flat, jnp.maximum(index, 0), axis=axis)
    keep = (index >= 0).reshape((1,) * axis + index.shape + (1,) * (flat.ndim - axis - 1))
    return jnp.where(keep, out, jnp.asarray(padding_value, out.dtype))


def _gather(
    x: Tensor, index: np.ndarray, axis: int = 0, merge: int = 1, padding_value: float = 0.0
) -> Tensor:
    return apply(
        _gather_fn,
        "IndexSelect",
        (x, jnp.asarray(index, jnp.int64), padding_value),
        axis=axis,
        merge=merge,
    )


def _index_tensor(values: np.ndarray) -> Tensor:
    """An int64 tensor that keeps its values in Python too: inside ``torchlike.compile`` a new
    tensor is a traced value, but packing needs ``batch_sizes`` and the sort order as numbers."""
    t = tensor(values)
    t._host_values = values
    return t


def _as_numpy(t) -> np.ndarray:
    """The values of lengths, ``batch_sizes`` or indices, as a NumPy array."""
    if isinstance(t, Tensor):
        host = getattr(t, "_host_values", None)
        return host if host is not None else np.asarray(t._data)
    return np.asarray(t)


def _packed_layout(batch_sizes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From ``batch_sizes``: the ``(T, B)`` rows of ``data`` for each padded slot (-1 for
    padding), each sorted sequence's length, and the ``(T * B)`` slots that ``data`` holds."""
    sizes = _as_numpy(batch_sizes).astype(np.int64)
    steps, batch = len(sizes), int(sizes[0])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    b = np.arange(batch)
    present = b[None, :] < sizes[:, None]
    pad_index = np.where(present, offsets[:, None] + b[None, :], -1)
    lengths = present.sum(0)
    pack_index = (np.arange(steps)[:, None] * batch + b[None, :])[present]
    return pad_index, lengths, pack_index


# -- PackedSequence -------------------------------------------------------------------------------


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (int64), or None for None."""
    if permutation is None:
        return None
    p = _as_numpy(permutation)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(len(p))
    return _index_tensor(inverse)


class PackedSequence(
    namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])
):
    """A packed batch of variable-length sequences (see :func:`pack_padded_sequence`).

    Attributes:
        data: ``(sum of lengths, *)``, time step after time step.
        batch_sizes: int64 ``(max length)``, the number of sequences at each step.
        sorted_indices: how the batch was sorted by length (None if it was given sorted).
        unsorted_indices: its inverse.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, *self[1:])

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return type(self)(self.data.cuda(*args, **kwargs), *self[1:])

    def float(self) -> PackedSequence:
        return type(self)(self.data.float(), *self[1:])

    def double(self) -> PackedSequence:
        return type(self)(self.data.double(), *self[1:])

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def pack_padded_sequence(
    input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch of sequences for ``RNN``/``LSTM``/``GRU``.

    Args:
        input: ``(T, B, *)``, or ``(B, T, *)`` if ``batch_first``.
        lengths: each sequence's length (a list or a 1-D int64 tensor, known in Python).
        batch_first: the batch is dim 0.
        enforce_sorted: require decreasing lengths; otherwise sort them, recording
            ``sorted_indices`` so the results come back in the input's order.

    Shape:
        - Output ``data``: ``(sum(lengths), *)``.
    """
    lengths = _as_numpy(lengths).astype(np.int64).reshape(-1)
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order, sorted_indices = np.arange(len(lengths)), None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _index_tensor(order)
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(int(sorted_lengths[0]))[:, None]).sum(1)
    t = np.arange(len(batch_sizes))[:, None]
    present = np.arange(batch)[None, :] < batch_sizes[:, None]
    source = order[None, :] * steps + t if batch_first else t * batch + order[None, :]
    data = _gather(input, source[present], merge=2)
    return PackedSequence(data, _index_tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch (in the original order) and lengths.

    Args:
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padded slots.
        total_length: pad to this many steps (at least the longest length).

    Shape:
        - Output: ``(T, B, *)`` (or ``(B, T, *)``), and int64 lengths ``(B)``.
    """
    pad_index, lengths, _ = _packed_layout(sequence.batch_sizes)
    if total_length is not None:
        if total_length < len(pad_index):
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{len(pad_index)}"
            )
        extra = np.full((total_length - len(pad_index), pad_index.shape[1]), -1)
        pad_index = np.concatenate([pad_index, extra])
    if sequence.unsorted_indices is not None:
        unsorted = _as_numpy(sequence.unsorted_indices)
        pad_index, lengths = pad_index[:, unsorted], lengths[unsorted]
    if batch_first:
        pad_index = pad_index.T
    padded = _gather(sequence.data, pad_index, padding_value=padding_value)
    return padded, _index_tensor(lengths)


def _pad_sequence_fn(*xs, padding_value, batch_first, left, length):
    def pad(x):
        widths = [(length - x.shape[0], 0) if left else (0, length - x.shape[0])]
        return jnp.pad(x, widths + [(0, 0)] * (x.ndim - 1), constant_values=padding_value)

    return jnp.stack([pad(x) for x in xs], axis=0 if batch_first else 1)


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths, padding each to the longest.

    Args:
        sequences: tensors ``(L_i, *)`` with equal trailing dims.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padded slots. Default: 0.
        padding_side: ``'right'`` or ``'left'``.

    Shape:
        - Output: ``(T, B, *)`` (or ``(B, T, *)``), with ``T = max(L_i)``.
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    return apply(
        _pad_sequence_fn,
        "PadSequence",
        tuple(sequences),
        padding_value=float(padding_value),
        batch_first=bool(batch_first),
        left=padding_side == "left",
        length=max(s.shape[0] for s in sequences),
    )


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """Undo :func:`pad_sequence`: the list of ``(L_i, *)`` sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences, _as_numpy(lengths))]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` sequences (``pad_sequence`` then ``pack_padded_sequence``)."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo :func:`pack_sequence`: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
