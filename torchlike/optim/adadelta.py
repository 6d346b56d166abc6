"""``torch.optim.Adadelta``: Adadelta, as an Optax chain."""

from __future__ import annotations

import optax

from .optimizer import Optimizer, check_arguments, torch_chain


class Adadelta(Optimizer):
    """Adadelta, PyTorch's ``torch.optim.Adadelta``.

    Per parameter with a gradient ``g``: ``g = -g`` if ``maximize``; ``g += weight_decay * p``;
    ``v = rho * v + (1 - rho) * g * g``; ``delta = sqrt(u + eps) / sqrt(v + eps) * g``;
    ``u = rho * u + (1 - rho) * delta * delta``; ``p -= lr * delta``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: coefficient that scales ``delta`` (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.

    The update is ``optax.scale_by_adadelta`` (the same rule) and
    ``optax.scale_by_learning_rate``.
    """

    _state_names = {"square_avg": "e_g", "acc_delta": "e_x"}
    _state_has_step = True
    _numbers = ("lr", "rho", "eps", "weight_decay")
    _flags = ("maximize",)

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_arguments(lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(learning_rate, rho, eps, weight_decay, *, maximize: bool):
        direction = optax.scale_by_adadelta(rho=rho, eps=eps)
        return torch_chain(direction, learning_rate, weight_decay, maximize=maximize)
