"""``torch.optim.swa_utils``: weight averaging (SWA, EMA), its LR schedule and BatchNorm refresh.

``AveragedModel`` keeps a deep copy of a model and folds the model's weights into it after each
call of ``update_parameters``; ``SWALR`` anneals each group's rate to a constant ``swa_lr``;
``update_bn`` recomputes BatchNorm running statistics with one pass over a loader.

PyTorch's semantics are kept: the first ``update_parameters`` copies, later ones average (equal
weights by default, or ``avg_fn`` / ``multi_avg_fn``); ``n_averaged`` is an int64 buffer, so
``state_dict()`` has PyTorch's keys (``n_averaged``, ``module.<...>``) and loads PyTorch's. The
averaging is eager and in place under ``no_grad``, as PyTorch's: it runs between (possibly
compiled) training steps, on the concrete weights. Where torchlike differs: a ``multi_avg_fn``
gets plain lists of tensors grouped by device and dtype, as PyTorch's, but torchlike has no
``_foreach`` kernels, so the built-in ones update the tensors one by one (same numbers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from typing import Any, Literal

from .. import _dtype
from .._ops.creation import tensor
from .._tensor import Tensor
from ..autograd import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

ParamList = Sequence[Tensor]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def _is_float(t: Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[ParamList, ParamList, Any], None]:
    """In place ``ema = decay * ema + (1 - decay) * model`` over lists of tensors.

    Args:
        decay: the EMA decay, in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_params: ParamList, model_params: ParamList, _: Any) -> None:
        for p_ema, p_model in zip(ema_params, model_params, strict=True):
            if _is_float(p_ema):
                p_ema.lerp_(p_model, 1 - decay)
            else:  # lerp is for floats: an integer buffer is truncated back, as PyTorch's
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[ParamList, ParamList, Tensor | int], None]:
    """In place equal-weight running average over lists: ``avg += (model - avg) / (n + 1)``.

    As PyTorch's, it refuses integer tensors (an int64 buffer under ``use_buffers=True``): the
    division raises ``RuntimeError``; ``get_swa_avg_fn`` (the default) truncates them instead.
    """

    @no_grad()
    def swa_update(avg_params: ParamList, model_params: ParamList, n: Tensor | int) -> None:
        for p_avg, p_model in zip(avg_params, model_params, strict=True):
            if _is_float(p_avg):
                p_avg.lerp_(p_model, 1 / (n + 1))
            elif isinstance(n, Tensor):  # integers: PyTorch's ops, so PyTorch's errors
                p_avg.addcdiv_(p_model - p_avg, n + 1)
            else:
                p_avg.add_(p_model - p_avg, alpha=1.0 / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """``decay * ema + (1 - decay) * model``, one tensor at a time (returns the new value).

    Args:
        decay: the EMA decay, in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, model_param: Tensor, _: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * model_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Tensor | int], Tensor]:
    """``avg + (model - avg) / (n + 1)``, one tensor at a time (returns the new value)."""

    @no_grad()
    def swa_update(avg_param: Tensor, model_param: Tensor, n: Tensor | int) -> Tensor:
        return avg_param + (model_param - avg_param) / (n + 1)

    return swa_update


class AveragedModel(Module):
    """A running average (SWA) or exponential moving average (EMA) of a model's weights.

    Holds ``module``, a deep copy of ``model``, and ``n_averaged``, the number of models averaged
    so far (an int64 buffer). ``forward`` calls the copy. ``update_parameters(model)`` copies
    ``model``'s parameters on the first call and averages them in afterwards; the buffers are
    copied from ``model`` each time, or averaged too with ``use_buffers=True``. ``avg_fn`` and
    ``multi_avg_fn`` are not saved in ``state_dict()``.

    Args:
        model: the model to average.
        device: if given, where the copy is kept.
        avg_fn: ``avg_fn(averaged, current, n_averaged) -> new averaged`` for one tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)``, in place.
            Give at most one of the two; with neither, an equally weighted average.
        use_buffers: average the buffers as well as the parameters. Default: ``False``.
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Tensor | int], Tensor] | None = None,
        multi_avg_fn: Callable[[ParamList, ParamList, Tensor | int], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=_dtype.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> Iterable[Tensor]:
        if self.use_buffers:
            return itertools.chain(model.parameters(), model.buffers())
        return model.parameters()

    @no_grad()
    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        averaged, current = [], []
        first = bool(self.n_averaged == 0)
        for p_avg, p_model in zip(self._tensors(self.module), self._tensors(model)):
            p_avg, p_model = p_avg.detach(), p_model.detach().to(p_avg.device)
            averaged.append(p_avg)
            current.append(p_model)
            if first:
                p_avg.copy_(p_model)
        if not first:
            self._average(averaged, current)
        if not self.use_buffers:  # the buffers follow the source model
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1

    def _average(self, averaged: list[Tensor], current: list[Tensor]) -> None:
        if self.multi_avg_fn is None:  # the default is PyTorch's CPU one: tensor by tensor
            avg_fn = self.avg_fn or get_swa_avg_fn()
            for p_avg, p_model in zip(averaged, current, strict=True):
                p_avg.copy_(avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            return
        groups: dict[tuple[str, Any], tuple[list[Tensor], list[Tensor]]] = {}
        for p_avg, p_model in zip(averaged, current, strict=True):
            group = groups.setdefault((str(p_avg.device), p_avg.dtype), ([], []))
            group[0].append(p_avg)
            group[1].append(p_model)
        for (device, _), (avg_group, model_group) in groups.items():
            self.multi_avg_fn(avg_group, model_group, self.n_averaged.to(device))


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s BatchNorm layers with one pass of ``loader``.

    The statistics are reset and accumulated as a cumulative average (``momentum=None``) in
    training mode; afterwards each layer's momentum and the model's training mode are restored.

    Args:
        loader: batches, each a tensor or a list/tuple whose first element is the input.
        model: the model whose BatchNorm statistics are recomputed.
        device: if given, each batch is moved there first.
    """
    momenta = []
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta.append((module, module.momentum))
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module, _ in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta:
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``.

    At step ``t`` the rate is ``swa_lr * alpha + lr0 * (1 - alpha)`` with
    ``alpha = f(min(1, t / anneal_epochs))``, ``f`` cosine (``(1 - cos(pi t)) / 2``) or linear,
    in PyTorch's chainable form (the start rate is recovered from the current one each step).

    Args:
        optimizer: the optimizer.
        swa_lr: the final rate, for all groups or a list with one per group.
        anneal_epochs: the number of epochs of the annealing (>= 0). Default: 10.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch: the last epoch when resuming (default -1).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The rate annealing started from, given the rate ``lr`` reached at ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        starts = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr0 * (1 - alpha) for g, lr0 in zip(groups, starts)]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer and the anneal function (PyTorch's keys)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
