"""``torch.optim.NAdam``: Adam with Nesterov momentum and PyTorch's momentum schedule."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, _scalar_dtype, check_arguments, torch_chain


class NAdam(Optimizer):
    """NAdam, PyTorch's ``torch.optim.NAdam``.

    Per parameter with a gradient ``g`` at step ``t``: ``g = -g`` if ``maximize``; weight decay
    (``g += weight_decay * p``, or ``p *= 1 - lr * weight_decay`` when decoupled);
    ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``;
    ``mu_product *= mu_t``; ``m = beta1 * m + (1 - beta1) * g``;
    ``v = beta2 * v + (1 - beta2) * g * g``; ``denom = sqrt(v / (1 - beta2**t)) + eps``;
    ``p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom
    + lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom``.

    As PyTorch, ``mu_product`` is a scalar of the default float dtype's precision (float32
    unless the default is float64), multiplied in that precision.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 2e-3).
        betas: ``(beta1, beta2)``, decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to the denominator after the square root (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: the momentum schedule's decay (default 4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.

    Optax's ``scale_by_nadam`` has no momentum schedule, so the rule is a small transformation
    built on Optax's moment helpers.
    """

    _state_names = {"mu_product": "mu_product", "exp_avg": "mu", "exp_avg_sq": "nu"}
    _state_has_step = True
    _numbers = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _flags = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_arguments(
            lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, momentum_decay=momentum_decay
        )
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(
        learning_rate,
        b1,
        b2,
        eps,
        weight_decay,
        momentum_decay,
        *,
        maximize: bool,
        decoupled_weight_decay: bool,
    ) -> optax.GradientTransformation:
        scale_by = _scale_by_torch_nadam(b1, b2, eps, momentum_decay)
        return torch_chain(
            scale_by,
            learning_rate,
            weight_decay,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )


class ScaleByTorchNAdamState(NamedTuple):
    count: jax.Array
    mu_product: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def _scale_by_torch_nadam(b1, b2, eps, momentum_decay) -> optax.GradientTransformation:
    """PyTorch's NAdam direction (without the learning rate)."""

    def momentum(t):
        return b1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))

    def init(params):
        zeros = optax.tree.zeros_like(params)
        one = jnp.ones([], _scalar_dtype())
        return ScaleByTorchNAdamState(jnp.zeros([], jnp.int32), one, zeros, zeros)

    def update(updates, state, params=None):
        count = optax.safe_increment(state.count)
        mu_t, mu_next = momentum(count), momentum(count + 1)
        mu_product = state.mu_product * mu_t  # in the scalar dtype, as PyTorch's tensor
        product = mu_product.astype(jnp.float64)  # then read as a Python float
        grad_coef = (1.0 - mu_t) / (1.0 - product)
        avg_coef = mu_next / (1.0 - product * mu_next)
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        bias_correction2 = 1 - b2**count

        def direction(g, m, v):
            denom = jnp.sqrt(v / bias_correction2) + eps
            return grad_coef.astype(g.dtype) * (g / denom) + avg_coef.astype(g.dtype) * (m / denom)

        updates = jax.tree.map(direction, updates, mu, nu)
        return updates, ScaleByTorchNAdamState(count, mu_product, mu, nu)

    return optax.GradientTransformation(init, update)
