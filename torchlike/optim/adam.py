"""``torch.optim.Adam``: Adam (and AMSGrad, and decoupled weight decay), as an Optax chain."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import Optimizer, check_arguments, torch_chain


class Adam(Optimizer):
    """Adam, PyTorch's ``torch.optim.Adam``.

    Per parameter with a gradient ``g`` at step ``t``: ``g = -g`` if ``maximize``; weight decay
    (``g += weight_decay * p``, or ``p *= 1 - lr * weight_decay`` when decoupled);
    ``m = beta1 * m + (1 - beta1) * g``; ``v = beta2 * v + (1 - beta2) * g * g`` (with
    ``amsgrad``, ``v_max = max(v_max, v)`` is used below instead of ``v``);
    ``p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-3).
        betas: ``(beta1, beta2)``, decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to the denominator after the square root (default 1e-8).
        weight_decay: weight decay (default 0): an L2 penalty added to the gradient, or, with
            ``decoupled_weight_decay``, AdamW's decay of the weights.
        amsgrad: use the maximum of past second moments (PyTorch's AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW).
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility;
            torchlike always runs one compiled update for all parameters.

    The update is ``optax.scale_by_adam`` with ``optax.add_decayed_weights`` before (L2) or
    after it (decoupled), and ``optax.scale_by_learning_rate``; see ``torchlike.optim.optimizer``.
    """

    _state_names = {"exp_avg": "mu", "exp_avg_sq": "nu", "max_exp_avg_sq": "nu_max"}
    _state_has_step = True
    _numbers = ("lr", "betas", "eps", "weight_decay")
    _flags = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_arguments(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        if isinstance(betas[0], Tensor) != isinstance(betas[1], Tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(b.item() if isinstance(b, Tensor) else b for b in betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
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
        amsgrad: bool,
        maximize: bool,
        decoupled_weight_decay: bool,
    ) -> optax.GradientTransformation:
        scale_by = (
            _scale_by_torch_amsgrad(b1, b2, eps) if amsgrad else optax.scale_by_adam(b1, b2, eps)
        )
        return torch_chain(
            scale_by,
            learning_rate,
            weight_decay,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )


class ScaleByTorchAMSGradState(NamedTuple):
    count: jax.Array
    mu: optax.Updates
    nu: optax.Updates
    nu_max: optax.Updates


def _scale_by_torch_amsgrad(b1, b2, eps) -> optax.GradientTransformation:
    """Adam with PyTorch's AMSGrad: the maximum is kept of the raw second moment ``v``.

    ``optax.scale_by_amsgrad`` keeps the maximum of the bias-corrected ``v / (1 - b2**t)``, whose
    correction changes with ``t``, so it is a different update; the moments use Optax's helpers.
    """

    def init(params):
        zeros = optax.tree.zeros_like(params)
        return ScaleByTorchAMSGradState(jnp.zeros([], jnp.int32), zeros, zeros, zeros)

    def update(updates, state, params=None):
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu)
        count = optax.safe_increment(state.count)
        mu_hat = optax.tree.bias_correction(mu, b1, count)
        nu_hat = optax.tree.bias_correction(nu_max, b2, count)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v) + eps), mu_hat, nu_hat)
        return updates, ScaleByTorchAMSGradState(count, mu, nu, nu_max)

    return optax.GradientTransformation(init, update)
