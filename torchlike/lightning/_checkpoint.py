"""``.ckpt`` files in Lightning's layout, written as PyTorch zip files.

Keys: ``epoch``, ``global_step``, ``pytorch-lightning_version``, ``state_dict``, ``loops`` (the
progress counters Lightning's loops restore from), ``callbacks`` (by ``state_key``),
``optimizer_states``, ``lr_schedulers``, ``hyper_parameters``. Real Lightning reads these files
and torchlike reads Lightning's. One key is torchlike's own, ``torchlike``: the random state at
the start of the epoch and now, so a run resumed mid-epoch replays the epoch's shuffle, skips the
batches already trained on and continues exactly where the checkpoint was taken (Lightning
ignores the key).
"""

from __future__ import annotations

import os

from .. import random as _random
from ..serialization import load, save

VERSION = "2.6.6"


def _progress(
    ready: int, completed: int | None = None, *, started: bool = True, processed: bool = True
) -> dict:
    completed = ready if completed is None else completed
    out = {"ready": ready}
    if started:
        out["started"] = ready
    if processed:
        out["processed"] = ready
    out["completed"] = completed
    return out


def _pair(total: dict, current: dict, **extra) -> dict:
    return {"total": total, "current": current, **extra}


def loops_state(trainer) -> dict:
    """The ``loops`` entry: Lightning's counters, filled from the trainer's position."""
    epochs_done = trainer.current_epoch
    started = epochs_done + 1 if trainer._in_epoch else epochs_done
    in_epoch = trainer._batches_in_epoch if trainer._in_epoch else 0
    steps = trainer.global_step
    batches = trainer._total_batches
    opt = _pair(
        _progress(steps, started=False, processed=False),
        _progress(trainer._steps_in_epoch, started=False, processed=False),
    )
    zero = _pair(
        _progress(steps, processed=False), _progress(trainer._steps_in_epoch, processed=False)
    )
    fit = {
        "state_dict": {},
        "epoch_loop.state_dict": {"_batches_that_stepped": trainer._batches_that_stepped},
        "epoch_loop.batch_progress": _pair(
            _progress(batches), _progress(in_epoch), is_last_batch=False
        ),
        "epoch_loop.scheduler_progress": _pair(
            _progress(0, started=False, processed=False),
            _progress(0, started=False, processed=False),
        ),
        "epoch_loop.automatic_optimization.state_dict": {},
        "epoch_loop.automatic_optimization.optim_progress": {
            "optimizer": {"step": opt, "zero_grad": zero}
        },
        "epoch_loop.manual_optimization.state_dict": {},
        "epoch_loop.manual_optimization.optim_step_progress": _pair(
            _progress(0, started=False, processed=False),
            _progress(0, started=False, processed=False),
        ),
        "epoch_loop.val_loop.state_dict": {},
        "epoch_loop.val_loop.batch_progress": _pair(
            _progress(0), _progress(0), is_last_batch=False
        ),
        "epoch_progress": _pair(_progress(started, epochs_done), _progress(started, epochs_done)),
    }
    fit["epoch_progress"]["total"]["processed"] = epochs_done
    fit["epoch_progress"]["current"]["processed"] = epochs_done
    other = {"state_dict": {}, "batch_progress": _pair(_progress(0), _progress(0))}
    evaluation = dict(other, batch_progress=dict(other["batch_progress"], is_last_batch=False))
    return {
        "fit_loop": fit,
        "validate_loop": evaluation,
        "test_loop": evaluation,
        "predict_loop": other,
    }


def dump_checkpoint(trainer, weights_only: bool = False) -> dict:
    module = trainer.lightning_module
    ckpt = {
        "epoch": trainer.current_epoch,
        "global_step": trainer.global_step,
        "pytorch-lightning_version": VERSION,
        "state_dict": module.state_dict(),
        "loops": loops_state(trainer),
    }
    if not weights_only:
        ckpt["callbacks"] = {
            cb.state_key: cb.state_dict() for cb in trainer.callbacks if cb.state_dict()
        }
        ckpt["optimizer_states"] = [opt.state_dict() for opt in trainer.optimizers]
        ckpt["lr_schedulers"] = [c.scheduler.state_dict() for c in trainer.lr_scheduler_configs]
        ckpt["torchlike"] = {
            "epoch_rng_state": trainer._epoch_rng_state,
            "rng_state": _random.get_rng_state(),
        }
    if module.hparams:
        ckpt["hparams_name"] = "kwargs"
        ckpt[module.CHECKPOINT_HYPER_PARAMS_KEY] = dict(module.hparams)
    dm = trainer.datamodule
    if dm is not None and dm.hparams:
        ckpt[dm.CHECKPOINT_HYPER_PARAMS_KEY] = dict(dm.hparams)
    for cb in trainer.callbacks:
        cb.on_save_checkpoint(trainer, module, ckpt)
    module.on_save_checkpoint(ckpt)
    return ckpt


def save_checkpoint(ckpt: dict, path: str) -> None:
    """Write atomically (a reader, or a run killed mid-write, sees the old or the new file)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save(ckpt, path, format="torch")


def load_checkpoint(path, map_location=None) -> dict:
    return load(os.fspath(path), map_location=map_location)


def position(ckpt: dict) -> tuple[int, int]:
    """(epoch to run next, batches of it already trained) from a checkpoint of either side."""
    fit = (ckpt.get("loops") or {}).get("fit_loop", {})
    epochs = fit.get("epoch_progress", {}).get("current", {})
    if not epochs:
        return int(ckpt["epoch"]) + 1, 0
    if epochs["ready"] == epochs["completed"]:  # saved between epochs
        return int(epochs["completed"]), 0
    batches = fit.get("epoch_loop.batch_progress", {}).get("current", {}).get("ready", 0)
    return int(epochs["completed"]), int(batches)
