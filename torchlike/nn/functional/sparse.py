"""Sparse functions: ``embedding``, ``embedding_bag`` and ``one_hot``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ... import _dtype
from ..._dispatch import apply
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ._utils import _concrete, _values

# -- embedding -------------------------------------------------------------------------------------


def _embedding_fn(idx, w, *, padding_idx, scale_grad_by_freq):
    out = w[idx]
    if scale_grad_by_freq:  # the same value, its gradient divided by the index's count
        counts = jnp.zeros(w.shape[0], w.dtype).at[idx.reshape(-1)].add(1)[idx][..., None]
        out = lax.stop_gradient(out) + (out - lax.stop_gradient(out)) / counts
    if padding_idx is not None:  # the padding row gets no gradient
        out = jnp.where((idx == padding_idx)[..., None], lax.stop_gradient(out), out)
    return out


def _embedding_renorm_fn(w, idx, *, max_norm, norm_type):
    rows = jnp.zeros(w.shape[0], bool).at[idx.reshape(-1)].set(True)
    norms = jnp.linalg.norm(w, ord=norm_type, axis=1)
    scale = jnp.where(rows & (norms > max_norm), max_norm / (norms + 1e-7), 1)
    return w * scale[:, None].astype(w.dtype)


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's ``embedding_renorm_``: rows looked up by ``input`` whose norm exceeds
    ``max_norm`` are rescaled to it, in place and outside autograd."""
    with no_grad():
        new = apply(
            _embedding_renorm_fn,
            "EmbeddingRenorm",
            (weight.detach(), input),
            max_norm=float(max_norm),
            norm_type=float(norm_type),
        )
        weight.copy_(new)


def _check_embedding_indices(input: Tensor, num: int) -> None:
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got torch.{_dtype.type_name(input.dtype)}Tensor instead (while "
            "checking arguments for embedding)"
        )
    if _concrete(input) and input.numel():
        v = _values(input)
        if v.min() < 0 or v.max() >= num:
            raise IndexError("index out of range in self")


def _padding_index(padding_idx, num: int):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx += num
    return int(padding_idx)


def _prepare_lookup(input, weight, padding_idx, max_norm, norm_type):
    """What both lookups do first: check the indices, resolve ``padding_idx`` (negative counts from
    the end) and rescale the looked-up rows to ``max_norm``, in place, as PyTorch does."""
    _check_embedding_indices(input, weight.shape[0])
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return padding_idx


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up the rows of ``weight`` at the indices ``input``.

    Args:
        padding_idx: the row at this index gets no gradient.
        max_norm: looked-up rows longer than this (``norm_type``-norm) are first rescaled to it,
            in place, as PyTorch does.
        scale_grad_by_freq: divide each row's gradient by its index's count in ``input``.
        sparse: accepted for compatibility; gradients are always dense in torchlike.

    Shape:
        - Input: ``(*)`` int64 or int32 indices; weight ``(num_embeddings, embedding_dim)``.
        - Output: ``(*, embedding_dim)``.
    """
    padding_idx = _prepare_lookup(input, weight, padding_idx, max_norm, norm_type)
    return apply(
        _embedding_fn,
        "Embedding",
        (input, weight),
        padding_idx=padding_idx,
        scale_grad_by_freq=bool(scale_grad_by_freq),
    )


def _embedding_bag_fn(idx, w, offsets, psw, *, mode, num_bags, padding_idx):
    """Reduce the looked-up rows bag by bag; bag ``i`` holds ``idx[offsets[i]:offsets[i + 1]]``."""
    if idx.ndim == 2:  # fixed-size bags, one per row
        bag = jnp.repeat(jnp.arange(idx.shape[0]), idx.shape[1])
        idx = idx.reshape(-1)
    else:
        bag = jnp.searchsorted(offsets, jnp.arange(idx.shape[0]), side="right") - 1
    used = jnp.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
    rows = w[idx]
    if psw is not None:
        rows = rows * psw.reshape(-1)[:, None]
    if mode == "max":
        rows = jnp.where(used[:, None], rows, -jnp.inf)
        out = jax.ops.segment_max(rows, bag, num_segments=num_bags)
        return jnp.where(jnp.isneginf(out), 0, out)
    rows = jnp.where(used[:, None], rows, 0)
    out = jax.ops.segment_sum(rows, bag, num_segments=num_bags)
    if mode == "mean":
        count = jax.ops.segment_sum(used.astype(w.dtype), bag, num_segments=num_bags)
        out = out / jnp.maximum(count, 1)[:, None]
    return out


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without building the per-index rows.

    Args:
        input: ``(B, L)`` (``B`` bags of ``L`` indices), or 1-D indices cut into bags by
            ``offsets`` (the start of each bag).
        mode: ``'sum'``, ``'mean'`` or ``'max'``; an empty bag gives zeros.
        per_sample_weights: weights of ``input``'s shape, ``mode='sum'`` only.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: entries equal to it are left out of their bag (and of the mean's count).

    Shape:
        - Output: ``(B, embedding_dim)``.
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type Tensor"
            )
        num_bags = input.shape[0]
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        num_bags = offsets.shape[0] - (1 if include_last_offset else 0)
    else:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}"
        )
    padding_idx = _prepare_lookup(input, weight, padding_idx, max_norm, norm_type)
    return apply(
        _embedding_bag_fn,
        "EmbeddingBag",
        (input, weight, offsets, per_sample_weights),
        mode=mode,
        num_bags=int(num_bags),
        padding_idx=padding_idx,
    )


# -- one-hot encoding ------------------------------------------------------------------------------


def _one_hot_fn(x, *, num_classes):
    return (x[..., None] == jnp.arange(num_classes, dtype=x.dtype)).astype(jnp.int64)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices.

    Args:
        num_classes: the number of classes; ``-1`` means ``max(tensor) + 1``, which needs the
            values, so inside ``torchlike.compile`` it must be given.

    Shape:
        - Output: ``(*, num_classes)`` for an input ``(*)``.
    """
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        if not _concrete(tensor):
            raise RuntimeError(
                "one_hot(num_classes=-1) needs the tensor's values in Python, but inside "
                "torchlike.compile (or jax.jit) they are only known when the compiled step runs. "
                "Pass num_classes explicitly."
            )
        num_classes = int(_values(tensor).max()) + 1
    if _concrete(tensor) and tensor.numel():
        v = _values(tensor)
        if v.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if v.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return apply(_one_hot_fn, "OneHot", (tensor,), num_classes=int(num_classes))
