"""Lightning's ``Trainer`` on torchlike: ``fit``, ``validate``, ``test``, ``predict``.

The loops follow Lightning 2.x's order of hooks, scheduler steps, validation checks and
logging. The training step (``training_step``, backward, clipping, optimizer step, gradient
accumulation) is one compiled XLA program by default; ``Trainer(compile=False)`` runs it eagerly
with the same numbers. See ``_step.py`` for what compiling means for the user's code.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import math
import os
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import random as _random
from .._compile import compile as _compile
from .._tensor import Tensor
from ..amp import autocast
from ..autograd.grad_mode import no_grad
from . import _checkpoint, _launcher, _step
from ._strategy import Strategy
from .callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar
from .loggers import CSVLogger, Logger, TensorBoardLogger
from .module import LightningDataModule, LightningOptimizer, MisconfigurationException
from .optimizers import LRSchedulerConfig, configure

_PRECISIONS = {
    None: "32-true",
    32: "32-true",
    "32": "32-true",
    "32-true": "32-true",
    "bf16": "bf16-mixed",
    "bf16-mixed": "bf16-mixed",
    16: "16-mixed",
    "16": "16-mixed",
    "16-mixed": "16-mixed",
}


class _Precision:
    """``'32-true'``, ``'bf16-mixed'`` (autocast to bfloat16) or ``'16-mixed'`` (autocast to
    float16 with a ``GradScaler``)."""

    def __init__(self, precision, device_type: str) -> None:
        if precision not in _PRECISIONS:
            raise MisconfigurationException(
                f"Precision {precision!r} is invalid. Allowed precision values: "
                "('32-true', '32', 'bf16-mixed', '16-mixed')"
            )
        self.name = _PRECISIONS[precision]
        self.device_type = device_type
        if self.name == "16-mixed" and device_type == "cpu":
            raise MisconfigurationException(
                "`Trainer(accelerator='cpu', precision='16-mixed')` is not supported. Consider "
                "using `precision='bf16-mixed'` instead."
            )
        self.scaler = None
        if self.name == "16-mixed":
            from ..amp import GradScaler

            self.scaler = GradScaler(device_type)

    def forward_context(self):
        if self.name == "32-true":
            return contextlib.nullcontext()
        from .. import bfloat16, float16

        dtype = bfloat16 if self.name == "bf16-mixed" else float16
        return autocast(self.device_type, dtype=dtype)


def _limit(limit, n: float) -> float:
    if limit is None:
        return n
    if isinstance(limit, float):
        if not 0.0 <= limit <= 1.0:
            raise MisconfigurationException(f"a float limit must be in [0.0, 1.0], got {limit}")
        return n if limit == 1.0 else (int(n * limit) if n != math.inf else n)
    return min(n, int(limit))


def _length(loader) -> float:
    try:
        return len(loader)
    except TypeError:
        return math.inf


def _batch_size(batch) -> int:
    if isinstance(batch, Tensor):
        return batch.shape[0] if batch.dim() else 1
    items = batch.values() if isinstance(batch, dict) else batch
    if isinstance(items, (list, tuple)) or isinstance(batch, dict):
        for b in items:
            n = _batch_size(b)
            if n:
                return n
    return 1


_CHUNK = 16  # logged values folded into an epoch's running reduction at a time


@functools.partial(jax.jit, static_argnums=0)
def _fold(reduce_fx: str, total, values: list, weights, mask):
    """``total`` (float32) updated with up to ``_CHUNK`` logged values (``mask`` 0 where the
    list is padded): the weighted sum for 'mean', the sum, the max or the min."""
    data = jnp.stack([jnp.asarray(v, jnp.float32) for v in values])
    if reduce_fx == "mean":
        return total + (data * weights * mask).sum()
    if reduce_fx == "sum":
        return total + (data * mask).sum()
    if reduce_fx == "max":
        return jnp.maximum(total, jnp.where(mask > 0, data, -jnp.inf).max())
    return jnp.minimum(total, jnp.where(mask > 0, data, jnp.inf).min())


class _EpochValue:
    """One name's values logged with ``on_epoch=True`` this epoch, reduced a chunk at a time
    (no work per step; one small program every ``_CHUNK`` steps), as Lightning reduces them:
    the mean weighted by batch size, the sum, the max or the min, in float32."""

    def __init__(self, reduce_fx: str, prog_bar: bool, to_logger: bool, on_step: bool) -> None:
        self.reduce_fx, self.prog_bar = reduce_fx, prog_bar
        self.to_logger, self.on_step = to_logger, on_step
        self.total = None  # the running reduction, from the first fold on
        self.weight = 0
        self.values: list = []
        self.weights: list = []

    def add(self, value, weight) -> None:
        self.values.append(value._data if isinstance(value, Tensor) else np.float32(value))
        self.weights.append(weight)
        self.weight += weight
        # A small program waits for its inputs: fold the values of a chunk of steps ago, which
        # are computed, not the step just launched (that would wait for it every time).
        if len(self.values) == 2 * _CHUNK:
            self._fold(_CHUNK)

    def _fold(self, n: int) -> None:
        pad = _CHUNK - n
        mask = np.array([1.0] * n + [0.0] * pad, np.float32)
        weights = np.array(self.weights[:n] + [0] * pad, np.float32)
        values = self.values[:n] + [self.values[0]] * pad
        if self.total is None:  # on the values' device, as the folds' results (one program)
            start = {"mean": 0.0, "sum": 0.0, "max": -math.inf, "min": math.inf}[self.reduce_fx]
            self.total = jax.device_put(np.float32(start), getattr(values[0], "sharding", None))
        self.total = _fold(self.reduce_fx, self.total, values, weights, mask)
        del self.values[:n], self.weights[:n]

    def result(self) -> Tensor:
        while self.values:
            self._fold(min(len(self.values), _CHUNK))
        total = jnp.asarray(self.total)
        return Tensor._wrap(total / self.weight if self.reduce_fx == "mean" else total)


class Trainer:
    """Lightning 2.x's ``Trainer`` (keyword arguments as Lightning's). torchlike's own:
    ``compile`` (default True: the training, validation, test and predict steps run compiled).

    Accepted but without effect here: ``benchmark``, ``deterministic`` (XLA on CPU is
    deterministic; see README), ``inference_mode``, ``sync_batchnorm`` (the global batch is one
    program), ``use_distributed_sampler`` (see ``_strategy.py``), ``enable_model_summary``.
    """

    def __init__(
        self,
        *,
        accelerator: str = "auto",
        strategy="auto",
        devices="auto",
        num_nodes: int = 1,
        precision=None,
        logger=None,
        callbacks=None,
        fast_dev_run=False,
        max_epochs=None,
        min_epochs=None,
        max_steps: int = -1,
        min_steps=None,
        max_time=None,
        limit_train_batches=None,
        limit_val_batches=None,
        limit_test_batches=None,
        limit_predict_batches=None,
        overfit_batches=0.0,
        val_check_interval=None,
        check_val_every_n_epoch: int | None = 1,
        num_sanity_val_steps=None,
        log_every_n_steps=None,
        enable_checkpointing=None,
        enable_progress_bar=None,
        enable_model_summary=None,
        accumulate_grad_batches: int = 1,
        gradient_clip_val=None,
        gradient_clip_algorithm=None,
        deterministic=None,
        benchmark=None,
        inference_mode: bool = True,
        use_distributed_sampler: bool = True,
        profiler=None,
        detect_anomaly: bool = False,
        barebones: bool = False,
        plugins=None,
        sync_batchnorm: bool = False,
        reload_dataloaders_every_n_epochs: int = 0,
        default_root_dir=None,
        compile: bool = True,  # noqa: A002
    ) -> None:
        for name, value, neutral in (
            ("num_nodes", num_nodes, 1),
            ("fast_dev_run", fast_dev_run, False),
            ("max_time", max_time, None),
            ("overfit_batches", overfit_batches, 0.0),
            ("profiler", profiler, None),
            ("plugins", plugins, None),
            ("reload_dataloaders_every_n_epochs", reload_dataloaders_every_n_epochs, 0),
        ):
            if value != neutral:
                raise MisconfigurationException(
                    f"`Trainer({name}={value!r})` is not supported by torchlike.lightning"
                )
        if accumulate_grad_batches < 1:
            raise MisconfigurationException(
                f"`accumulate_grad_batches` should be an int >= 1, got {accumulate_grad_batches}"
            )
        self.strategy = Strategy(strategy, accelerator, devices)
        from .. import cuda

        device_type = "cuda" if cuda.is_available() else "cpu"
        self._precision = _Precision(precision, device_type)
        self.precision = self._precision.name
        self.default_root_dir = os.fspath(default_root_dir) if default_root_dir else os.getcwd()
        self.max_steps = max_steps
        self.max_epochs = (
            max_epochs if max_epochs is not None else (1000 if max_steps == -1 else -1)
        )
        self.min_epochs, self.min_steps = min_epochs, min_steps
        self.limit_train_batches, self.limit_val_batches = limit_train_batches, limit_val_batches
        self.limit_test_batches = limit_test_batches
        self.limit_predict_batches = limit_predict_batches
        self.val_check_interval = val_check_interval
        self.check_val_every_n_epoch = check_val_every_n_epoch
        self.num_sanity_val_steps = 2 if num_sanity_val_steps is None else num_sanity_val_steps
        self.log_every_n_steps = 50 if log_every_n_steps is None else log_every_n_steps
        self.accumulate_grad_batches = accumulate_grad_batches
        self.gradient_clip_val = gradient_clip_val
        self.gradient_clip_algorithm = gradient_clip_algorithm
        self.compile = compile
        self.loggers: list[Logger] = self._make_loggers(logger)
        self.callbacks: list[Callback] = list(callbacks or [])
        if enable_checkpointing is not False and not any(
            isinstance(c, ModelCheckpoint) for c in self.callbacks
        ):
            if enable_checkpointing is not None or not barebones:
                self.callbacks.append(ModelCheckpoint())
        if enable_progress_bar is not False and not any(
            isinstance(c, TQDMProgressBar) for c in self.callbacks
        ):
            self.callbacks.append(TQDMProgressBar())
        if not self.is_global_zero:  # as Lightning: one progress bar, rank 0's
            self.callbacks = [c for c in self.callbacks if not isinstance(c, TQDMProgressBar)]
        self.lightning_module = None
        self.datamodule: LightningDataModule | None = None
        self.optimizers: list = []
        self._lightning_optimizers: list = []
        self.lr_scheduler_configs: list[LRSchedulerConfig] = []
        self.current_epoch = 0
        self.global_step = 0
        self.should_stop = False
        self.training = self.validating = self.testing = self.predicting = False
        self.sanity_checking = False
        self.callback_metrics: dict[str, Any] = {}
        self.logged_metrics: dict[str, Any] = {}
        self.progress_bar_metrics: dict[str, Any] = {}
        self.num_training_batches: float = math.inf
        self._has_validation = False
        self._batches_that_stepped = 0
        self._batches_in_epoch = 0
        self._steps_in_epoch = 0
        self._total_batches = 0
        self._epoch_rng_state = None
        self._train_fn = _compile(_step.training_step) if compile else _step.training_step
        self._eval_fn = _compile(_step.evaluation_step) if compile else _step.evaluation_step
        self._epoch_values: dict[str, _EpochValue] = {}
        self._in_step = False
        self._in_epoch = False
        self._pending: dict = {}  # step values for the loggers, written every log_every_n_steps
        self._eval_steps = 0

    # -- set-up --------------------------------------------------------------------------------
    def _make_loggers(self, logger) -> list[Logger]:
        if logger is False:
            return []
        if logger is None or logger is True:  # as Lightning: TensorBoard where it is installed
            if importlib.util.find_spec("tensorboard") is None:
                return [CSVLogger(self.default_root_dir)]
            return [TensorBoardLogger(self.default_root_dir)]
        return list(logger) if isinstance(logger, (list, tuple)) else [logger]

    @property
    def logger(self) -> Logger | None:
        return self.loggers[0] if self.loggers else None

    @property
    def log_dir(self) -> str:
        return self.logger.log_dir if self.logger is not None else self.default_root_dir

    @property
    def world_size(self) -> int:
        return self.strategy.world_size

    @property
    def checkpoint_callback(self) -> ModelCheckpoint | None:
        found = [c for c in self.callbacks if isinstance(c, ModelCheckpoint)]
        return found[0] if found else None

    @property
    def early_stopping_callback(self) -> EarlyStopping | None:
        found = [c for c in self.callbacks if isinstance(c, EarlyStopping)]
        return found[0] if found else None

    @property
    def is_global_zero(self) -> bool:
        return self.global_rank == 0

    @property
    def global_rank(self) -> int:
        return self.strategy.global_rank

    @property
    def local_rank(self) -> int:
        return self.strategy.global_rank

    @property
    def node_rank(self) -> int:
        return 0

    @property
    def num_devices(self) -> int:
        return self.strategy.world_size

    @property
    def num_nodes(self) -> int:
        return 1

    @property
    def _writers(self) -> list[Logger]:
        """The loggers that write files: rank 0's (all of them in one process)."""
        return self.loggers if self.is_global_zero else []

    def _attach(self, model, datamodule, stage: str) -> None:
        from .module import LightningModule

        if not isinstance(model, LightningModule):
            raise TypeError(
                f"`model` must be a `LightningModule`, got `{type(model).__qualname__}`"
            )
        if self.lightning_module is not model:
            self.lightning_module = model
            model.trainer = self
            extra = model.configure_callbacks() or []
            self.callbacks = [
                c for c in self.callbacks if type(c) not in {type(e) for e in extra}
            ] + list(extra)
            # Lightning runs checkpointing last, after the callbacks that may log or stop
            checkpoints = [c for c in self.callbacks if isinstance(c, ModelCheckpoint)]
            others = [c for c in self.callbacks if not isinstance(c, ModelCheckpoint)]
            self.callbacks = others + checkpoints
        if datamodule is not None:
            self.datamodule = datamodule
            datamodule.trainer = self
            datamodule.prepare_data()
            datamodule.setup(stage)
        model.prepare_data()
        for cb in self.callbacks:
            cb.setup(self, model, stage)
        model.setup(stage)
        model.configure_model()

    def _loader(self, given, name: str):
        if given is not None:
            return given
        source = self.datamodule if self.datamodule is not None else self.lightning_module
        fn = getattr(source, name, None)
        return fn() if fn is not None else None

    # -- hooks ------------------------------------------------------------------------------------
    def _call(self, hook: str, *args, monitoring: bool | None = None) -> Any:
        """Callbacks' hook then the module's (Lightning's order)."""
        module = self.lightning_module
        for cb in self.callbacks:
            is_monitor = isinstance(cb, (ModelCheckpoint, EarlyStopping))
            if monitoring is None or monitoring == is_monitor:
                getattr(cb, hook)(self, module, *args)
        if monitoring is not True:
            return self._call_module(hook, *args)

    def _call_module(self, hook: str, *args) -> Any:
        module = self.lightning_module
        previous, module._pl.hook = module._pl.hook, hook
        try:
            return getattr(module, hook)(*args)
        finally:
            module._pl.hook = previous
            if not self._in_step:  # inside a step the step returns what was logged
                self._collect(module._pl.logs, "hook")
                module._pl.logs = []

    def _backward(self, loss: Tensor, *args, **kwargs) -> None:
        self._call("on_before_backward", loss)
        scaler = self._precision.scaler
        self.lightning_module.backward(scaler.scale(loss) if scaler else loss, *args, **kwargs)
        self._call("on_after_backward")

    def _optimizer_step(self, optimizer) -> None:
        module = self.lightning_module
        scaler = self._precision.scaler
        if scaler is not None:
            scaler.unscale_(optimizer)
        self._call("on_before_optimizer_step", optimizer)
        module.configure_gradient_clipping(
            optimizer, self.gradient_clip_val, self.gradient_clip_algorithm
        )
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()

    # -- logging ----------------------------------------------------------------------------------
    def _collect(self, logs: list, phase: str, batch=None) -> None:
        """File what ``self.log`` recorded: step values now, epoch values accumulated."""
        for name, value, (prog_bar, to_logger, on_step, on_epoch, reduce_fx, bs) in logs:
            if on_step:
                key = f"{name}_step" if on_epoch else name
                self.callback_metrics[key] = value
                if prog_bar:
                    self.progress_bar_metrics[key] = value
                if to_logger:
                    self._pending[key] = value
            if on_epoch:
                weight = bs if bs is not None else (_batch_size(batch) if batch is not None else 1)
                entry = self._epoch_values.get(name)
                if entry is None:
                    entry = self._epoch_values[name] = _EpochValue(
                        reduce_fx, prog_bar, to_logger, on_step
                    )
                entry.add(value, weight)

    def _finish_epoch_metrics(self) -> dict[str, Any]:
        out = {}
        for name, entry in self._epoch_values.items():
            value = entry.result()
            prog_bar, to_logger, on_step = entry.prog_bar, entry.to_logger, entry.on_step
            key = f"{name}_epoch" if on_step else name
            self.callback_metrics[name] = value
            self.callback_metrics[key] = value
            if prog_bar:
                self.progress_bar_metrics[key] = value
            if to_logger:
                out[key] = value
        self._epoch_values = {}
        return out

    def _should_log_step(self) -> bool:
        return (self._batches_that_stepped + 1) % self.log_every_n_steps == 0 or self.should_stop

    def _log_to_loggers(self, metrics: dict, step: int | None = None) -> None:
        if not metrics or not self.loggers:
            return
        values = {
            k: float(v.item()) if isinstance(v, Tensor) else float(v) for k, v in metrics.items()
        }
        self.logged_metrics.update(values)
        values["epoch"] = self.current_epoch
        for lg in self._writers:
            lg.log_metrics(values, self._batches_that_stepped if step is None else step)

    def _progress_bar_values(self) -> dict[str, Any]:
        out = {}
        for k, v in self.progress_bar_metrics.items():
            out[k] = f"{float(v.item()) if isinstance(v, Tensor) else float(v):.3g}"
        if self.logger is not None:
            out["v_num"] = self.logger.version
        return out

    # -- fit --------------------------------------------------------------------------------------
    def fit(
        self, model, train_dataloaders=None, val_dataloaders=None, datamodule=None, ckpt_path=None
    ) -> None:
        """Train ``model``; ``ckpt_path`` ('last' or a path) resumes a run where it stopped."""
        if isinstance(train_dataloaders, LightningDataModule):
            datamodule, train_dataloaders = train_dataloaders, None
        # a worker's fit that the launching process waits for: its log folders are the launcher's
        handing_back = self.strategy.processes and _launcher.next_fit(self.loggers)
        self._attach(model, datamodule, "fit")
        train_loader = self._loader(train_dataloaders, "train_dataloader")
        if train_loader is None:
            raise MisconfigurationException(
                "No `train_dataloader()` method defined. Lightning `Trainer` expects as minimum "
                "a `training_step()`, `train_dataloader()` and `configure_optimizers()` to be "
                "defined."
            )
        has_val_step = getattr(type(model), "validation_step", None) is not None
        val_loader = self._loader(val_dataloaders, "val_dataloader") if has_val_step else None
        self._has_validation = bool(
            has_val_step and val_loader is not None and self.limit_val_batches != 0
        )
        self.strategy.setup_module(model)
        self.optimizers, self.lr_scheduler_configs = configure(model)
        self._lightning_optimizers = [LightningOptimizer(o, model._pl) for o in self.optimizers]
        if model.automatic_optimization and len(self.optimizers) > 1:
            raise RuntimeError(
                "Training with multiple optimizers is only supported with manual optimization. "
                "Set `self.automatic_optimization = False`, then access your optimizers in "
                "`training_step` with `opt1, opt2, ... = self.optimizers()`."
            )
        world = self.strategy.world_size
        n = _length(train_loader)
        self.num_training_batches = _limit(
            self.limit_train_batches, n // world if n != math.inf else n
        )
        if self.strategy.launch:  # more devices than this process has: worker processes
            _launcher.fit_in_processes(self, model, self.strategy.launch)
            model.teardown("fit")
            return
        if self.strategy.processes and not self.compile:
            raise MisconfigurationException(
                "`Trainer(compile=False)` runs on one process; with `strategy='ddp'` over "
                "several processes the training step must be compiled"
            )
        if handing_back:
            _launcher.start_weights(model)
            self.strategy.setup_module(model)
        resume = self._restore(ckpt_path) if ckpt_path is not None else None
        for lg in self._writers:
            if model.hparams:
                lg.log_hyperparams(dict(model.hparams))
        self.training = True
        self._pending = {}
        try:
            self._call("on_fit_start")
            if self._has_validation and self.num_sanity_val_steps and resume is None:
                self.sanity_checking = True
                for cb in self.callbacks:
                    cb.on_sanity_check_start(self, model)
                self._run_eval(val_loader, "validation_step", self.num_sanity_val_steps)
                for cb in self.callbacks:
                    cb.on_sanity_check_end(self, model)
                self.sanity_checking = False
                self.callback_metrics, self.progress_bar_metrics = {}, {}
            self._call("on_train_start")
            self._fit_loop(train_loader, val_loader, resume)
            self._call("on_train_end")
            self._call("on_fit_end")
        except BaseException as e:
            for cb in self.callbacks:
                cb.on_exception(self, model, e)
            raise
        finally:
            self.training = False
            for lg in self._writers:
                lg.finalize("success")
        model.teardown("fit")
        if handing_back:
            _launcher.hand_back(self)

    def _fit_loop(self, train_loader, val_loader, resume) -> None:
        world = self.strategy.world_size
        per_epoch = self.num_training_batches
        val_every = self._val_check_batch(per_epoch)
        while not self._done():
            module = self.lightning_module
            module.train()
            skip = 0
            if resume is not None:
                skip, rng_epoch, rng_now = resume
                if rng_epoch is not None:
                    _random.set_rng_state(rng_epoch)
            self._epoch_rng_state = _random.get_rng_state()
            self._batches_in_epoch = self._steps_in_epoch = 0
            self._in_epoch = True
            self._call("on_train_epoch_start")
            batches = iter(train_loader)
            if skip:
                for _ in range(skip * world):
                    next(batches)
                self._batches_in_epoch = skip
                if resume[2] is not None:
                    _random.set_rng_state(resume[2])
            resume = None
            for batch_idx in itertools.count(skip):
                if batch_idx >= per_epoch:
                    break
                group = list(itertools.islice(batches, world))
                if len(group) < world:
                    break
                last = batch_idx + 1 >= per_epoch
                if self._train_batch(self.strategy.global_batch(group), batch_idx, last) == -1:
                    break
                if self._has_validation and self._val_due(batch_idx, last, val_every):
                    self._run_validation(val_loader)
                if self._done() or self.should_stop:
                    break
            self._epoch_end()

    def _val_check_batch(self, per_epoch: float) -> float:
        v = self.val_check_interval
        if v is None or v == 1.0:
            return per_epoch
        if isinstance(v, float):
            return max(1, int(per_epoch * v))
        return int(v)

    def _val_due(self, batch_idx: int, last: bool, every: float) -> bool:
        n = self.check_val_every_n_epoch
        if n is not None and (self.current_epoch + 1) % n:
            return False
        return last or (every != math.inf and (batch_idx + 1) % every == 0) or (self.should_stop)

    def _done(self) -> bool:
        if self.max_steps != -1 and self.global_step >= self.max_steps:
            return True
        if self.max_epochs != -1 and self.current_epoch >= self.max_epochs:
            return True
        if self.should_stop:
            min_ok = (self.min_epochs is None or self.current_epoch >= self.min_epochs) and (
                self.min_steps is None or self.global_step >= self.min_steps
            )
            return min_ok
        return False

    def _train_batch(self, batch, batch_idx: int, last: bool):
        module = self.lightning_module
        self._batches_in_epoch = batch_idx + 1
        self._total_batches += 1
        response = self._call("on_train_batch_start", batch, batch_idx)
        if response == -1:
            return -1
        k = self.accumulate_grad_batches
        steps = (batch_idx + 1) % k == 0 or last
        code = type(module).training_step.__code__
        clock = ()
        if _step.reads(code, "current_epoch", True) or _step.reads(code, "global_step", True):
            clock = (self.current_epoch, self.global_step)
        idx = self._batch_idx_argument(code, batch_idx, training=True)
        leaves, structure = _step.flatten(batch)
        n = len(self.optimizers)
        flags = _step._Flags(self, batch_idx % k == 0, steps, k, clock, structure, n)
        out, logs, taken, deferred = self._train_fn(module, idx, flags, *self.optimizers, *leaves)
        module._pl.logs, module._pl.deferred = [], []  # the trace's lists hold its tracers
        for fn in deferred:
            fn()
        self.global_step += taken
        self._steps_in_epoch += taken
        self._collect(logs, "train", batch)
        outputs = {"loss": out} if isinstance(out, Tensor) else out
        if module.automatic_optimization and steps:
            self._update_schedulers("step", plateau=False, idx=batch_idx + 1)
            if last:
                self._update_schedulers("epoch", plateau=False, idx=self.current_epoch + 1)
        self._call("on_train_batch_end", outputs, batch, batch_idx)
        if self._should_log_step():
            self._log_to_loggers(self._pending)
        self._pending = {}
        if steps or not module.automatic_optimization:
            self._batches_that_stepped += 1
        return None

    def _batch_idx_argument(self, code, batch_idx: int, training: bool):
        """``batch_idx`` as a compiled step takes it: 0 when the hook (``code``) does not read it,
        so that a new index does not compile a new program; when it does, a tensor for
        ``training_step`` and the Python int for the evaluation hooks (which often branch on
        it, ``if batch_idx == 0:``, and then compile a program per index)."""
        if not self.compile:
            return batch_idx
        names = code.co_varnames[: code.co_argcount]
        if len(names) > 2 and _step.reads(code, names[2], False):
            from .. import tensor

            return tensor(batch_idx) if training else batch_idx
        return 0

    def _update_schedulers(self, interval: str, plateau: bool, idx: int) -> None:
        module = self.lightning_module
        for config in self.lr_scheduler_configs:
            if config.reduce_on_plateau != plateau or config.interval != interval:
                continue
            if idx % config.frequency:
                continue
            metric = None
            if plateau:
                metric = self.callback_metrics.get(config.monitor)
                if metric is None:
                    if config.strict:
                        raise MisconfigurationException(
                            f"ReduceLROnPlateau conditioned on metric {config.monitor} which is "
                            f"not available. Available metrics are: "
                            f"{list(self.callback_metrics)}. Condition can be set using "
                            "`monitor` key in lr scheduler dict"
                        )
                    warnings.warn(
                        f"ReduceLROnPlateau conditioned on metric {config.monitor} which is not "
                        "available but strict is set to `False`. Skipping learning rate update.",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    continue
                metric = float(metric.item()) if isinstance(metric, Tensor) else float(metric)
            module.lr_scheduler_step(config.scheduler, metric)

    def _epoch_end(self) -> None:
        epoch_metrics = self._finish_epoch_metrics()
        self._call("on_train_epoch_end", monitoring=False)
        epoch_metrics.update(self._finish_epoch_metrics())
        self._call("on_train_epoch_end", monitoring=True)
        if self.lightning_module.automatic_optimization:
            self._update_schedulers("epoch", plateau=True, idx=self.current_epoch + 1)
        self._log_to_loggers(epoch_metrics, max(self._batches_that_stepped - 1, 0))
        self.current_epoch += 1
        self._in_epoch = False

    def _run_validation(self, val_loader) -> None:
        pending, self._pending = self._pending, {}
        self.validating = True
        self._run_eval(val_loader, "validation_step", self.limit_val_batches)
        self.validating = False
        self.lightning_module.train()
        self._pending = pending

    # -- evaluation --------------------------------------------------------------------------------
    def _run_eval(self, loaders, hook: str, limit) -> list:
        stage = {"validation_step": "validation", "test_step": "test", "predict_step": "predict"}[
            hook
        ]
        module = self.lightning_module
        module.eval()
        saved_values, self._epoch_values = self._epoch_values, {}
        self._pending = {}
        multiple = isinstance(loaders, (list, tuple))
        loaders = list(loaders) if multiple else [loaders]
        self._call(f"on_{stage}_start")
        self._call(f"on_{stage}_epoch_start")
        outputs = []
        for loader_idx, loader in enumerate(loaders):
            n = _limit(limit, _length(loader))
            for batch_idx, batch in enumerate(
                itertools.islice(loader, n) if n != math.inf else loader
            ):
                extra = (loader_idx,) if multiple else ()
                self._call(f"on_{stage}_batch_start", batch, batch_idx, *extra)
                leaves, structure = _step.flatten(self.strategy.eval_batch(batch))
                flags = (self, hook, loader_idx if multiple else None, structure)
                code = getattr(type(module), hook).__code__
                idx = self._batch_idx_argument(code, batch_idx, training=False)
                with no_grad():
                    out, logs = self._eval_fn(module, idx, flags, *leaves)
                module._pl.logs = []
                self._collect(logs, stage, batch)
                if stage == "predict":
                    outputs.append(out)
                self._call(f"on_{stage}_batch_end", out, batch, batch_idx, *extra)
        self._call(f"on_{stage}_epoch_end")
        metrics = self._finish_epoch_metrics()
        if not self.sanity_checking and stage != "predict":
            step = self._batches_that_stepped - 1 if self.training else self._eval_steps
            self._log_to_loggers(metrics, max(step, 0))
            if not self.training:
                self._eval_steps += 1
        self._call(f"on_{stage}_end")
        self._epoch_values = saved_values
        self._last_eval_metrics = metrics
        return outputs

    def _evaluate(self, model, dataloaders, ckpt_path, datamodule, hook: str, stage: str):
        if model is None:
            model = self.lightning_module
        if model is None:
            raise MisconfigurationException(
                f"`model` must be provided to `trainer.{stage}()` when it hasn't been passed in "
                "a previous run"
            )
        if isinstance(dataloaders, LightningDataModule):
            datamodule, dataloaders = dataloaders, None
        self._attach(model, datamodule, "validate" if stage == "validation" else stage)
        if not self.optimizers:
            self.strategy.setup_module(model)
        if ckpt_path is not None:
            ckpt = _checkpoint.load_checkpoint(self._checkpoint_path(ckpt_path))
            model.load_state_dict(ckpt["state_dict"])
        name = {
            "validation": "val_dataloader",
            "test": "test_dataloader",
            "predict": "predict_dataloader",
        }[stage]
        loader = self._loader(dataloaders, name)
        limit = {
            "validation": self.limit_val_batches,
            "test": self.limit_test_batches,
            "predict": self.limit_predict_batches,
        }[stage]
        setattr(
            self,
            {"validation": "validating", "test": "testing", "predict": "predicting"}[stage],
            True,
        )
        try:
            outputs = self._run_eval(loader, hook, limit)
        finally:
            self.validating = self.testing = self.predicting = False
            for lg in self._writers:
                lg.save()
        return outputs

    def validate(
        self, model=None, dataloaders=None, ckpt_path=None, verbose: bool = True, datamodule=None
    ) -> list[dict]:
        self._evaluate(model, dataloaders, ckpt_path, datamodule, "validation_step", "validation")
        return [self._plain(self._last_eval_metrics)]

    def test(
        self, model=None, dataloaders=None, ckpt_path=None, verbose: bool = True, datamodule=None
    ) -> list[dict]:
        self._evaluate(model, dataloaders, ckpt_path, datamodule, "test_step", "test")
        return [self._plain(self._last_eval_metrics)]

    def predict(
        self, model=None, dataloaders=None, datamodule=None, return_predictions=None, ckpt_path=None
    ) -> list:
        outputs = self._evaluate(
            model, dataloaders, ckpt_path, datamodule, "predict_step", "predict"
        )
        return outputs if return_predictions is not False else None

    @staticmethod
    def _plain(metrics: dict) -> dict:
        return {
            k: float(v.item()) if isinstance(v, Tensor) else float(v) for k, v in metrics.items()
        }

    # -- checkpoints -------------------------------------------------------------------------------
    def save_checkpoint(self, filepath, weights_only: bool = False, storage_options=None) -> None:
        """Write a ``.ckpt`` file in Lightning's layout (see ``_checkpoint.py``); across
        processes every rank calls it and rank 0 writes, as Lightning's."""
        ckpt = _checkpoint.dump_checkpoint(self, weights_only)
        if self.is_global_zero:
            _checkpoint.save_checkpoint(ckpt, os.fspath(filepath))

    def _checkpoint_path(self, ckpt_path) -> str | None:
        if ckpt_path in ("last", "best"):
            cb = self.checkpoint_callback
            if ckpt_path == "best":
                if cb is None or not cb.best_model_path:
                    raise ValueError('`ckpt_path="best"` is set but there is no best checkpoint')
                return cb.best_model_path
            candidates = []
            for c in self.callbacks:
                if isinstance(c, ModelCheckpoint) and c.dirpath and os.path.isdir(c.dirpath):
                    candidates += [
                        os.path.join(c.dirpath, f)
                        for f in os.listdir(c.dirpath)
                        if f.startswith("last") and f.endswith(".ckpt")
                    ]
            if not candidates:
                warnings.warn(
                    '.fit(ckpt_path="last") is set, but there is no last checkpoint available. '
                    "No checkpoint will be loaded.",
                    UserWarning,
                    stacklevel=3,
                )
                return None
            return max(candidates, key=os.path.getmtime)
        return os.fspath(ckpt_path)

    def _restore(self, ckpt_path):
        """Load a checkpoint of either side; returns (batches to skip, epoch and current random
        states) for the fit loop."""
        path = self._checkpoint_path(ckpt_path)
        if path is None:
            return None
        ckpt = _checkpoint.load_checkpoint(path)
        module = self.lightning_module
        module.on_load_checkpoint(ckpt)
        module.load_state_dict(ckpt["state_dict"])
        self.strategy.setup_module(module)
        for opt, state in zip(self.optimizers, ckpt.get("optimizer_states", [])):
            opt.load_state_dict(state)
        for config, state in zip(self.lr_scheduler_configs, ckpt.get("lr_schedulers", [])):
            config.scheduler.load_state_dict(state)
        states = ckpt.get("callbacks", {})
        for cb in self.callbacks:
            if cb.state_key in states:
                cb.load_state_dict(states[cb.state_key])
            cb.on_load_checkpoint(self, module, ckpt)
        self.current_epoch, batches = _checkpoint.position(ckpt)
        self.global_step = int(ckpt["global_step"])
        fit = ckpt.get("loops", {}).get("fit_loop", {})
        self._batches_that_stepped = fit.get("epoch_loop.state_dict", {}).get(
            "_batches_that_stepped", self.global_step
        )
        rng = ckpt.get("torchlike", {})
        if rng.get("rng_state") is not None and not batches:
            _random.set_rng_state(rng["rng_state"])
        if not batches:
            return None
        return batches, rng.get("epoch_rng_state"), rng.get("rng_state")
