"""Pooling: max, average, adaptive and LP pooling in 1-3 dims, and max unpooling."""

from __future__ import annotations

import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._dispatch import apply
from ..._tensor import Tensor
from ._utils import _ntuple, _shape


def _pool_geometry(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool):
    """Output length and ``(before, after)`` padding of one spatial dim, by PyTorch's rule."""
    span = dilation * (kernel - 1) + 1
    if pad > span // 2:
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={pad}, "
            f"kernel_size={kernel} and dilation={dilation}"
        )
    out = (size + 2 * pad - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:  # the last window must start in bounds
        out -= 1
    return out, (pad, max(pad, (out - 1) * stride + span - size - pad))


def _pool_args(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode, n: int = 2):
    """Window geometry of an ``n``-d pooling, with PyTorch's checks of the 2-d kernels."""
    if input.ndim not in (n + 1, n + 2) or input.numel() == 0:
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    kernel = _ntuple(kernel_size, n)
    empty = stride is None or stride == [] or stride == ()
    stride = kernel if empty else _ntuple(stride, n)
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    if min(kernel) <= 0:
        sizes = " ".join(f"k{d}: {k}" for d, k in zip("DHW"[-n:], kernel))
        raise RuntimeError(f"kernel size should be greater than zero, but got {sizes}")
    padding, dilation = _ntuple(padding, n), _ntuple(dilation, n)
    c, spatial = input.shape[-n - 1], input.shape[-n:]
    geometry = [
        _pool_geometry(*args, ceil_mode) for args in zip(spatial, kernel, stride, padding, dilation)
    ]
    out_size = tuple(o for o, _ in geometry)
    if min(out_size) < 1:
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (c, *spatial)))}). Calculated output size: "
            f"({'x'.join(map(str, (c, *out_size)))}). Output size is too small"
        )
    return dict(
        kernel=kernel,
        stride=stride,
        padding=tuple(p for _, p in geometry),
        dilation=dilation,
        out_size=out_size,
    )


def _windows(x, init, op, kernel, stride, padding, dilation):
    lead = (1,) * (x.ndim - len(kernel))
    return lax.reduce_window(
        x,
        np.array(init, x.dtype),
        op,
        lead + kernel,
        lead + stride,
        ((0, 0),) * len(lead) + padding,
        window_dilation=lead + dilation,
    )


def _lowest(dtype) -> float | int:
    return -np.inf if jnp.issubdtype(dtype, jnp.inexact) else np.iinfo(dtype).min


def _strided(start: int, count: int, step: int) -> slice:
    return slice(start, start + (count - 1) * step + 1, step)


def _first_max(values, indices):
    """The first maximum along the last axis (NaN counts as maximum) and its index."""
    first = jnp.argmax(values, axis=-1)[..., None]
    indices = jnp.broadcast_to(indices, values.shape)
    return (
        jnp.take_along_axis(values, first, axis=-1)[..., 0],
        jnp.take_along_axis(indices, first, axis=-1)[..., 0],
    )


def _max_pool_windows(x, out_size, *, kernel, stride, padding, dilation):
    """Each output's first maximum and its flat index into the spatial dims (PyTorch's
    ``indices``: ``h * W + w`` in 2-D), from the windows stacked on a new last axis."""
    spatial = x.shape[-len(kernel) :]
    lead = ((0, 0),) * (x.ndim - len(kernel))
    xp = jnp.pad(x, lead + padding, constant_values=_lowest(x.dtype))
    flat = jnp.arange(math.prod(spatial), dtype=jnp.int64).reshape(spatial)
    flat = jnp.pad(flat, padding, constant_values=-1)
    values, indices = [], []
    for offsets in itertools.product(*map(range, kernel)):
        window = tuple(
            _strided(o * d, m, s) for o, d, m, s in zip(offsets, dilation, out_size, stride)
        )
        values.append(xp[(..., *window)])
        indices.append(flat[window])
    return _first_max(jnp.stack(values, -1), jnp.stack(indices, -1))


def _max_pool_fn(x, *, kernel, stride, padding, dilation, out_size, return_indices):
    geometry = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    if set(dilation) == {1} and not return_indices:
        # reduce_window's gradient goes to the first maximum of a window, as PyTorch's.
        return _windows(x, _lowest(x.dtype), lax.max, **geometry)
    # JAX has no max reduce_window gradient with dilation: gather the windows instead.
    out, indices = _max_pool_windows(x, out_size, **geometry)
    return (out, indices) if return_indices else out


def _pool_node(n: int, node: str) -> str:
    """The autograd node PyTorch records for an ``n``-d pooling: ``node``, but for 1-D input,
    which PyTorch pools with its 2-D kernel between an unsqueeze and a squeeze."""
    return "SqueezeBackward1" if n == 1 else node


def _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geometry = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, n)
    node = _pool_node(n, f"MaxPool{n}DWithIndices")
    return apply(_max_pool_fn, node, (input,), **geometry, return_indices=bool(return_indices))


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``; arguments as :func:`max_pool2d`.

    Shape:
        - Output: ``(N, C, L_out)``, ``L_out = (L + 2 * padding - dilation * (k - 1) - 1) //
          stride + 1`` (rounded up with ``ceil_mode``).
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)``; padding counts as ``-inf``.

    With ``return_indices=True`` also returns, per output, the flat index ``h * W + w`` of the
    window's first maximum (int64). The gradient goes to that element only, as in PyTorch.

    Shape:
        - Output: ``(N, C, H_out, W_out)``, with
          ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1`` (rounded up with
          ``ceil_mode``, but no window starts in the bottom/right padding).
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; arguments as
    :func:`max_pool2d`, indices flat over ``D * H * W``.

    Shape:
        - Output: ``(N, C, D_out, H_out, W_out)``, each size as in :func:`max_pool2d`.
    """
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_divisor(size, kernel, stride, pad, out, count_include_pad) -> np.ndarray:
    """Per output position along one dim: the window length PyTorch divides by."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _avg_pool_fn(x, *, kernel, stride, padding, count_include_pad, divisor_override):
    n = len(kernel)
    sums = _windows(x, 0, lax.add, kernel, stride, padding, (1,) * n)
    if divisor_override is not None:
        divisor = np.full(sums.shape[-n:], divisor_override)
    else:
        per_dim = [
            _avg_divisor(size, k, s, p[0], o, count_include_pad)
            for size, k, s, p, o in zip(x.shape[-n:], kernel, stride, padding, sums.shape[-n:])
        ]
        divisor = functools.reduce(np.multiply.outer, per_dim)
    if jnp.issubdtype(x.dtype, jnp.integer):
        return lax.div(sums, jnp.asarray(divisor, x.dtype))
    return sums / jnp.asarray(divisor, x.dtype)


def _avg_pool(
    n,
    input,
    kernel_size,
    stride,
    padding,
    ceil_mode,
    count_include_pad,
    divisor_override=None,
):
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geometry = _pool_args(input, kernel_size, stride, padding, 1, ceil_mode, n)
    del geometry["dilation"], geometry["out_size"]
    return apply(
        _avg_pool_fn,
        _pool_node(n, f"AvgPool{n}D"),
        (input,),
        **geometry,
        count_include_pad=bool(count_include_pad),
        divisor_override=None if divisor_override is None else int(divisor_override),
    )


def avg_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)``; arguments as :func:`avg_pool2d`.

    Shape:
        - Output: ``(N, C, L_out)``, ``L_out = (L + 2 * padding - k) // stride + 1`` (rounded up
          with ``ceil_mode``).
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)``.

    Args:
        count_include_pad: count the zero padding in the divisor.
        divisor_override: divide every window sum by this instead.

    Shape:
        - Output: ``(N, C, H_out, W_out)``, with
          ``H_out = (H + 2 * padding - kH) // stride + 1`` (rounded up with ``ceil_mode``).
    """
    return _avg_pool(
        2,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3-D average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; arguments as
    :func:`avg_pool2d`.

    Shape:
        - Output: ``(N, C, D_out, H_out, W_out)``, each size as in :func:`avg_pool2d`.
    """
    return _avg_pool(
        3,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def _adaptive_bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _adaptive_avg_pool_fn(x, *, out_size):
    """A separable average: one averaging matrix per spatial dim."""
    n = len(out_size)
    for axis, (size, out) in enumerate(zip(x.shape[-n:], out_size), start=x.ndim - n):
        weights = np.zeros((size, out), np.float64)
        for i, (lo, hi) in enumerate(_adaptive_bins(size, out)):
            weights[lo:hi, i] = 1 / (hi - lo)
        moved = jnp.tensordot(jnp.moveaxis(x, axis, -1), weights.astype(x.dtype), axes=1)
        x = jnp.moveaxis(moved, -1, axis)
    return x


def _adaptive_max_pool_fn(x, *, out_size, return_indices):
    """Every window padded to the largest one's size with ``-inf`` and gathered by flat index."""
    n = len(out_size)
    spatial = x.shape[-n:]
    bins = [_adaptive_bins(size, out) for size, out in zip(spatial, out_size)]
    longest = [max(hi - lo for lo, hi in b) for b in bins]
    flat_size = math.prod(spatial)
    index = np.full((*out_size, math.prod(longest)), flat_size, np.int64)  # flat_size: padding
    for pos in itertools.product(*map(range, out_size)):
        ranges = [range(*b[p]) for b, p in zip(bins, pos)]
        cells = [np.ravel_multi_index(c, spatial) for c in itertools.product(*ranges)]
        index[pos][: len(cells)] = cells
    flat = x.reshape(*x.shape[:-n], flat_size)
    flat = jnp.concatenate([flat, jnp.full((*flat.shape[:-1], 1), _lowest(x.dtype), x.dtype)], -1)
    out, indices = _first_max(flat[..., index], index)
    return (out, indices) if return_indices else out


def _adaptive_size(input: Tensor, output_size, n: int) -> tuple[int, ...]:
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * n
    return tuple(
        int(s) if s is not None else input.shape[input.ndim - n + i] for i, s in enumerate(sizes)
    )


def _adaptive_pool(kind: str, n: int, input: Tensor, output_size, **kwargs):
    """``adaptive_{kind}_pool{n}d`` (``kind``: ``"avg"`` or ``"max"``); ``kwargs`` go to the max
    kernel."""
    if input.ndim not in (n + 1, n + 2):
        sep = ":" if kind == "max" else ""  # PyTorch's two messages differ by this colon
        raise RuntimeError(
            f"adaptive_{kind}_pool{n}d(): Expected {n + 1}D or {n + 2}D tensor, but got{sep} "
            f"{_shape(input)}"
        )
    fn = _adaptive_max_pool_fn if kind == "max" else _adaptive_avg_pool_fn
    node = _pool_node(n, f"Adaptive{kind.title()}Pool{n}D")
    return apply(fn, node, (input,), out_size=_adaptive_size(input, output_size, n), **kwargs)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D average pooling to ``output_size`` positions, windows as PyTorch picks them.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``; output ``(N, C, output_size)``.
    """
    return _adaptive_pool("avg", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D average pooling to ``output_size`` (an int, or a pair whose ``None`` keeps the input's
    size): output cell ``i`` averages rows ``floor(i * H / H_out)`` to ``ceil((i + 1) * H /
    H_out)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.
    """
    return _adaptive_pool("avg", 2, input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D max pooling to ``output_size`` positions; ``return_indices`` as :func:`max_pool1d`.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``; output ``(N, C, output_size)``.
    """
    return _adaptive_pool("max", 1, input, output_size, return_indices=bool(return_indices))


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D max pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`; with
    ``return_indices`` also the flat index ``h * W + w`` of each window's first maximum.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.
    """
    return _adaptive_pool("max", 2, input, output_size, return_indices=bool(return_indices))


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D average pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``.
    """
    return _adaptive_pool("avg", 3, input, output_size)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D max pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`; indices
    flat over ``D * H * W``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``.
    """
    return _adaptive_pool("max", 3, input, output_size, return_indices=bool(return_indices))


# -- LP pooling ------------------------------------------------------------------------------------


def _lp_pool(input: Tensor, norm_type: float, kernel: tuple, pool, stride, ceil_mode) -> Tensor:
    """PyTorch's composition: ``(sign(avg) * relu(|avg|) * prod(kernel)) ** (1 / p)`` of the
    average of ``x ** p`` over each window."""
    kernel_size = kernel if len(kernel) > 1 else kernel[0]
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum x^p) ** (1 / p)`` over 1-D windows (no padding).

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``; output ``(N, C, L_out)``.
    """
    return _lp_pool(input, norm_type, _ntuple(kernel_size, 1), avg_pool1d, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 2-D windows, as :func:`lp_pool1d`.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.
    """
    return _lp_pool(input, norm_type, _ntuple(kernel_size, 2), avg_pool2d, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 3-D windows, as :func:`lp_pool1d`.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``.
    """
    return _lp_pool(input, norm_type, _ntuple(kernel_size, 3), avg_pool3d, stride, ceil_mode)


# -- max unpooling ---------------------------------------------------------------------------------


@jax.custom_vjp
def _scatter_rows(x, idx, zeros):
    """``zeros`` with ``x[r, j]`` written at ``[r, idx[r, j]]``; its gradient gathers at ``idx``
    (so positions written twice both get it, as PyTorch's backward does)."""
    return zeros.at[jnp.arange(x.shape[0])[:, None], idx].set(x, mode="drop")


def _scatter_rows_fwd(x, idx, zeros):
    return _scatter_rows(x, idx, zeros), idx


def _scatter_rows_bwd(idx, g):
    return jnp.take_along_axis(g, idx, axis=1, mode="fill", fill_value=0), None, None


_scatter_rows.defvjp(_scatter_rows_fwd, _scatter_rows_bwd)


def _max_unpool_fn(x, idx, *, out_size):
    n = len(out_size)
    batch = x.shape[:-n]
    rows = math.prod(batch)
    zeros = jnp.zeros((rows, math.prod(out_size)), x.dtype)
    out = _scatter_rows(x.reshape(rows, -1), idx.reshape(rows, -1), zeros)
    return out.reshape(*batch, *out_size)


def _unpool_output_size(input: Tensor, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's rule: ``(in - 1) * stride + kernel - 2 * padding``, or a given ``output_size``
    within ``stride`` of it."""
    n = len(kernel)
    default = [
        (input.shape[input.ndim - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
        for d in range(n)
    ]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(
            f"output_size should be a sequence containing {n} or {n + 2} elements, but it has "
            f"a length of '{len(output_size)}'"
        )
    for d in range(n):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(
                f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {low} and '
                f"{high})"
            )
    return tuple(int(s) for s in output_size)


def _max_unpool(n: int, input, indices, kernel_size, stride, padding, output_size) -> Tensor:
    kernel = _ntuple(kernel_size, n)
    stride = kernel if stride is None else _ntuple(stride, n)
    padding = _ntuple(padding, n)
    out_size = _unpool_output_size(input, kernel, stride, padding, output_size)
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    node = _pool_node(n, f"MaxUnpool{n}D")
    return apply(_max_unpool_fn, node, (input, indices), out_size=out_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of :func:`max_pool1d`: each value is put back at its ``indices``
    (flat positions in the output length), zeros elsewhere.

    Shape:
        - Input and indices: ``(N, C, L_in)`` or ``(C, L_in)``; output ``(N, C, L_out)`` with
          ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size`` or ``output_size``.
    """
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of :func:`max_pool2d`, as :func:`max_unpool1d` (indices are flat
    positions in ``H_out * W_out``).

    Shape:
        - Input and indices: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``; output
          ``(N, C, H_out, W_out)``.
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of :func:`max_pool3d`, as :func:`max_unpool1d`.

    Shape:
        - Input and indices: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``; output
          ``(N, C, D_out, H_out, W_out)``.
    """
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)
