"""``torch.optim.Adamax``: Adam with the infinity norm, as an Optax chain."""

from __future__ import annotations

import optax

from .optimizer import Optimizer, check_arguments, torch_chain


class Adamax(Optimizer):
    """Adamax, PyTorch's ``torch.optim.Adamax``.

    Per parameter with a gradient ``g`` at step ``t``: ``g = -g`` if ``maximize``;
    ``g += weight_decay * p``; ``m = beta1 * m + (1 - beta1) * g``;
    ``u = max(beta2 * u, |g| + eps)``; ``p -= lr / (1 - beta1**t) * m / u``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 2e-3).
        betas: ``(beta1, beta2)``, decay rates of the average and of the norm
            (default (0.9, 0.999)).
        eps: added to ``|g|`` (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, capturable: accepted for PyTorch compatibility.

    The update is ``optax.scale_by_adamax`` (the same rule) and
    ``optax.scale_by_learning_rate``.
    """

    _state_names = {"exp_avg": "mu", "exp_inf": "nu"}
    _state_has_step = True
    _numbers = ("lr", "betas", "eps", "weight_decay")
    _flags = ("maximize",)

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_arguments(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(learning_rate, b1, b2, eps, weight_decay, *, maximize: bool):
        direction = optax.scale_by_adamax(b1=b1, b2=b2, eps=eps)
        return torch_chain(direction, learning_rate, weight_decay, maximize=maximize)
