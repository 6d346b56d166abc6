"""``Bernoulli(probs=None, logits=None)``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..random import next_key
from .distribution import Distribution, broadcast_all, real, run, unit_interval


def _logits_of(probs):
    eps = jnp.finfo(probs.dtype).eps
    p = jnp.clip(probs, eps, 1 - eps)
    return jnp.log(p) - jnp.log1p(-p)


def _sample(key, probs, *, shape):
    return jax.random.bernoulli(key, probs, shape).astype(probs.dtype)


def _log_prob(logits, value):
    # -BCEWithLogits(logits, value), the stable form PyTorch uses
    return -(jnp.maximum(logits, 0) - logits * value + jnp.log1p(jnp.exp(-jnp.abs(logits))))


def _entropy(logits):
    p = jax.nn.sigmoid(logits)
    return jnp.maximum(logits, 0) - logits * p + jnp.log1p(jnp.exp(-jnp.abs(logits)))


class Bernoulli(Distribution):
    arg_constraints = {"probs": unit_interval, "logits": real}

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self.logits = run(_logits_of, "BernoulliLogits", self.probs)
        else:
            (self.logits,) = broadcast_all(logits)
            self.probs = self.logits.sigmoid()
        self._given = "probs" if probs is not None else "logits"
        super().__init__(self.probs.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def _sample(self, sample_shape):
        shape = self._extended_shape(sample_shape)
        return run(_sample, "BernoulliSample", next_key(), self.probs.detach(), shape=shape)

    def log_prob(self, value):
        return run(_log_prob, "BernoulliLogProb", self.logits, value)

    def entropy(self):
        return run(_entropy, "BernoulliEntropy", self.logits)
