"""Non-linear activations: ``relu``, ``gelu``, ``softmax``/``log_softmax``, ``elu``/``selu``/
``celu``, the shrink functions, ``rrelu``, ``gumbel_softmax`` ... and their in-place forms
(``relu_``, ``elu_`` ...), as ``nn/modules/activation.py``'s layers use them."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
from jax import lax

from ... import _dtype
from ..._dispatch import apply
from ..._ops import _out
from ..._ops import inplace as _inplace
from ..._ops import pointwise as _pointwise
from ..._ops.pointwise import relu as _relu
from ..._tensor import Tensor, _wrap_dim
from ...random import next_key
from ._utils import _require_float

# public here too, as in PyTorch (whose F.sigmoid/F.tanh take no out=)
sigmoid = _out.reject_out(_pointwise.sigmoid, "sigmoid")
tanh = _out.reject_out(_pointwise.tanh, "tanh")


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
            f"\"{name}_{last}kernel_impl\" not implemented for '{_dtype.type_name(dt)}'"
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


_threshold = threshold  # ``threshold_`` below has an argument of that name


def _check_lambda(input: Tensor, lambd: float) -> None:
    if lambd < 0:
        raise RuntimeError(
            f"lambda must be in range [0, 3.40282e+38] for input dtype "
            f"{_dtype.type_name(input.dtype)}, but found {lambd:g}"
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
