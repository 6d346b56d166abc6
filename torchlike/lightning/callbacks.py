"""Lightning's callbacks: ``Callback``, ``ModelCheckpoint``, ``EarlyStopping``,
``LearningRateMonitor`` and a tqdm ``TQDMProgressBar``."""

from __future__ import annotations

import math
import os
import re
import sys
import time
from typing import Any

from .module import _TRAINER_HOOKS, MisconfigurationException, _no_op_hooks


class Callback:
    """Override the hooks you need; each is called with ``(trainer, pl_module, ...)``."""

    @property
    def state_key(self) -> str:
        return type(self).__qualname__

    def _state_key_of(self, **fields) -> str:
        return f"{type(self).__qualname__}{fields!r}"

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        pass

    def setup(self, trainer, pl_module, stage: str) -> None:
        pass

    def teardown(self, trainer, pl_module, stage: str) -> None:
        pass

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        pass

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        pass


_no_op_hooks(
    Callback, [*_TRAINER_HOOKS, "on_sanity_check_start", "on_sanity_check_end", "on_exception"]
)


def _as_float(value) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


class ModelCheckpoint(Callback):
    """Save ``.ckpt`` files (Lightning's layout): the ``save_top_k`` best by ``monitor`` (or the
    latest when ``monitor`` is None), optionally ``last.ckpt``, every ``every_n_epochs`` epochs
    (after validation, or at the train epoch's end when there is none) or every
    ``every_n_train_steps`` optimizer steps. ``filename`` is a pattern such as
    ``'{epoch}-{val_loss:.2f}'`` (-> ``epoch=3-val_loss=0.12.ckpt``)."""

    CHECKPOINT_NAME_LAST = "last"
    FILE_EXTENSION = ".ckpt"

    def __init__(
        self,
        dirpath=None,
        filename: str | None = None,
        monitor: str | None = None,
        verbose: bool = False,
        save_last: bool | None = None,
        save_top_k: int = 1,
        save_weights_only: bool = False,
        mode: str = "min",
        auto_insert_metric_name: bool = True,
        every_n_train_steps: int | None = None,
        train_time_interval=None,
        every_n_epochs: int | None = None,
        save_on_train_epoch_end: bool | None = None,
        enable_version_counter: bool = True,
    ) -> None:
        if mode not in ("min", "max"):
            raise MisconfigurationException(f"`mode` can be 'min' or 'max', got {mode!r}")
        if train_time_interval is not None:
            raise MisconfigurationException(
                "`ModelCheckpoint(train_time_interval=...)` is not supported by "
                "torchlike.lightning; use every_n_train_steps or every_n_epochs"
            )
        if save_top_k < -1:
            raise MisconfigurationException(f"Invalid value for save_top_k={save_top_k}.")
        self.dirpath = os.fspath(dirpath) if dirpath is not None else None
        self.filename = filename
        self.monitor = monitor
        self.verbose = verbose
        self.save_last = save_last
        self.save_top_k = save_top_k
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.auto_insert_metric_name = auto_insert_metric_name
        self.every_n_train_steps = every_n_train_steps or 0
        self.every_n_epochs = (
            1 if every_n_epochs is None and not every_n_train_steps else (every_n_epochs or 0)
        )
        self.save_on_train_epoch_end = save_on_train_epoch_end
        self.best_k_models: dict[str, float] = {}
        self.kth_best_model_path = ""
        self.kth_value = math.inf if mode == "min" else -math.inf
        self.best_model_path = ""
        self.best_model_score = None
        self.current_score = None
        self.last_model_path = ""
        self._last_global_step_saved = -1

    @property
    def state_key(self) -> str:
        return self._state_key_of(
            monitor=self.monitor,
            mode=self.mode,
            every_n_train_steps=self.every_n_train_steps,
            every_n_epochs=self.every_n_epochs,
            train_time_interval=None,
        )

    def setup(self, trainer, pl_module, stage: str) -> None:
        if self.dirpath is None:
            logger = trainer.logger
            if logger is not None:
                self.dirpath = os.path.join(logger.log_dir, "checkpoints")
            else:
                self.dirpath = os.path.join(trainer.default_root_dir, "checkpoints")

    # -- when to save --------------------------------------------------------------------------
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        n = self.every_n_train_steps
        if n and trainer.global_step % n == 0 and not trainer.sanity_checking:
            self._save(trainer)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if self._on_train_epoch_end(trainer) and self._epoch_due(trainer):
            self._save(trainer)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or not trainer.training or self._on_train_epoch_end(trainer):
            return
        if self._epoch_due(trainer):
            self._save(trainer)

    def _on_train_epoch_end(self, trainer) -> bool:
        if self.save_on_train_epoch_end is not None:
            return self.save_on_train_epoch_end
        return not trainer._has_validation

    def _epoch_due(self, trainer) -> bool:
        n = self.every_n_epochs
        return bool(n) and (trainer.current_epoch + 1) % n == 0

    # -- saving ----------------------------------------------------------------------------------
    def _save(self, trainer) -> None:
        if trainer.global_step == self._last_global_step_saved:
            return
        self._last_global_step_saved = trainer.global_step
        metrics = dict(trainer.callback_metrics)
        metrics.update(epoch=trainer.current_epoch, step=trainer.global_step)
        if self.monitor is not None and self.save_top_k:
            if self.monitor not in metrics:
                raise MisconfigurationException(
                    f"`ModelCheckpoint(monitor={self.monitor!r})` could not find the monitored "
                    f"key in the returned metrics: {sorted(trainer.callback_metrics)}."
                )
            self._save_top_k(trainer, _as_float(metrics[self.monitor]), metrics)
        elif self.save_top_k:
            path = self._path(metrics)
            previous = self.best_model_path
            trainer.save_checkpoint(path, self.save_weights_only)
            self.best_model_path = path
            if self.save_top_k == 1 and previous and previous != path:
                _remove(previous)
        if self.save_last:
            last = os.path.join(self.dirpath, self.CHECKPOINT_NAME_LAST + self.FILE_EXTENSION)
            self.last_model_path = last
            trainer.save_checkpoint(last, self.save_weights_only)

    def _better(self, score: float, than: float) -> bool:
        if math.isnan(score):
            return False
        return score < than if self.mode == "min" else score > than

    def _save_top_k(self, trainer, score: float, metrics: dict) -> None:
        self.current_score = score
        k = self.save_top_k
        if k != -1 and len(self.best_k_models) >= k and not self._better(score, self.kth_value):
            return
        path = self._path(metrics)
        if k != -1 and len(self.best_k_models) >= k:
            _remove(self.kth_best_model_path)
            del self.best_k_models[self.kth_best_model_path]
        self.best_k_models[path] = score
        worst = max if self.mode == "min" else min
        self.kth_best_model_path = worst(self.best_k_models, key=self.best_k_models.get)
        self.kth_value = self.best_k_models[self.kth_best_model_path]
        best = (min if self.mode == "min" else max)(self.best_k_models, key=self.best_k_models.get)
        self.best_model_path, self.best_model_score = best, self.best_k_models[best]
        trainer.save_checkpoint(path, self.save_weights_only)

    def format_checkpoint_name(self, metrics: dict, filename: str | None = None) -> str:
        """``'{epoch}-{val_loss:.2f}'`` -> ``'epoch=3-val_loss=0.12'``."""

        def fill(match) -> str:
            name, spec = match.group(1), match.group(2)
            value = metrics.get(name, 0)
            value = int(_as_float(value)) if name in ("epoch", "step") else _as_float(value)
            text = format(value, spec[1:]) if spec else str(value)
            return f"{name}={text}" if self.auto_insert_metric_name else text

        return re.sub(
            r"\{([^{}:]+)(:[^{}]*)?\}", fill, filename or self.filename or "{epoch}-{step}"
        )

    def _path(self, metrics: dict) -> str:
        name = self.format_checkpoint_name(metrics)
        path = os.path.join(self.dirpath, name + self.FILE_EXTENSION)
        version = 1
        while (
            os.path.exists(path)
            and path not in self.best_k_models
            and path != (self.best_model_path if self.monitor is None else None)
        ):
            path = os.path.join(self.dirpath, f"{name}-v{version}{self.FILE_EXTENSION}")
            version += 1
        return path

    def state_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "best_model_score": self.best_model_score,
            "best_model_path": self.best_model_path,
            "current_score": self.current_score,
            "dirpath": self.dirpath,
            "best_k_models": dict(self.best_k_models),
            "kth_best_model_path": self.kth_best_model_path,
            "kth_value": self.kth_value,
            "last_model_path": self.last_model_path,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if state_dict.get("dirpath") == self.dirpath:
            self.best_k_models = {k: _as_float(v) for k, v in state_dict["best_k_models"].items()}
            self.kth_best_model_path = state_dict["kth_best_model_path"]
            self.kth_value = _as_float(state_dict["kth_value"])
            self.last_model_path = state_dict["last_model_path"]
        self.best_model_path = state_dict["best_model_path"]
        score = state_dict.get("best_model_score")
        self.best_model_score = None if score is None else _as_float(score)


def _remove(path: str) -> None:
    if path and os.path.exists(path):
        os.remove(path)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved by ``min_delta`` for ``patience``
    checks (each validation run, or each train epoch's end when there is no validation)."""

    def __init__(
        self,
        monitor: str,
        min_delta: float = 0.0,
        patience: int = 3,
        verbose: bool = False,
        mode: str = "min",
        strict: bool = True,
        check_finite: bool = True,
        stopping_threshold: float | None = None,
        divergence_threshold: float | None = None,
        check_on_train_epoch_end: bool | None = None,
        log_rank_zero_only: bool = False,
    ) -> None:
        if mode not in ("min", "max"):
            raise MisconfigurationException(f"`mode` can be 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.min_delta = abs(min_delta) * (-1 if mode == "min" else 1)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.strict = strict
        self.check_finite = check_finite
        self.stopping_threshold = stopping_threshold
        self.divergence_threshold = divergence_threshold
        self.check_on_train_epoch_end = check_on_train_epoch_end
        self.wait_count = 0
        self.stopped_epoch = 0
        self.best_score = math.inf if mode == "min" else -math.inf
        self.stopping_reason_message = None

    @property
    def state_key(self) -> str:
        return self._state_key_of(monitor=self.monitor, mode=self.mode)

    def _on_epoch_end(self, trainer) -> bool:
        if self.check_on_train_epoch_end is not None:
            return self.check_on_train_epoch_end
        return not trainer._has_validation

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if self._on_epoch_end(trainer):
            self._check(trainer)

    def on_validation_end(self, trainer, pl_module) -> None:
        if not trainer.sanity_checking and trainer.training and not self._on_epoch_end(trainer):
            self._check(trainer)

    def _improved(self, score: float) -> bool:
        target = self.best_score + self.min_delta
        return score < target if self.mode == "min" else score > target

    def _check(self, trainer) -> None:
        if self.monitor not in trainer.callback_metrics:
            if self.strict:
                raise RuntimeError(
                    f"Early stopping conditioned on metric `{self.monitor}` which is not "
                    f"available. Pass in or modify your `EarlyStopping` callback to use any of "
                    f"the following: `{'`, `'.join(trainer.callback_metrics)}`"
                )
            return
        score = _as_float(trainer.callback_metrics[self.monitor])
        better = (lambda a, b: a < b) if self.mode == "min" else (lambda a, b: a > b)
        stop, reason = False, None
        if self.check_finite and not math.isfinite(score):
            stop, reason = True, f"Monitored metric {self.monitor} = {score} is not finite."
        elif self.stopping_threshold is not None and better(score, self.stopping_threshold):
            stop, reason = True, f"Stopping threshold reached: {self.monitor} = {score}."
        elif self.divergence_threshold is not None and better(self.divergence_threshold, score):
            stop, reason = True, f"Divergence threshold reached: {self.monitor} = {score}."
        elif self._improved(score):
            self.best_score, self.wait_count = score, 0
        else:
            self.wait_count += 1
            if self.wait_count >= self.patience:
                stop = True
                reason = (
                    f"Monitored metric {self.monitor} did not improve in the last "
                    f"{self.wait_count} records. Best score: {self.best_score:.3f}."
                )
        if stop:
            self.stopped_epoch = trainer.current_epoch
            self.stopping_reason_message = reason
            trainer.should_stop = True
            if self.verbose:
                print(reason, file=sys.stderr)

    def state_dict(self) -> dict[str, Any]:
        return {
            "wait_count": self.wait_count,
            "stopped_epoch": self.stopped_epoch,
            "best_score": self.best_score,
            "patience": self.patience,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.wait_count = state_dict["wait_count"]
        self.stopped_epoch = state_dict["stopped_epoch"]
        self.best_score = _as_float(state_dict["best_score"])
        self.patience = state_dict["patience"]


class LearningRateMonitor(Callback):
    """Log each optimizer's learning rate as ``lr-<Optimizer>`` (``-pg<i>`` per parameter
    group when there are several), every step or epoch (``logging_interval``; by default at
    each scheduler's own interval)."""

    def __init__(
        self,
        logging_interval: str | None = None,
        log_momentum: bool = False,
        log_weight_decay: bool = False,
    ) -> None:
        if logging_interval not in (None, "step", "epoch"):
            raise MisconfigurationException(
                "logging_interval should be `step` or `epoch` or `None`."
            )
        if log_momentum or log_weight_decay:
            raise MisconfigurationException(
                "`LearningRateMonitor(log_momentum=True / log_weight_decay=True)` is not "
                "supported by torchlike.lightning"
            )
        self.logging_interval = logging_interval

    def _names(self, trainer) -> dict[str, float]:
        out = {}
        seen: dict[str, int] = {}
        for opt in trainer.optimizers:
            name = "lr-" + type(opt).__name__
            if name in seen:
                seen[name] += 1
                name = f"{name}-{seen[name]}"
            else:
                seen[name] = 0
            groups = opt.param_groups
            for i, g in enumerate(groups):
                out[name if len(groups) == 1 else f"{name}/pg{i + 1}"] = float(g["lr"])
        return out

    def _intervals(self, trainer) -> set:
        if self.logging_interval is not None:
            return {self.logging_interval}
        return {c.interval for c in trainer.lr_scheduler_configs} or {"epoch"}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if "step" in self._intervals(trainer) and trainer._should_log_step():
            trainer._log_to_loggers(self._names(trainer))

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if "epoch" in self._intervals(trainer):
            trainer._log_to_loggers(self._names(trainer))


class TQDMProgressBar(Callback):
    """A tqdm bar per epoch (and for validation/test/predict) showing ``prog_bar`` metrics."""

    def __init__(self, refresh_rate: int = 1, leave: bool = False) -> None:
        self.refresh_rate = refresh_rate
        self.leave = leave
        self._bar = None
        self._read_at = -math.inf

    def _open(self, total, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            desc=desc,
            leave=self.leave,
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.1,
        )

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._open(trainer.num_training_batches, f"Epoch {trainer.current_epoch}")

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self._bar is not None and (batch_idx + 1) % self.refresh_rate == 0:
            # The metrics are read (a wait for the step) only when the bar is redrawn (every
            # mininterval seconds), so that steps stay asynchronous in between.
            now = time.monotonic()
            if now - self._read_at >= self._bar.mininterval:
                self._bar.set_postfix(trainer._progress_bar_values(), refresh=False)
                self._read_at = now
            self._bar.update(self.refresh_rate)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if self._bar is not None:
            self._bar.set_postfix(trainer._progress_bar_values())
        self._close()

    def on_train_end(self, trainer, pl_module) -> None:
        self._close()

    def on_exception(self, trainer, pl_module, exception) -> None:
        self._close()


__all__ = [
    "Callback",
    "EarlyStopping",
    "LearningRateMonitor",
    "ModelCheckpoint",
    "TQDMProgressBar",
]
