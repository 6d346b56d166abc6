"""Lightning's loggers: ``TensorBoardLogger`` (torchlike's own event-file writer) and
``CSVLogger`` (``metrics.csv`` and ``hparams.yaml`` under ``save_dir/name/version_N``)."""

from __future__ import annotations

import csv
import os
from typing import Any


def _next_version(root: str) -> int:
    if not os.path.isdir(root):
        return 0
    found = [
        int(d.split("_")[1])
        for d in os.listdir(root)
        if d.startswith("version_") and d.split("_")[1].isdigit()
    ]
    return max(found) + 1 if found else 0


def _write_hparams(path: str, params: dict) -> None:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the test extra
        return
    plain = {
        k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
        for k, v in params.items()
    }
    with open(path, "w") as f:
        yaml.safe_dump(plain, f)


class Logger:
    """Lightning's logger interface: ``log_metrics``, ``log_hyperparams``, ``save``,
    ``finalize``, and where the run's files go (``save_dir/name/version_N``)."""

    def __init__(self, save_dir: str = ".", name: str | None = "lightning_logs", version=None):
        self._save_dir = os.fspath(save_dir)
        self._name = name or ""
        self._version = version
        self.hparams: dict = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        if self._version is None:
            self._version = _next_version(os.path.join(self._save_dir, self._name))
        return self._version

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def root_dir(self) -> str:
        return os.path.join(self._save_dir, self._name)

    @property
    def log_dir(self) -> str:
        v = self.version
        return os.path.join(self.root_dir, v if isinstance(v, str) else f"version_{v}")

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        raise NotImplementedError

    def log_hyperparams(self, params: dict, *args, **kwargs) -> None:
        self.hparams.update(params)
        os.makedirs(self.log_dir, exist_ok=True)
        _write_hparams(os.path.join(self.log_dir, "hparams.yaml"), self.hparams)

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        self.save()


class CSVLogger(Logger):
    """Rows of ``{metric: value, 'step': step}`` in ``log_dir/metrics.csv`` (a column per
    metric name ever logged, empty where a row lacks it), written on ``save``/``finalize``."""

    def __init__(
        self,
        save_dir: str,
        name: str | None = "lightning_logs",
        version=None,
        prefix: str = "",
        flush_logs_every_n_steps: int = 100,
    ) -> None:
        super().__init__(save_dir, name, version)
        self._prefix = prefix
        self._flush_every = flush_logs_every_n_steps
        self.metrics: list[dict[str, Any]] = []

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        row = {f"{self._prefix}{k}" if self._prefix else k: v for k, v in metrics.items()}
        row["step"] = step if step is not None else len(self.metrics)
        self.metrics.append(row)
        if len(self.metrics) % self._flush_every == 0:
            self.save()

    def save(self) -> None:
        if not self.metrics:
            return
        os.makedirs(self.log_dir, exist_ok=True)
        keys: list[str] = []
        for row in self.metrics:
            keys += [k for k in row if k not in keys]
        with open(os.path.join(self.log_dir, "metrics.csv"), "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.metrics)


class TensorBoardLogger(Logger):
    """Scalars in TensorBoard event files under ``log_dir`` (``tensorboard --logdir``)."""

    def __init__(
        self,
        save_dir: str,
        name: str | None = "lightning_logs",
        version=None,
        log_graph: bool = False,
        default_hp_metric: bool = True,
        prefix: str = "",
        sub_dir: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(save_dir, name, version)
        self._prefix = prefix
        self._sub_dir = sub_dir
        self._writer = None

    @property
    def log_dir(self) -> str:
        base = super().log_dir
        return os.path.join(base, self._sub_dir) if self._sub_dir else base

    @property
    def experiment(self):
        """The ``SummaryWriter`` (for ``add_histogram``, ``add_image``, ...)."""
        if self._writer is None:
            from ..utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(self.log_dir)
        return self._writer

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for k, v in metrics.items():
            self.experiment.add_scalar(f"{self._prefix}{k}" if self._prefix else k, v, step)

    def save(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def finalize(self, status: str) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


__all__ = ["Logger", "CSVLogger", "TensorBoardLogger"]
