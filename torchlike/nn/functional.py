"""``torch.nn.functional``: activations, linear, convolution, pooling, dropout and losses.

Every op is one :func:`~torchlike._dispatch.apply` call of a small pure JAX function, so it is one
node on the tape (named as PyTorch names its ``grad_fn``) and one cached ``jax.jit``. Arguments are
checked before the op runs, with PyTorch's exception types and wording.

Where torchlike differs from PyTorch: checks that need tensor *values* (class targets in range,
probabilities in [0, 1], ``one_hot`` classes) read the values back to Python, so they run eagerly
only. Inside ``torchlike.compile`` the values are not known while tracing; there an out-of-range
class target gives a NaN loss instead of an ``IndexError``.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype
from .._dispatch import apply
from .._ops import inplace as _inplace
from .._ops.inplace import _type_name
from .._ops.linalg import _check_same_dtype
from .._ops.pointwise import broadcast_shapes as _broadcast_shapes
from .._ops.pointwise import relu as _relu
from .._ops.pointwise import sigmoid, tanh  # noqa: F401  (public here too, as in PyTorch)
from .._tensor import Tensor, _wrap_dim
from ..random import next_key

_Tracer = jax.core.Tracer


# -- helpers --------------------------------------------------------------------------------------


def _pair(value) -> tuple[int, int]:
    """An int, or a 1- or 2-sequence of ints, as a pair (PyTorch's ``_pair``)."""
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def _concrete(t: Tensor) -> bool:
    return not isinstance(t._data, _Tracer)


def _values(t: Tensor) -> np.ndarray:
    return np.asarray(t._data)


def _shape(t: Tensor) -> list[int]:
    return list(t.shape)


def _require_float(input: Tensor, kernel: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(input.dtype)}'")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction named by the deprecated ``size_average``/``reduce`` pair, with PyTorch's
    deprecation warning (``torch.nn._reduction.legacy_get_string``)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        stacklevel=3,
    )
    return ret


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


# -- linear ---------------------------------------------------------------------------------------


def _linear_fn(x, w, b):
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Apply ``y = x W^T + b``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)``).
        bias: ``(out_features)`` or ``None``.

    Shape:
        - Output: ``(*, out_features)`` (``(*)`` for a 1-D weight).
    """
    _check_same_dtype(input, weight, "m1 and m2")
    in_features = weight.shape[-1]
    if input.shape[-1] != in_features:
        rows = math.prod(input.shape[:-1])
        cols = f"{weight.shape[1]}x{weight.shape[0]}" if weight.ndim == 2 else f"{in_features}x1"
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {cols})"
        )
    out_shape = tuple(input.shape[:-1]) + tuple(weight.shape[:-1])
    if bias is not None:
        _check_expandable(bias, out_shape)
    if input.ndim == 2 and weight.ndim == 2:
        name = "Mm" if bias is None else "Addmm"
    else:
        name = "UnsafeView" if bias is None else "View"
    return apply(_linear_fn, name, (input, weight, bias))


def _check_expandable(t: Tensor, shape: tuple) -> None:
    """PyTorch's ``expand`` error when ``t`` cannot be broadcast to ``shape``."""
    for i, (have, want) in enumerate(zip(reversed(t.shape), reversed(shape))):
        if have not in (1, want):
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) "
                f"at non-singleton dimension {len(shape) - 1 - i}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {_shape(t)}"
            )


# -- activations ----------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``, with gradient 0 at 0 as PyTorch."""
    return relu_(input) if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


def _leaky_relu_fn(x, slope):
    return jnp.where(x > 0, x, x * slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x`` (gradient ``negative_slope`` at 0)."""
    _require_float(input, "leaky_relu_cpu")
    out = apply(_leaky_relu_fn, "LeakyRelu", (input, float(negative_slope)))
    return _inplace.commit(input, out) if inplace else out


def _gelu_fn(x, *, approximate):
    return jax.nn.gelu(x, approximate=approximate)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)``, or its tanh approximation.

    Args:
        approximate: ``'none'`` (exact, with ``erf``) or ``'tanh'``.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _require_float(input, "GeluKernelImpl")
    return apply(_gelu_fn, "Gelu", (input,), approximate=approximate == "tanh")


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_fn(x, *, dim, dtype, log):
    """Half-precision inputs are computed in float32 and rounded once, as PyTorch's kernels do."""
    fn = jax.nn.log_softmax if log else jax.nn.softmax
    wide = jnp.float32 if jnp.finfo(dtype).bits < 32 else dtype
    out = fn(jnp.atleast_1d(x.astype(dtype)).astype(wide), axis=dim)
    return out.astype(dtype).reshape(x.shape)


def _softmax(input: Tensor, dim, dtype, log: bool, stacklevel: int) -> Tensor:
    name = "log_softmax" if log else "softmax"
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    dim = _wrap_dim(dim, input.ndim)
    dt = input.dtype if dtype is None else _dtype.as_dtype(dtype)
    if not dt.is_floating_point:
        last = "lastdim_" if dim == max(input.ndim - 1, 0) else ""
        raise NotImplementedError(
            f"\"{name}_{last}kernel_impl\" not implemented for '{_type_name(dt)}'"
        )
    kind = "LogSoftmax" if log else "Softmax"
    return apply(_softmax_fn, kind, (input,), dim=dim, dtype=dt.np, log=log)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; ``dtype`` casts the input first.

    Shape:
        - Output: the input's shape.
    """
    return _softmax(input, dim, dtype, False, _stacklevel)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably; ``dtype`` casts the input first.

    Shape:
        - Output: the input's shape.
    """
    return _softmax(input, dim, dtype, True, _stacklevel)


# -- dropout --------------------------------------------------------------------------------------


def _dropout_fn(x, key_data, *, p):
    if p == 1:
        return x * jnp.zeros((), x.dtype)
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), 1 - p, x.shape)
    scale = jnp.ones((), x.dtype) / jnp.asarray(1 - p, x.dtype)
    return x * jnp.where(keep, scale, jnp.zeros((), x.dtype))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask is drawn from the ``torchlike.manual_seed`` stream, so the same seed gives the same
    mask (not PyTorch's mask: the generators differ). With ``training=False`` (or ``p=0``) the
    input is returned as is.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    key_data = jax.random.key_data(next_key())  # raw uint32s: a plain array to every transform
    out = apply(_dropout_fn, "Mul", (input, key_data), p=float(p))
    return _inplace.commit(input, out) if inplace else out


# -- convolution ----------------------------------------------------------------------------------


def _conv2d_fn(x, w, b, *, stride, padding, dilation, groups):
    batched = x.ndim == 4
    y = lax.conv_general_dilated(
        x if batched else x[None],
        w,
        window_strides=stride,
        padding=padding,
        rhs_dilation=dilation,
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
        feature_group_count=groups,
    )
    if b is not None:
        y = y + b[:, None, None]
    return y if batched else y[0]


def _conv_padding(padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``((top, bottom), (left, right))`` for an int, a pair, ``'valid'`` or ``'same'``."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # PyTorch puts the odd pixel of an even kernel's padding on the bottom/right.
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _pair(padding))


def _check_conv2d(input: Tensor, weight: Tensor, bias, groups: int, pads, dilation) -> None:
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            f"{_shape(input)}"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_name(input.dtype)} but found {_type_name(weight.dtype)}"
        )
    shape4 = _shape(input) if input.ndim == 4 else [1] + _shape(input)
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{_shape(weight)}] instead"
        )
    if shape4[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_shape(weight)}, expected input{shape4} to "
            f"have {weight.shape[1] * groups} channels, but got {shape4[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(
            f"Given weight of size {_shape(weight)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {_shape(bias)} instead"
        )
    padded = [n + lo + hi for n, (lo, hi) in zip(shape4[2:], pads)]
    kernel = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation)]
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({kernel[0]} x {kernel[1]}). Kernel size can't be greater than actual input size"
        )


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
    stride, dilation = _pair(stride), _pair(dilation)
    pads = _conv_padding(padding, tuple(weight.shape[2:]), stride, dilation)
    _check_conv2d(input, weight, bias, groups, pads, dilation)
    return apply(
        _conv2d_fn,
        "Convolution",
        (input, weight, bias),
        stride=stride,
        padding=pads,
        dilation=dilation,
        groups=int(groups),
    )


# -- padding --------------------------------------------------------------------------------------

_JNP_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_PAD_NAMES = {
    "constant": "ConstantPadNd",
    "reflect": "ReflectionPad",
    "replicate": "ReplicationPad",
}
_NON_CONSTANT_PAD_HELP = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _pad_fn(x, *, pads, mode, value):
    if mode == "constant":  # lax.pad also crops, for negative padding
        return lax.pad(x, np.array(value, x.dtype), [(lo, hi, 0) for lo, hi in pads])
    # Negative padding crops first; the rest is then padded from the cropped values (PyTorch's).
    x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads))]
    return jnp.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pads], mode=_JNP_PAD_MODES[mode])


def _check_pad(input: Tensor, pad: tuple, mode: str, value) -> None:
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode == "constant":
        return
    if mode not in _JNP_PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pad) // 2
    if n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            + _NON_CONSTANT_PAD_HELP
        )
    for i in range(n):
        dim, (lo, hi) = input.ndim - 1 - i, pad[2 * i : 2 * i + 2]
        if mode == "reflect" and (lo >= input.shape[dim] or hi >= input.shape[dim]):
            raise RuntimeError(
                f"Argument #{8 if n == 3 else 4}: Padding size should be less than the "
                f"corresponding input dimension, but got: padding ({lo}, {hi}) at dimension "
                f"{dim} of input {_shape(input)}"
            )
        if mode == "circular" and (lo > input.shape[dim] or hi > input.shape[dim]):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def _pad_grad_fn_name(mode: str, n_dims: int) -> str:
    if mode == "constant":
        return "ConstantPadNd"
    if mode == "circular":
        return "CopySlices"
    return f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{n_dims}D"


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims.

    Args:
        pad: ``(left, right)`` for the last dim, then ``(top, bottom)`` for the one before, ...
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'`` (mirror without the
            edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).

    Shape:
        - Input: any shape for ``'constant'``; otherwise ``(*, D, H, W)`` with one or two dims
          before the padded ones.
        - Output: each padded dim grows by its two pads.
    """
    pad = tuple(int(p) for p in pad)
    _check_pad(input, pad, mode, value)
    n = len(pad) // 2
    pairs = [(0, 0)] * (input.ndim - n) + [pad[2 * i : 2 * i + 2] for i in reversed(range(n))]
    return apply(
        _pad_fn,
        _pad_grad_fn_name(mode, n),
        (input,),
        pads=tuple(tuple(p) for p in pairs),
        mode=mode,
        value=0.0 if value is None else float(value),
    )


# -- pooling --------------------------------------------------------------------------------------


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


def _pool_args(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode):
    if input.ndim not in (3, 4) or input.numel() == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] or stride == () else _pair(stride)
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    if min(kernel) <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}"
        )
    padding, dilation = _pair(padding), _pair(dilation)
    c, h, w = input.shape[-3:]
    geometry = [
        _pool_geometry(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
    ]
    (oh, pads_h), (ow, pads_w) = geometry
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). "
            "Output size is too small"
        )
    return dict(
        kernel=kernel, stride=stride, padding=(pads_h, pads_w), dilation=dilation, out_hw=(oh, ow)
    )


def _windows(x, init, op, kernel, stride, padding, dilation):
    lead = (1,) * (x.ndim - 2)
    return lax.reduce_window(
        x,
        np.array(init, x.dtype),
        op,
        lead + kernel,
        lead + stride,
        ((0, 0),) * (x.ndim - 2) + padding,
        window_dilation=lead + dilation,
    )


def _lowest(dtype) -> float | int:
    return -np.inf if jnp.issubdtype(dtype, jnp.inexact) else np.iinfo(dtype).min


def _strided(start: int, count: int, step: int) -> slice:
    return slice(start, start + (count - 1) * step + 1, step)


def _max_pool2d_windows(x, out_hw, *, kernel, stride, padding, dilation):
    """Each output's first maximum and its flat index ``h * W + w`` (PyTorch's ``indices``),
    from the windows stacked on a new last axis."""
    h, w = x.shape[-2:]
    lead = ((0, 0),) * (x.ndim - 2)
    xp = jnp.pad(x, lead + padding, constant_values=_lowest(x.dtype))
    flat = jnp.pad(jnp.arange(h * w, dtype=jnp.int64).reshape(h, w), padding, constant_values=-1)
    values, indices = [], []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows = _strided(i * dilation[0], out_hw[0], stride[0])
            cols = _strided(j * dilation[1], out_hw[1], stride[1])
            values.append(xp[..., rows, cols])
            indices.append(flat[rows, cols])
    values = jnp.stack(values, -1)
    first = jnp.argmax(values, axis=-1)[..., None]  # first maximum; NaN counts as maximum
    indices = jnp.broadcast_to(jnp.stack(indices, -1), values.shape)
    return (
        jnp.take_along_axis(values, first, axis=-1)[..., 0],
        jnp.take_along_axis(indices, first, axis=-1)[..., 0],
    )


def _max_pool2d_fn(x, *, kernel, stride, padding, dilation, out_hw, return_indices):
    geometry = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    if dilation == (1, 1) and not return_indices:
        # reduce_window's gradient goes to the first maximum of a window, as PyTorch's.
        return _windows(x, _lowest(x.dtype), lax.max, **geometry)
    # JAX has no max reduce_window gradient with dilation: gather the windows instead.
    out, indices = _max_pool2d_windows(x, out_hw, **geometry)
    return (out, indices) if return_indices else out


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
    geometry = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode)
    return apply(
        _max_pool2d_fn, "MaxPool2DWithIndices", (input,), **geometry, return_indices=return_indices
    )


def _avg_divisor(size, kernel, stride, pad, out, count_include_pad) -> np.ndarray:
    """Per output position along one dim: the window length PyTorch divides by."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _avg_pool2d_fn(x, *, kernel, stride, padding, count_include_pad, divisor_override):
    sums = _windows(x, 0, lax.add, kernel, stride, padding, (1, 1))
    if divisor_override is not None:
        divisor = np.full(sums.shape[-2:], divisor_override)
    else:
        dh, dw = (
            _avg_divisor(n, k, s, p[0], o, count_include_pad)
            for n, k, s, p, o in zip(x.shape[-2:], kernel, stride, padding, sums.shape[-2:])
        )
        divisor = np.outer(dh, dw)
    if jnp.issubdtype(x.dtype, jnp.integer):
        return lax.div(sums, jnp.asarray(divisor, x.dtype))
    return sums / jnp.asarray(divisor, x.dtype)


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
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geometry = _pool_args(input, kernel_size, stride, padding, 1, ceil_mode)
    del geometry["dilation"], geometry["out_hw"]
    return apply(
        _avg_pool2d_fn,
        "AvgPool2D",
        (input,),
        **geometry,
        count_include_pad=bool(count_include_pad),
        divisor_override=None if divisor_override is None else int(divisor_override),
    )


# -- regression losses ----------------------------------------------------------------------------


def _pointwise_loss_fn(x, t, w, *, dtype, reduction, squared):
    d = x.astype(dtype) - t.astype(dtype)
    loss = d * d if squared else jnp.abs(d)
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * w
    return jnp.sum(loss) / jnp.sum(w) if reduction == "mean" else _reduce(loss, reduction)


def _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared: bool):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
    reduction = _reduction(size_average, reduce, reduction)
    _broadcast_shapes(tuple(input.shape), tuple(target.shape))
    dt = _dtype.result_type(input, target)
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if not dt.is_floating_point:
        if squared:
            raise NotImplementedError(f"\"mse_cpu\" not implemented for '{_type_name(dt)}'")
        if reduction == "mean":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_type_name(dt)}"
            )
    if weight is not None:
        name = {"mean": "Div", "sum": "Sum", "none": "Mul"}[reduction]
    elif squared:
        name = "MseLoss"
    else:
        name = {"mean": "Mean", "sum": "Sum", "none": "Abs"}[reduction]
    return apply(
        _pointwise_loss_fn,
        name,
        (input, target, weight),
        dtype=dt.np,
        reduction=reduction,
        squared=squared,
    )


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error ``(x - y) ** 2``, reduced by ``reduction`` (``'mean'``, ``'sum'``, ``'none'``).

    With ``weight`` (the input's shape) each error is weighted and ``'mean'`` divides by the sum
    of the weights. ``size_average`` and ``reduce`` are PyTorch's deprecated spellings.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared=True)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error ``|x - y|``, reduced as in :func:`mse_loss`.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _pointwise_loss(input, target, weight, size_average, reduce, reduction, squared=False)


# -- classification losses ------------------------------------------------------------------------


def _class_loss(logp, t, w, *, ignore_index, reduction, label_smoothing):
    """Negative log likelihood of class targets ``t`` under log-probabilities ``logp`` (classes
    on axis 1), with PyTorch's class weights, ``ignore_index`` and label smoothing."""
    n_classes = logp.shape[1]
    t = t.astype(jnp.int64)
    valid = t != ignore_index
    in_range = (t >= 0) & (t < n_classes)
    safe = jnp.where(valid & in_range, t, 0)
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    picked = jnp.where(in_range | ~valid, picked, jnp.nan)  # a bad target poisons the loss
    class_w = jnp.ones((n_classes,), logp.dtype) if w is None else w.astype(logp.dtype)
    w_t = jnp.where(valid, class_w[safe], 0)
    loss = -picked * w_t
    total = jnp.sum(w_t)
    nll = jnp.sum(loss) / total if reduction == "mean" else _reduce(loss, reduction)
    if label_smoothing == 0:
        return nll
    w_c = class_w.reshape((n_classes,) + (1,) * (logp.ndim - 2))
    smooth = jnp.where(valid, -jnp.sum(logp * w_c, axis=1), 0)
    smooth = jnp.sum(smooth) / total if reduction == "mean" else _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _nll_loss_fn(x, t, w, *, ignore_index, reduction, label_smoothing, log_softmax):
    scalar_target = t.ndim == 0
    if x.ndim == 1:  # unbatched: one sample
        x, t = x[None], t.reshape(1)
    logp = jax.nn.log_softmax(x, axis=1) if log_softmax else x
    out = _class_loss(
        logp, t, w, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    return out.reshape(()) if scalar_target and reduction == "none" else out


def _prob_loss_fn(x, p, w, *, reduction, label_smoothing):
    batched = x.ndim > 1
    if not batched:
        x, p = x[None], p[None]
    n_classes = x.shape[1]
    logp = jax.nn.log_softmax(x, axis=1)
    if label_smoothing > 0:
        p = p * (1 - label_smoothing) + label_smoothing / n_classes
    terms = logp * p
    if w is not None:
        terms = terms * w.reshape((n_classes,) + (1,) * (x.ndim - 2))
    if reduction == "mean":
        return -jnp.sum(terms) / (x.size / n_classes)
    if reduction == "sum":
        return -jnp.sum(terms)
    out = -jnp.sum(terms, axis=1)
    return out if batched else out[0]


def _check_class_target(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """PyTorch's ``nll_loss_nd`` shape and dtype checks, in PyTorch's order."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
            )
    elif input.ndim == 4:
        if target.ndim != 3:
            raise RuntimeError(
                "only batches of spatial targets supported (3D tensors) but got targets of "
                f"dimension: {target.ndim}"
            )
        if target.shape[1:] != input.shape[2:]:
            raise RuntimeError(
                f"size mismatch (got input: {_shape(input)} , target: {_shape(target)}"
            )
    elif target.shape[1:] != input.shape[2:]:
        raise RuntimeError(
            f"Expected target size {[input.shape[0]] + _shape(input)[2:]}, got {_shape(target)}"
        )
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}"
        )
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {_shape(weight)}"
        )


def _check_target_values(target: Tensor, n_classes: int, ignore_index: int) -> None:
    if not _concrete(target):
        return  # traced: the loss is NaN instead
    t = _values(target)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def _nll_grad_fn_name(input: Tensor, reduction: str, label_smoothing: float) -> str:
    """The last op of PyTorch's ``nll_loss_nd`` (2-D kernel, spatial kernel, or a reshape)."""
    if label_smoothing > 0:
        return "Add"
    if input.ndim <= 2:
        return "NllLoss"
    return "View" if input.ndim != 4 and reduction == "none" else "NllLoss2D"


def _nll(input, target, weight, ignore_index, reduction, label_smoothing, log_softmax):
    _check_class_target(input, target, weight)
    _check_target_values(target, input.shape[0 if input.ndim == 1 else 1], ignore_index)
    return apply(
        _nll_loss_fn,
        _nll_grad_fn_name(input, reduction, label_smoothing),
        (input, target, weight),
        ignore_index=int(ignore_index),
        reduction=reduction,
        label_smoothing=float(label_smoothing),
        log_softmax=log_softmax,
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of class ``target`` under log-probabilities ``input``.

    Args:
        weight: per-class weights ``(C)``; ``'mean'`` divides by the targets' total weight.
        ignore_index: targets equal to it contribute nothing (nor to the mean's divisor).

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: ``(N)``, ``()`` or ``(N, d1, ..., dK)``, int64 class indices in ``[0, C)``.
        - Output: a scalar, or the target's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return _nll(input, target, weight, ignore_index, reduction, 0.0, False)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the softmax of the logits ``input`` and ``target``.

    ``target`` holds class indices, or class probabilities when it has the input's shape.

    Args:
        weight: per-class weights ``(C)``.
        ignore_index: class-index targets equal to it are left out (not for probabilities).
        label_smoothing: mix this much of the uniform distribution into the target.

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: class indices ``(N)``, ``()`` or ``(N, d1, ..., dK)`` (int64, in ``[0, C)``),
          or probabilities of the input's shape.
        - Output: a scalar, or the per-sample loss for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.shape != target.shape:
        return _nll(input, target, weight, ignore_index, reduction, label_smoothing, True)
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_type_name(target.dtype)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    return apply(
        _prob_loss_fn,
        "Div" if reduction == "mean" else "Neg",
        (input, target, weight),
        reduction=reduction,
        label_smoothing=float(label_smoothing),
    )


@jax.custom_jvp
def _bce_terms(x, t):
    """PyTorch's elementwise binary cross entropy, each log clamped at -100."""
    return (t - 1) * jnp.maximum(jnp.log1p(-x), -100) - t * jnp.maximum(jnp.log(x), -100)


@_bce_terms.defjvp
def _bce_terms_jvp(primals, tangents):
    # PyTorch's backward: finite at x = 0 and 1, where the clamped logs' derivatives are not.
    x, t = primals
    dx, dt = tangents
    d_x = (x - t) / jnp.maximum((1 - x) * x, 1e-12)
    d_t = jnp.maximum(jnp.log1p(-x), -100) - jnp.maximum(jnp.log(x), -100)
    return _bce_terms(x, t), d_x * dx + d_t * dt


def _bce_fn(x, t, w, *, reduction):
    loss = _bce_terms(x, t)
    return _reduce(loss if w is None else loss * w, reduction)


def _check_weight_broadcast(weight: Tensor, shape) -> None:
    for i, (have, want) in enumerate(zip(reversed(weight.shape), reversed(shape)), 1):
        if have not in (1, want):
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {have} at -{i}! Mismatching "
                f"argument at index 1 had {weight.shape}; but expected shape should be "
                f"broadcastable to {list(shape)}"
            )


def _check_unit_interval(t: Tensor, what: str) -> None:
    if _concrete(t):
        v = _values(t)
        if not ((v >= 0) & (v <= 1)).all():
            raise RuntimeError(f"all elements of {what} should be between 0 and 1")


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target``.

    Each log is clamped at -100 (so a probability of exactly 0 or 1 gives a finite loss), and the
    gradient is PyTorch's ``(x - y) / max(x (1 - x), 1e-12)``.

    Shape:
        - Target: the input's shape; ``weight`` broadcasts to it.
        - Output: a scalar, or the input's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        _check_weight_broadcast(weight, target.shape)
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {_type_name(target.dtype)} but expected {_type_name(input.dtype)}"
        )
    _check_unit_interval(input, "input")
    _check_unit_interval(target, "target")
    return apply(_bce_fn, "BinaryCrossEntropy", (input, target, weight), reduction=reduction)


def _bce_logits_fn(x, t, w, pos_w, *, reduction):
    log_sig = jax.nn.log_sigmoid(x)
    if pos_w is not None:
        log_sig = log_sig * ((pos_w - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    return _reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    Args:
        weight: broadcast over the loss.
        pos_weight: weight of the positive term, per class (broadcast along the last dim).

    Shape:
        - Target: the input's shape.
        - Output: a scalar, or the input's shape for ``reduction='none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    if pos_weight is not None:
        _broadcast_shapes(tuple(pos_weight.shape), tuple(target.shape))
    if weight is not None:
        _broadcast_shapes(tuple(input.shape), tuple(weight.shape))
    return apply(
        _bce_logits_fn,
        "BinaryCrossEntropyWithLogits",
        (input, target, weight, pos_weight),
        reduction=reduction,
    )


# -- encoding -------------------------------------------------------------------------------------


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
