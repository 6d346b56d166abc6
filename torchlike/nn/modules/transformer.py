"""Transformer layers (PyTorch's ``torch/nn/modules/transformer.py``).

The modules are PyTorch's, submodule for submodule (``self_attn``, ``linear1``, ``dropout``,
``linear2``, ``norm1``..., cloned layers in ``layers``), so ``state_dict`` keys are PyTorch's and a
PyTorch checkpoint loads as is. PyTorch's inference fast paths (fused kernels, nested tensors) are
not separate code here: the same math always runs, and one visible effect of the nested-tensor
path is reproduced: in inference, ``TransformerEncoder`` returns zeros at padded positions of
``src_key_padding_mask`` (before its final ``norm``) whenever PyTorch would take that path.
Masks are always applied as given; the ``is_causal`` hints change nothing but their checks.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np

from ..._ops.creation import full, tensor
from ..._ops.shape import triu
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from .. import functional as F
from .. import init
from .activation import GELU, MultiheadAttention, ReLU
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """``(sz, sz)`` float mask: ``-inf`` above the diagonal (future positions), 0 elsewhere."""
    return triu(full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_activation_fn(activation: str) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class Transformer(Module):
    """An encoder-decoder transformer ("Attention Is All You Need").

    Args:
        d_model: features of the encoder and decoder inputs. Default: 512.
        nhead: attention heads. Default: 8.
        num_encoder_layers, num_decoder_layers: layers in each stack. Default: 6.
        dim_feedforward: width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: ``'relu'``, ``'gelu'`` or a callable. Default: ``F.relu``.
        custom_encoder, custom_decoder: modules used instead of the default stacks.
        layer_norm_eps: LayerNorm epsilon. Default: 1e-5.
        batch_first: ``(N, S, E)`` inputs and output. Default: ``False``.
        norm_first: LayerNorm before each block rather than after. Default: ``False``.
        bias: learn biases in the linear layers and LayerNorms. Default: ``True``.

    Every parameter with more than one dimension is re-drawn with ``xavier_uniform_``.

    Shape:
        - src ``(S, N, E)``, tgt ``(T, N, E)`` (batch first if ``batch_first``; no ``N`` when
          unbatched); src_mask ``(S, S)``, tgt_mask ``(T, T)``, memory_mask ``(T, S)`` (or with a
          leading ``N * nhead``); key padding masks ``(N, S)`` / ``(N, T)``.
        - Output: ``(T, N, E)``.
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps)
        layer_args += (batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, **factory_kwargs),
                num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs),
            )
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, **factory_kwargs),
                num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs),
            )
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and src.size(batch_dim) != tgt.size(batch_dim):
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """A square causal mask: ``-inf`` above the diagonal, 0.0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies, in ``layers``).

    Args:
        encoder_layer: the layer to copy (a :class:`TransformerEncoderLayer`).
        num_layers: number of copies.
        norm: a final normalisation module, or None.
        enable_nested_tensor: PyTorch's inference path for padded batches; here it only decides
            whether padded positions come out as zeros (see the module docstring).
        mask_check: check that ``src_key_padding_mask`` is left aligned before doing so.

    Shape:
        - src: as :class:`TransformerEncoderLayer`; Output: src's shape.
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(
                "enable_nested_tensor is True, but self.use_nested_tensor is False because "
                f"{why_not}",
                stacklevel=3,
            )
            self.use_nested_tensor = False

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        src_key_padding_mask, mask = _canonical_masks(
            src_key_padding_mask, mask, "src_key_padding_mask", "mask", src.dtype
        )
        output = src
        for mod in self.layers:
            output = mod(
                output,
                src_mask=mask,
                is_causal=bool(is_causal),
                src_key_padding_mask=src_key_padding_mask,
            )
        if self._zeroes_padding(src, mask, src_key_padding_mask):
            padded = tensor(_padding_mask_values(src_key_padding_mask)[:, :, None])  # (N, S, 1)
            output = output.masked_fill(padded, 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _zeroes_padding(self, src: Tensor, mask, key_padding_mask) -> bool:
        """Whether PyTorch would run this call on nested tensors (padding comes back as 0)."""
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.dim() != 3:
            return False
        if key_padding_mask is None or mask is not None:
            return False
        if not F._concrete(key_padding_mask):  # PyTorch skips the path when compiling, too
            return False
        if self.mask_check and not _left_aligned(key_padding_mask):
            return False
        attn = first.self_attn
        weights = (src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight)
        weights += (attn.out_proj.bias, first.norm1.weight, first.norm1.bias, first.norm2.weight)
        weights += (first.norm2.bias, first.linear1.weight, first.linear1.bias)
        weights += (first.linear2.weight, first.linear2.bias)
        return not (is_grad_enabled() and any(w.requires_grad for w in weights))


def _canonical_masks(key_padding_mask, mask, kpm_name: str, mask_name: str, dtype) -> tuple:
    """Both masks as float masks, warning under these names when their types differ (PyTorch)."""
    other = None if mask is None else mask.dtype
    key_padding_mask = F._canonical_mask(key_padding_mask, kpm_name, other, mask_name, dtype)
    mask = F._canonical_mask(mask, mask_name, None, "", dtype, check_other=False)
    return key_padding_mask, mask


def _why_not_nested(layer) -> str:
    """PyTorch's reasons, in its order, for not using nested tensors with this layer."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return (
            f"{name}.self_attn.batch_first was not True"
            "(use batch_first for better inference performance)"
        )
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


def _padding_mask_values(mask: Tensor) -> np.ndarray:
    values = F._values(mask)
    return values if values.dtype == bool else values == -np.inf


def _left_aligned(mask: Tensor) -> bool:
    """Each row keeps a prefix and pads the rest (True/-inf marks padding)."""
    pad = _padding_mask_values(mask)
    return bool(np.all(pad[:, 1:] >= pad[:, :-1]))


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (deep copies, in ``layers``).

    Args:
        decoder_layer: the layer to copy (a :class:`TransformerDecoderLayer`).
        num_layers: number of copies.
        norm: a final normalisation module, or None.

    Shape:
        - tgt, memory: as :class:`TransformerDecoderLayer`; Output: tgt's shape.
    """

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        output = tgt
        for mod in self.layers:
            output = mod(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


def _set_activation(layer: Module, activation) -> None:
    if isinstance(activation, str):
        activation = _get_activation_fn(activation)
    if activation is F.relu or isinstance(activation, ReLU):
        layer.activation_relu_or_gelu = 1
    elif activation is F.gelu or isinstance(activation, GELU):
        layer.activation_relu_or_gelu = 2
    else:
        layer.activation_relu_or_gelu = 0
    layer.activation = activation


class _TransformerLayer(Module):
    """What encoder and decoder layers share: the arguments, the submodules in PyTorch's order
    (the decoder's cross-attention ``multihead_attn``, ``norm3`` and ``dropout3`` in their
    places) and the self-attention block."""

    _cross_attention: bool

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        attn_kwargs = dict(dropout=dropout, batch_first=batch_first, bias=bias, **factory_kwargs)
        self.self_attn = MultiheadAttention(d_model, nhead, **attn_kwargs)
        if self._cross_attention:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **attn_kwargs)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory_kwargs)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory_kwargs)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs)
        if self._cross_attention:
            self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if self._cross_attention:
            self.dropout3 = Dropout(dropout)
            self.activation = (
                _get_activation_fn(activation) if isinstance(activation, str) else activation
            )
        else:  # only the encoder layer records which activation it has (PyTorch's fast path)
            _set_activation(self, activation)

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool = False) -> Tensor:
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(x)


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention and a feed-forward block, each with dropout, a residual and LayerNorm.

    ``norm_first=False``: ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``;
    ``norm_first=True``: ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: ``'relu'``, ``'gelu'`` or a callable (a module becomes a submodule).
            Default: ``F.relu``.
        layer_norm_eps: LayerNorm epsilon. Default: 1e-5.
        batch_first: ``(N, S, E)`` input and output. Default: ``False``.
        norm_first: LayerNorm before each block. Default: ``False``.
        bias: learn biases in the linear layers and LayerNorms. Default: ``True``.

    Shape:
        - src ``(S, N, E)`` (``(N, S, E)`` if ``batch_first``) or ``(S, E)``; src_mask ``(S, S)``
          or ``(N * nhead, S, S)``; src_key_padding_mask ``(N, S)``.
        - Output: src's shape.
    """

    _cross_attention = False

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        src_key_padding_mask, src_mask = _canonical_masks(
            src_key_padding_mask, src_mask, "src_key_padding_mask", "src_mask", src.dtype
        )
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, attention over ``memory`` and a feed-forward block, each with dropout, a
    residual and LayerNorm (``norm1``, ``norm2``, ``norm3``; before each block if ``norm_first``).

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: ``'relu'``, ``'gelu'`` or a callable. Default: ``F.relu``.
        layer_norm_eps: LayerNorm epsilon. Default: 1e-5.
        batch_first: ``(N, T, E)`` inputs and output. Default: ``False``.
        norm_first: LayerNorm before each block. Default: ``False``.
        bias: learn biases in the linear layers and LayerNorms. Default: ``True``.

    Shape:
        - tgt ``(T, N, E)``, memory ``(S, N, E)`` (batch first if ``batch_first``);
          tgt_mask ``(T, T)``, memory_mask ``(T, S)``; key padding masks ``(N, T)``, ``(N, S)``.
        - Output: tgt's shape.
    """

    _cross_attention = True

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(
        self, x: Tensor, mem: Tensor, attn_mask, key_padding_mask, is_causal: bool = False
    ) -> Tensor:
        x = self.multihead_attn(
            x,
            mem,
            mem,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)
