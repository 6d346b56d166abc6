"""Activation layers (PyTorch's ``torch/nn/modules/activation.py``): each calls its function in
:mod:`torchlike.nn.functional`."""

from __future__ import annotations

from ..._ops.creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear
from .module import Module

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "MultiheadAttention",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]

_ELEMENTWISE_SHAPE = """
    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """


class _Inplace(Module):
    """An elementwise activation with only an ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _AlongDim(Module):
    """An activation along one dimension, ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Shrink(Module):
    """A shrinkage towards zero by ``lambd``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        return str(self.lambd)


class _Alpha(Module):
    """An exponential unit with a negative saturation ``alpha`` and an ``inplace`` flag."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class ReLU(_Inplace):
    """``max(x, 0)`` elementwise.

    Args:
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)


class LeakyReLU(Module):
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    Args:
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace_str}"


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)`` elementwise.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``.

    Args:
        approximate: ``'none'`` (exact) or ``'tanh'`` (the tanh approximation). Default: ``'none'``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(_AlongDim):
    """Softmax along ``dim``: the slices along it become probability distributions.

    Args:
        dim: the dimension to normalise. ``None`` picks one with PyTorch's deprecation warning.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape, values in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim, _stacklevel=5)


class LogSoftmax(_AlongDim):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Args:
        dim: the dimension to normalise. ``None`` picks one with PyTorch's deprecation warning.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape, values in [-inf, 0].
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim, _stacklevel=5)


class ELU(_Alpha):
    __doc__ = (
        """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: the negative saturation value's magnitude. Default: 1.0.
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)


class CELU(_Alpha):  # not an ELU, as in PyTorch
    __doc__ = (
        """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha: the negative saturation value's magnitude. Default: 1.0.
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)


class SELU(_Inplace):
    __doc__ = (
        """``scale * elu(x, alpha)`` with the self-normalising constants ``alpha = 1.6733``,
    ``scale = 1.0507`` (Klambauer et al.).

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class SiLU(_Inplace):
    __doc__ = (
        """``x * sigmoid(x)`` (swish).

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


class Mish(_Inplace):
    __doc__ = (
        """``x * tanh(softplus(x))``.

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class Hardswish(_Inplace):
    __doc__ = (
        """``x * relu6(x + 3) / 6``.

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        return ""  # PyTorch's repr leaves ``inplace`` out here


class Hardsigmoid(_Inplace):
    __doc__ = (
        """``relu6(x + 3) / 6``.

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:
        return ""  # PyTorch's repr leaves ``inplace`` out here


class Softplus(Module):
    __doc__ = (
        """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    Args:
        beta: the sharpness. Default: 1.
        threshold: above this ``beta * x`` the function is linear. Default: 20.
    """
        + _ELEMENTWISE_SHAPE
    )

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    __doc__ = (
        """``x / (1 + |x|)``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Hardtanh(Module):
    __doc__ = (
        """``x`` clamped to ``[min_val, max_val]`` (gradient 1 strictly inside, else 0).

    Args:
        min_val: the lower end. Default: -1.
        max_val: the upper end. Default: 1.
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        assert self.max_val > self.min_val

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace_str}"


class ReLU6(Hardtanh):
    __doc__ = (
        """``min(max(x, 0), 6)``.

    Args:
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class PReLU(Module):
    """``x`` where ``x > 0``, else ``weight * x``, with a learnt slope (one, or one per channel).

    Args:
        num_parameters: 1, or the number of channels (dim 1 of the input). Default: 1.
        init: the slopes' initial value. Default: 0.25.

    Shape:
        - Input: ``(*)``, channels on dim 1 when ``num_parameters > 1``.
        - Output: ``(*)``, the input's shape.

    Attributes:
        weight: ``(num_parameters)``.
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Threshold(Module):
    __doc__ = (
        """``x`` where ``x > threshold``, else ``value``.

    Args:
        threshold: the threshold.
        value: the replacement below it.
        inplace: overwrite the input. Default: ``False``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace_str}"


class GLU(_AlongDim):
    """Gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of the input on
    ``dim``.

    Args:
        dim: the dimension to split. Default: -1.

    Shape:
        - Input: ``(*, N, *)``, ``N`` even.
        - Output: ``(*, N / 2, *)``.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim)

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)


class Softmin(_AlongDim):
    """``softmax(-x)`` along ``dim``.

    Args:
        dim: the dimension to normalise. ``None`` picks one with PyTorch's deprecation warning.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape, values in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSigmoid(Module):
    __doc__ = (
        """``log(sigmoid(x))``, computed stably.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Tanhshrink(Module):
    __doc__ = (
        """``x - tanh(x)``.
    """
        + _ELEMENTWISE_SHAPE
    )

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class MultiheadAttention(Module):
    r"""Attention from ``query`` to ``key``/``value`` over ``num_heads`` heads:
    ``concat(head_1, ..., head_h) W_O``, with
    ``head_i = softmax(Q W_i^Q (K W_i^K)^T / sqrt(d)) V W_i^V``.

    Args:
        embed_dim: the model dimension ``E`` (split into ``num_heads`` heads of ``E / num_heads``).
        num_heads: parallel attention heads.
        dropout: dropout on the attention weights (training mode). Default: 0.
        bias: learn input and output projection biases. Default: ``True``.
        add_bias_kv: learn an extra key and value position (``bias_k``, ``bias_v``).
        add_zero_attn: append an all-zero key and value position.
        kdim, vdim: features of key and value (default ``embed_dim``); when they differ from it
            the projections are ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` instead of
            one ``in_proj_weight``.
        batch_first: inputs and output are ``(N, L, E)``. Default: ``False``.

    Shape:
        - query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (batch first if
          ``batch_first``), or unbatched ``(L, E)``, ``(S, kdim)``, ``(S, vdim)``.
        - key_padding_mask ``(N, S)``: True (or ``-inf``) marks keys to ignore.
        - attn_mask ``(L, S)`` or ``(N * num_heads, L, S)``: True marks pairs that may not attend;
          a float mask is added to the scores.
        - Output: ``(attn_output, attn_weights)``: ``(L, N, E)``, and ``(N, L, S)`` (averaged over
          heads) or ``(N, num_heads, L, S)``, or None if ``need_weights=False``.

    Where torchlike differs: PyTorch may take a fused "fast path" in inference; torchlike always
    computes the same math (equal to rounding). Dropout masks are not PyTorch's.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **factory_kwargs))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **factory_kwargs))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **factory_kwargs))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **factory_kwargs))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **factory_kwargs))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, **factory_kwargs
        )
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **factory_kwargs))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **factory_kwargs))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if self.batch_first and query.dim() == 3:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        attn_output, weights = F.multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and query.dim() == 3:
            attn_output = attn_output.transpose(1, 0)
        return attn_output, weights


class Softshrink(_Shrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Args:
        lambd: the threshold, at least 0. Default: 0.5.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, else 0.

    Args:
        lambd: the threshold. Default: 0.5.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU (:func:`F.rrelu`): random slopes in ``[lower, upper]`` for negative
    inputs in training (torchlike's generator, not PyTorch's), their mean in evaluation.

    Args:
        lower: lower bound of the slope. Default: 1/8.
        upper: upper bound of the slope. Default: 1/3.
        inplace: overwrite the input. Default: ``False``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: ``(*)``, the input's shape.
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"


class Softmax2d(Module):
    """Softmax over the channels at every spatial position.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: the input's shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead"
            )
        return F.softmax(input, -3, _stacklevel=5)
