"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (which
``nn.MultiheadAttention`` calls)."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from ... import _dtype
from ..._dispatch import apply
from ..._tensor import Tensor
from ...random import next_key
from .linear import _linear_fn


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
