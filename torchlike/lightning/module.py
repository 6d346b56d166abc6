"""``LightningModule`` and ``LightningDataModule``: Lightning 2.x's user-facing classes.

A ``LightningModule`` is a torchlike ``nn.Module`` (so a Flax NNX module) with the training
hooks Lightning calls. Everything the trainer attaches to it (the trainer, the values
``self.log`` collects, the hyperparameters) lives in one ``_LightningState`` object held as a
static attribute, so the module's parameters and buffers are all a compiled step sees.
"""

from __future__ import annotations

import copy
import inspect
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from .._trace_state import CompileParticipant
from ..nn.modules.module import Module


class MisconfigurationException(Exception):
    """Lightning's error for a Trainer or module set up in a way that cannot work."""


class AttributeDict(dict):
    """A dict whose keys are attributes too (``self.hparams.lr``), as Lightning's."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as e:
            raise AttributeError(f"Missing attribute {key!r}") from e

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


_LOG_DEFAULTS = {  # (on_step, on_epoch) when the user gives neither, by the hook logging
    "training_step": (True, False),
    "validation_step": (False, True),
    "test_step": (False, True),
}


class _LightningState:
    """What the trainer attaches to a module (compared by identity in a compiled step's key)."""

    def __init__(self) -> None:
        self.trainer = None
        self.hparams = AttributeDict()
        self.hparams_initial = AttributeDict()
        self.automatic_optimization = True
        self.logs: list[tuple] = []  # (name, value, options) since the trainer last read them
        self.hook = "training_step"  # the hook now running (picks self.log's defaults)
        self.deferred: list[Callable] = []  # scheduler steps asked for inside a compiled step
        self.steps_taken = 0  # optimizer steps in manual optimisation, during this call


def _save_hyperparameters(obj, args: tuple, ignore, frame) -> None:
    """Collect the caller's ``__init__`` arguments (or only the named ones) into ``hparams``."""
    state = obj._pl
    if frame is None:
        frame = inspect.currentframe().f_back.f_back
    values = inspect.getargvalues(frame)
    init_args = {k: values.locals[k] for k in values.args if k != "self"}
    if values.varargs is not None and values.locals[values.varargs]:
        init_args[values.varargs] = values.locals[values.varargs]
    if values.keywords is not None:
        init_args.update(values.locals[values.keywords])
    ignore = [ignore] if isinstance(ignore, str) else list(ignore or [])
    if len(args) == 1 and isinstance(args[0], dict):
        chosen = dict(args[0])
    elif args:
        chosen = {k: init_args[k] for k in args if isinstance(k, str)}
    else:
        chosen = {k: v for k, v in init_args.items() if k not in ignore}
        chosen = {k: v for k, v in chosen.items() if not isinstance(v, Module)}
    state.hparams.update(chosen)
    state.hparams_initial = copy.deepcopy(AttributeDict(state.hparams))


class HyperparametersMixin:
    """``save_hyperparameters`` and ``hparams`` (shared by modules and data modules)."""

    _pl: _LightningState

    def save_hyperparameters(self, *args, ignore=None, frame=None, logger: bool = True) -> None:
        """Store the ``__init__`` arguments (all of them, or those named) in ``self.hparams``;
        checkpoints keep them under ``hyper_parameters`` and loggers record them."""
        _save_hyperparameters(self, args, ignore, frame)

    @property
    def hparams(self) -> AttributeDict:
        return self._pl.hparams

    @property
    def hparams_initial(self) -> AttributeDict:
        return self._pl.hparams_initial


class DataHooks:
    """The data hooks modules and data modules share (Lightning's ``core.hooks.DataHooks``):
    ``prepare_data`` once, then ``setup(stage)`` and ``teardown(stage)`` around each stage."""

    def prepare_data(self) -> None:
        pass

    def setup(self, stage: str) -> None:
        pass

    def teardown(self, stage: str) -> None:
        pass


class LightningModule(HyperparametersMixin, DataHooks, Module, CompileParticipant):
    """Lightning's ``LightningModule`` on torchlike: override ``training_step``,
    ``configure_optimizers`` and the hooks you need; ``Trainer`` runs them."""

    CHECKPOINT_HYPER_PARAMS_KEY = "hyper_parameters"
    CHECKPOINT_HYPER_PARAMS_NAME = "hparams_name"

    def __init__(self, *args, **kwargs) -> None:
        Module.__init__(self)
        object.__setattr__(self, "_pl", _LightningState())

    # -- what the trainer provides ------------------------------------------------------------
    @property
    def trainer(self):
        if self._pl.trainer is None:
            raise RuntimeError(f"{type(self).__name__} is not attached to a `Trainer`.")
        return self._pl.trainer

    @trainer.setter
    def trainer(self, trainer) -> None:
        self._pl.trainer = trainer

    @property
    def automatic_optimization(self) -> bool:
        return self._pl.automatic_optimization

    @automatic_optimization.setter
    def automatic_optimization(self, value: bool) -> None:
        self._pl.automatic_optimization = bool(value)

    @property
    def current_epoch(self) -> int:
        return self._pl.trainer.current_epoch if self._pl.trainer is not None else 0

    @property
    def global_step(self) -> int:
        return self._pl.trainer.global_step if self._pl.trainer is not None else 0

    @property
    def device(self):
        from .._device import device

        for p in self.parameters():
            return p.device
        return device("cpu")

    @property
    def logger(self):
        return self._pl.trainer.logger if self._pl.trainer is not None else None

    @property
    def loggers(self) -> list:
        return self._pl.trainer.loggers if self._pl.trainer is not None else []

    def print(self, *args, **kwargs) -> None:
        print(*args, **kwargs)

    # -- logging ---------------------------------------------------------------------------------
    def log(
        self,
        name: str,
        value: Any,
        prog_bar: bool = False,
        logger: bool | None = None,
        on_step: bool | None = None,
        on_epoch: bool | None = None,
        reduce_fx: str | Callable = "mean",
        enable_graph: bool = False,
        sync_dist: bool = False,
        sync_dist_group: Any = None,
        add_dataloader_idx: bool = True,
        batch_size: int | None = None,
        metric_attribute: str | None = None,
        rank_zero_only: bool = False,
    ) -> None:
        """Record ``value`` under ``name`` for the loggers, the progress bar and the callbacks.

        ``sync_dist`` needs nothing here: under ``strategy='ddp'`` a step is one program over
        the global batch, so a logged value is already the global one."""
        if not isinstance(value, (Tensor, numbers.Number)):
            raise ValueError(
                f"`self.log({name}, {value})` was called, but `{type(value).__name__}` values "
                "cannot be logged"
            )
        if isinstance(value, Tensor) and value.numel() != 1:
            raise ValueError(
                f"`self.log({name}, {value})` was called, but the tensor must have a single "
                f"element. You can try doing `self.log({name}, {value}.mean())`"
            )
        default_step, default_epoch = _LOG_DEFAULTS.get(self._pl.hook, (False, True))
        on_step = default_step if on_step is None else bool(on_step)
        on_epoch = default_epoch if on_epoch is None else bool(on_epoch)
        if isinstance(reduce_fx, Callable):
            reduce_fx = getattr(reduce_fx, "__name__", "mean")
        if reduce_fx not in ("mean", "sum", "max", "min"):
            raise MisconfigurationException(
                f"Only `self.log(..., reduce_fx={{min,max,mean,sum}})` are supported, got "
                f"{reduce_fx!r}"
            )
        if isinstance(value, Tensor):
            value = value.detach()
        options = (bool(prog_bar), logger is not False, on_step, on_epoch, reduce_fx, batch_size)
        self._pl.logs.append((name, value, options))

    def log_dict(self, dictionary, **kwargs) -> None:
        """``self.log`` for each item of ``dictionary``."""
        for k, v in dictionary.items():
            self.log(k, v, **kwargs)

    # -- optimisation ----------------------------------------------------------------------------
    def optimizers(self, use_pl_optimizer: bool = True):
        """The optimizer (one) or the list of them, as ``configure_optimizers`` returned."""
        opts = self.trainer._lightning_optimizers if use_pl_optimizer else self.trainer.optimizers
        return opts[0] if len(opts) == 1 else list(opts)

    def lr_schedulers(self):
        """The scheduler (one), the list of them, or None. Inside a compiled step, calling
        ``.step()`` on one takes effect right after the step (the learning rate is an input of
        the compiled program, so the result is the same)."""
        scheds = [
            _DeferredScheduler(c.scheduler, self._pl) for c in self.trainer.lr_scheduler_configs
        ]
        if not scheds:
            return None
        return scheds[0] if len(scheds) == 1 else scheds

    def manual_backward(self, loss: Tensor, *args, **kwargs) -> None:
        """``loss.backward()`` in manual optimisation (mixed precision scaling included)."""
        self.trainer._backward(loss, *args, **kwargs)

    def backward(self, loss: Tensor, *args, **kwargs) -> None:
        loss.backward(*args, **kwargs)

    def clip_gradients(
        self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None
    ) -> None:
        """Clip the gradients of ``optimizer``'s parameters by norm (default) or value."""
        if gradient_clip_val is None or gradient_clip_val <= 0:
            return
        from ..nn.utils import clip_grad_norm_, clip_grad_value_

        params = [p for g in _unwrap(optimizer).param_groups for p in g["params"]]
        if (gradient_clip_algorithm or "norm") == "value":
            clip_grad_value_(params, gradient_clip_val)
        elif gradient_clip_algorithm in (None, "norm"):
            clip_grad_norm_(params, gradient_clip_val)
        else:
            raise MisconfigurationException(
                f"`gradient_clip_algorithm` {gradient_clip_algorithm!r} is invalid. Allowed "
                "algorithms: ['value', 'norm']."
            )

    def configure_gradient_clipping(
        self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None
    ) -> None:
        self.clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def lr_scheduler_step(self, scheduler, metric) -> None:
        """Step one scheduler (with the monitored value for ``ReduceLROnPlateau``)."""
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)

    def optimizer_zero_grad(self, epoch: int, batch_idx: int, optimizer) -> None:
        optimizer.zero_grad()

    def toggle_optimizer(self, optimizer) -> None:
        """Accepted: every parameter keeps ``requires_grad`` (a gradient the optimizer does not
        own is never applied by it)."""

    def untoggle_optimizer(self, optimizer) -> None:
        """Accepted (see ``toggle_optimizer``)."""

    # -- the steps and hooks users override ------------------------------------------------------
    def training_step(self, *args, **kwargs):
        raise MisconfigurationException(
            "No `training_step()` method defined. Lightning `Trainer` expects as minimum a "
            "`training_step()`, `train_dataloader()` and `configure_optimizers()` to be defined."
        )

    def configure_optimizers(self):
        raise MisconfigurationException(
            "No `configure_optimizers()` method defined. Lightning `Trainer` expects as minimum "
            "a `training_step()`, `train_dataloader()` and `configure_optimizers()` to be defined."
        )

    def predict_step(self, batch, batch_idx: int = 0, dataloader_idx: int = 0):
        batch = batch[0] if isinstance(batch, (list, tuple)) else batch
        return self(batch)

    def configure_callbacks(self):
        return []

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        pass

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        pass

    def configure_model(self) -> None:
        pass

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location=None, strict=True, **kwargs):
        """A new module built from the checkpoint's ``hyper_parameters`` (updated by
        ``kwargs``) with its ``state_dict`` loaded."""
        from ._checkpoint import load_checkpoint

        ckpt = load_checkpoint(checkpoint_path, map_location)
        hparams = dict(ckpt.get(cls.CHECKPOINT_HYPER_PARAMS_KEY, {}))
        hparams.update(kwargs)
        model = cls(**hparams)
        model.on_load_checkpoint(ckpt)
        model.load_state_dict(ckpt["state_dict"], strict=strict)
        return model


# The hooks ``Trainer`` calls on each callback and then on the module (``Trainer._call``), with
# the module's arguments after the callback's ``(trainer, pl_module)``; no-ops until overridden.
_TRAINER_HOOKS = (
    "on_fit_start on_fit_end on_train_start on_train_end on_train_epoch_start "
    "on_train_epoch_end on_validation_start on_validation_end on_validation_epoch_start "
    "on_validation_epoch_end on_test_start on_test_end on_test_epoch_start on_test_epoch_end "
    "on_predict_start on_predict_end on_predict_epoch_start on_predict_epoch_end "
    "on_before_zero_grad on_before_backward on_after_backward on_before_optimizer_step "
    "on_train_batch_start on_train_batch_end on_validation_batch_start "
    "on_validation_batch_end on_test_batch_start on_test_batch_end on_predict_batch_start "
    "on_predict_batch_end"
).split()


def _no_op_hooks(cls: type, hooks) -> None:
    """Give ``cls`` each of ``hooks`` as a method that does nothing."""
    for hook in hooks:
        setattr(cls, hook, _no_op)


def _no_op(self, *args, **kwargs) -> None:
    return None


_no_op_hooks(
    LightningModule,
    [
        *_TRAINER_HOOKS,
        "on_validation_model_eval",
        "on_validation_model_train",
        "on_test_model_eval",
    ],
)


def _unwrap(optimizer):
    return getattr(optimizer, "optimizer", optimizer)


class LightningOptimizer:
    """What ``self.optimizers()`` returns: the optimizer, whose ``step`` also counts the
    trainer's ``global_step`` (manual optimisation)."""

    def __init__(self, optimizer, state: _LightningState) -> None:
        self.optimizer = optimizer
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self.optimizer, name)

    def step(self, closure: Callable | None = None, **kwargs):
        loss = closure() if closure is not None else None
        self.optimizer.step()
        self._state.steps_taken += 1
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)


class _DeferredScheduler:
    """A scheduler whose ``step()`` runs after the current (possibly compiled) training step."""

    def __init__(self, scheduler, state: _LightningState) -> None:
        self.scheduler = scheduler
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scheduler, name)

    def step(self, *args, **kwargs) -> None:
        self._state.deferred.append(lambda: self.scheduler.step(*args, **kwargs))


class LightningDataModule(HyperparametersMixin, DataHooks):
    """Lightning's ``LightningDataModule``: ``prepare_data``, ``setup(stage)`` and the
    ``*_dataloader`` methods, called by the trainer."""

    CHECKPOINT_HYPER_PARAMS_KEY = "datamodule_hyper_parameters"

    def __init__(self) -> None:
        self._pl = _LightningState()
        self.trainer = None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        pass

    def train_dataloader(self) -> Iterable:
        raise MisconfigurationException("`train_dataloader` must be implemented to be used")

    def val_dataloader(self) -> Iterable:
        return []

    def test_dataloader(self) -> Iterable:
        raise MisconfigurationException("`test_dataloader` must be implemented to be used")

    def predict_dataloader(self) -> Iterable:
        raise MisconfigurationException("`predict_dataloader` must be implemented to be used")
