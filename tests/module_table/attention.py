"""Rows for attention and the transformer layers: ``MultiheadAttention``,
``F.scaled_dot_product_attention`` and the encoder/decoder layers and stacks, with boolean and
float masks as constants of the call (PyTorch's conventions), checked by :mod:`.parity`'s
generic checks in ``test_transformer.py``.
"""

from __future__ import annotations

import numpy as np
from _helpers import f32

from .parity import Row

_r = np.random.default_rng(42)
KPM = np.zeros((2, 5), bool)  # (N, S): True marks padding; key 0 is never masked
KPM[0, 4], KPM[1, 3:] = True, True
ATTN_BOOL = _r.random((3, 5)) < 0.4  # (L, S): True marks pairs that may not attend
ATTN_BOOL[:, 0] = False
ATTN_FLOAT_3D = f32(_r, 4, 3, 5)  # (N * H, L, S)
KPM_FLOAT = np.where(KPM, -np.inf, 0.0).astype(np.float32)
CAUSAL_BOOL = np.triu(np.ones((5, 5), bool), 1)  # True above the diagonal: the future
SDPA_MASK = _r.random((3, 5)) < 0.5  # True: attend; row 1 attends to nothing
SDPA_MASK[0, 0], SDPA_MASK[2, 1], SDPA_MASK[1] = True, True, False
SDPA_FLOAT = f32(_r, 2, 1, 3, 5)


def t(lib, array):
    return lib.tensor(array)


def causal(lib, n):
    return lib.nn.Transformer.generate_square_subsequent_mask(n)


def self_attention(**kwargs):
    return lambda lib, m, x: m(x, x, x, **{k: v(lib) for k, v in kwargs.items()})


def sdpa(**kwargs):
    def call(lib, m, q, k, v):
        masks = {n: t(lib, a) for n, a in kwargs.items() if isinstance(a, np.ndarray)}
        rest = {n: a for n, a in kwargs.items() if not isinstance(a, np.ndarray)}
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **masks, **rest)

    return call


def mha(L=8, H=2, **kwargs):
    return lambda lib: lib.nn.MultiheadAttention(L, H, **kwargs)


def enc(*args, **kwargs):
    return lambda lib: lib.nn.TransformerEncoderLayer(*args, **kwargs)


def dec(*args, **kwargs):
    return lambda lib: lib.nn.TransformerDecoderLayer(*args, **kwargs)


def encoder_stack(lib):
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)


def decoder_stack(lib):
    nn = lib.nn
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True)
    return nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(8))


# fmt: off
ROWS = [
    Row("mha_self", mha(), lambda r: (f32(r, 3, 2, 8),), self_attention()),
    Row("mha_bool_masks", mha(), lambda r: (f32(r, 3, 2, 8), f32(r, 5, 2, 8), f32(r, 5, 2, 8)),
        lambda lib, m, q, k, v: m(q, k, v, key_padding_mask=t(lib, KPM),
                                  attn_mask=t(lib, ATTN_BOOL))),
    Row("mha_float_masks_per_head_no_bias", mha(bias=False),
        lambda r: (f32(r, 3, 2, 8), f32(r, 5, 2, 8), f32(r, 5, 2, 8)),
        lambda lib, m, q, k, v: m(q, k, v, key_padding_mask=t(lib, KPM_FLOAT),
                                  attn_mask=t(lib, ATTN_FLOAT_3D), average_attn_weights=False)),
    Row("mha_kdim_vdim_bias_kv_zero_attn_batch_first",
        mha(kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True, batch_first=True),
        lambda r: (f32(r, 2, 3, 8), f32(r, 2, 5, 3), f32(r, 2, 5, 5)),
        lambda lib, m, q, k, v: m(q, k, v, key_padding_mask=t(lib, KPM))),
    Row("mha_no_weights_causal_batch_first", mha(batch_first=True), lambda r: (f32(r, 2, 4, 8),),
        self_attention(need_weights=lambda lib: False, attn_mask=lambda lib: causal(lib, 4),
                       is_causal=lambda lib: True)),
    Row("mha_unbatched", mha(), lambda r: (f32(r, 3, 8), f32(r, 5, 8), f32(r, 5, 8)),
        lambda lib, m, q, k, v: m(q, k, v, key_padding_mask=t(lib, KPM[1]))),
    Row("mha_dropout_eval", lambda lib: mha(dropout=0.5)(lib).eval(),
        lambda r: (f32(r, 3, 2, 8),), self_attention()),
    Row("sdpa", None, lambda r: (f32(r, 2, 2, 3, 4), f32(r, 2, 2, 5, 4), f32(r, 2, 2, 5, 6)),
        sdpa()),
    Row("sdpa_causal_rectangular_3d", None,
        lambda r: (f32(r, 2, 3, 4), f32(r, 2, 5, 4), f32(r, 2, 5, 4)), sdpa(is_causal=True)),
    Row("sdpa_bool_mask_dead_row", None,
        lambda r: (f32(r, 2, 2, 3, 4), f32(r, 2, 2, 5, 4), f32(r, 2, 2, 5, 4)),
        sdpa(attn_mask=SDPA_MASK)),
    Row("sdpa_float_mask_scale_causal", None,
        lambda r: (f32(r, 2, 2, 3, 4), f32(r, 2, 2, 5, 4), f32(r, 2, 2, 5, 4)),
        sdpa(attn_mask=SDPA_FLOAT, scale=0.3, is_causal=True)),
    Row("sdpa_gqa", None, lambda r: (f32(r, 1, 4, 3, 4), f32(r, 1, 2, 5, 4), f32(r, 1, 2, 5, 4)),
        sdpa(enable_gqa=True)),
    Row("encoder_layer", enc(8, 2, 16, dropout=0.0), lambda r: (f32(r, 5, 2, 8),)),
    Row("encoder_layer_norm_first_gelu_masks",
        enc(8, 2, 16, 0.0, "gelu", batch_first=True, norm_first=True),
        lambda r: (f32(r, 2, 5, 8),),
        lambda lib, m, x: m(x, src_mask=causal(lib, 5), src_key_padding_mask=t(lib, KPM_FLOAT))),
    Row("encoder_layer_module_activation_no_bias",
        lambda lib: enc(8, 2, 16, 0.0, lib.nn.GELU(), layer_norm_eps=1e-6, bias=False)(lib),
        lambda r: (f32(r, 5, 2, 8),)),
    Row("encoder_layer_eval_unbatched", lambda lib: enc(8, 2, 16)(lib).eval(),
        lambda r: (f32(r, 5, 8),)),
    Row("encoder_layer_dropout_one_train", enc(8, 2, 16, dropout=1.0),
        lambda r: (f32(r, 5, 2, 8),)),
    Row("decoder_layer_masks", dec(8, 2, 16, dropout=0.0),
        lambda r: (f32(r, 4, 2, 8), f32(r, 5, 2, 8)),
        lambda lib, m, x, mem: m(x, mem, tgt_mask=causal(lib, 4),
                                 memory_key_padding_mask=t(lib, KPM))),
    Row("decoder_layer_norm_first_relu_batch_first",
        dec(8, 2, 16, 0.0, "relu", batch_first=True, norm_first=True),
        lambda r: (f32(r, 2, 4, 8), f32(r, 2, 5, 8))),
    Row("encoder_stack", encoder_stack, lambda r: (f32(r, 5, 2, 8),),
        lambda lib, m, x: m(x, mask=t(lib, CAUSAL_BOOL), src_key_padding_mask=t(lib, KPM))),
    Row("decoder_stack", decoder_stack, lambda r: (f32(r, 2, 4, 8), f32(r, 2, 5, 8)),
        lambda lib, m, x, mem: m(x, mem, tgt_mask=causal(lib, 4), tgt_is_causal=True)),
    Row("transformer",
        lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0),
        lambda r: (f32(r, 5, 2, 8), f32(r, 4, 2, 8)),
        lambda lib, m, src, tgt: m(src, tgt, tgt_mask=causal(lib, 4),
                                   src_key_padding_mask=t(lib, KPM),
                                   memory_key_padding_mask=t(lib, KPM))),
    Row("transformer_eval_batch_first_norm_first",
        lambda lib: lib.nn.Transformer(8, 2, 1, 2, 16, batch_first=True, norm_first=True).eval(),
        lambda r: (f32(r, 2, 5, 8), f32(r, 2, 4, 8))),
]
# fmt: on
MODULE_ROWS = [r for r in ROWS if r.make is not None]
COMPILE_ROWS = ["mha_kdim_vdim_bias_kv_zero_attn_batch_first", "sdpa_float_mask_scale_causal",
                "encoder_layer_norm_first_gelu_masks", "transformer"]  # fmt: skip
FD_ROWS = ["mha_kdim_vdim_bias_kv_zero_attn_batch_first", "sdpa_bool_mask_dead_row"]
assert {*COMPILE_ROWS, *FD_ROWS} <= {r.id for r in ROWS}  # no row dropped by a typo
