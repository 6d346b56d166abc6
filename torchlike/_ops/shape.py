"""Shape and view ops: ``view``/``reshape``, ``permute``, ``squeeze``, ``cat``, ``split`` ...

Ops that are views in PyTorch return tensors marked as views of their input (see
``torchlike._tensor.set_view``), so in-place writes through them reach the original tensor.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor, _wrap_dim, set_view


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def _view_op(fn, name: str, input: Tensor, **static) -> Tensor:
    out = apply(fn, name, (input,), **static)
    return set_view(out, input, functools.partial(fn, **static))


def _infer_shape(shape: tuple, numel: int) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _reshape_fn(x, *, shape):
    return x.reshape(shape)


def reshape(input: Tensor, *shape) -> Tensor:
    shape = _infer_shape(_sizes(shape), input.numel())
    return _view_op(_reshape_fn, "View", input, shape=shape)


def view(input: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("Tensor.view(dtype) (bit reinterpretation) is not supported")
    return reshape(input, *shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, tuple(other.shape))


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, tuple(other.shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, input.ndim), _wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = tuple(input.shape)
    return reshape(input, shp[:s] + (math.prod(shp[s : e + 1]),) + shp[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    d = _wrap_dim(dim, input.ndim)
    shp = tuple(input.shape)
    inner = _infer_shape(tuple(sizes), shp[d])
    return reshape(input, shp[:d] + inner + shp[d + 1 :])


def _squeeze_fn(x, *, dims):
    return jnp.squeeze(x, dims)


def squeeze(input: Tensor, dim=None) -> Tensor:
    if dim is None:
        dims = tuple(i for i, s in enumerate(input.shape) if s == 1)
    else:
        ds = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = tuple(
            d for d in (_wrap_dim(d, input.ndim) for d in ds) if input.ndim and input.shape[d] == 1
        )
    name = (
        "Squeeze"
        if dim is None
        else "SqueezeBackward2"
        if isinstance(dim, (tuple, list))
        else "SqueezeBackward1"
    )
    return _view_op(_squeeze_fn, name, input, dims=dims)


def _unsqueeze_fn(x, *, dim):
    return jnp.expand_dims(x, dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return _view_op(_unsqueeze_fn, "Unsqueeze", input, dim=_wrap_dim(dim, input.ndim + 1))


def _permute_fn(x, *, dims):
    return jnp.transpose(x, dims)


def permute(input: Tensor, *dims) -> Tensor:
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_op(_permute_fn, "Permute", input, dims=dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    if input.ndim == 0:
        return _view_op(_permute_fn, "Transpose", input, dims=())
    perm = list(range(input.ndim))
    a, b = _wrap_dim(dim0, input.ndim), _wrap_dim(dim1, input.ndim)
    perm[a], perm[b] = perm[b], perm[a]
    return _view_op(_permute_fn, "Transpose", input, dims=tuple(perm))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return input
    return _view_op(_permute_fn, "T", input, dims=(1, 0))


def movedim(input: Tensor, source, destination) -> Tensor:
    perm = np.moveaxis(np.arange(input.ndim), source, destination)
    return permute(input, tuple(int(p) for p in perm))


moveaxis = movedim


def _expand_fn(x, *, shape):
    return jnp.broadcast_to(x, shape)


def expand(input: Tensor, *sizes) -> Tensor:
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{input.dtype.name.capitalize()}Tensor{{{list(input.shape)}}}, "
            f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(
                    "The expanded size of the tensor (-1) isn't allowed in a leading,"
                    " non-existing dimension 0"
                )
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
        shape.append(s)
    return _view_op(_expand_fn, "Expand", input, shape=tuple(shape))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tuple(other.shape))


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def _tile_fn(x, *, reps):
    return jnp.tile(x, reps)


def repeat(input: Tensor, *sizes) -> Tensor:
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of "
            "dimensions of tensor"
        )
    return apply(_tile_fn, "Repeat", (input,), reps=sizes)


def tile(input: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return apply(_tile_fn, "Repeat", (input,), reps=dims)


def _concat_fn(*xs, dim, dtype):
    return jnp.concatenate([x.astype(dtype) for x in xs], axis=dim)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out=None) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy 1-d empty tensors in cat
    ts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = ts[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(ts[1:], 1):
        if t.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}"
            )
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list."
                )
    dt = _dtype.result_type(*ts)
    return apply(_concat_fn, "Cat", tuple(ts), dim=d, dtype=dt.np)


concat = concatenate = cat


def _stack_fn(*xs, dim, dtype):
    return jnp.stack([x.astype(dtype) for x in xs], axis=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out=None) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(t.shape)} at entry {i}"
            )
    d = _wrap_dim(dim, tensors[0].ndim + 1)
    dt = _dtype.result_type(*tensors)
    return apply(_stack_fn, "Stack", tuple(tensors), dim=d, dtype=dt.np)


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


def _split_fn(x, *, bounds, dim):
    return tuple(x[(slice(None),) * dim + (slice(a, b),)] for a, b in bounds)


def _split_bounds(sizes) -> tuple:
    out, acc = [], 0
    for s in sizes:
        out.append((acc, acc + s))
        acc += s
    return tuple(out)


def _split_views(input: Tensor, sizes, dim: int) -> tuple:
    bounds = _split_bounds(sizes)
    outs = apply(_split_fn, "Split", (input,), bounds=bounds, dim=dim)
    for (a, b), o in zip(bounds, outs):
        set_view(o, input, functools.partial(_slice_fn, start=a, stop=b, dim=dim))
    return outs


def _slice_fn(x, *, start, stop, dim):
    return x[(slice(None),) * dim + (slice(start, stop),)]


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    d = _wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {d}), but got split_sizes={sizes}"
            )
    return _split_views(tensor, sizes, d)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    size = -(-n // chunks) if n else 0
    return split(input, size, d) if size else _split_views(input, [0] * chunks, d)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        idx = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(idx[:-1], idx[1:])]
    return _split_views(input, sizes, d)


def _unbind_fn(x, *, dim):
    return tuple(jnp.moveaxis(x, dim, 0))


def _select_fn(x, *, dim, index):
    return jnp.take(x, index, axis=dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] == 0:
        return ()
    outs = apply(_unbind_fn, "Unbind", (input,), dim=d)
    if not isinstance(outs, tuple):
        outs = (outs,)
    for i, o in enumerate(outs):
        set_view(o, input, functools.partial(_select_fn, dim=d, index=i))
    return outs


def select(input: Tensor, dim: int, index: int) -> Tensor:
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{list(input.shape)} at dimension {d}"
        )
    return _view_op(_select_fn, "Select", input, dim=d, index=index % n)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    d = _wrap_dim(dim, input.ndim)
    start = int(start) % input.shape[d] if start < 0 else int(start)
    if start + length > input.shape[d]:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({input.shape[d]})."
        )
    return _view_op(_slice_fn, "Slice", input, start=start, stop=start + length, dim=d)


def _flip_fn(x, *, dims):
    return jnp.flip(x, dims)


def flip(input: Tensor, dims) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(_flip_fn, "Flip", (input,), dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


def _roll_fn(x, *, shifts, dims):
    return jnp.roll(x, shifts, dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    if dims is None:
        return reshape(
            apply(_roll_fn, "Roll", (flatten(input),), shifts=shifts, dims=0), tuple(input.shape)
        )
    shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else shifts
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
    return apply(_roll_fn, "Roll", (input,), shifts=shifts, dims=dims)


def _tril_fn(x, *, k, upper):
    return jnp.triu(x, k) if upper else jnp.tril(x, k)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return apply(_tril_fn, "Tril", (input,), k=diagonal, upper=False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return apply(_tril_fn, "Triu", (input,), k=diagonal, upper=True)
