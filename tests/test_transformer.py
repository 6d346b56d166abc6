"""Attention and transformer layers against PyTorch: what their table cannot show.

The rows (``module_table/attention.py``: ``MultiheadAttention``, ``F.scaled_dot_product_attention``
and the transformer layers, masks as constants of the call, boolean or float as in PyTorch) run
through the module registry's generic checks in ``test_layers.py``: outputs and attention
weights, gradients of inputs and parameters, ``state_dict`` keys and shapes, ``repr``, eager
against ``torchlike.compile``, and finite differences. Here: a 2-layer encoder written as
ordinary PyTorch code loads a real torch ``state_dict`` and gives torch's outputs; masks, init,
dropout, warnings and errors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch, f32
from module_table.attention import KPM, causal, t
from module_table.parity import (
    TOL,
)

import torchlike as tl

# PyTorch's note that its nested tensors (its inference path for padded batches) are a prototype.
pytestmark = pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")


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
