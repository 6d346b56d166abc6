"""``CheckpointManager``: save and resume a whole training run (Orbax underneath).

One object tracks what a run consists of (model, optimizer, LR scheduler, DataLoader, any object
with ``state_dict()``/``load_state_dict()``, and ``torchlike.Generator``\\ s) and saves it, with
the random state, step, epoch and metrics, as one Orbax checkpoint per step in a directory. Orbax
writes each checkpoint into a temporary directory and renames it when complete, asynchronously
by default (training goes on while the arrays are written), keeps the last N and the best by a
metric, and cleans up what an interrupted save left behind. ``restore()`` on start-up loads the
latest checkpoint back into the same objects; training then continues exactly as it would have
(the same dropout masks, the same shuffled batches, bitwise the same parameters on CPU).

Named after Orbax's manager rather than ``torch.utils.checkpoint``, which in PyTorch is
activation checkpointing (recomputing a forward in backward), a different thing.
"""

from __future__ import annotations

import os
from typing import Any

from ..random import Generator, default_generator
from ..serialization import _orbax, _placement

__all__ = ["CheckpointManager"]


class CheckpointManager:
    """Save and restore training state, one Orbax checkpoint per step in ``directory``.

    Args:
        directory: where the checkpoints go (created if missing); one subdirectory per step.
        max_to_keep: keep the latest this many checkpoints (``None``: keep all). Default: 3.
        best_metric: a key of the ``metrics`` passed to ``save``; the best ``keep_best``
            checkpoints by it are kept as well as the latest ones.
        best_mode: ``'min'`` or ``'max'``: which values of ``best_metric`` are best.
        keep_best: how many of the best checkpoints to keep. Default: 1.
        async_save: write in the background (``save`` returns once the arrays are captured;
            ``wait_until_finished`` waits for the write). Default: ``True``.
        **tracked: the objects to save and restore, by name (``model=model, optimizer=opt,
            scheduler=sched, loader=loader``): anything with ``state_dict``/``load_state_dict``,
            or a ``torchlike.Generator``. The default generator (``torch.manual_seed``'s stream,
            which dropout and shuffling draw from) is always included.

    ``save`` returns once Orbax has copied the arrays to host memory, so the next training
    step may update (or donate, ``torchlike.compile(..., donate=True)``) them right away; the
    write to disk goes on in the background.

    Example::

        manager = CheckpointManager("run", model=model, optimizer=opt, scheduler=sched,
                                    loader=loader, best_metric="loss")
        start = manager.restore() or {"step": 0, "epoch": 0}   # resume if there is a checkpoint
        step = start["step"]
        for epoch in range(start["epoch"], epochs):
            for x, y in loader:                # a resumed epoch continues where it stopped
                ...                            # train
                step += 1
                if step % 1000 == 0:
                    manager.save(step, epoch=epoch, metrics={"loss": loss.item()})
        manager.close()
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        max_to_keep: int | None = 3,
        best_metric: str | None = None,
        best_mode: str = "min",
        keep_best: int = 1,
        async_save: bool = True,
        **tracked: Any,
    ) -> None:
        if best_mode not in ("min", "max"):
            raise ValueError(f"best_mode must be 'min' or 'max', got {best_mode!r}")
        for name, obj in tracked.items():
            if not isinstance(obj, Generator) and not (
                hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict")
            ):
                raise TypeError(
                    f"{name}: expected an object with state_dict() and load_state_dict(), or a "
                    f"Generator, got {type(obj).__name__}"
                )
        import orbax.checkpoint as ocp  # imported on first use: it is slow to import
        from orbax.checkpoint import checkpoint_managers as policies

        self.directory = os.path.abspath(os.fspath(directory))
        self.tracked = tracked
        self.best_metric = best_metric
        keep = []
        if max_to_keep is not None:
            keep.append(policies.LatestN(n=max_to_keep))
        if best_metric is not None:
            keep.append(
                policies.BestN(
                    get_metric_fn=self._metric,
                    reverse=best_mode == "min",
                    n=keep_best,
                    keep_checkpoints_without_metrics=False,
                )
            )
        options = ocp.CheckpointManagerOptions(
            enable_async_checkpointing=async_save,
            preservation_policy=policies.AnyPreservationPolicy(keep) if keep else None,
            best_fn=self._metric if best_metric is not None else None,
            best_mode=best_mode,
            cleanup_tmp_directories=True,
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)

    def _metric(self, metrics: dict[str, Any]) -> float:
        return float(metrics[self.best_metric])

    def save(
        self,
        step: int,
        *,
        epoch: int | None = None,
        metrics: dict[str, float] | None = None,
        extra: Any = None,
        force: bool = False,
    ) -> bool:
        """Save the tracked objects, the random state, ``step``, ``epoch`` and ``extra``.

        ``metrics`` (numbers) rank checkpoints for ``best_metric``. Returns whether a checkpoint
        was started (Orbax skips a step that is already saved unless ``force``).
        """
        state = {
            "step": int(step),
            "epoch": epoch,
            "extra": extra,
            "rng_state": default_generator.get_state(),
            "tracked": {name: _state_of(obj) for name, obj in self.tracked.items()},
        }
        numbers = None if metrics is None else {k: float(v) for k, v in metrics.items()}
        if self.best_metric is not None and (numbers is None or self.best_metric not in numbers):
            raise ValueError(f"save() needs metrics[{self.best_metric!r}] to rank checkpoints")
        return self._manager.save(
            int(step), args=_orbax.encode(state), metrics=numbers, force=force
        )

    def restore(self, step: int | None = None, *, map_location: Any = None) -> dict | None:
        """Load checkpoint ``step`` (default: the latest) into the tracked objects.

        Returns ``{'step', 'epoch', 'extra'}`` of that checkpoint, or ``None`` if there is none
        (a fresh start). Raises ``KeyError`` if a tracked name is missing from the checkpoint.
        """
        self.wait_until_finished()
        if step is None:
            step = self.latest_step()
            if step is None:
                return None
        state = _orbax.decode(
            lambda args: self._manager.restore(step, args=args), _placement(map_location)
        )
        saved = state["tracked"]
        missing = [name for name in self.tracked if name not in saved]
        if missing:
            raise KeyError(f"checkpoint {step} has no state for {', '.join(missing)}")
        default_generator.set_state(state["rng_state"])
        for name, obj in self.tracked.items():
            if isinstance(obj, Generator):
                obj.set_state(saved[name])
            else:
                obj.load_state_dict(saved[name])
        return {"step": state["step"], "epoch": state["epoch"], "extra": state["extra"]}

    def all_steps(self) -> list[int]:
        """The steps with a complete checkpoint, oldest first."""
        return sorted(self._manager.all_steps())

    def latest_step(self) -> int | None:
        return self._manager.latest_step()

    def best_step(self) -> int | None:
        """The step with the best ``best_metric`` (the latest step if there is no metric)."""
        return self._manager.best_step()

    def metrics(self, step: int) -> dict[str, float] | None:
        return self._manager.metrics(step)

    def wait_until_finished(self) -> None:
        """Block until a background save has been written completely."""
        self._manager.wait_until_finished()

    def close(self) -> None:
        """Finish any background save and release Orbax's resources."""
        self._manager.close()

    def __enter__(self) -> CheckpointManager:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _state_of(obj: Any) -> Any:
    return obj.get_state() if isinstance(obj, Generator) else obj.state_dict()
