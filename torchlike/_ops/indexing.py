"""Indexing: ``t[...]`` and ``t[...] = v`` with PyTorch's semantics, ``gather``, ``nonzero`` ...

Basic indexing (ints, slices, None, ``...``) is a view, as in PyTorch; tensor and list indices
are advanced indexing (a copy). Indices are checked against the shape where their values are
known (eagerly): out-of-range raises ``IndexError`` like PyTorch. Inside a compiled step index
values are not known, and JAX clamps out-of-range gathers instead. Boolean-mask reads have a
data-dependent shape, which compiled code cannot express: use ``torch.where``/``masked_fill``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor, set_view
from . import inplace

_ARRAY = "A"  # marks the place of a dynamic index array in an encoded index


def _encode(index, shape: tuple) -> tuple[tuple, list]:
    """Split a Python index into a hashable static spec and the list of dynamic index arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    spec, arrays = [], []
    consumed = sum(
        1
        for i in index
        if i is not None
        and i is not Ellipsis
        and not (isinstance(i, Tensor) and i.dtype is _dtype.bool_ and i.ndim > 1)
    ) + sum(
        i.ndim for i in index if isinstance(i, Tensor) and i.dtype is _dtype.bool_ and i.ndim > 1
    )
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for i in index:
        if i is None:
            spec.append(None)
        elif i is Ellipsis:
            spec.append(Ellipsis)
            dim = len(shape) - (consumed - dim)
        elif isinstance(i, slice):
            st = [None if v is None else int(v) for v in (i.start, i.stop, i.step)]
            if st[2] is not None and st[2] <= 0:
                raise ValueError("step must be greater than zero")
            spec.append(("slice", *st))
            dim += 1
        elif isinstance(i, (bool, np.bool_)):
            spec.append(_ARRAY)
            arrays.append(jnp.asarray(bool(i)))
        elif isinstance(i, (int, np.integer)):
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(
                    f"index {int(i)} is out of bounds for dimension {dim} with size {n}"
                )
            spec.append(int(i) % n)
            dim += 1
        else:
            arr = i._data if isinstance(i, Tensor) else _list_index(i)
            if arr.dtype == jnp.bool_:
                arrays.extend(_mask_to_indices(arr, shape[dim : dim + arr.ndim], dim))
                spec.extend([_ARRAY] * arr.ndim)
                dim += arr.ndim
                continue
            if not jnp.issubdtype(arr.dtype, jnp.integer):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            _check_bounds(arr, shape[dim], dim)
            spec.append(_ARRAY)
            arrays.append(arr)
            dim += 1
    return tuple(spec), arrays


def _list_index(i):
    arr = np.asarray(i._data if isinstance(i, Tensor) else i)
    if arr.dtype == object or (arr.dtype.kind not in "biu" and arr.size):  # [] is an int index
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(i).__name__})"
        )
    return jnp.asarray(arr if arr.dtype == np.bool_ else arr.astype(np.int64))


def _mask_to_indices(mask, dims, start: int) -> list:
    if isinstance(mask, jax.core.Tracer):
        raise RuntimeError(
            "Boolean-mask indexing (x[mask]) has a data-dependent shape, which a compiled "
            "function (torchlike.compile / jax.jit) cannot express. Use torch.where(mask, x, 0) "
            "or x.masked_fill(~mask, 0) instead, or index outside the compiled function."
        )
    if tuple(mask.shape) != tuple(dims):
        for k, (m, s) in enumerate(zip(mask.shape, dims)):
            if m != s:
                raise IndexError(
                    f"The shape of the mask {list(mask.shape)} at index {k} does not "
                    f"match the shape of the indexed tensor {list(dims)} at index "
                    f"{start + k}"
                )
    return [jnp.asarray(a) for a in np.nonzero(np.asarray(mask))]


def _check_bounds(arr, n: int, dim: int) -> None:
    if isinstance(arr, jax.core.Tracer) or arr.size == 0:
        return
    host = np.asarray(arr)
    bad = host[(host >= n) | (host < -n)]
    if bad.size:
        raise IndexError(
            f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}"
        )


def _decode(spec: tuple, arrays) -> tuple:
    it = iter(arrays)
    out = []
    for s in spec:
        if s == _ARRAY and isinstance(s, str):
            out.append(next(it))
        elif isinstance(s, tuple):
            out.append(slice(*s[1:]))
        else:
            out.append(s)
    return tuple(out)


def _getitem_fn(x, *arrays, spec):
    return x[_decode(spec, arrays)]


def _basic_name(spec: tuple) -> str:
    """PyTorch's name for a basic index: that of the last step that does something."""
    for s in reversed(spec):
        if s is None:
            return "Unsqueeze"
        if isinstance(s, int):
            return "Select"
        if isinstance(s, tuple) and s[1:] != (None, None, None):
            return "Slice"
    return "Slice" if any(isinstance(s, tuple) for s in spec) else "Alias"


def getitem(t: Tensor, index) -> Tensor:
    if (
        t.ndim == 0
        and index is not None
        and index is not Ellipsis
        and not (isinstance(index, tuple) and all(i is None or i is Ellipsis for i in index))
    ):
        if not isinstance(index, Tensor) or index.dtype is not _dtype.bool_:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
    spec, arrays = _encode(index, tuple(t.shape))
    out = apply(_getitem_fn, "Index" if arrays else _basic_name(spec), (t, *arrays), spec=spec)
    if not arrays:
        set_view(out, t, functools.partial(_getitem_fn, spec=spec))
    return out


def _setitem_fn(x, value, *arrays, spec):
    idx = _decode(spec, arrays)
    return x.at[idx].set(jnp.broadcast_to(jnp.asarray(value, x.dtype), x[idx].shape))


def _masked_set_fn(x, mask, value):
    return jnp.where(mask, jnp.asarray(value, x.dtype), x)


def setitem(t: Tensor, index, value) -> None:
    """``t[index] = value`` in place (recorded as PyTorch's ``CopySlices``)."""
    inplace.check_inplace(t)
    if not isinstance(value, Tensor) and not isinstance(
        value, (int, float, bool, complex, np.number)
    ):
        value = Tensor._wrap(jnp.asarray(np.asarray(value)))
    if (
        isinstance(index, Tensor)
        and index.dtype is _dtype.bool_
        and index.shape == t.shape
        and (not isinstance(value, Tensor) or value.numel() == 1)
    ):
        # whole-shape mask with a scalar: a select, which also works inside compiled code
        v = value.reshape(()) if isinstance(value, Tensor) else value
        inplace.commit(t, apply(_masked_set_fn, "MaskedFill", (t, index, v)))
        return
    spec, arrays = _encode(index, tuple(t.shape))
    target_shape = jax.eval_shape(lambda x, *a: x[_decode(spec, a)], t._data, *arrays).shape
    if isinstance(value, Tensor):
        try:
            np.broadcast_shapes(tuple(value.shape), target_shape)
        except ValueError:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
                f"indexing result of shape {list(target_shape)}"
            ) from None
        if value.ndim > len(target_shape):
            value = value.reshape(target_shape)
    out = apply(_setitem_fn, "torch::autograd::CopySlices", (t, value, *arrays), spec=spec)
    inplace.commit(t, out)


def _gather_fn(x, index, *, dim):
    return jnp.take_along_axis(x, index, axis=dim)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim)
    if index.dtype is not _dtype.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    _check_bounds(index._data, input.shape[d], d)
    return apply(_gather_fn, "Gather", (input, index), dim=d)


def _masked_fill_fn(x, mask, value):
    return jnp.where(mask, jnp.asarray(value, x.dtype), x)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{inplace._type_name(mask.dtype)}"
        )
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got "
            f"tensor with {value.ndim} dimension(s)."
        )
    return apply(_masked_fill_fn, "MaskedFill", (input, mask, value))


def _nonzero_np(arr) -> np.ndarray:
    if isinstance(arr, jax.core.Tracer):
        raise RuntimeError(
            "nonzero() has a data-dependent output shape, which a compiled function "
            "(torchlike.compile / jax.jit) cannot express. Use torch.where(cond, a, b) or masks "
            "instead, or call it outside the compiled function."
        )
    return (
        np.stack(np.nonzero(np.asarray(arr)), axis=1)
        if np.asarray(arr).ndim
        else np.zeros((int(bool(arr)), 0), np.int64)
    )


def nonzero(input: Tensor, *, as_tuple: bool = False):
    idx = _nonzero_np(input._data).astype(np.int64)
    if as_tuple:
        if input.ndim == 0:
            return (Tensor._wrap(jnp.zeros(idx.shape[0], jnp.int64)),)
        return tuple(Tensor._wrap(jnp.asarray(idx[:, k])) for k in range(idx.shape[1]))
    return Tensor._wrap(jnp.asarray(idx))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    from .shape import expand

    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    x, m = expand(input, shape), expand(mask, shape)
    return getitem(x, m)
