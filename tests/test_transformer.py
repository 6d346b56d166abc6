"""Attention and transformer layers against PyTorch.

Rows of (layer, inputs, call) for ``MultiheadAttention``, ``F.scaled_dot_product_attention``
and the transformer layers run through the generic checks of ``module_table.parity``: outputs and
attention weights, gradients of inputs and parameters, ``state_dict`` keys and shapes, ``repr``,
eager against ``torchlike.compile``, and finite differences. Masks are constants of the call
(boolean or float, PyTorch's conventions). A 2-layer encoder written as ordinary PyTorch code
loads a real torch ``state_dict`` and gives torch's outputs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch, f32
from module_table.parity import (
    TOL,
    Row,
    check_compiled_matches_eager,
    check_finite_differences,
    check_matches_torch,
    check_state_dict_and_repr,
)

import torchlike as tl

# PyTorch's note that its nested tensors (its inference path for padded batches) are a prototype.
pytestmark = pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")

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


def ids(row):
    return row.id


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_outputs_and_gradients_match_torch(row):
    check_matches_torch(row)


@pytest.mark.parametrize("row", [r for r in ROWS if r.id in COMPILE_ROWS], ids=ids)
def test_compiled_matches_eager(row):
    check_compiled_matches_eager(row)


@pytest.mark.parametrize("row", MODULE_ROWS, ids=ids)
def test_state_dict_and_repr_match_torch(row):
    check_state_dict_and_repr(row)


@pytest.mark.parametrize("row", [r for r in ROWS if r.id in FD_ROWS], ids=ids)
def test_gradients_match_finite_differences(row):
    check_finite_differences(row)


# -- a PyTorch model definition with a real torch checkpoint --------------------------------------


def text_classifier(torch):
    """Ordinary PyTorch code; ``torch`` is PyTorch or torchlike."""
    nn = torch.nn

    class TextClassifier(nn.Module):
        def __init__(self, d_in=12, d_model=32, nhead=4, n_classes=5):
            super().__init__()
            self.proj = nn.Linear(d_in, d_model)
            layer = nn.TransformerEncoderLayer(
                d_model, nhead, dim_feedforward=64, dropout=0.1, batch_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(d_model))
            self.head = nn.Linear(d_model, n_classes)

        def forward(self, x, padding_mask=None):
            h = self.encoder(self.proj(x), src_key_padding_mask=padding_mask)
            return self.head(h)

    return TextClassifier()


@pytest.mark.parametrize(
    "masked, grad", [(True, False), (True, True), (False, True)], ids=["nested", "padded", "plain"]
)
def test_two_layer_encoder_loads_a_torch_state_dict(masked, grad):
    """Eval mode: under no_grad with padding PyTorch runs nested tensors, zeroing padding."""
    ref.manual_seed(0)
    theirs = text_classifier(ref).eval()
    ours = text_classifier(tl).eval()
    result = ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    x = f32(np.random.default_rng(0), 3, 7, 12)
    mask = np.zeros((3, 7), bool)
    mask[1, 5:], mask[2, 2:] = True, True
    outs = []
    for lib, model in ((ref, theirs), (tl, ours)):
        with lib.set_grad_enabled(grad):
            outs.append(as_numpy(model(t(lib, x), t(lib, mask) if masked else None)))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-4, atol=1e-4)


# -- masks, init, dropout, warnings, errors -------------------------------------------------------


@pytest.mark.parametrize("dtype", [None, "float64"])
def test_square_subsequent_mask_matches_torch(dtype):
    ours = tl.nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and tl.float64)
    theirs = ref.nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and ref.float64)
    np.testing.assert_array_equal(as_numpy(ours), as_numpy(theirs))
    assert str(ours.dtype) == str(theirs.dtype)


def test_multihead_attention_init():
    """Xavier-uniform input projection, zero biases, xavier-normal bias_k/bias_v."""
    tl.manual_seed(0)
    m = tl.nn.MultiheadAttention(64, 4, add_bias_kv=True)
    w, bound = as_numpy(m.in_proj_weight), math.sqrt(6 / (64 + 3 * 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert not as_numpy(m.in_proj_bias).any() and not as_numpy(m.out_proj.bias).any()
    assert np.abs(as_numpy(m.out_proj.weight)).max() <= 1 / 8  # Linear's own init
    assert as_numpy(m.bias_k).std() > 0


def test_attention_dropout_follows_the_seed_eager_and_compiled():
    layer = tl.nn.MultiheadAttention(8, 2, dropout=0.3)
    x = tl.tensor(f32(np.random.default_rng(0), 3, 2, 8))
    step = tl.compile(lambda m, x: m(x, x, x)[1])
    results = []
    for run_step in (lambda: layer(x, x, x)[1], lambda: step(layer, x), lambda: step(layer, x)):
        tl.manual_seed(3)
        results.append(as_numpy(run_step()))
    np.testing.assert_allclose(results[1], results[0], **TOL)
    np.testing.assert_array_equal(results[2], results[1])
    assert not np.allclose(as_numpy(step(layer, x)), results[1])  # fresh masks per call
    weights = tl.nn.functional.scaled_dot_product_attention(
        tl.ones(1, 1, 200, 4), tl.ones(1, 1, 200, 4), tl.ones(1, 1, 200, 1), dropout_p=0.25
    )
    assert abs(as_numpy(weights).mean() - 1) < 0.05  # kept weights scaled by 1 / (1 - p)


def test_nested_tensor_warning_matches_torch():
    messages = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning) as caught:
            lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16), 2)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = tl.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        assert tl.nn.TransformerEncoder(layer, 2).use_nested_tensor


MIXED_MASKS = {
    "multihead_attention": lambda lib, x, kpm, mask: lib.nn.MultiheadAttention(8, 2)(
        x, x, x, key_padding_mask=kpm, attn_mask=mask),
    "encoder_layer": lambda lib, x, kpm, mask: lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0)(
        x, src_mask=mask, src_key_padding_mask=kpm),
    "encoder": lambda lib, x, kpm, mask: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0), 1, enable_nested_tensor=False)(
        x, mask=mask, src_key_padding_mask=kpm),
}  # fmt: skip


@pytest.mark.parametrize("call", list(MIXED_MASKS.values()), ids=list(MIXED_MASKS))
def test_mixed_mask_types_warn_as_torch(call):
    x = f32(np.random.default_rng(0), 5, 2, 8)
    messages = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning) as caught:
            call(lib, t(lib, x), t(lib, KPM), causal(lib, 5))
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]


# fmt: off
ERRORS = {
    "activation": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="tanh"),
    "heads_divide": lambda lib: lib.nn.MultiheadAttention(8, 3),
    "is_causal_without_mask": lambda lib: lib.nn.MultiheadAttention(8, 2)(
        lib.ones(3, 2, 8), lib.ones(3, 2, 8), lib.ones(3, 2, 8), is_causal=True),
    "attn_mask_shape": lambda lib: lib.nn.MultiheadAttention(8, 2)(
        lib.ones(3, 2, 8), lib.ones(4, 2, 8), lib.ones(4, 2, 8), attn_mask=lib.ones(3, 3)),
    "mask_dtype": lambda lib: lib.nn.MultiheadAttention(8, 2)(
        lib.ones(3, 2, 8), lib.ones(4, 2, 8), lib.ones(4, 2, 8),
        key_padding_mask=lib.ones(2, 4, dtype=lib.int64)),
    "query_dims": lambda lib: lib.nn.MultiheadAttention(8, 2)(
        lib.ones(3, 2, 2, 8), lib.ones(3, 2, 8), lib.ones(3, 2, 8)),
    "key_value_shapes": lambda lib: lib.nn.MultiheadAttention(8, 2)(
        lib.ones(3, 2, 8), lib.ones(4, 2, 8), lib.ones(5, 2, 8)),
    "transformer_batch": lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(
        lib.ones(3, 2, 8), lib.ones(3, 3, 8)),
    "transformer_features": lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(
        lib.ones(3, 2, 8), lib.ones(3, 2, 6)),
}
# fmt: on


@pytest.mark.parametrize("build", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_match_torch(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constructor advice about nested tensors
        assert_raises_like_torch(build)
