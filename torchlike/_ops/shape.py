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
from .indexing import basic_view


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
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
            f"the same number of dims as destination ({dst} dims)"
        )
    src = [_wrap_dim(d, input.ndim) for d in src]
    dst = [_wrap_dim(d, input.ndim) for d in dst]
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


def _expand_fn(x, *, shape):
    return jnp.broadcast_to(x, shape)


def expand(input: Tensor, *sizes) -> Tensor:
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand({input.type()}{{{list(input.shape)}}}, "
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


# A longer dim is unbound a chunk at a time (chunks are narrow views), so iterating over a tensor of
# any length compiles a few small programs: one program with thousands of outputs took seconds.
_UNBIND_CHUNK = 64


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if n == 0:
        return ()
    if n > _UNBIND_CHUNK:
        return tuple(
            piece
            for start in range(0, n, _UNBIND_CHUNK)
            for piece in unbind(narrow(input, d, start, min(_UNBIND_CHUNK, n - start)), d)
        )
    outs = apply(_unbind_fn, "Unbind", (input,), dim=d)
    if not isinstance(outs, tuple):
        outs = (outs,)
    for i, o in enumerate(outs):
        set_view(o, input, functools.partial(_select_fn, dim=d, index=i))
    return outs


def select(input: Tensor, dim: int, index: int) -> Tensor:
    d = _wrap_dim(dim, input.ndim)
    n, index = input.shape[d], int(index)
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{list(input.shape)} at dimension {d}"
        )
    return basic_view(input, (slice(None),) * d + (index,), "Select")


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The ``length`` elements from ``start`` along ``dim`` (a view; ``start`` is passed to one
    compiled program as a value, so a loop over starts compiles once)."""
    d = _wrap_dim(dim, input.ndim)
    start = int(start) % input.shape[d] if start < 0 else int(start)
    if start + length > input.shape[d]:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({input.shape[d]})."
        )
    return basic_view(input, (slice(None),) * d + (slice(start, start + int(length)),), "Slice")


def _flip_fn(x, *, dims):
    return jnp.flip(x, dims)


def flip(input: Tensor, dims) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(_flip_fn, "Flip", (input,), dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


def _roll_fn(x, shifts, *, dims):
    return jnp.roll(x, shifts, dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """``torch.roll``; the shifts are passed as values, so changing them does not recompile."""
    if dims is None:
        shifted = apply(_roll_fn, "Roll", (flatten(input), _shift_array(shifts)), dims=0)
        return reshape(shifted, tuple(input.shape))
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
    return apply(_roll_fn, "Roll", (input, _shift_array(shifts)), dims=dims)


def _shift_array(shifts) -> np.ndarray:
    if isinstance(shifts, (list, tuple)):
        return np.array([int(s) for s in shifts], np.int64)
    return np.array(int(shifts), np.int64)


def _tril_fn(x, *, k, upper):
    return jnp.triu(x, k) if upper else jnp.tril(x, k)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return apply(_tril_fn, "Tril", (input,), k=diagonal, upper=False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return apply(_tril_fn, "Triu", (input,), k=diagonal, upper=True)


def _rot90_fn(x, *, k, dims):
    return jnp.rot90(x, k, dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times, from the first of ``dims`` towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = (_wrap_dim(d, input.ndim) for d in dims)
    if a == b:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}"
        )
    return apply(_rot90_fn, "Rot90", (input,), k=int(k) % 4, dims=(a, b))


def flipud(input: Tensor) -> Tensor:
    """Flip the first dim."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def fliplr(input: Tensor) -> Tensor:
    """Flip the second dim."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def _diagonal_fn(x, *, offset, dim1, dim2):
    return jnp.diagonal(x, offset, dim1, dim2)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over ``dim1``/``dim2`` as the last dim (a view, as in PyTorch)."""
    a, b = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _view_op(_diagonal_fn, "Diagonal", input, offset=int(offset), dim1=a, dim2=b)


def _diag_embed_fn(x, *, offset, dim1, dim2):
    n = x.shape[-1] + abs(offset)
    eye = jnp.eye(n, k=offset, dtype=bool)
    rows = jnp.arange(n) - max(-offset, 0)
    vals = jnp.take(x, jnp.clip(rows, 0, x.shape[-1] - 1), axis=-1)
    out = jnp.where(eye, vals[..., :, None], jnp.zeros((), x.dtype))
    return jnp.moveaxis(out, (-2, -1), (dim1, dim2))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dim of ``input`` on their (``offset``) diagonal."""
    nd = input.ndim + 1
    a, b = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(_diag_embed_fn, "DiagEmbed", (input,), offset=int(offset), dim1=a, dim2=b)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """A 1-d input becomes a diagonal matrix; a 2-d input gives its diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return apply(_diagonal_fn, "Diag", (input,), offset=int(diagonal), dim1=0, dim2=1)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids; ``indexing='ij'`` (PyTorch's default, with its warning) or ``'xy'``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings

        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}"
            )
    ts = [reshape(t, (-1,)) for t in tensors]
    sizes = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        axis = i if not (indexing == "xy" and i < 2 and len(ts) >= 2) else 1 - i
        shape = [1] * len(ts)
        shape[axis] = t.shape[0]
        out.append(expand(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape."""
    from .pointwise import broadcast_shapes

    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def _atleast(n: int):
    def op(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(op(t) for t in tensors[0])
        if len(tensors) > 1:
            return tuple(op(t) for t in tensors)
        t = tensors[0]
        if t.ndim >= n:
            return t
        if n == 3 and t.ndim == 2:
            return unsqueeze(t, -1)
        if n == 3 and t.ndim == 1:
            return reshape(t, (1, t.shape[0], 1))
        return reshape(t, (1,) * (n - t.ndim) + tuple(t.shape))

    op.__name__ = f"atleast_{n}d"
    return op


atleast_1d = _atleast(1)
atleast_2d = _atleast(2)
atleast_3d = _atleast(3)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor."""
    return reshape(input, (-1,))


def column_stack(tensors) -> Tensor:
    """Concatenate along dim 1 (1-d and 0-d tensors become columns)."""
    return cat([reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in tensors], 1)


def dstack(tensors) -> Tensor:
    """Concatenate along dim 2, after ``atleast_3d``."""
    return cat(atleast_3d(*tensors) if len(tensors) > 1 else [atleast_3d(tensors[0])], 2)


def row_stack(tensors) -> Tensor:
    """Alias of ``vstack``."""
    return vstack(tensors)


def _split_sections(input: Tensor, sections, dim: int, fname: str, min_ndim: int) -> tuple:
    """``tensor_split`` for ``hsplit``/``vsplit``: at least ``min_ndim`` dims, even sections."""
    if input.ndim < min_ndim:
        raise RuntimeError(
            f"torch.{fname} requires a tensor with at least {min_ndim} dimension, but got a "
            f"tensor with {input.ndim} dimensions!"
        )
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(
            f"torch.{fname} attempted to split along dimension {dim}, but the size of the "
            f"dimension {input.shape[dim]} is not divisible by the split_size {sections}!"
        )
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 1 (dim 0 for 1-d tensors); sections must divide evenly."""
    dim = 1 if input.ndim > 1 else 0
    return _split_sections(input, indices_or_sections, dim, "hsplit", 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 0; sections must divide evenly."""
    return _split_sections(input, indices_or_sections, 0, "vsplit", 2)


def _repeat_interleave_fn(x, *, repeats, dim, total):
    reps = np.asarray(repeats) if isinstance(repeats, tuple) else repeats
    return jnp.repeat(x, reps, axis=dim, total_repeat_length=total)


def repeat_interleave(input, repeats=None, dim: int | None = None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (the flattened input by default);
    tensor ``repeats`` are read on the host (the result's size depends on them)."""
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        reps = np.asarray(repeats._data).astype(np.int64)
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        reps = tuple(int(r) for r in reps.reshape(-1)) if reps.ndim else int(reps)
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        reps = int(repeats)
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if isinstance(reps, tuple) and len(reps) not in (1, n):
        raise RuntimeError(
            f"repeats must have the same size as input along dim, but got repeats.size(0) = "
            f"{len(reps)} and input.size({d}) = {n}"
        )
    if isinstance(reps, tuple) and len(reps) == 1:
        reps = reps[0]
    total = sum(reps) if isinstance(reps, tuple) else reps * n
    return apply(
        _repeat_interleave_fn, "RepeatInterleave", (input,), repeats=reps, dim=d, total=total
    )


def _block_diag_fn(*xs, dtype):
    rows = sum(x.shape[0] for x in xs)
    cols = sum(x.shape[1] for x in xs)
    out = jnp.zeros((rows, cols), dtype)
    r = c = 0
    for x in xs:
        out = out.at[r : r + x.shape[0], c : c + x.shape[1]].set(x.astype(dtype))
        r, c = r + x.shape[0], c + x.shape[1]
    return out


def block_diag(*tensors) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) along the diagonal of one matrix."""
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t.ndim} dimensions"
            )
    mats = tuple(t.reshape(1, -1) if t.ndim < 2 else t for t in tensors)
    dt = _dtype.result_type(*tensors) if tensors else _dtype.get_default_dtype()
    return apply(_block_diag_fn, "BlockDiag", mats, dtype=dt.np)


def cartesian_prod(*tensors) -> Tensor:
    """All combinations of the elements of 1-d tensors, one per row."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on the ``offset`` diagonal of a square matrix."""
    return diag_embed(reshape(input, (-1,)), offset, 0, 1)


def _triangle_indices(row: int, col: int, offset: int, upper: bool, dtype) -> Tensor:
    from .creation import tensor

    rows, cols = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype or _dtype.int64)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The ``(2, N)`` coordinates of the lower triangle of a ``row`` x ``col`` matrix."""
    out = _triangle_indices(row, col, offset, False, dtype)
    return out if device is None else out.to(device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The ``(2, N)`` coordinates of the upper triangle of a ``row`` x ``col`` matrix."""
    out = _triangle_indices(row, col, offset, True, dtype)
    return out if device is None else out.to(device)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of the elements of a 1-D tensor, one per row."""
    import itertools

    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._wrap(jnp.zeros((0,), input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(np.arange(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[Tensor._wrap(jnp.asarray(idx))]


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    if sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} (input "
            f"tensor's size at dimension {dim}), but got split_sizes={list(split_sizes)}"
        )
    return input.split(list(split_sizes), dim)


def unsafe_split(input: Tensor, split_size, dim: int = 0) -> tuple:
    return input.split(split_size, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    return input.chunk(chunks, dim)
