"""``torch.optim.RMSprop``: RMSprop (plain or centered, with momentum), as an Optax chain."""

from __future__ import annotations

from typing import Any

import optax

from .optimizer import Optimizer, check_arguments, torch_chain


class RMSprop(Optimizer):
    """RMSprop, PyTorch's ``torch.optim.RMSprop``.

    Per parameter with a gradient ``g``: ``g = -g`` if ``maximize``; ``g += weight_decay * p``;
    ``v = alpha * v + (1 - alpha) * g * g``; the denominator is ``sqrt(v) + eps``, or, when
    ``centered``, ``sqrt(v - g_avg**2) + eps`` with ``g_avg = alpha * g_avg + (1 - alpha) * g``
    (``eps`` outside the square root, as PyTorch, unlike Optax's default). With momentum,
    ``buf = momentum * buf + g / denom`` and ``p -= lr * buf``; else ``p -= lr * g / denom``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator after the square root (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; torchlike
            always runs one compiled update for all parameters.

    The update is ``optax.scale_by_rms`` (``optax.scale_by_stddev`` when centered) with
    ``eps_in_sqrt=False``, then ``optax.trace`` for the momentum and
    ``optax.scale_by_learning_rate``.
    """

    _state_names = {"square_avg": "nu", "momentum_buffer": "trace", "grad_avg": "mu"}
    _state_has_step = True
    _numbers = ("lr", "alpha", "eps", "weight_decay", "momentum")
    _flags = ("centered", "maximize")

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_arguments(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(
        learning_rate,
        alpha,
        eps,
        weight_decay,
        momentum,
        *,
        centered: bool,
        use_momentum: bool,
        maximize: bool,
    ) -> optax.GradientTransformation:
        scale_by = optax.scale_by_stddev if centered else optax.scale_by_rms
        direction = [
            scale_by(decay=alpha, eps=eps, eps_in_sqrt=False),
            *([optax.trace(decay=momentum)] if use_momentum else []),
        ]
        return torch_chain(direction, learning_rate, weight_decay, maximize=maximize)

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        return {**super()._options(group), "use_momentum": group["momentum"] > 0}
