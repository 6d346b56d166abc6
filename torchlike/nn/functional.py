"""``torch.nn.functional``: activations, linear, dropout, convolution, padding, pooling,
normalisation, embedding, folding and losses.

Every op is one :func:`~torchlike._dispatch.apply` call of a small pure JAX function, so it is one
node on the tape (named as PyTorch names its ``grad_fn``) and one cached ``jax.jit``. Arguments are
checked before the op runs, with PyTorch's exception types and wording.

Where torchlike differs from PyTorch: checks that need tensor *values* (class targets in range,
probabilities in [0, 1], ``one_hot`` classes) read the values back to Python, so they run eagerly
only. Inside ``torchlike.compile`` the values are not known while tracing; there an out-of-range
class target gives a NaN loss instead of an ``IndexError``.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype
from .._dispatch import apply
from .._ops import _out
from .._ops import inplace as _inplace
from .._ops import pointwise as _pointwise
from .._ops.inplace import _type_name
from .._ops.linalg import _autocasting, _check_same_dtype
from .._ops.pointwise import broadcast_shapes as _broadcast_shapes
from .._ops.pointwise import relu as _relu
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..random import next_key

# public here too, as in PyTorch (whose F.sigmoid/F.tanh take no out=)
sigmoid = _out.reject_out(_pointwise.sigmoid, "sigmoid")
tanh = _out.reject_out(_pointwise.tanh, "tanh")

_Tracer = jax.core.Tracer


# -- helpers --------------------------------------------------------------------------------------


def _ntuple(value, n: int) -> tuple[int, ...]:
    """An int, a 1-sequence or an ``n``-sequence of ints as an ``n``-tuple (PyTorch's
    ``_single``/``_pair``/``_triple``)."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value) if len(value) != 1 else (int(value[0]),) * n
    return (int(value),) * n


def _pair(value) -> tuple[int, int]:
    """An int, or a 1- or 2-sequence of ints, as a pair (PyTorch's ``_pair``)."""
    return _ntuple(value, 2)


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
    xd, wd = input._data, weight._data
    if (  # the common case, checked on the arrays; anything else takes the full checks below
        wd.ndim == 2
        and xd.ndim >= 1
        and xd.dtype == wd.dtype
        and xd.shape[-1] == wd.shape[1]
        and (bias is None or bias._data.shape == wd.shape[:1])
    ):
        if xd.ndim == 2:
            return apply(_linear_fn, "Mm" if bias is None else "Addmm", (input, weight, bias))
        return apply(_linear_fn, "UnsafeView" if bias is None else "View", (input, weight, bias))
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


def _elu_fn(x, *, alpha, scale, input_scale):
    return scale * jnp.where(x > 0, x, alpha * jnp.expm1(x * input_scale))


def _elu(input, alpha, scale, input_scale, inplace, name, kernel="elu"):
    _require_float(input, kernel)
    out = apply(
        _elu_fn, name, (input,), alpha=float(alpha), scale=float(scale), input_scale=input_scale
    )
    return _inplace.commit(input, out) if inplace else out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0, inplace, "Elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, "Elu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace, "Celu")


def _silu_fn(x):
    return x * jax.nn.sigmoid(x)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``, the sigmoid linear unit (swish)."""
    out = apply(_silu_fn, "Silu", (input,))
    return _inplace.commit(input, out) if inplace else out


def _softplus_fn(x, *, beta, threshold):
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold`` (PyTorch's switch)."""
    bx = x * beta
    return jnp.where(bx > threshold, x, jnp.log1p(jnp.exp(jnp.minimum(bx, threshold))) / beta)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``; ``x`` itself where ``beta * x > threshold``."""
    _require_float(input, "softplus_cpu")
    return apply(_softplus_fn, "Softplus", (input,), beta=float(beta), threshold=float(threshold))


def _mish_fn(x):
    return x * jnp.tanh(_softplus_fn(x, beta=1.0, threshold=20.0))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    out = apply(_mish_fn, "Mish", (input,))
    return _inplace.commit(input, out) if inplace else out


def _softsign_fn(x):
    return x / (1 + jnp.abs(x))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return apply(_softsign_fn, "Div", (input,))


def _hardtanh_fn(x, lo, hi):
    # PyTorch's gradient is 1 strictly inside (lo, hi) and 0 elsewhere, the ends included.
    return jnp.where((x > lo) & (x < hi), x, lax.stop_gradient(jnp.clip(x, lo, hi)))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = apply(_hardtanh_fn, "Hardtanh", (input, min_val, max_val))
    return _inplace.commit(input, out) if inplace else out


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``: :func:`hardtanh` on ``[0, 6]``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _hardsigmoid_fn(x):
    inside = (x > -3) & (x < 3)
    return jnp.where(inside, x / 6 + 0.5, lax.stop_gradient(jnp.where(x <= -3, 0.0, 1.0)))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``, with gradient ``1/6`` strictly inside ``(-3, 3)``."""
    out = apply(_hardsigmoid_fn, "Hardsigmoid", (input,))
    return _inplace.commit(input, out) if inplace else out


def _hardswish_fn(x):
    # PyTorch's gradient: 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above.
    middle = x * (x + 3) / 6
    return jnp.where(x < -3, lax.stop_gradient(jnp.zeros_like(x)), jnp.where(x > 3, x, middle))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    out = apply(_hardswish_fn, "Hardswish", (input,))
    return _inplace.commit(input, out) if inplace else out


def _prelu_fn(x, w):
    w = w.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w
    return jnp.where(x > 0, x, w * x)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``, with one learnt slope per channel (dim 1).

    Shape:
        - Weight: ``(1)`` or ``(C)``.
    """
    if weight.numel() != 1 and (input.ndim < 2 or input.shape[1] != weight.numel()):
        channels = input.shape[1] if input.ndim >= 2 else 1
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    return apply(_prelu_fn, "PreluKernel", (input, weight))


def _threshold_fn(x, threshold, value):
    return jnp.where(x > threshold, x, lax.stop_gradient(jnp.full_like(x, value)))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    out = apply(_threshold_fn, "Threshold", (input, threshold, value))
    return _inplace.commit(input, out) if inplace else out


def _glu_fn(x, *, dim):
    a, b = jnp.split(x, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``input`` on ``dim``.

    Shape:
        - Output: the input's shape with ``dim`` halved.
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}"
        )
    return apply(_glu_fn, "Glu", (input,), dim=dim)


def _softmin_fn(x, *, dim, dtype):
    return _softmax_fn(-x, dim=dim, dtype=dtype, log=False)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    Shape:
        - Output: the input's shape.
    """
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel + 1)
    dim = _wrap_dim(dim, input.ndim)
    dt = input.dtype if dtype is None else _dtype.as_dtype(dtype)
    return apply(_softmin_fn, "Softmax", (input,), dim=dim, dtype=dt.np)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed stably."""
    return apply(jax.nn.log_sigmoid, "LogSigmoid", (input,))


def _tanhshrink_fn(x):
    return x - jnp.tanh(x)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return apply(_tanhshrink_fn, "Sub", (input,))


# -- dropout --------------------------------------------------------------------------------------

_ALPHA_DROPOUT_ALPHA = _SELU_ALPHA * _SELU_SCALE  # SELU's negative saturation value, negated


def _dropout_fn(x, key_data, *, p, mask_ndim=None, alpha=False):
    """Dropout of single elements, or with ``mask_ndim`` of whole channels (one draw per index
    of the first ``mask_ndim`` dims); ``alpha`` keeps SELU's mean and variance instead."""
    if p == 1:
        return x * jnp.zeros((), x.dtype)
    shape = x.shape if mask_ndim is None else x.shape[:mask_ndim] + (1,) * (x.ndim - mask_ndim)
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), 1 - p, shape)
    if alpha:  # PyTorch's affine correction: a * (x * keep + alpha' * (keep - 1)) + shift
        a = 1 / math.sqrt((_ALPHA_DROPOUT_ALPHA**2 * p + 1) * (1 - p))
        noise = keep.astype(x.dtype)
        shift = (noise - 1) * np.asarray(_ALPHA_DROPOUT_ALPHA * a, x.dtype) + np.asarray(
            _ALPHA_DROPOUT_ALPHA * a * p, x.dtype
        )
        return x * (noise * np.asarray(a, x.dtype)) + shift
    scale = jnp.ones((), x.dtype) / jnp.asarray(1 - p, x.dtype)
    return x * jnp.where(keep, scale, jnp.zeros((), x.dtype))


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, training, inplace, mask_ndim=None, alpha=False, name="Mul") -> Tensor:
    _check_p(p)
    if not training or p == 0:
        return input
    key_data = jax.random.key_data(next_key())  # raw uint32s: a plain array to every transform
    out = apply(_dropout_fn, name, (input, key_data), p=float(p), mask_ndim=mask_ndim, alpha=alpha)
    return _inplace.commit(input, out) if inplace else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask is drawn from the ``torchlike.manual_seed`` stream, so the same seed gives the same
    mask (not PyTorch's mask: the generators differ). With ``training=False`` (or ``p=0``) the
    input is returned as is.
    """
    return _dropout(input, p, training, inplace)


def _feature_dropout(input, p, training, inplace, n: int, op: str, alpha=False) -> Tensor:
    """Channel dropout for ``n`` spatial dims: one draw per (sample, channel)."""
    _check_p(p)
    if input.ndim not in (n + 1, n + 2):
        warnings.warn(
            f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            f"please use dropout instead. Note that {op} exists to provide channel-wise dropout "
            f"on inputs with {n} spatial dimensions, a channel dimension, and an optional batch "
            f"dimension (i.e. {n + 1}D or {n + 2}D inputs).",
            stacklevel=3,
        )
    # An unbatched input is one sample: the mask varies over its channels (dim 0) only.
    mask_ndim = 1 if input.ndim == n + 1 else 2
    name = "Add" if alpha else "Mul"
    return _dropout(input, p, training, inplace, mask_ndim, alpha, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p``, scaling the
    rest by ``1 / (1 - p)``; masks as :func:`dropout`'s."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p``, scaling the rest by
    ``1 / (1 - p)``. A 3-D input is read as ``(N, C, L)``, with PyTorch's warning."""
    _check_p(p)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
        return _dropout(input, p, training, inplace, 2)
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` with probability ``p``,
    scaling the rest by ``1 / (1 - p)``."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks: dropped elements take SELU's saturation value and an affine
    map keeps the input's mean and variance. Note PyTorch's default ``training=False``."""
    return _dropout(input, p, training, inplace, None, True, "Add")


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """:func:`alpha_dropout` of whole channels (dims 0 and 1 pick the draw)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, 2, True, "Add")


# -- convolution ----------------------------------------------------------------------------------

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
            f"expected scalar type {_type_name(input.dtype)} but found {_type_name(weight.dtype)}"
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


def _max_pool(n, name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geometry = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, n)
    return apply(_max_pool_fn, name, (input,), **geometry, return_indices=bool(return_indices))


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
    # PyTorch runs its 2-D kernel between an unsqueeze and a squeeze, hence the node's name.
    return _max_pool(
        1,
        "SqueezeBackward1",
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


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
    return _max_pool(
        2,
        "MaxPool2DWithIndices",
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


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
    return _max_pool(
        3,
        "MaxPool3DWithIndices",
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


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
    name,
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
        name,
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
    return _avg_pool(
        1, "SqueezeBackward1", input, kernel_size, stride, padding, ceil_mode, count_include_pad
    )


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
        "AvgPool2D",
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
        "AvgPool3D",
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


def _check_adaptive(input: Tensor, n: int, op: str, sep: str) -> None:
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got{sep} {_shape(input)}"
        )


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D average pooling to ``output_size`` positions, windows as PyTorch picks them.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``; output ``(N, C, output_size)``.
    """
    _check_adaptive(input, 1, "adaptive_avg_pool1d", "")
    return apply(
        _adaptive_avg_pool_fn,
        "SqueezeBackward1",
        (input,),
        out_size=_adaptive_size(input, output_size, 1),
    )


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D average pooling to ``output_size`` (an int, or a pair whose ``None`` keeps the input's
    size): output cell ``i`` averages rows ``floor(i * H / H_out)`` to ``ceil((i + 1) * H /
    H_out)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.
    """
    _check_adaptive(input, 2, "adaptive_avg_pool2d", "")
    return apply(
        _adaptive_avg_pool_fn,
        "AdaptiveAvgPool2D",
        (input,),
        out_size=_adaptive_size(input, output_size, 2),
    )


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D max pooling to ``output_size`` positions; ``return_indices`` as :func:`max_pool1d`.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``; output ``(N, C, output_size)``.
    """
    _check_adaptive(input, 1, "adaptive_max_pool1d", ":")
    return apply(
        _adaptive_max_pool_fn,
        "SqueezeBackward1",
        (input,),
        out_size=_adaptive_size(input, output_size, 1),
        return_indices=bool(return_indices),
    )


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D max pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`; with
    ``return_indices`` also the flat index ``h * W + w`` of each window's first maximum.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.
    """
    _check_adaptive(input, 2, "adaptive_max_pool2d", ":")
    return apply(
        _adaptive_max_pool_fn,
        "AdaptiveMaxPool2D",
        (input,),
        out_size=_adaptive_size(input, output_size, 2),
        return_indices=bool(return_indices),
    )


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D average pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``.
    """
    _check_adaptive(input, 3, "adaptive_avg_pool3d", "")
    return apply(
        _adaptive_avg_pool_fn,
        "AdaptiveAvgPool3D",
        (input,),
        out_size=_adaptive_size(input, output_size, 3),
    )


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D max pooling to ``output_size``, windows as in :func:`adaptive_avg_pool2d`; indices
    flat over ``D * H * W``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``.
    """
    _check_adaptive(input, 3, "adaptive_max_pool3d", ":")
    return apply(
        _adaptive_max_pool_fn,
        "AdaptiveMaxPool3D",
        (input,),
        out_size=_adaptive_size(input, output_size, 3),
        return_indices=bool(return_indices),
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


def _smooth_l1_fn(x, t, *, dtype, reduction, beta, huber):
    d = jnp.abs(x.astype(dtype) - t.astype(dtype))
    if beta == 0:
        loss = d
    elif huber:  # beta is delta: 0.5 d^2 below it, delta * (d - 0.5 delta) above
        loss = jnp.where(d < beta, 0.5 * d * d, beta * (d - 0.5 * beta))
    else:
        loss = jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def _smooth_loss(input, target, size_average, reduce, reduction, beta, huber):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
    if beta < 0:
        what = (
            "huber_loss does not support negative values for delta."
            if huber
            else ("smooth_l1_loss does not support negative values for beta.")
        )
        raise RuntimeError(what)
    reduction = _reduction(size_average, reduce, reduction)
    _broadcast_shapes(tuple(input.shape), tuple(target.shape))
    dt = _dtype.result_type(input, target)
    if not dt.is_floating_point:
        kernel = "huber_cpu" if huber else "smooth_l1_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(dt)}'")
    name = "HuberLoss" if huber else "SmoothL1Loss"
    return apply(
        _smooth_l1_fn,
        name,
        (input, target),
        dtype=dt.np,
        reduction=reduction,
        beta=float(beta),
        huber=huber,
    )


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta`` and ``|d| - 0.5 beta`` elsewhere (``d = x - y``),
    reduced by ``reduction``; ``beta=0`` is :func:`l1_loss`.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    return _smooth_loss(input, target, size_average, reduce, reduction, beta, huber=False)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta`` and ``delta (|d| - 0.5 delta)`` elsewhere, reduced by
    ``reduction``: :func:`smooth_l1_loss` scaled by ``delta``. ``weight`` is not supported.

    Shape:
        - Target: the input's shape (broadcast, with PyTorch's warning, if not).
        - Output: a scalar, or the broadcast shape for ``reduction='none'``.
    """
    if weight is not None:
        raise NotImplementedError("huber_loss with weight is not supported by torchlike yet")
    return _smooth_loss(input, target, None, None, reduction, delta, huber=True)


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


# -- normalization --------------------------------------------------------------------------------


def _affine(y, w, b, shape):
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _batch_norm_fn(x, mean, var, w, b, *, eps):
    """Normalise over every dim but the channels (dim 1); ``mean``/``var`` None: the batch's."""
    axes = (0, *range(2, x.ndim))
    if mean is None:
        mean, var = jnp.mean(x, axes), jnp.var(x, axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    return _affine(y, w, b, shape)


def _running_stats_fn(x, running_mean, running_var, momentum, *, axes):
    """PyTorch's running statistics: ``(1 - momentum) * running + momentum * batch``, the
    variance unbiased; ``axes`` are reduced (their means stay per channel)."""
    n = math.prod(x.shape[a] for a in axes)
    mean = jnp.mean(x, axes)
    var = jnp.var(x, axes) * (n / max(n - 1, 1))
    if axes[0] != 0:  # instance norm: per-sample stats, averaged over the batch
        mean, var = jnp.mean(mean, 0), jnp.mean(var, 0)
    momentum = jnp.asarray(momentum, running_mean.dtype)
    return (
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var,
    )


def _update_running_stats(input, running_mean, running_var, momentum, axes) -> None:
    """Write the new running statistics into the buffers (in a compiled step they come back
    to the module with the rest of its state)."""
    with no_grad():
        new_mean, new_var = apply(
            _running_stats_fn,
            "RunningStats",
            (input.detach(), running_mean, running_var, momentum),
            axes=axes,
        )
        running_mean.copy_(new_mean)
        running_var.copy_(new_var)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims, then scale and shift.

    With ``training=True`` the batch's statistics are used (biased variance) and, if given,
    ``running_mean``/``running_var`` are updated in place with ``momentum`` (the unbiased
    variance); otherwise the running statistics are used. ``momentum`` may be a tensor.

    Shape:
        - Input: ``(N, C, *)``; statistics, weight and bias ``(C)``. Output: the input's shape.
    """
    if training:
        per_channel = input.numel() // input.shape[1] if input.ndim > 1 else input.numel()
        if per_channel <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"torch.Size({_shape(input)})"
            )
        if running_mean is not None and running_var is not None:
            axes = (0, *range(2, input.ndim))
            _update_running_stats(input, running_mean, running_var, momentum, axes)
        stats = (None, None)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        stats = (running_mean, running_var)
    return apply(_batch_norm_fn, "NativeBatchNorm", (input, *stats, weight, bias), eps=float(eps))


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims, then scale and shift.

    With ``use_input_stats`` the running statistics, if given, are updated with the batch mean
    of the per-sample statistics; otherwise they are used instead.

    Shape:
        - Input: ``(N, C, *)``; statistics, weight and bias ``(C)``. Output: the input's shape.
    """
    if use_input_stats:
        spatial = math.prod(input.shape[2:])
        if spatial <= 1:
            raise ValueError(
                "Expected more than 1 spatial element when training, got input size "
                f"torch.Size({_shape(input)})"
            )
        if running_mean is not None and running_var is not None:
            axes = tuple(range(2, input.ndim))
            _update_running_stats(input, running_mean, running_var, momentum, axes)
        return apply(_instance_norm_fn, "View", (input, weight, bias), eps=float(eps))
    return apply(
        _batch_norm_fn,
        "NativeBatchNorm",
        (input, running_mean, running_var, weight, bias),
        eps=float(eps),
    )


def _instance_norm_fn(x, w, b, *, eps):
    axes = tuple(range(2, x.ndim))
    y = (x - jnp.mean(x, axes, keepdims=True)) * lax.rsqrt(jnp.var(x, axes, keepdims=True) + eps)
    return _affine(y, w, b, (1, -1) + (1,) * (x.ndim - 2))


def _layer_norm_fn(x, w, b, *, ndim, eps):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    mean = jnp.mean(x, axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(jnp.var(x, axes, keepdims=True) + eps)
    return _affine(y, w, b, x.shape[x.ndim - ndim :])


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift elementwise.

    Shape:
        - Input: ``(*, *normalized_shape)``; weight and bias ``normalized_shape``.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{_shape(input)}"
        )
    return apply(
        _layer_norm_fn, "NativeLayerNorm", (input, weight, bias), ndim=len(shape), eps=float(eps)
    )


def _group_norm_fn(x, w, b, *, groups, eps):
    grouped = x.reshape(x.shape[0], groups, -1)
    mean = jnp.mean(grouped, -1, keepdims=True)
    y = (grouped - mean) * lax.rsqrt(jnp.var(grouped, -1, keepdims=True) + eps)
    return _affine(y.reshape(x.shape), w, b, (1, -1) + (1,) * (x.ndim - 2))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups (over the group's channels and
    the spatial dims), then scale and shift per channel.

    Shape:
        - Input: ``(N, C, *)`` with ``C`` divisible by ``num_groups``. Output: the input's shape.
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    if input.shape[1] % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {_shape(input)} and num_groups={num_groups}"
        )
    return apply(
        _group_norm_fn,
        "NativeGroupNorm",
        (input, weight, bias),
        groups=int(num_groups),
        eps=float(eps),
    )


def _local_response_norm_fn(x, *, size, alpha, beta, k):
    """``x / (k + alpha * mean of x^2 over size neighbouring channels) ** beta``."""
    sq = jnp.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window = (1, size) + (1,) * (x.ndim - 2)
    sums = lax.reduce_window(sq, np.array(0, x.dtype), lax.add, window, (1,) * x.ndim, "VALID")
    return x / (sums / size * alpha + k) ** beta


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Normalise each element by the energy of ``size`` neighbouring channels (AlexNet's LRN).

    Shape:
        - Input: ``(N, C, *)``, at least 3-D. Output: the input's shape.
    """
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    return apply(
        _local_response_norm_fn,
        "Div",
        (input,),
        size=int(size),
        alpha=float(alpha),
        beta=float(beta),
        k=float(k),
    )


# -- embedding ------------------------------------------------------------------------------------


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
            f"types: Long, Int; but got torch.{_type_name(input.dtype)}Tensor instead (while "
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
    _check_embedding_indices(input, weight.shape[0])
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
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
    _check_embedding_indices(input, weight.shape[0])
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return apply(
        _embedding_bag_fn,
        "EmbeddingBag",
        (input, weight, offsets, per_sample_weights),
        mode=mode,
        num_bags=int(num_bags),
        padding_idx=padding_idx,
    )


# -- folding --------------------------------------------------------------------------------------


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


# -- attention ------------------------------------------------------------------------------------


def _attention_weights(scores, *, safe):
    """Softmax over the last dim; with ``safe``, rows masked out entirely give zeros, not NaN
    (PyTorch's ``scaled_dot_product_attention``; its ``multi_head_attention_forward`` with
    ``need_weights`` gives NaN there, as plain softmax does)."""
    if not safe:
        return jax.nn.softmax(scores, axis=-1)
    dead = jnp.all(scores == -jnp.inf, axis=-1, keepdims=True)
    weights = jax.nn.softmax(jnp.where(dead, jnp.zeros((), scores.dtype), scores), axis=-1)
    return jnp.where(dead, jnp.zeros((), scores.dtype), weights)


def _additive_mask(mask, dtype):
    """A float mask (added to the scores) as is; a boolean one (True: attend) as 0 / -inf."""
    if mask is None or jnp.issubdtype(mask.dtype, jnp.floating):
        return mask
    return jnp.where(mask, jnp.zeros((), dtype), jnp.asarray(-jnp.inf, dtype))


def _attention_dropout(weights, key_data, p: float):
    if p == 1:  # no 1 / (1 - p) anywhere: it would make the gradient NaN
        return jnp.zeros_like(weights)
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), 1 - p, weights.shape)
    return jnp.where(
        keep, weights / jnp.asarray(1 - p, weights.dtype), jnp.zeros((), weights.dtype)
    )


def _sdpa_fn(q, k, v, mask, key_data, *, dropout_p, is_causal, scale, gqa, safe=True):
    if gqa:
        k = jnp.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = jnp.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ jnp.swapaxes(k, -1, -2)) * jnp.asarray(scale, q.dtype)
    if is_causal:
        causal = jnp.tril(jnp.ones((q.shape[-2], k.shape[-2]), bool))
        scores = jnp.where(causal, scores, jnp.asarray(-jnp.inf, q.dtype))
    if mask is not None:
        scores = scores + _additive_mask(mask, q.dtype)
    weights = _attention_weights(scores, safe=safe)
    if key_data is not None:
        weights = _attention_dropout(weights, key_data, dropout_p)
    return weights @ v, weights


def _sdpa_output_fn(*args, **static):
    return _sdpa_fn(*args, **static)[0]


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(Q K^T * scale + mask) V``, as PyTorch's math reference.

    Args:
        attn_mask: a boolean mask (True: take part in attention) or a float mask added to the
            scores; broadcast to ``(N, ..., L, S)``.
        dropout_p: dropout on the attention weights (always applied when > 0, as in PyTorch).
        is_causal: mask out keys after each query (top-left aligned ``tril``); combined with
            ``attn_mask`` when both are given.
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: key/value heads are repeated to the query's.

    Rows whose keys are all masked out give zeros (PyTorch's), not NaN.

    Shape:
        - query ``(N, ..., L, E)``, key ``(N, ..., S, E)``, value ``(N, ..., S, Ev)``.
        - Output: ``(N, ..., L, Ev)``.
    """
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if attn_mask is not None and not (
        attn_mask.dtype is _dtype.bool_ or attn_mask.dtype is query.dtype
    ):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {attn_mask.dtype} and  query.dtype: {query.dtype} instead."
        )
    use_dropout = dropout_p > 0
    key_data = jax.random.key_data(next_key()) if use_dropout else None
    return apply(
        _sdpa_output_fn,
        "ScaledDotProductAttention",
        (query, key, value, attn_mask, key_data),
        dropout_p=float(dropout_p),
        is_causal=bool(is_causal),
        scale=None if scale is None else float(scale),
        gqa=bool(enable_gqa) and query.ndim >= 3 and query.shape[-3] != key.shape[-3],
    )


def _pad_last(mask, n: int):
    return None if mask is None else jnp.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, n)])


def _mha_fn(
    query, key, value, in_w, in_b, q_w, k_w, v_w, bias_k, bias_v, out_w, out_b, attn_mask,
    key_padding_mask, key_data, *, num_heads, add_zero_attn, dropout_p, need_weights, average,
):  # fmt: skip
    """Multi-head attention over ``(L, N, E)`` inputs, with float masks (or None); returns the
    output (and the weights)."""
    tgt_len, bsz, embed_dim = query.shape
    head_dim = embed_dim // num_heads
    if in_w is not None:
        q_w, k_w, v_w = jnp.split(in_w, 3)
    b_q, b_k, b_v = (None,) * 3 if in_b is None else jnp.split(in_b, 3)
    q, k, v = _linear_fn(query, q_w, b_q), _linear_fn(key, k_w, b_k), _linear_fn(value, v_w, b_v)

    # Extra key/value positions that every query sees: learned ones (bias_kv), then zeros.
    extra_k, extra_v = [], []
    if bias_k is not None:
        extra_k.append(jnp.broadcast_to(bias_k, (1, bsz, embed_dim)))
        extra_v.append(jnp.broadcast_to(bias_v, (1, bsz, embed_dim)))
    if add_zero_attn:
        extra_k.append(jnp.zeros((1, bsz, embed_dim), q.dtype))
        extra_v.append(jnp.zeros((1, bsz, embed_dim), q.dtype))
    if extra_k:
        k, v = jnp.concatenate([k, *extra_k]), jnp.concatenate([v, *extra_v])
        attn_mask = _pad_last(attn_mask, len(extra_k))
        key_padding_mask = _pad_last(key_padding_mask, len(extra_k))

    def heads(x):  # (S, N, E) -> (N, H, S, head_dim)
        return x.reshape(x.shape[0], bsz, num_heads, head_dim).transpose(1, 2, 0, 3)

    src_len = k.shape[0]
    mask = None
    if attn_mask is not None:
        mask = attn_mask
        if attn_mask.ndim == 3:  # (N * H, L, S)
            mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        kpm = key_padding_mask[:, None, None, :]
        mask = kpm if mask is None else mask + kpm
    out, weights = _sdpa_fn(
        heads(q),
        heads(k),
        heads(v),
        mask,
        key_data,
        dropout_p=dropout_p,
        is_causal=False,
        scale=None,
        gqa=False,
        safe=not need_weights,
    )
    out = out.transpose(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim)
    out = _linear_fn(out, out_w, out_b)
    if not need_weights:
        return out
    return out, weights.mean(axis=1) if average else weights


def _mha_is_batched(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """PyTorch's ``_mha_shape_check``: whether the inputs are batched, checking their ranks."""
    if query.dim() not in (2, 3):
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.dim()}-D query tensor"
        )
    batched = query.dim() == 3
    what = "batched (3-D)" if batched else "unbatched (2-D)"
    for name, t in (("key", key), ("value", value)):
        if t.dim() != query.dim():
            raise AssertionError(
                f"For {what} `query`, expected `{name}` to be {query.dim()}-D but got a "
                f"{t.dim()}-D tensor instead"
            )
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(
            f"For {what} `query`, expected `key_padding_mask` to be `None` or "
            f"{query.dim() - 1}-D but got a {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(
            f"For {what} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but got a "
            f"{attn_mask.dim()}-D tensor instead"
        )
    if not batched and attn_mask is not None and attn_mask.dim() == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _check_mask_dtype(mask, name: str) -> None:
    if mask is not None and mask.dtype is not _dtype.bool_ and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")


def _masked_to_float_fn(mask, *, dtype):
    return jnp.where(mask, jnp.asarray(-jnp.inf, dtype), jnp.zeros((), dtype))


def _canonical_mask(
    mask: Tensor | None,
    mask_name: str,
    other_type,
    other_name: str,
    target_type,
    check_other: bool = True,
) -> Tensor | None:
    """PyTorch's helper: a boolean mask (True: masked out) as a float mask of ``target_type``
    (``-inf``/0), warning, as PyTorch does, when it is mixed with a mask of another type."""
    if mask is None:
        return None
    _check_mask_dtype(mask, mask_name)
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type "
            "for both instead.",
            stacklevel=3,
        )
    if mask.dtype.is_floating_point:
        return mask
    return apply(_masked_to_float_fn, "MaskedFill", (mask,), dtype=target_type.np)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention (the computation of ``nn.MultiheadAttention``), as one op.

    Boolean masks mark positions that may NOT be attended (True: masked out); float masks are
    added to the scores. ``is_causal`` is only a hint that ``attn_mask`` is causal, as in PyTorch:
    the mask is what is applied. ``static_k``/``static_v`` are not supported.

    Shape:
        - query ``(L, N, E)`` or ``(L, E)``; key ``(S, N, kdim)``; value ``(S, N, vdim)``.
        - key_padding_mask ``(N, S)`` or ``(S)``; attn_mask ``(L, S)`` or ``(N * num_heads, L, S)``.
        - Output: ``(L, N, E)``, and the weights ``(N, L, S)`` (``(N, num_heads, L, S)`` when
          not averaged), or None when ``need_weights`` is False.
    """
    if static_k is not None or static_v is not None:
        raise NotImplementedError("torchlike's multi_head_attention_forward has no static_k/v")
    batched = _mha_is_batched(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    other = None if attn_mask is None else attn_mask.dtype
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", other, "attn_mask", query.dtype
    )
    attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
            "method `generate_square_subsequent_mask` to create this mask."
        )
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    if embed_dim % num_heads:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
        in_proj_weight = None
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        q_proj_weight = k_proj_weight = v_proj_weight = None
    if attn_mask is not None:
        expected = (
            (tgt_len, src_len) if attn_mask.dim() == 2 else (bsz * num_heads, tgt_len, src_len)
        )
        if tuple(attn_mask.shape) != expected:
            raise RuntimeError(
                f"The shape of the {attn_mask.dim()}D attn_mask is {attn_mask.shape}, but should "
                f"be {expected}."
            )
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, src_len):
        raise RuntimeError(
            f"Expected key_padded_mask.shape equal to {(bsz, src_len)}, but got "
            f"{tuple(key_padding_mask.shape)}"
        )
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(f"bias_{'k' if bias_v is None else 'v'} is set but bias_"
                             f"{'v' if bias_v is None else 'k'} is None")  # fmt: skip
    use_dropout = training and dropout_p > 0
    out = apply(
        _mha_fn,
        "MultiheadAttention",
        (query, key, value, in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight,
         v_proj_weight, bias_k, bias_v, out_proj_weight, out_proj_bias, attn_mask,
         key_padding_mask, jax.random.key_data(next_key()) if use_dropout else None),
        num_heads=int(num_heads),
        add_zero_attn=bool(add_zero_attn),
        dropout_p=float(dropout_p),
        need_weights=bool(need_weights),
        average=bool(average_attn_weights),
    )  # fmt: skip
    out, weights = out if need_weights else (out, None)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


# == resampling, distances, the remaining losses, shuffles, shrink activations, LP pooling,
# bilinear, unpooling, grid sampling ==============================================================

_threshold = threshold  # ``threshold_`` below has an argument of that name
# -- interpolate ----------------------------------------------------------------------------------


def _scale_value(scale, in_size: int, out_size: int, dtype):
    """PyTorch's ``compute_scales_value``: ``1 / scale_factor`` when one was given (and not
    recomputed), else ``in / out``; in ``dtype`` as the kernels compute it."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size)


def _source_index(scale, dst, align_corners: bool, cubic: bool):
    """PyTorch's ``area_pixel_compute_source_index``: the input coordinate of output ``dst``."""
    if align_corners:
        return scale * dst
    src = scale * (dst + scale.dtype.type(0.5)) - scale.dtype.type(0.5)
    return src if cubic else np.maximum(src, 0)


def _cubic_weights(t, a: float = -0.75):
    """Keys' cubic convolution weights of the four taps around ``t`` in ``[0, 1)``."""

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def _taps(mode: str, in_size: int, out_size: int, align_corners, scale, dtype):
    """Per output position: the input indices it reads ``(out, k)`` and their weights (None
    for the nearest modes), computed with PyTorch's CPU kernels' index rules and precision."""
    dst = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        s = _scale_value(scale, in_size, out_size, np.float32)  # these kernels use float
        src = dst.astype(np.float32) * s if mode == "nearest" else ((dst + 0.5) * s)
        idx = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)
        return idx[:, None], None
    t = np.float64 if dtype == np.float64 else np.float32  # PyTorch's opmath type
    if align_corners:
        s = t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
    else:
        s = _scale_value(scale, in_size, out_size, t)
    src = _source_index(s, dst.astype(t), align_corners, cubic=mode == "bicubic")
    # guard_index_and_lambda: the index is floored (and kept below in_size), the weight clamped
    base = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - base.astype(t), 0, 1).astype(t)
    if mode == "bicubic":
        idx = np.clip(base[:, None] + np.arange(-1, 3), 0, in_size - 1)
        return idx, _cubic_weights(lam).astype(t)
    if out_size == in_size:
        return dst[:, None], None
    nxt = base + (base < in_size - 1)
    return np.stack([base, nxt], -1), np.stack([1 - lam, lam], -1)


def _special_nearest(in_size: int, out_size: int, idx):
    """PyTorch's ``nearest_idx`` special cases: ``out == in`` is the identity and
    ``out == 2 * in`` is ``dst >> 1``, whatever the ``scale_factor`` says."""
    if out_size in (in_size, 2 * in_size):
        return (np.arange(out_size) * in_size // out_size)[:, None]
    return idx


def _resample(x, tables):
    """Along each trailing axis in turn, a weighted sum of gathered inputs (``tables``: per
    axis, indices ``(out, k)`` and weights ``(out, k)`` or None for one unweighted tap)."""
    n = len(tables)
    for i, (idx, w) in enumerate(tables):
        axis = x.ndim - n + i
        if w is None:
            x = jnp.take(x, idx[:, 0], axis=axis)
            continue
        shape = [1] * x.ndim
        shape[axis] = idx.shape[0]
        x = sum(
            jnp.take(x, idx[:, k], axis=axis) * w[:, k].reshape(shape).astype(x.dtype)
            for k in range(idx.shape[1])
        )
    return x


def _interpolate_fn(x, *, mode, out_size, align_corners, scales):
    """PyTorch's CPU kernels, including where their backward disagrees with their forward:
    nearest's backward (and 2-D nearest's forward) keeps the special cases of
    :func:`_special_nearest`, and bicubic's backward is the identity when ``out == in``."""
    spatial = x.shape[x.ndim - len(out_size) :]
    tables = [
        _taps(mode, size, out, align_corners, scale, x.dtype)
        for size, out, scale in zip(spatial, out_size, scales)
    ]
    grad_tables = tables
    if mode == "nearest":
        special = [
            (_special_nearest(s, o, i), w) for s, o, (i, w) in zip(spatial, out_size, tables)
        ]
        tables = special if len(spatial) == 2 else tables
        grad_tables = special
    elif mode == "bicubic" and tuple(spatial) == tuple(out_size):
        grad_tables = [(np.arange(s)[:, None], None) for s in spatial]
    same = all(
        np.array_equal(i, gi)
        and (w is None) == (gw is None)
        and (w is None or np.array_equal(w, gw))
        for (i, w), (gi, gw) in zip(tables, grad_tables)
    )
    if same:
        return _resample(x, tables)

    @jax.custom_jvp
    def resample(x):
        return _resample(x, tables)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        return resample(primals[0]), _resample(tangents[0], grad_tables)

    return resample(x)


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_GRAD_FN = {
    "nearest": "UpsampleNearest{n}D",
    "nearest-exact": "UpsampleNearestExact{n}D",
    "linear": "UpsampleLinear1D",
    "bilinear": "UpsampleBilinear2D",
    "bicubic": "UpsampleBicubic2D",
    "trilinear": "UpsampleTrilinear3D",
}


def _check_interpolate_mode(input: Tensor, mode: str) -> None:
    spatial = input.ndim - 2
    wanted = _MODE_DIMS.get(mode)
    if wanted is not None and mode != "bicubic" and spatial in (1, 2, 3) and spatial != wanted:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {wanted + 2}D input"
        )
    known = mode in ("nearest", "nearest-exact", "area") or spatial == wanted
    if spatial not in (1, 2, 3) or not known:
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
            f"trilinear | lanczos | area | nearest-exact (got {mode})"
        )


def _output_size(input: Tensor, size, scale_factor, recompute_scale_factor):
    """PyTorch's size/scale_factor resolution: ``(output sizes, scales passed to the kernel)``."""
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(s, (int, np.integer)) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    "Tuple[int, int, int], but got size with types "
                    f"{[type(s) for s in size]}"
                )
            return tuple(int(s) for s in size), (None,) * dim
        return (int(size),) * dim, (None,) * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(input.shape[2:])} and "
                f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = tuple(float(s) for s in scale_factor)
    else:
        scales = (float(scale_factor),) * dim
    out = tuple(int(input.shape[2 + i] * s) for i, s in enumerate(scales))
    return out, ((None,) * dim if recompute_scale_factor else scales)


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample ``(N, C, *spatial)`` to ``size`` or ``spatial * scale_factor``.

    PyTorch's CPU index rules are kept exactly: ``nearest`` reads ``floor(dst * scale)``,
    ``nearest-exact`` ``floor((dst + 0.5) * scale)`` (both in float32, as PyTorch computes them),
    the linear modes and ``bicubic`` (Keys' kernel, ``A = -0.75``, borders clamped) sample
    ``scale * (dst + 0.5) - 0.5`` (or ``scale * dst`` with ``align_corners``), where ``scale`` is
    ``1 / scale_factor`` when a factor is given and not recomputed, else ``in / out``; ``area`` is
    :func:`adaptive_avg_pool2d` (1d/3d). ``antialias=True`` is not supported.

    Shape:
        - Input: ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        - Output: the same with the spatial sizes replaced.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the "
                "interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if mode not in ("nearest", "nearest-exact", "area", *_MODE_DIMS):
        _check_interpolate_mode(input, mode)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    out_size, scales = _output_size(
        input, size, scale_factor, recompute_scale_factor or mode == "area"
    )
    if antialias:
        raise NotImplementedError("torchlike: interpolate(antialias=True) is not supported")
    _check_interpolate_mode(input, mode)
    n = input.ndim - 2
    if min(input.shape[2:]) <= 0 or min(out_size) <= 0:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"{tuple(input.shape[2:])} output {out_size}"
        )
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1]
        return pool(input, out_size)
    if mode != "nearest" and mode != "nearest-exact":
        _require_float(input, f"upsample_{mode}{n}d_out_frame")
    return apply(
        _interpolate_fn,
        _GRAD_FN[mode].format(n=n),
        (input,),
        mode=mode,
        out_size=out_size,
        align_corners=bool(align_corners) if mode in _MODE_DIMS else None,
        scales=scales,
    )


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`, with PyTorch's warning."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``, with PyTorch's warning."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``, with PyTorch's
    warning."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- distances ------------------------------------------------------------------------------------


def _pnorm(x, p: float, axis, keepdims: bool = False):
    """``||x||_p`` along ``axis``, with PyTorch's zero subgradient where the norm is 0 (where
    ``jnp.linalg.norm``'s gradient is NaN)."""
    if p == math.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    s = jnp.sum(x * x if p == 2 else jnp.abs(x) ** p, axis=axis, keepdims=keepdims)
    positive = s > 0
    safe = jnp.where(positive, s, 1)
    return jnp.where(positive, jnp.sqrt(safe) if p == 2 else safe ** (1 / p), 0)


def _normalize_fn(x, *, p, dim, eps):
    return x / jnp.maximum(_pnorm(x, p, dim, keepdims=True), eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim`` (the gradient through the norm is 0 where it is
    clamped, as PyTorch's ``clamp_min``).

    Shape:
        - Input and output: ``(*)``, any shape.
    """
    if out is not None:
        raise NotImplementedError("torchlike: normalize(out=...) is not supported")
    _require_float(input, "linalg_vector_norm")
    dim = _wrap_dim(dim, input.ndim)
    return apply(_normalize_fn, "Div", (input,), p=float(p), dim=dim, eps=float(eps))


def _cosine_similarity_fn(x1, x2, *, dim, eps):
    x1, x2 = jnp.broadcast_arrays(x1, x2)
    x1 = x1 / jnp.maximum(_pnorm(x1, 2, dim, keepdims=True), eps)
    x2 = x2 / jnp.maximum(_pnorm(x2, 2, dim, keepdims=True), eps)
    return jnp.sum(x1 * x2, axis=dim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` along ``dim``, after
    broadcasting ``x1`` and ``x2`` (each norm clamped on its own, as PyTorch 2 does).

    Shape:
        - Input: ``x1`` and ``x2`` broadcastable; output: the broadcast shape without ``dim``.
    """
    shape = _broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    dim = _wrap_dim(dim, len(shape))
    _check_same_dtype(x1, x2, "x1 and x2")
    return apply(_cosine_similarity_fn, "SumBackward1", (x1, x2), dim=dim, eps=float(eps))


def _pairwise_distance_fn(x1, x2, *, p, eps, keepdim):
    return _pnorm(x1 - x2 + eps, p, -1, keepdims=keepdim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim of the broadcast inputs.

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each, broadcastable; output ``(N)`` (or ``()``).
    """
    _broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    return apply(
        _pairwise_distance_fn,
        "NormBackward1",
        (x1, x2),
        p=float(p),
        eps=float(eps),
        keepdim=keepdim,
    )


def _pdist_fn(x, *, p):
    i, j = np.triu_indices(x.shape[0], k=1)
    return _pnorm(x[i] - x[j], p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distance between every pair of rows ``i < j``, in row-major order.

    Shape:
        - Input: ``(N, M)``; output ``(N * (N - 1) / 2)``.
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    _require_float(input, "pdist")
    return apply(_pdist_fn, "Pdist", (input,), p=float(p))


# -- losses ---------------------------------------------------------------------------------------


def _loss_name(reduction: str, none: str) -> str:
    """The ``grad_fn`` PyTorch's composite losses end with: the reduction, or their last op."""
    return {"mean": "Mean", "sum": "Sum"}.get(reduction, none)


def _kl_div_fn(x, t, *, reduction, log_target):
    loss = jnp.exp(t) * (t - x) if log_target else jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input`` (``target`` is log-probabilities too with ``log_target``); ``'batchmean'`` divides
    the sum by the batch size, ``'mean'`` by the element count (with PyTorch's warning).

    Shape:
        - Input and target: ``(*)``, the same shape; output: a scalar, or ``(*)`` for ``'none'``.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    name = {"batchmean": "Div", "none": "Sub" if not log_target else "Mul"}.get(reduction)
    return apply(
        _kl_div_fn,
        name or _loss_name(reduction, ""),
        (input, target),
        reduction=reduction,
        log_target=log_target,
    )


def _poisson_nll_fn(x, t, *, log_input, full, eps, reduction):
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        safe = jnp.where(t > 1, t, 1)
        stirling = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * math.pi * safe)
        loss = loss + jnp.where(t > 1, stirling, 0)
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``), else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's ``log(target!)`` where
    ``target > 1``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply(
        _poisson_nll_fn,
        _loss_name(reduction, "Add" if full else "Sub"),
        (input, target),
        log_input=log_input,
        full=full,
        eps=float(eps),
        reduction=reduction,
    )


def _gaussian_nll_fn(x, t, var, *, full, eps, reduction):
    var = var + jax.lax.stop_gradient(jnp.maximum(var, eps) - var)  # clamped without grad
    loss = 0.5 * (jnp.log(var) + (x - t) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log likelihood ``0.5 * (log(var) + (input - target)^2 / var)``, with
    ``var`` clamped to ``eps`` outside autograd (as PyTorch clamps it under ``no_grad``).

    Shape:
        - Input: ``(N, *)``; target: the input's shape (or broadcastable); var: the input's
          shape, the input's with one dim of size 1, or without its last dim.
        - Output: a scalar, or ``(N, *)`` for ``'none'``.
    """
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = Tensor._wrap(jnp.full(tuple(input.shape), float(var), input._data.dtype))
    elif _concrete(var) and bool(np.any(_values(var) < 0)):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return apply(
        _gaussian_nll_fn,
        _loss_name(reduction, "Add" if full else "Mul"),
        (input, target, var),
        full=full,
        eps=float(eps),
        reduction=reduction,
    )


def _cosine_embedding_fn(x1, x2, y, *, margin, reduction):
    dim = x1.ndim - 1
    prod = jnp.sum(x1 * x2, axis=dim)
    mag1 = jnp.sum(x1 * x1, axis=dim) + 1e-12
    mag2 = jnp.sum(x2 * x2, axis=dim) + 1e-12
    cos = prod / jnp.sqrt(mag1 * mag2)
    loss = jnp.where(y == 1, 1 - cos, 0) + jnp.where(y == -1, jnp.maximum(cos - margin, 0), 0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (PyTorch's ``cos``: the squared norms each get ``1e-12``).

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each; target ``(N)`` or ``()``; output: a scalar, or
          ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim - 1 != target.ndim or input1.ndim > 2:
        raise RuntimeError(
            f"{input1.ndim}D target tensor expects {target.ndim + 1}D input tensors, but found "
            f"inputs with sizes {_shape(input1)} and {_shape(input2)}."
        )
    return apply(
        _cosine_embedding_fn,
        _loss_name(reduction, "Add"),
        (input1, input2, target),
        margin=float(margin),
        reduction=reduction,
    )


def _margin_ranking_fn(x1, x2, y, *, margin, reduction):
    return _reduce(jnp.maximum(-y * (x1 - x2) + margin, 0), reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``.

    Shape:
        - Input1, input2, target: ``(N)`` or ``()``; output: a scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return apply(
        _margin_ranking_fn,
        _loss_name(reduction, "ClampMin"),
        (input1, input2, target),
        margin=float(margin),
        reduction=reduction,
    )


def _hinge_embedding_fn(x, y, *, margin, reduction):
    loss = jnp.where(y != 1, jnp.maximum(margin - x, 0), 0) + jnp.where(y != -1, x, 0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply(
        _hinge_embedding_fn,
        _loss_name(reduction, "Add"),
        (input, target),
        margin=float(margin),
        reduction=reduction,
    )


def _soft_margin_fn(x, y, *, reduction):
    return _reduce(jnp.log1p(jnp.exp(-y * x)), reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``log(1 + exp(-target * input))``, for targets in ``{-1, 1}``.

    Shape:
        - Input and target: ``(*)``; output: a scalar, or ``(*)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_expandable(target, tuple(input.shape))
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "The function 'soft_margin_loss' is not differentiable with respect to argument "
            "'target'. This input cannot have requires_grad True."
        )
    return apply(_soft_margin_fn, "SoftMarginLoss", (input, target), reduction=reduction)


def _multilabel_soft_margin_fn(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over classes of the binary logistic loss of each label.

    Shape:
        - Input and target: ``(N, C)``; weight ``(C)``; output: a scalar, or ``(N)``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply(
        _multilabel_soft_margin_fn,
        _loss_name(reduction, "Div"),
        (input, target, weight),
        reduction=reduction,
    )


def _multi_margin_fn(x, y, w, *, p, margin, reduction):
    squeeze = x.ndim == 1
    x = x.reshape(-1, x.shape[-1])
    y = y.reshape(-1)
    picked = jnp.take_along_axis(x, y[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0)
    z = z**p if p == 2 else z
    if w is not None:
        z = z * w[y][:, None]
    others = jnp.arange(x.shape[1])[None, :] != y[:, None]
    loss = jnp.sum(jnp.where(others, z, 0), axis=1) / x.shape[1]
    if squeeze and reduction == "none":
        return loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: per sample, ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C``
    (times ``weight[y]``).

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target ``(N)`` or ``()`` class indices; output: a
          scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    return apply(
        _multi_margin_fn,
        "MultiMarginLoss",
        (input, target, weight),
        p=int(p),
        margin=float(margin),
        reduction=reduction,
    )


def _multilabel_margin_fn(x, y, *, reduction):
    squeeze = x.ndim == 1
    x = x.reshape(-1, x.shape[-1])
    y = y.reshape(x.shape)
    valid = jnp.cumprod(y >= 0, axis=1).astype(bool)  # targets before the first -1
    safe = jnp.where(valid, y, 0)
    classes = jnp.arange(x.shape[1])
    is_target = jnp.any(valid[:, :, None] & (safe[:, :, None] == classes), axis=1)
    picked = jnp.take_along_axis(x, safe, axis=1)  # (N, C): x at each listed target
    hinge = jnp.maximum(1 - picked[:, :, None] + x[:, None, :], 0)  # (N, target j, class k)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = jnp.sum(jnp.where(mask, hinge, 0), axis=(1, 2)) / x.shape[1]
    if squeeze and reduction == "none":
        return loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss: per sample, ``sum_{j in targets, k not in targets} max(0, 1 -
    (x[j] - x[k])) / C``; ``target`` lists class indices, ended by the first ``-1``.

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target: the input's shape (int64); output: a scalar, or
          ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    return apply(
        _multilabel_margin_fn, "MultilabelMarginLoss", (input, target), reduction=reduction
    )


def _triplet_fn(dp, dn, *, margin, reduction):
    return _reduce(jnp.maximum(margin + dp - dn, 0), reduction)


def _triplet(dist_pos, dist_neg, margin: float, reduction: str) -> Tensor:
    return apply(
        _triplet_fn,
        _loss_name(reduction, "ClampMin"),
        (dist_pos, dist_neg),
        margin=float(margin),
        reduction=reduction,
    )


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p == n):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` :func:`pairwise_distance`; ``swap``
    uses ``min(d(a, n), d(p, n))`` as the negative distance.

    Shape:
        - Input: ``(N, D)`` or ``(D)`` each; output: a scalar, or ``(N)`` for ``'none'``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = dist_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _triplet(dist_pos, dist_neg, margin, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    :func:`pairwise_distance`).

    Shape:
        - Input: ``(N, *)`` or ``(*)`` each, as the distance function takes them; output: a
          scalar, or ``(N)`` for ``'none'``.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(distance(positive, negative))
    return _triplet(dist_pos, dist_neg, margin, reduction)


# -- pixel and channel shuffles -------------------------------------------------------------------


def _pixel_shuffle_fn(x, *, r):
    *batch, c, h, w = x.shape
    n = len(batch)
    y = x.reshape(*batch, c // (r * r), r, r, h, w)
    y = jnp.transpose(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def _pixel_unshuffle_fn(x, *, r):
    *batch, c, h, w = x.shape
    n = len(batch)
    y = x.reshape(*batch, c, h // r, r, w // r, r)
    y = jnp.transpose(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(*batch, c * r * r, h // r, w // r)


def _check_at_least_3d(input: Tensor, op: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``: channel ``c r^2 + i r + j``
    becomes the pixel at offset ``(i, j)`` of block ``(h, w)``.

    Shape:
        - Input: ``(*, C * r^2, H, W)``; output ``(*, C, H * r, W * r)``.
    """
    _check_at_least_3d(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.shape[-3] % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by {r * r}"
        )
    return apply(_pixel_shuffle_fn, "PixelShuffle", (input,), r=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``.

    Shape:
        - Input: ``(*, C, H * r, W * r)``; output ``(*, C * r^2, H, W)``.
    """
    _check_at_least_3d(input, "pixel_unshuffle")
    r = int(downscale_factor)
    for what, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({dim})={input.shape[dim]} is not divisible by {r}"
            )
    return apply(_pixel_unshuffle_fn, "PixelUnshuffle", (input,), r=r)


def _channel_shuffle_fn(x, *, groups):
    n, c, *rest = x.shape
    y = x.reshape(n, groups, c // groups, *rest)
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` channel groups: ``(N, g, C / g, *)`` transposed to
    ``(N, C / g, g, *)`` (ShuffleNet).

    Shape:
        - Input and output: ``(N, C, *)``.
    """
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {_shape(input)}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    if input.shape[1] % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
            f"{groups} groups."
        )
    return apply(_channel_shuffle_fn, "ChannelShuffle", (input,), groups=int(groups))


# -- normalisation --------------------------------------------------------------------------------


def _rms_norm_fn(x, w, *, ndim, eps):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    y = x * jax.lax.rsqrt(jnp.mean(x * x, axis=axes, keepdims=True) + eps)
    return y if w is None else y * w


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dims;
    ``eps`` defaults to the dtype's machine epsilon, as PyTorch's.

    Shape:
        - Input: ``(*, *normalized_shape)``; output: the same.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(jnp.finfo(input._data.dtype).eps)
    return apply(_rms_norm_fn, "Mul", (input, weight), ndim=len(shape), eps=float(eps))


# -- activations ----------------------------------------------------------------------------------


def _check_lambda(input: Tensor, lambd: float) -> None:
    if lambd < 0:
        raise RuntimeError(
            f"lambda must be in range [0, 3.40282e+38] for input dtype "
            f"{_type_name(input.dtype)}, but found {lambd:g}"
        )


def _softshrink_fn(x, *, lambd):
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, 0))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _check_lambda(input, lambd)
    return apply(_softshrink_fn, "Softshrink", (input,), lambd=float(lambd))


def _hardshrink_fn(x, *, lambd):
    return jnp.where((x > lambd) | (x < -lambd), x, 0)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return apply(_hardshrink_fn, "Hardshrink", (input,), lambd=float(lambd))


def _rrelu_fn(x, key_data, *, lower, upper):
    slope = jax.random.uniform(
        jax.random.wrap_key_data(key_data), x.shape, x.dtype, minval=lower, maxval=upper
    )
    return jnp.where(x >= 0, x, x * slope)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: in training each negative element gets a slope drawn from
    ``U(lower, upper)`` (from :func:`torchlike.random.next_key`, so the draws differ from
    PyTorch's generator); in evaluation the slope is ``(lower + upper) / 2``."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _require_float(input, "rrelu_with_noise_out_cpu")
    if training:
        key_data = jax.random.key_data(next_key())
        out = apply(
            _rrelu_fn, "RreluWithNoise", (input, key_data), lower=float(lower), upper=float(upper)
        )
    else:
        slope = (lower + upper) / 2
        out = apply(_rrelu_eval_fn, "RreluWithNoise", (input,), slope=float(slope))
    return _inplace.commit(input, out) if inplace else out


def _rrelu_eval_fn(x, *, slope):
    return jnp.where(x >= 0, x, x * slope)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _threshold(input, threshold, value, inplace=True)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with
    Gumbel noise ``g = -log(E)``, ``E ~ Exp(1)`` (drawn from :func:`torchlike.random.next_key`,
    so not PyTorch's numbers); ``hard`` returns the one-hot argmax in the forward pass and the
    soft sample's gradient (straight-through). ``eps`` is unused, as in PyTorch."""
    del eps
    dim = _wrap_dim(dim, logits.ndim)
    key_data = jax.random.key_data(next_key())
    return apply(
        _gumbel_softmax_fn,
        "Add" if hard else "Softmax",
        (logits, key_data),
        tau=float(tau),
        hard=hard,
        dim=dim,
    )


def _gumbel_softmax_fn(logits, key_data, *, tau, hard, dim):
    e = jax.random.exponential(jax.random.wrap_key_data(key_data), logits.shape, logits.dtype)
    y = jax.nn.softmax((logits - jnp.log(e)) / tau, axis=dim)
    if not hard:
        return y
    index = jnp.argmax(y, axis=dim, keepdims=True)
    one_hot = (
        jnp.arange(y.shape[dim]).reshape([-1 if a == dim else 1 for a in range(y.ndim)]) == index
    ).astype(y.dtype)
    return one_hot - jax.lax.stop_gradient(y) + y


# -- pooling and bilinear -------------------------------------------------------------------------


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


def _bilinear_fn(x1, x2, w, b):
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x1^T W x2 + b`` per output feature.

    Shape:
        - Input1: ``(*, in1)``; input2: ``(*, in2)``; weight ``(out, in1, in2)``; bias ``(out)``.
        - Output: ``(*, out)``.
    """
    for i, (x, size) in enumerate(((input1, weight.shape[1]), (input2, weight.shape[2])), 1):
        if x.shape[-1] != size:
            raise RuntimeError(
                f"bilinear(): input{i} size does not match weight size: got {x.shape[-1]} but "
                f"expected {size}"
            )
    return apply(_bilinear_fn, "View" if bias is None else "Add", (input1, input2, weight, bias))


# -- max unpooling --------------------------------------------------------------------------------


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
    name = "SqueezeBackward1" if n == 1 else f"MaxUnpool{n}D"
    return apply(_max_unpool_fn, name, (input, indices), out_size=out_size)


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


# -- spatial transformers -------------------------------------------------------------------------

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _linspace_from_neg_one(steps: int, align_corners: bool, dtype):
    if steps <= 1:
        return jnp.zeros((1,), dtype)
    r = jnp.linspace(-1, 1, steps, dtype=dtype)
    return r if align_corners else r * (steps - 1) / steps


def _affine_grid_fn(theta, *, spatial, align_corners):
    """The base grid ``(*spatial, n + 1)`` of normalised ``(x, y[, z], 1)`` coordinates, times
    ``theta^T``."""
    axes = [_linspace_from_neg_one(s, align_corners, theta.dtype) for s in spatial]
    mesh = jnp.meshgrid(*axes, indexing="ij")  # ordered (D,) H, W
    base = jnp.stack([*reversed(mesh), jnp.ones_like(mesh[0])], axis=-1)  # x first
    n = theta.shape[0]
    grid = base.reshape(1, -1, base.shape[-1]) @ jnp.swapaxes(theta, 1, 2)
    return grid.reshape(n, *spatial, len(spatial))


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps, for :func:`grid_sample`.

    Shape:
        - theta: ``(N, 2, 3)`` for ``size = (N, C, H, W)``, ``(N, 3, 4)`` for
          ``(N, C, D, H, W)``.
        - Output: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``, last dim ``(x, y[, z])`` in
          ``[-1, 1]``.
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) in (4, 5):
        rows = len(size) - 2
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (rows, rows + 1):
            kind, shape = ("2D", "Nx2x3") if rows == 2 else ("3D", "Nx3x4")
            raise ValueError(
                f"Expected a batch of {kind} affine matrices of shape {shape} for size {size}. "
                f"Got {theta.shape}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    spatial = tuple(int(s) for s in size[2:])
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return apply(
        _affine_grid_fn,
        "AffineGridGenerator",
        (theta,),
        spatial=spatial,
        align_corners=bool(align_corners),
    )


def _reflect(c, twice_low: int, twice_high: int):
    """PyTorch's ``reflect_coordinates``: fold ``c`` into ``[low, high]`` by reflection."""
    if twice_low == twice_high:
        return jnp.zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = jnp.abs(c - low)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _source_coordinate(g, size: int, padding_mode: str, align_corners: bool):
    """A normalised grid coordinate as an input pixel coordinate, after padding's folding."""
    c = (g + 1) / 2 * (size - 1) if align_corners else ((g + 1) * size - 1) / 2
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        c = jnp.clip(c, 0, size - 1)
    return c


def _grid_sample_fn(x, grid, *, mode, padding_mode, align_corners):
    n, ch, *spatial = x.shape
    dims = len(spatial)
    out_spatial = grid.shape[1:-1]
    # grid's last dim is (x, y[, z]): reversed against the input's (D,) H, W order
    coords = [
        _source_coordinate(grid[..., dims - 1 - d].reshape(n, -1), s, padding_mode, align_corners)
        for d, s in enumerate(spatial)
    ]
    flat = x.reshape(n, ch, -1)
    strides = [math.prod(spatial[d + 1 :]) for d in range(dims)]

    def gather(index, weight):
        valid = jnp.ones_like(weight, dtype=bool)
        flat_index = 0
        for i, s, stride in zip(index, spatial, strides):
            valid = valid & (i >= 0) & (i < s)
            flat_index = flat_index + jnp.clip(i, 0, s - 1) * stride
        values = jnp.take_along_axis(flat, flat_index[:, None, :].astype(jnp.int32), axis=2)
        return values * jnp.where(valid, weight, 0)[:, None, :]

    if mode == "nearest":
        out = gather([jnp.round(c).astype(jnp.int32) for c in coords], jnp.ones_like(coords[0]))
    else:
        lows = [jnp.floor(c) for c in coords]
        fracs = [c - lo for c, lo in zip(coords, lows)]
        out = 0
        for corner in itertools.product((0, 1), repeat=dims):
            index = [lo.astype(jnp.int32) + k for lo, k in zip(lows, corner)]
            weight = math.prod(f if k else 1 - f for f, k in zip(fracs, corner))
            out = out + gather(index, weight)
    return out.reshape(n, ch, *out_spatial)


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at the normalised ``grid`` locations (``-1``/``1``: the corner pixels'
    centres with ``align_corners``, else their outer edges), bilinearly or at the nearest pixel
    (ties to even, as PyTorch's ``nearbyint``); out-of-range locations read zeros, the border,
    or the reflected location. ``mode='bicubic'`` is not supported.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``; grid ``(N, H_out, W_out, 2)`` or
          ``(N, D_out, H_out, W_out, 3)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(N, C, D_out, H_out, W_out)``.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if mode == "bicubic":
        raise NotImplementedError("torchlike: grid_sample(mode='bicubic') is not supported")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
            f"but got input with sizes {_shape(input)} and grid with sizes {_shape(grid)}"
        )
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {_shape(input)} and grid with sizes {_shape(grid)}"
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, "
            f"but got grid with sizes {_shape(grid)}"
        )
    return apply(
        _grid_sample_fn,
        f"GridSampler{input.ndim - 2}D",
        (input, grid),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=bool(align_corners),
    )
