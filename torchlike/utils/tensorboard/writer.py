"""``SummaryWriter``: PyTorch's TensorBoard logging API, writing real event files.

Kept from PyTorch: the constructor (``log_dir`` defaulting to ``runs/<date>_<host><comment>``,
``comment``, ``max_queue``, ``flush_secs``, ``filename_suffix``), event file names,
``add_scalar``, ``add_scalars`` (one sub-directory per series, as PyTorch lays them out),
``add_histogram`` (PyTorch's default exponential bins or any NumPy ``bins``), ``add_image``
(``CHW``/``HWC``/``HW`` data formats, floats scaled from [0, 1]), ``add_text``, ``add_pr_curve``,
``add_graph`` (the model's ops by module scope, recorded with ``torchlike.fx``: see ``_graph``),
``purge_step``, ``flush``, ``close`` (a later call opens a new event file, as PyTorch's) and use as
a context manager. Values may be torchlike tensors, NumPy arrays or numbers.

As PyTorch's, it builds on the ``tensorboard`` package: its protocol buffers (``Event``,
``Summary``, ``HistogramProto`` ...) and its ``EventFileWriter`` (records, CRCs, the background
flush thread). ``tensorboard`` is an optional dependency (``pip install torchlike[tensorboard]``).

Not provided: ``add_embedding``, ``add_hparams``, audio, video and mesh summaries; they raise
NotImplementedError by name.
"""

from __future__ import annotations

import io
import os
import socket
import time
from datetime import datetime

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
from tensorboard.summary.writer.event_file_writer import EventFileWriter


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
        self.purge_step = purge_step
        self._options = (max_queue, flush_secs, filename_suffix)
        self._series: dict[str, EventFileWriter] = {}
        self._main_file: EventFileWriter | None = self._file(self.log_dir)
        self.default_bins = _default_bins()

    def _file(self, log_dir: str) -> EventFileWriter:
        writer = EventFileWriter(log_dir, *self._options)
        if self.purge_step is not None:  # hide the events at or after it (a resumed run)
            writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
            start = SessionLog(status=SessionLog.START)
            writer.add_event(Event(step=self.purge_step, session_log=start))
            self.purge_step = None
        return writer

    @property
    def _main(self) -> EventFileWriter:
        """The event file of ``log_dir``; after ``close`` a new one opens."""
        if self._main_file is None:
            self._main_file = self._file(self.log_dir)
        return self._main_file

    def get_logdir(self) -> str:
        return self.log_dir

    def _write(self, value: Summary.Value, step, walltime, file=None) -> None:
        event = Event(summary=Summary(value=[value]))
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        (file or self._main).add_event(event)

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
        if not new_style:
            self._write(Summary.Value(tag=tag, simple_value=value), global_step, walltime)
            return
        if double_precision:
            tensor = TensorProto(double_val=[value], dtype="DT_DOUBLE")
        else:
            tensor = TensorProto(float_val=[value], dtype="DT_FLOAT")
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        self._write(Summary.Value(tag=tag, tensor=tensor, metadata=metadata), global_step, walltime)

    def add_scalars(
        self, main_tag: str, tag_scalar_dict: dict, global_step=None, walltime=None
    ) -> None:
        """Each series goes to ``log_dir/<main_tag>_<tag>`` under the tag ``main_tag``."""
        for tag, value in tag_scalar_dict.items():
            sub = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            if sub not in self._series:
                self._series[sub] = self._file(sub)
            scalar = float(_numpy(value).reshape(()))
            self._write(
                Summary.Value(tag=main_tag, simple_value=scalar),
                global_step,
                walltime,
                self._series[sub],
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
        histo = HistogramProto(
            min=values.min(),
            max=values.max(),
            num=values.size,
            sum=values.sum(),
            sum_squares=np.square(values).sum(),  # (not BLAS: its threads stall here)
            bucket_limit=limits.tolist(),
            bucket=counts.tolist(),
        )
        self._write(Summary.Value(tag=tag, histo=histo), global_step, walltime)

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
        image = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=buf.getvalue())
        self._write(Summary.Value(tag=tag, image=image), global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        plugin = SummaryMetadata.PluginData(
            plugin_name="text", content=TextPluginData(version=0).SerializeToString()
        )
        tensor = TensorProto(
            dtype="DT_STRING",
            string_val=[text_string.encode("utf_8")],
            tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
        )
        value = Summary.Value(
            tag=tag + "/text_summary", metadata=SummaryMetadata(plugin_data=plugin), tensor=tensor
        )
        self._write(value, global_step, walltime)

    def add_pr_curve(
        self,
        tag: str,
        labels,
        predictions,
        global_step=None,
        num_thresholds: int = 127,
        weights=None,
        walltime=None,
    ) -> None:
        """Precision-recall curve of ``predictions`` (probabilities) against binary ``labels``:
        counts at ``num_thresholds`` (at most 127) evenly spaced thresholds, written as
        TensorBoard's pr_curves plugin reads them."""
        labels, predictions = np.atleast_1d(_numpy(labels)), np.atleast_1d(_numpy(predictions))
        num_thresholds = min(num_thresholds, 127)
        weight = 1.0 if weights is None else weights
        buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
        truth = labels.astype(np.float64)
        hist_range = (0, num_thresholds - 1)
        tp_b = np.histogram(buckets, num_thresholds, hist_range, weights=truth * weight)[0]
        fp_b = np.histogram(buckets, num_thresholds, hist_range, weights=(1 - truth) * weight)[0]
        tp, fp = np.cumsum(tp_b[::-1])[::-1], np.cumsum(fp_b[::-1])[::-1]
        tn, fn = fp[0] - fp, tp[0] - tp
        precision = tp / np.maximum(1e-7, tp + fp)
        recall = tp / np.maximum(1e-7, tp + fn)
        data = np.stack((tp, fp, tn, fn, precision, recall))
        content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
        plugin = SummaryMetadata.PluginData(plugin_name="pr_curves", content=content)
        tensor = TensorProto(
            dtype="DT_FLOAT",
            float_val=data.reshape(-1).tolist(),
            tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in data.shape]),
        )
        value = Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin), tensor=tensor)
        self._write(value, global_step, walltime)

    def add_graph(
        self, model, input_to_model=None, verbose: bool = False, use_strict_trace: bool = True
    ) -> None:
        """The graph of ``model`` run on ``input_to_model`` (a tensor or a tuple of them), for
        TensorBoard's Graphs tab; ``verbose`` prints it. ``use_strict_trace=False`` lets a
        ``dict`` be the output (PyTorch's ``strict`` of ``jit.trace``)."""
        from ._graph import graph

        graph_def, stats = graph(model, input_to_model, verbose, use_strict_trace)
        self._main.add_event(Event(graph_def=graph_def.SerializeToString(), wall_time=time.time()))
        meta = TaggedRunMetadata(tag="step1", run_metadata=stats.SerializeToString())
        self._main.add_event(Event(tagged_run_metadata=meta, wall_time=time.time()))

    def _missing(self, name: str):
        raise NotImplementedError(f"SummaryWriter.{name} is not implemented in torchlike")

    def add_hparams(self, *args, **kwargs):
        self._missing("add_hparams")

    def add_embedding(self, *args, **kwargs):
        self._missing("add_embedding")

    def flush(self) -> None:
        if self._main_file is not None:
            self._main_file.flush()
        for f in self._series.values():
            f.flush()

    def close(self) -> None:
        if self._main_file is not None:
            self._main_file.close()
        for f in self._series.values():
            f.close()
        self._main_file, self._series = None, {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
