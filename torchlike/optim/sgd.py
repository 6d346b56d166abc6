"""``torch.optim.SGD``: stochastic gradient descent with momentum, as an Optax chain."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, torch_chain


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), PyTorch's ``torch.optim.SGD``.

    Per parameter with a gradient ``g``: ``g = -g`` if ``maximize``; ``g += weight_decay * p``;
    with momentum, ``buf = g`` on the first step and ``momentum * buf + (1 - dampening) * g``
    after, and ``g = g + momentum * buf`` (``nesterov``) or ``buf``; then ``p -= lr * g``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: Nesterov momentum (needs momentum and zero dampening).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; torchlike always
            runs one compiled update for all parameters.

    The update is ``optax.add_decayed_weights`` and ``optax.trace`` (PyTorch's momentum without
    dampening) between ``optax.scale_by_learning_rate``; see ``torchlike.optim.optimizer``.
    """

    _state_names = {"momentum_buffer": "trace"}
    _numbers = ("lr", "momentum", "dampening", "weight_decay")
    _flags = ("nesterov", "maximize")

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(
        learning_rate,
        momentum,
        dampening,
        weight_decay,
        *,
        use_momentum: bool,
        use_dampening: bool,
        nesterov: bool,
        maximize: bool,
    ) -> optax.GradientTransformation:
        direction = [
            *([_dampen(dampening)] if use_dampening else []),
            *([optax.trace(decay=momentum, nesterov=nesterov)] if use_momentum else []),
        ]
        return torch_chain(direction, learning_rate, weight_decay, maximize=maximize)

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        use_momentum = group["momentum"] != 0
        return {
            **super()._options(group),
            "use_momentum": use_momentum,
            "use_dampening": use_momentum and group["dampening"] != 0,
        }


class DampenState(NamedTuple):
    count: jax.Array  # steps taken: the first one is not dampened


def _dampen(dampening) -> optax.GradientTransformation:
    """Scale the updates by ``1 - dampening`` from the second step on.

    Put before ``optax.trace`` this gives PyTorch's dampened momentum buffer (``g`` on the first
    step, ``momentum * buf + (1 - dampening) * g`` after); Optax's trace has no dampening.
    """

    def init(params):
        return DampenState(count=jnp.zeros([], jnp.int32))

    def update(updates, state, params=None):
        factor = jnp.where(state.count == 0, 1.0, 1 - dampening)
        updates = jax.tree.map(lambda u: u * factor.astype(u.dtype), updates)
        return updates, DampenState(count=optax.safe_increment(state.count))

    return optax.GradientTransformation(init, update)
