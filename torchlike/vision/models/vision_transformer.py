"""ViT-B/16 as ``torchvision.models.vision_transformer``: patch embedding, class token,
pre-norm encoder blocks, the same ``state_dict`` keys (including the older checkpoints'
``mlp.linear_1``/``linear_2`` names, renamed on load as torchvision does), so the official
checkpoints load."""

from __future__ import annotations

import functools
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image

from ... import cat as _cat
from ... import nn
from ... import zeros as _zeros
from ..._tensor import Tensor
from ._api import Weights, WeightsEnum, _ovewrite_named_param, build_with_weights, weights_builder
from ._api import imagenet_weights as _imagenet_weights

__all__ = ["VisionTransformer", "ViT_B_16_Weights", "vit_b_16"]

_LayerNorm = functools.partial(nn.LayerNorm, eps=1e-6)


class MLPBlock(nn.Sequential):
    """Linear, GELU, Dropout, Linear, Dropout (children ``0`` to ``4``)."""

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(
            nn.Linear(in_dim, mlp_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(mlp_dim, in_dim),
            nn.Dropout(dropout),
        )
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm self-attention and MLP, each with a residual connection."""

    def __init__(
        self,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float,
        attention_dropout: float,
        norm_layer: Callable[..., nn.Module] = _LayerNorm,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(
            hidden_dim, num_heads, dropout=attention_dropout, batch_first=True
        )
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {x.shape}")
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = self.dropout(y) + x
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Position embedding, dropout, ``num_layers`` encoder blocks, a final LayerNorm."""

    def __init__(
        self,
        seq_length: int,
        num_layers: int,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float,
        attention_dropout: float,
        norm_layer: Callable[..., nn.Module] = _LayerNorm,
    ) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(_zeros(1, seq_length, hidden_dim))
        nn.init.normal_(self.pos_embedding, std=0.02)
        self.dropout = nn.Dropout(dropout)
        blocks = OrderedDict(
            (
                f"encoder_layer_{i}",
                EncoderBlock(
                    num_heads, hidden_dim, mlp_dim, dropout, attention_dropout, norm_layer
                ),
            )
            for i in range(num_layers)
        )
        self.layers = nn.Sequential(blocks)
        self.ln = norm_layer(hidden_dim)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {x.shape}")
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """Vision Transformer: non-overlapping ``patch_size`` patches embedded by a strided
    convolution (``conv_proj``), a class token, a Transformer encoder, a linear head.

    Args:
        image_size: input height and width (fixed: the position embedding has one entry per
            patch).
        patch_size, num_layers, num_heads, hidden_dim, mlp_dim: the encoder's sizes.
        dropout, attention_dropout: dropout rates. Default: 0.
        num_classes: outputs. Default: 1000.
        representation_size: a tanh "pre-logits" layer of this width before the head.
        norm_layer: Default: ``LayerNorm(eps=1e-6)``.

    Shape:
        - Input: ``(N, 3, image_size, image_size)``.
        - Output: ``(N, num_classes)``.
    """

    def __init__(
        self,
        image_size: int,
        patch_size: int,
        num_layers: int,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        num_classes: int = 1000,
        representation_size: int | None = None,
        norm_layer: Callable[..., nn.Module] = _LayerNorm,
        conv_stem_configs: list | None = None,
    ) -> None:
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError("Input shape indivisible by patch size!")
        if conv_stem_configs is not None:
            raise NotImplementedError("torchlike's VisionTransformer has no conv_stem_configs yet")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1
        self.class_token = nn.Parameter(_zeros(1, 1, hidden_dim))
        self.encoder = Encoder(
            seq_length,
            num_layers,
            num_heads,
            hidden_dim,
            mlp_dim,
            dropout,
            attention_dropout,
            norm_layer,
        )
        self.seq_length = seq_length
        heads: OrderedDict[str, nn.Module] = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            from ...nn import Tanh

            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)
        fan_in = 3 * patch_size * patch_size
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        if representation_size is not None:
            nn.init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / hidden_dim))
            nn.init.zeros_(self.heads.pre_logits.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        if h != self.image_size or w != self.image_size:
            raise ValueError(
                f"Wrong image size! Expected {self.image_size}x{self.image_size} but got {h}x{w}!"
            )
        p = self.patch_size
        x = self.conv_proj(x).reshape(n, self.hidden_dim, (h // p) * (w // p))
        return x.permute(0, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = self._process_input(x)
        token = self.class_token.expand(x.shape[0], -1, -1)
        x = self.encoder(_cat([token, x], dim=1))
        return self.heads(x[:, 0])

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ):
        """As ``Module.load_state_dict``; checkpoints written before torchvision 0.13 name the
        MLP layers ``mlp.linear_1``/``mlp.linear_2`` and are renamed to ``mlp.0``/``mlp.3``."""
        renamed = {_OLD_MLP.sub(_new_mlp_key, k): v for k, v in state_dict.items()}
        return super().load_state_dict(renamed, strict=strict, assign=assign)


_OLD_MLP = re.compile(r"(\.mlp\.)linear_([12])\.")


def _new_mlp_key(match: re.Match) -> str:
    return f"{match.group(1)}{3 * (int(match.group(2)) - 1)}."


def _vit_weights(file: str, num_params: int, size: int, **preset: Any) -> Weights:
    return _imagenet_weights(file, num_params, (size, size), **preset)


class ViT_B_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vit_weights("vit_b_16-c867db91.pth", 86567656, 224)
    IMAGENET1K_SWAG_E2E_V1 = _vit_weights(
        "vit_b_16_swag-9ac1b537.pth",
        86859496,
        384,
        crop_size=384,
        resize_size=384,
        interpolation=Image.Resampling.BICUBIC,
    )
    IMAGENET1K_SWAG_LINEAR_V1 = _vit_weights(
        "vit_b_16_lc_swag-4e70ced5.pth",
        86567656,
        224,
        crop_size=224,
        resize_size=224,
        interpolation=Image.Resampling.BICUBIC,
    )
    DEFAULT = IMAGENET1K_V1


@weights_builder(lambda: ViT_B_16_Weights.IMAGENET1K_V1)
def vit_b_16(
    *, weights: ViT_B_16_Weights | None = None, progress: bool = True, **kwargs: Any
) -> VisionTransformer:
    """ViT-B/16 from "An Image is Worth 16x16 Words" (12 layers, 12 heads, width 768)."""
    weights = ViT_B_16_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        _ovewrite_named_param(kwargs, "image_size", weights.meta["min_size"][0])
    image_size = kwargs.pop("image_size", 224)
    build = functools.partial(VisionTransformer, image_size, 16, 12, 12, 768, 3072)
    return build_with_weights(build, weights, progress, **kwargs)
