"""Random sampling ops: ``bernoulli``, ``multinomial``, ``poisson`` and the in-place fills
(``bernoulli_``, ``exponential_``, ``random_``; ``uniform_``/``normal_`` live with the methods).

Draws come from ``torchlike.random`` keys (JAX's counter-based PRNG), so a seed reproduces them
in torchlike, eagerly and compiled, but the values differ from PyTorch's generator: tests check
the distributions, not the numbers.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..random import Generator, next_key


@functools.partial(jax.jit, static_argnames="dtype")
def _bernoulli_fn(key, p, *, dtype):
    return jax.random.bernoulli(key, p).astype(dtype)


def bernoulli(input: Tensor, p=None, *, generator: Generator | None = None, out=None) -> Tensor:
    """0/1 draws with probabilities ``input`` (or the number ``p``), in ``input``'s dtype."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_dtype.type_name(input.dtype)}'"
        )
    probs = input._data if p is None else jnp.full(input._data.shape, p, input.dtype.np)
    host = None if isinstance(probs, jax.core.Tracer) else np.asarray(probs, np.float64)
    if host is not None and ((host < 0) | (host > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return Tensor._wrap(_bernoulli_fn(next_key(generator), probs, dtype=input.dtype.np))


@functools.partial(jax.jit, static_argnames=("num_samples", "replacement"))
def _multinomial_fn(key, probs, *, num_samples, replacement):
    logits = jnp.log(probs)
    if replacement:
        shape = probs.shape[:-1] + (num_samples,)
        return jax.random.categorical(key, logits[..., None, :], shape=shape)
    # sampling without replacement: the top-k of Gumbel-perturbed log-probabilities
    g = jax.random.gumbel(key, probs.shape, probs.dtype)
    return jax.lax.top_k(jnp.where(probs > 0, logits + g, -jnp.inf), num_samples)[1]


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
    out=None,
) -> Tensor:
    """Category indices drawn with the (unnormalised) weights in the last dim of ``input``."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: "
            f"{_dtype.type_name(input.dtype)}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    data = input._data.astype(jnp.float32 if input.dtype.itemsize < 4 else input.dtype.np)
    if not isinstance(data, jax.core.Tracer):
        host = np.asarray(data, np.float64)
        if (host < 0).any() or not np.isfinite(host).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (host.sum(-1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and ((host > 0).sum(-1) < num_samples).any():
            raise RuntimeError(
                "invalid multinomial distribution (with replacement=False, not "
                "enough non-negative category to sample)"
            )
    idx = _multinomial_fn(
        next_key(generator), data, num_samples=int(num_samples), replacement=bool(replacement)
    )
    return Tensor._wrap(idx.astype(jnp.int64))


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson draws with rates ``input`` (floats, in ``input``'s dtype)."""
    return Tensor._wrap(_poisson_fn(next_key(generator), input._data))


@jax.jit
def _poisson_fn(key, rate):
    return jax.random.poisson(key, rate, rate.shape).astype(rate.dtype)


# -- in-place fills (the methods) -----------------------------------------------------------------


def bernoulli_(self: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 draws of probability ``p`` (a number or a tensor)."""
    from .inplace import check_inplace, commit

    check_inplace(self)
    probs = p._data if isinstance(p, Tensor) else p
    probs = jnp.broadcast_to(jnp.asarray(probs, jnp.float32), self._data.shape)
    drawn = _bernoulli_fn(next_key(generator), probs, dtype=self.dtype.np)
    return commit(self, Tensor._wrap(drawn))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None):
    """Fill with draws from the exponential distribution of rate ``lambd``."""
    from .inplace import check_inplace, commit

    check_inplace(self)
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            f"exponential_ expects floating point dtypes, got: {_dtype.type_name(self.dtype)}"
        )
    return commit(self, Tensor._wrap(_exponential_fn(next_key(generator), self._data, lambd)))


@jax.jit
def _exponential_fn(key, like, lambd):
    return (jax.random.exponential(key, like.shape, like.dtype) / lambd).astype(like.dtype)


def random_(self: Tensor, from_=None, to=None, *, generator: Generator | None = None) -> Tensor:
    """Integers uniform on ``[from_, to)`` (``random_(to)``: ``[0, to)``; no bounds: ``[0,
    2**mantissa]`` for floats, the dtype's range for integers, as PyTorch)."""
    from .inplace import check_inplace, commit

    check_inplace(self)
    if from_ is None:
        from_, to = 0, _default_top(self.dtype)
    elif to is None:
        from_, to = 0, from_
    if self.dtype is _dtype.bool_:
        from_, to = 0, 2
    return commit(self, Tensor._wrap(_randint_fn(next_key(generator), self._data, from_, to)))


@jax.jit
def _randint_fn(key, like, low, high):
    return jax.random.randint(key, like.shape, low, high, jnp.int64).astype(like.dtype)


def _default_top(dt: _dtype.dtype) -> int:
    if dt.is_floating_point:
        return 2 ** (jnp.finfo(dt.np).nmant + 1) + 1
    return int(jnp.iinfo(dt.np).max)
