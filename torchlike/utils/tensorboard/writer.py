"""``SummaryWriter``: PyTorch's TensorBoard logging API, writing real event files.

Kept from PyTorch: the constructor (``log_dir`` defaulting to ``runs/<date>_<host><comment>``,
``comment``, ``max_queue``, ``flush_secs``, ``filename_suffix``), event file names,
``add_scalar``, ``add_scalars`` (one sub-directory per series, as PyTorch lays them out),
``add_histogram`` (PyTorch's default exponential bins or any NumPy ``bins``), ``add_image``
(``CHW``/``HWC``/``HW`` data formats, floats scaled from [0, 1]), ``add_text``, ``flush``,
``close`` and use as a context manager. Values may be torchlike tensors, NumPy arrays or numbers.

Not provided: ``add_graph`` (there is no TorchScript trace to draw), ``add_embedding``,
``add_hparams``, audio, video and mesh summaries; they raise NotImplementedError by name.
"""

from __future__ import annotations

import io
import os
import socket
import time
from datetime import datetime

import numpy as np

from . import _records


def _numpy(x) -> np.ndarray:
    data = getattr(x, "_data", None)
    if data is not None:
        return np.asarray(data)
    return np.asarray(x)


def _default_bins() -> list[float]:
    """PyTorch's default 'tensorflow' bins: +-1e-12 growing by 10% up to 1e20, and zero."""
    pos = []
    v = 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0.0] + pos


class _EventFile:
    """One events file: records are buffered and written by ``flush``."""

    _counter = 0

    def __init__(self, log_dir: str, max_queue: int, flush_secs: float, suffix: str) -> None:
        os.makedirs(log_dir, exist_ok=True)
        _EventFile._counter += 1
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{_EventFile._counter}{suffix}"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115  (closed by close())
        self._queue: list[bytes] = []
        self._max_queue, self._flush_secs = max_queue, flush_secs
        self._last_flush = time.time()
        self.write(_records.event(time.time(), 0, file_version="brain.Event:2"))
        self.flush()

    def write(self, event: bytes) -> None:
        self._queue.append(_records.record(event))
        if len(self._queue) >= self._max_queue or time.time() - self._last_flush > self._flush_secs:
            self.flush()

    def flush(self) -> None:
        if self._file.closed:
            return
        if self._queue:
            self._file.write(b"".join(self._queue))
            self._queue.clear()
        self._file.flush()
        self._last_flush = time.time()

    def close(self) -> None:
        self.flush()
        self._file.close()


class SummaryWriter:
    def __init__(
        self,
        log_dir: str | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self._options = (max_queue, flush_secs, filename_suffix)
        self._main = _EventFile(self.log_dir, *self._options)
        self._series: dict[str, _EventFile] = {}
        self.default_bins = _default_bins()

    def get_logdir(self) -> str:
        return self.log_dir

    def _write(self, value: bytes, step, walltime, file: _EventFile | None = None) -> None:
        wall = time.time() if walltime is None else float(walltime)
        (file or self._main).write(
            _records.event(wall, int(step or 0), summary=_records.summary(value))
        )

    def add_scalar(
        self,
        tag: str,
        scalar_value,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        value = float(_numpy(scalar_value).reshape(()))
        self._write(_records.scalar_value(tag, value), global_step, walltime)

    def add_scalars(
        self, main_tag: str, tag_scalar_dict: dict, global_step=None, walltime=None
    ) -> None:
        """Each series goes to ``log_dir/<main_tag>_<tag>`` under the tag ``main_tag``."""
        for tag, value in tag_scalar_dict.items():
            sub = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            if sub not in self._series:
                self._series[sub] = _EventFile(sub, *self._options)
            scalar = float(_numpy(value).reshape(()))
            self._write(
                _records.scalar_value(main_tag, scalar), global_step, walltime, self._series[sub]
            )

    def add_histogram(
        self, tag: str, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None
    ) -> None:
        values = _numpy(values).astype(np.float64).reshape(-1)
        if values.size == 0:
            raise ValueError("The input has no element.")
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        counts, limits = np.histogram(values, bins=bins)
        if max_bins is not None and len(counts) > max_bins:
            group = len(counts) // max_bins
            pad = (-len(counts)) % group
            counts = np.pad(counts, (0, pad)).reshape(-1, group).sum(axis=-1)
            limits = np.concatenate([limits[:-1:group], limits[-1:]])
        # Keep the bins from the first to the last non-empty one; TensorBoard reads right
        # limits only, so one empty bin on the left carries the leftmost limit.
        nonzero = np.flatnonzero(counts)
        first, last = int(nonzero[0]), int(nonzero[-1]) + 1
        if first > 0:
            counts, limits = counts[first - 1 : last], limits[first : last + 1]
        else:
            counts, limits = np.concatenate([[0], counts[:last]]), limits[: last + 1]
        self._write(
            _records.histogram_value(
                tag,
                values.min(),
                values.max(),
                values.size,
                values.sum(),
                values.dot(values),
                limits,
                counts,
            ),
            global_step,
            walltime,
        )

    def add_image(
        self, tag: str, img_tensor, global_step=None, walltime=None, dataformats: str = "CHW"
    ) -> None:
        from PIL import Image

        img = _numpy(img_tensor)
        fmt = dataformats.upper()
        if fmt == "HW":
            img, fmt = img[None], "CHW"
        if fmt == "CHW":
            img = np.transpose(img, (1, 2, 0))
        elif fmt != "HWC":
            raise ValueError(f"dataformats must be CHW, HWC or HW, got {dataformats!r}")
        if img.shape[2] == 1:
            img = np.repeat(img, 3, axis=2)
        scale = 1 if img.dtype == np.uint8 else 255
        img = np.clip(img.astype(np.float32) * scale, 0, 255).round().astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG")
        h, w, c = img.shape
        self._write(_records.image_value(tag, h, w, c, buf.getvalue()), global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        self._write(_records.text_value(tag + "/text_summary", text_string), global_step, walltime)

    def _missing(self, name: str):
        raise NotImplementedError(f"SummaryWriter.{name} is not implemented in torchlike")

    def add_graph(self, *args, **kwargs):
        self._missing("add_graph")

    def add_hparams(self, *args, **kwargs):
        self._missing("add_hparams")

    def add_embedding(self, *args, **kwargs):
        self._missing("add_embedding")

    def flush(self) -> None:
        self._main.flush()
        for f in self._series.values():
            f.flush()

    def close(self) -> None:
        self._main.close()
        for f in self._series.values():
            f.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
