"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, and ``unfold``/``fold`` (sliding
local blocks, which PyTorch lists with the convolution functions)."""

from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
from jax import lax

from ..._dispatch import apply
from ..._dtype import type_name
from ..._ops.linalg import _autocasting
from ..._tensor import Tensor
from ._utils import _ntuple, _pair, _shape
from .pooling import _strided

# NC + spatial layouts, so PyTorch's NCHW tensors and OIHW filters need no transposes.
_CONV_LAYOUTS = {
    1: ("NCH", "OIH", "NCH"),
    2: ("NCHW", "OIHW", "NCHW"),
    3: ("NCDHW", "OIDHW", "NCDHW"),
}


# At most this many output positions per image, a plain convolution runs as a matmul over the
# input's shifted windows: XLA's CPU convolution is 20-100x slower there (a 3x3 kernel over a 2x2
# or 1x1 map, as in a ResNet's last stages on small images), forward and backward.
_SMALL_CONV_OUTPUT = 4


def _conv_as_matmul(x, w, stride, padding, dilation):
    """The convolution of ``(N, C, *S)`` by ``(O, C, *K)`` as one dot product over its windows.

    Kernel taps that only ever see padding add zeros, so they are left out."""
    sizes, kernel = x.shape[2:], w.shape[2:]
    outs, taps = [], []
    for s, (lo, hi), k, d, st in zip(sizes, padding, kernel, dilation, stride):
        o = (s + lo + hi - d * (k - 1) - 1) // st + 1
        seen = [j for j in range(k) if j * d <= lo + s - 1 and j * d + (o - 1) * st >= lo]
        outs.append(o)
        taps.append(range(seen[0], seen[-1] + 1) if seen else range(0))
    if any(len(t) == 0 for t in taps):
        return jnp.zeros((x.shape[0], w.shape[0], *outs), jnp.result_type(x, w))
    w = w[(slice(None), slice(None)) + tuple(slice(t.start, t.stop) for t in taps)]
    x = jnp.pad(x, [(0, 0), (0, 0), *padding])
    windows = []
    for offset in itertools.product(*taps):
        start = [j * d for j, d in zip(offset, dilation)]
        limit = [a + (o - 1) * st + 1 for a, o, st in zip(start, outs, stride)]
        windows.append(lax.slice(x, (0, 0, *start), (*x.shape[:2], *limit), (1, 1, *stride)))
    cols = jnp.stack(windows, axis=2).reshape(x.shape[0], -1, *outs)
    y = lax.dot_general(cols, w.reshape(w.shape[0], -1), (((1,), (1,)), ((), ())))
    return jnp.moveaxis(y, -1, 1)


def _conv_fn(x, w, b, *, stride, padding, dilation, groups, lhs_dilation):
    n = w.ndim - 2
    batched = x.ndim == n + 2
    xb = x if batched else x[None]
    outs = [
        (s + lo + hi - d * (k - 1) - 1) // st + 1
        for s, (lo, hi), k, d, st in zip(xb.shape[2:], padding, w.shape[2:], dilation, stride)
    ]
    if groups == 1 and lhs_dilation is None and math.prod(outs) <= _SMALL_CONV_OUTPUT:
        y = _conv_as_matmul(xb, w, stride, padding, dilation)
    else:
        y = lax.conv_general_dilated(
            xb,
            w,
            window_strides=stride,
            padding=padding,
            lhs_dilation=lhs_dilation,
            rhs_dilation=dilation,
            dimension_numbers=_CONV_LAYOUTS[n],
            feature_group_count=groups,
        )
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * n)
    return y if batched else y[0]


def _conv_transpose_fn(x, w, b, *, stride, padding, dilation, groups):
    """A transposed convolution is the convolution of the ``stride``-dilated input with the
    flipped filter whose in/out channels are swapped within each group."""
    c_in, c_out_per_group, *kernel = w.shape
    w = w.reshape(groups, c_in // groups, c_out_per_group, *kernel).swapaxes(1, 2)
    w = w.reshape(groups * c_out_per_group, c_in // groups, *kernel)
    w = jnp.flip(w, axis=tuple(range(2, w.ndim)))
    return _conv_fn(
        x,
        w,
        b,
        stride=(1,) * len(kernel),
        padding=padding,
        dilation=dilation,
        groups=groups,
        lhs_dilation=stride,
    )


def _conv_padding(padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``((before, after), ...)`` per spatial dim for an int, a tuple, ``'valid'`` or ``'same'``."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # PyTorch puts the odd pixel of an even kernel's padding on the bottom/right.
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _ntuple(padding, n))


def _check_conv(input: Tensor, weight: Tensor, n: int, op: str) -> list[int]:
    """PyTorch's checks shared by convolutions and transposed ones; returns the batched shape."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but got input "
            f"of size: {_shape(input)}"
        )
    if input.dtype is not weight.dtype and not _autocasting(input, weight):
        raise RuntimeError(
            f"expected scalar type {type_name(input.dtype)} but found {type_name(weight.dtype)}"
        )
    return _shape(input) if input.ndim == n + 2 else [1] + _shape(input)


def _check_conv_shapes(shape, weight: Tensor, bias, groups: int, pads, dilation) -> None:
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{_shape(weight)}] instead"
        )
    if shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_shape(weight)}, expected input{shape} to "
            f"have {weight.shape[1] * groups} channels, but got {shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(
            f"Given weight of size {_shape(weight)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {_shape(bias)} instead"
        )
    padded = [n + lo + hi for n, (lo, hi) in zip(shape[2:], pads)]
    kernel = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation)]
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
            "actual input size"
        )


def _convnd(n: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    stride, dilation = _ntuple(stride, n), _ntuple(dilation, n)
    pads = _conv_padding(padding, tuple(weight.shape[2:]), stride, dilation)
    shape = _check_conv(input, weight, n, f"conv{n}d")
    _check_conv_shapes(shape, weight, bias, groups, pads, dilation)
    return apply(
        _conv_fn,
        "Convolution",
        (input, weight, bias),
        stride=stride,
        padding=pads,
        dilation=dilation,
        groups=int(groups),
        lhs_dilation=None,
    )


def conv1d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over ``(N, C_in, L)`` with ``(C_out, C_in / groups, k)`` filters.

    Arguments as :func:`conv2d`, each an int or a 1-tuple.

    Shape:
        - Input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        - Output: ``(N, C_out, L_out)``, ``L_out = (L + 2 * padding - dilation * (k - 1) - 1)
          // stride + 1``.
    """
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation over NCHW images with OIHW filters (no layout transposes).

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out)`` or ``None``.
        stride, dilation: an int or a pair.
        padding: an int, a pair, ``'valid'`` or ``'same'`` (stride 1 only).
        groups: split the channels into this many independent convolutions.

    Shape:
        - Output: ``(N, C_out, H_out, W_out)``, with
          ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1``.
    """
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation over ``(N, C_in, D, H, W)`` with ``(C_out, C_in / groups, kD, kH,
    kW)`` filters; arguments as :func:`conv2d`, each an int or a triple.

    Shape:
        - Input: ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)``.
        - Output: ``(N, C_out, D_out, H_out, W_out)``, each size as in :func:`conv2d`.
    """
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(n, input, weight, bias, stride, padding, output_padding, groups, dilation):
    stride, dilation = _ntuple(stride, n), _ntuple(dilation, n)
    padding, output_padding = _ntuple(padding, n), _ntuple(output_padding, n)
    shape = _check_conv(input, weight, n, f"conv_transpose{n}d")
    if shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {_shape(weight)}, expected input{shape} to have "
            f"{weight.shape[0]} channels, but got {shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[1] * groups):
        raise RuntimeError(
            f"Given transposed=1, weight of size {_shape(weight)}, expected bias to be "
            f"1-dimensional with {weight.shape[1] * groups} elements, but got bias of size "
            f"{_shape(bias)} instead"
        )
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        _raise_output_padding(output_padding, stride, dilation)
    spans = [d * (k - 1) for k, d in zip(weight.shape[2:], dilation)]
    pads = tuple((t - p, t - p + op) for t, p, op in zip(spans, padding, output_padding))
    return apply(
        _conv_transpose_fn,
        "Convolution",
        (input, weight, bias),
        stride=stride,
        padding=pads,
        dilation=dilation,
        groups=int(groups),
    )


def _raise_output_padding(output_padding, stride, dilation) -> None:
    """PyTorch's message, which names the dims as 2-d (1-d is run as 2-d with height 1)."""
    if len(stride) == 1:
        output_padding, stride, dilation = (0, *output_padding), (1, *stride), (1, *dilation)
    dims = ("depth", "height", "width")[-len(stride) :]
    values = " ".join(
        f"{name}_{dim}: {v}"
        for name, seq in (
            ("output_padding", output_padding),
            ("stride", stride),
            ("dilation", dilation),
        )
        for dim, v in zip(dims, seq)
    )
    raise RuntimeError(
        f"output padding must be smaller than either stride or dilation, but got {values}"
    )


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """1-D transposed convolution ("deconvolution"), the gradient of :func:`conv1d` with respect
    to its input; arguments as :func:`conv_transpose2d`.

    Shape:
        - Input: ``(N, C_in, L)`` or ``(C_in, L)``; weight ``(C_in, C_out / groups, k)``.
        - Output: ``(N, C_out, L_out)``, ``L_out = (L - 1) * stride - 2 * padding +
          dilation * (k - 1) + output_padding + 1``.
    """
    return _conv_transposend(
        1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """2-D transposed convolution, the gradient of :func:`conv2d` with respect to its input.

    Args:
        weight: ``(C_in, C_out / groups, kH, kW)`` (PyTorch's transposed layout).
        padding: ``dilation * (k - 1) - padding`` zeros are added on each side of the input.
        output_padding: extra size added on the bottom/right of the output, to pick one of the
            input sizes a strided convolution maps to the same output size.

    Shape:
        - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        - Output: ``(N, C_out, H_out, W_out)``, ``H_out = (H - 1) * stride - 2 * padding +
          dilation * (kH - 1) + output_padding + 1``.
    """
    return _conv_transposend(
        2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """3-D transposed convolution; arguments and sizes as :func:`conv_transpose2d`.

    Shape:
        - Input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.
        - Output: ``(N, C_out, D_out, H_out, W_out)``.
    """
    return _conv_transposend(
        3, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


# -- folding ---------------------------------------------------------------------------------------


def _block_slices(out_size, kernel, dilation, stride):
    """For each kernel offset ``(i, j)``: the strided slices of the padded image it reads."""
    for i, j in itertools.product(range(kernel[0]), range(kernel[1])):
        yield (
            _strided(i * dilation[0], out_size[0], stride[0]),
            _strided(j * dilation[1], out_size[1], stride[1]),
        )


def _unfold_fn(x, *, kernel, dilation, padding, stride, blocks):
    xp = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p) for p in padding])
    cols = jnp.stack([xp[(..., *s)] for s in _block_slices(blocks, kernel, dilation, stride)], -3)
    # (..., C, kH * kW, bH, bW) -> (..., C * kH * kW, bH * bW), channel-major as in PyTorch.
    return cols.reshape(*x.shape[:-3], -1, blocks[0] * blocks[1])


def _fold_fn(x, *, output_size, kernel, dilation, padding, stride, blocks):
    lead = x.shape[:-2]
    k = kernel[0] * kernel[1]
    cols = x.reshape(*lead, -1, k, *blocks)
    padded = [n + 2 * p for n, p in zip(output_size, padding)]
    out = jnp.zeros((*lead, cols.shape[-4], *padded), x.dtype)
    for i, s in enumerate(_block_slices(blocks, kernel, dilation, stride)):
        out = out.at[(..., *s)].add(cols[..., i, :, :])
    return out[
        ..., padding[0] : padding[0] + output_size[0], padding[1] : padding[1] + output_size[1]
    ]


def _blocks(size, kernel, dilation, padding, stride) -> tuple[int, ...]:
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)
    )


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding ``kernel_size`` blocks of an image as columns (im2col).

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C * kH * kW, L)``, ``L`` the number of blocks, channel-major as PyTorch.
    """
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    kernel, dilation, padding, stride = map(_pair, (kernel_size, dilation, padding, stride))
    blocks = _blocks(input.shape[-2:], kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({input.shape[-2]}, {input.shape[-1]}), "
            f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), "
            f"padding=({padding[0]}, {padding[1]}), calculated shape of the array of sliding "
            f"blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one."
        )
    return apply(
        _unfold_fn,
        "Im2Col",
        (input,),
        kernel=kernel,
        dilation=dilation,
        padding=padding,
        stride=stride,
        blocks=blocks,
    )


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns of sliding blocks back into an image (col2im), :func:`unfold`'s adjoint.

    Shape:
        - Input: ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``.
        - Output: ``(N, C, *output_size)``.
    """
    if input.ndim not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)"
        )
    output_size, kernel, dilation, padding, stride = map(
        _pair, (output_size, kernel_size, dilation, padding, stride)
    )
    k = kernel[0] * kernel[1]
    if input.shape[-2] % k:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={input.shape[-2]} and "
            f"kernel_size=({kernel[0]}, {kernel[1]})."
        )
    blocks = _blocks(output_size, kernel, dilation, padding, stride)
    if math.prod(blocks) != input.shape[-1]:
        raise RuntimeError(
            f"Given output_size=({output_size[0]}, {output_size[1]}), kernel_size=({kernel[0]}, "
            f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, "
            f"{padding[1]}), stride=({stride[0]}, {stride[1]}), expected size of input's "
            f"dimension {input.ndim - 1} to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
            f"input.size({input.ndim - 1})={input.shape[-1]}."
        )
    return apply(
        _fold_fn,
        "Col2Im",
        (input,),
        output_size=output_size,
        kernel=kernel,
        dilation=dilation,
        padding=padding,
        stride=stride,
        blocks=blocks,
    )
