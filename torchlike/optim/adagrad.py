"""``torch.optim.Adagrad``: Adagrad with PyTorch's learning-rate decay, as an Optax chain."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check_arguments, torch_chain


class Adagrad(Optimizer):
    """Adagrad, PyTorch's ``torch.optim.Adagrad``.

    Per parameter with a gradient ``g`` at step ``t``: ``g = -g`` if ``maximize``;
    ``g += weight_decay * p``; ``sum += g * g``;
    ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)``.

    As PyTorch, every parameter's state (``step`` 0, ``sum`` filled with
    ``initial_accumulator_value``) exists from the optimizer's creation, so ``state_dict()``
    lists it before the first step.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        initial_accumulator_value: starting value of the sum of squares (default 0).
        eps: added to the denominator after the square root (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; sparse gradients
            are not supported.

    ``optax.scale_by_rss`` puts ``eps`` inside the square root and skips zero sums, so the sum
    of squares is a small transformation here; the decayed rate is an Optax schedule.
    """

    _state_names = {"sum": "sum_of_squares"}
    _state_has_step = True
    _state_from_start = True
    _numbers = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value")
    _flags = ("maximize",)

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_arguments(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _chain(
        learning_rate,
        lr_decay,
        eps,
        weight_decay,
        initial_accumulator_value,
        *,
        maximize: bool,
    ) -> optax.GradientTransformation:
        return torch_chain(
            _scale_by_sum_of_squares(initial_accumulator_value, eps),
            lambda count: learning_rate / (1 + count * lr_decay),
            weight_decay,
            maximize=maximize,
        )


class SumOfSquaresState(NamedTuple):
    sum_of_squares: optax.Updates


def _scale_by_sum_of_squares(initial_accumulator_value, eps) -> optax.GradientTransformation:
    """``sum += g * g``; ``g / (sqrt(sum) + eps)``: PyTorch's Adagrad denominator."""

    def init(params):
        return SumOfSquaresState(optax.tree.full_like(params, initial_accumulator_value))

    def update(updates, state, params=None):
        total = jax.tree.map(lambda g, s: s + g * g, updates, state.sum_of_squares)
        updates = jax.tree.map(lambda g, s: g / (jnp.sqrt(s) + eps), updates, total)
        return updates, SumOfSquaresState(total)

    return optax.GradientTransformation(init, update)
