"""``Distribution``: PyTorch's base class — shapes, sampling entry points, argument checks.

Densities are pure JAX functions run through torchlike's dispatcher, so ``log_prob`` and
``rsample`` are differentiable (eagerly and inside ``torchlike.compile``); samples draw keys from
the ``torchlike.manual_seed`` stream.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._dispatch import apply
from .._ops.creation import tensor as _tensor
from .._tensor import Size, Tensor
from ..autograd.grad_mode import no_grad


def as_tensor(x, like: Tensor | None = None) -> Tensor:
    """Parameters may be tensors or numbers; numbers become tensors of the default dtype."""
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None and like.dtype.is_floating_point else None
    return _tensor(float(x) if isinstance(x, (int, np.integer)) else x, dtype=dtype)


def broadcast_all(*values) -> list[Tensor]:
    like = next((v for v in values if isinstance(v, Tensor)), None)
    tensors = [as_tensor(v, like) for v in values]
    shape = tuple(np.broadcast_shapes(*(tuple(t.shape) for t in tensors)))
    return [t if tuple(t.shape) == shape else t.expand(shape) for t in tensors]


class Distribution:
    """Shapes as PyTorch's: ``sample_shape + batch_shape + event_shape``."""

    has_rsample = False
    arg_constraints: dict = {}
    _validate_args_default = True

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        validate = self._validate_args_default if validate_args is None else validate_args
        if validate:
            for name, check in self.arg_constraints.items():
                value = getattr(self, name, None)
                if not isinstance(value, Tensor) or isinstance(value._data, jax.core.Tracer):
                    continue  # inside a compiled function values are unknown: no check
                ok = check(value._data)
                if not isinstance(ok, bool) and not bool(jnp.all(ok)):
                    raise ValueError(
                        f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {check.__doc__}, but "
                        f"found invalid values:\n{value}"
                    )

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        return tuple(Size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape)

    def sample(self, sample_shape=()) -> Tensor:
        """A draw without gradient (``rsample`` where the distribution has one)."""
        with no_grad():
            return self.rsample(sample_shape) if self.has_rsample else self._sample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterized sampler (rsample); use sample()"
        )

    def _sample(self, sample_shape) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        params = ", ".join(
            f"{k}: {getattr(self, k) if getattr(self, k).numel() == 1 else getattr(self, k).size()}"
            for k in self.arg_constraints
            if isinstance(getattr(self, k, None), Tensor)
        )
        return f"{type(self).__name__}({params})"


def run(fn, name: str, *args, **static) -> Tensor:
    """Run a pure JAX density function through the dispatcher (differentiable)."""
    return apply(fn, name, args, **static)


def positive(x) -> object:
    """GreaterThan(lower_bound=0.0)"""
    return x > 0


def unit_interval(x) -> object:
    """Interval(lower_bound=0.0, upper_bound=1.0)"""
    return (x >= 0) & (x <= 1)


def real(x) -> object:
    """Real()"""
    return ~jnp.isnan(x)


def simplex(x) -> object:
    """Simplex()"""
    return jnp.all(x >= 0, axis=-1) & (jnp.abs(x.sum(-1) - 1) < 1e-6)
