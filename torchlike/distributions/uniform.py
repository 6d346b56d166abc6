"""``Uniform(low, high)``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..random import next_key
from .distribution import Distribution, broadcast_all, real, run


def _sample(key, low, high, *, shape):
    return low + (high - low) * jax.random.uniform(key, shape, jnp.result_type(low))


def _log_prob(low, high, value):
    inside = (value >= low) & (value < high)
    return jnp.where(inside, -jnp.log(high - low), -jnp.inf)


class Uniform(Distribution):
    arg_constraints = {"low": real, "high": real}
    has_rsample = True

    def __init__(self, low, high, validate_args=None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        if validate_args is not False and not bool((self.low < self.high).all()):
            raise ValueError(
                f"Expected parameter low (Tensor of shape {tuple(self.low.shape)}) of "
                f"distribution {self!r} to satisfy the constraint LessThan(upper_bound=high), "
                f"but found invalid values:\n{self.low}"
            )

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return run(_sample, "UniformRsample", next_key(), self.low, self.high, shape=shape)

    def log_prob(self, value):
        return run(_log_prob, "UniformLogProb", self.low, self.high, value)

    def entropy(self):
        return (self.high - self.low).log()
