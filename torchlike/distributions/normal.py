"""``Normal(loc, scale)``."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..random import next_key
from .distribution import Distribution, broadcast_all, positive, real, run


def _sample(key, loc, scale, *, shape):
    return loc + scale * jax.random.normal(key, shape, jnp.result_type(loc))


def _log_prob(loc, scale, value):
    z = (value - loc) / scale
    return -0.5 * z * z - jnp.log(scale) - 0.5 * math.log(2 * math.pi)


def _entropy(scale):
    return 0.5 + 0.5 * math.log(2 * math.pi) + jnp.log(scale)


def _cdf(loc, scale, value):
    return 0.5 * (1 + jax.scipy.special.erf((value - loc) / (scale * math.sqrt(2))))


class Normal(Distribution):
    arg_constraints = {"loc": real, "scale": positive}
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.scale.pow(2)

    @property
    def stddev(self):
        return self.scale

    def rsample(self, sample_shape=()):
        """``loc + scale * eps``: differentiable in ``loc`` and ``scale``."""
        shape = self._extended_shape(sample_shape)
        return run(_sample, "NormalRsample", next_key(), self.loc, self.scale, shape=shape)

    def log_prob(self, value):
        return run(_log_prob, "NormalLogProb", self.loc, self.scale, value)

    def entropy(self):
        return run(_entropy, "NormalEntropy", self.scale)

    def cdf(self, value):
        return run(_cdf, "NormalCdf", self.loc, self.scale, value)
