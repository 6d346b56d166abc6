"""What ``configure_optimizers`` may return, normalised as Lightning does: an optimizer, a
list or tuple of them, ``([optimizers], [schedulers])``, or a dict (or list of dicts) with
``optimizer`` and ``lr_scheduler`` (a scheduler or a dict with ``scheduler``, ``interval``,
``frequency``, ``monitor``, ``strict``, ``name``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..optim.lr_scheduler import ReduceLROnPlateau
from ..optim.optimizer import Optimizer
from .module import MisconfigurationException

_SCHEDULER_KEYS = {
    "scheduler",
    "interval",
    "frequency",
    "monitor",
    "strict",
    "name",
    "reduce_on_plateau",
    "opt_idx",
}


@dataclass
class LRSchedulerConfig:
    scheduler: Any
    name: str | None = None
    interval: str = "epoch"
    frequency: int = 1
    reduce_on_plateau: bool = False
    monitor: str | None = None
    strict: bool = True


def _scheduler_config(entry, monitor=None) -> LRSchedulerConfig:
    if not isinstance(entry, dict):
        entry = {"scheduler": entry}
    unknown = set(entry) - _SCHEDULER_KEYS
    if unknown:
        raise MisconfigurationException(
            f"Found unsupported keys in the lr scheduler dict: {sorted(unknown)}"
        )
    if "scheduler" not in entry:
        raise MisconfigurationException(
            'The lr scheduler dict must have the key "scheduler" with its item being an lr '
            "scheduler"
        )
    interval = entry.get("interval", "epoch")
    if interval not in ("step", "epoch"):
        raise MisconfigurationException(
            f'The "interval" key in lr scheduler dict must be "step" or "epoch" but is "{interval}"'
        )
    plateau = isinstance(entry["scheduler"], ReduceLROnPlateau)
    monitor = entry.get("monitor", monitor)
    if plateau and monitor is None:
        raise MisconfigurationException(
            "`configure_optimizers` must include a monitor when a `ReduceLROnPlateau` scheduler "
            'is used. For example: {"optimizer": optimizer, "lr_scheduler": scheduler, '
            '"monitor": "metric_to_track"}'
        )
    return LRSchedulerConfig(
        entry["scheduler"],
        entry.get("name"),
        interval,
        int(entry.get("frequency", 1)),
        plateau,
        monitor,
        bool(entry.get("strict", True)),
    )


def configure(module) -> tuple[list, list[LRSchedulerConfig]]:
    """``(optimizers, scheduler configs)`` from ``module.configure_optimizers()``."""
    out = module.configure_optimizers()
    optimizers: list = []
    schedulers: list[LRSchedulerConfig] = []
    if out is None:
        raise MisconfigurationException(
            "`configure_optimizers` returned None: torchlike.lightning needs an optimizer"
        )
    if isinstance(out, Optimizer):
        optimizers = [out]
    elif isinstance(out, dict):
        out = [out]
    if isinstance(out, (list, tuple)) and len(out) == 2 and isinstance(out[0], (list, tuple)):
        optimizers = list(out[0])
        schedulers = [_scheduler_config(s) for s in out[1]]
    elif isinstance(out, (list, tuple)) and out and all(isinstance(d, dict) for d in out):
        for d in out:
            if "optimizer" not in d:
                raise MisconfigurationException(
                    f'`configure_optimizers` returned a dict without an "optimizer" key: {d}'
                )
            optimizers.append(d["optimizer"])
            if d.get("lr_scheduler") is not None:
                schedulers.append(_scheduler_config(d["lr_scheduler"], d.get("monitor")))
    elif isinstance(out, (list, tuple)):
        optimizers = list(out)
    if not optimizers or not all(isinstance(o, Optimizer) for o in optimizers):
        raise MisconfigurationException(
            f"Unknown configuration for model optimizers. Output from "
            f"`model.configure_optimizers()` should be one of: an optimizer, a list of "
            f"optimizers, a tuple of lists ([optimizers], [schedulers]), a dict with "
            f'"optimizer" and "lr_scheduler", or a list of such dicts; got {out!r}'
        )
    return optimizers, schedulers
