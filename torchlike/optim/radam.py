"""``torch.optim.RAdam``: rectified Adam, as an Optax chain."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check_arguments, torch_chain


class RAdam(Optimizer):
    """RAdam, PyTorch's ``torch.optim.RAdam``.

    Per parameter with a gradient ``g`` at step ``t``: ``g = -g`` if ``maximize``; weight decay
    (``g += weight_decay * p``, or ``p *= 1 - lr * weight_decay`` when decoupled); Adam's
    moments ``m``, ``v``; ``rho_inf = 2 / (1 - beta2) - 1``,
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``. While ``rho_t <= 5``:
    ``p -= lr * m / (1 - beta1**t)``; after, ``p -= lr * m / (1 - beta1**t) * r_t *
    sqrt(1 - beta2**t) / (sqrt(v) + eps)`` with the rectification
    ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-3).
        betas: ``(beta1, beta2)``, decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to ``sqrt(v)`` (default 1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay the weights directly (RAdamW).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.

    ``optax.scale_by_radam`` adds ``eps`` to the bias-corrected ``sqrt(v / (1 - beta2**t))``,
    PyTorch to the raw ``sqrt(v)``, so the rule is a small transformation here, on Optax's
    Adam state and moment helpers.
    """

    _state_names = {"exp_avg": "mu", "exp_avg_sq": "nu"}
    _state_has_step = True
    _numbers = ("lr", "betas", "eps", "weight_decay")
    _flags = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_arguments(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
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
        *,
        maximize: bool,
        decoupled_weight_decay: bool,
    ) -> optax.GradientTransformation:
        scale_by = _scale_by_torch_radam(b1, b2, eps)
        return torch_chain(
            scale_by,
            learning_rate,
            weight_decay,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )


def _scale_by_torch_radam(b1, b2, eps) -> optax.GradientTransformation:
    """PyTorch's RAdam direction (without the learning rate), on ``optax.ScaleByAdamState``."""

    def init(params):
        zeros = optax.tree.zeros_like(params)
        return optax.ScaleByAdamState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(updates, state, params=None):
        count = optax.safe_increment(state.count)
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        bias_correction2 = 1 - b2**count
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * count * b2**count / bias_correction2
        rect = jnp.sqrt(
            jnp.maximum((rho_t - 4) * (rho_t - 2) * rho_inf, 0.0)
            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )

        def direction(m_hat, v):
            adaptive = jnp.sqrt(bias_correction2) / (jnp.sqrt(v) + eps)
            return jnp.where(rho_t > 5.0, m_hat * adaptive * rect, m_hat)

        updates = jax.tree.map(direction, optax.tree.bias_correction(mu, b1, count), nu)
        return updates, optax.ScaleByAdamState(count, mu, nu)

    return optax.GradientTransformation(init, update)
