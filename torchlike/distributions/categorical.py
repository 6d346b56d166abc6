"""``Categorical(probs=None, logits=None)``: over ``{0, ..., K-1}``, the last dim indexing K."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._ops.creation import full
from ..random import next_key
from .distribution import Distribution, run, simplex


def _normalize_logits(logits):
    return logits - jax.scipy.special.logsumexp(logits, axis=-1, keepdims=True)


def _sample(key, logits, *, shape):
    return jax.random.categorical(key, logits, axis=-1, shape=shape).astype(jnp.int64)


def _log_prob(logits, value):
    value = value.astype(jnp.int64)
    logits, value = jnp.broadcast_arrays(logits, value[..., None])
    return jnp.take_along_axis(logits, value[..., :1], axis=-1)[..., 0]


def _entropy(logits):
    min_real = jnp.finfo(logits.dtype).min
    clamped = jnp.maximum(logits, min_real)
    return -(clamped * jnp.exp(logits)).sum(-1)


class Categorical(Distribution):
    arg_constraints = {"probs": simplex}

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = run(_normalize_logits, "CategoricalLogits", self.probs.log())
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = run(_normalize_logits, "CategoricalLogits", logits)
            self.probs = self.logits.exp()
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1], validate_args=validate_args)

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        """NaN, as PyTorch's: the support is unordered."""
        return full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def variance(self):
        return full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def _sample(self, sample_shape):
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        return run(_sample, "CategoricalSample", next_key(), self.logits.detach(), shape=shape)

    def log_prob(self, value):
        return run(_log_prob, "CategoricalLogProb", self.logits, value)

    def entropy(self):
        return run(_entropy, "CategoricalEntropy", self.logits)
