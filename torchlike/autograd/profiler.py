"""``torch.autograd.profiler``: ``profile`` (a CPU-time profile of torchlike's ops and of
``record_function`` ranges) and ``record_function``.

While a ``profile`` is active, the public torchlike functions (``torch.*``,
``torch.nn.functional.*``, ...; however they are referenced) and Tensor methods are timed with
``time.perf_counter`` and recorded as ``aten::<name>`` events; ``record_function(name)`` ranges
are recorded under their names. An op waits for its result (JAX dispatches asynchronously), so
its time is the time it took, not the time to queue it; the first call of an op includes its
compilation. ``print(prof)`` and ``prof.table()`` give PyTorch's table (self and total CPU time,
in the order the events began); ``key_averages()`` groups them by name. Differences from
PyTorch: the events are torchlike's public ops (and those they call), not ATen's decomposition
(``torch.relu`` is one ``aten::relu`` event, without PyTorch's nested ``aten::clamp_min``), and
there is no device or memory profiling.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any

_state = threading.local()

# Tensor methods that only read metadata: PyTorch records no op for them either.
_NOT_RECORDED = frozenset(
    {"size", "dim", "ndimension", "numel", "nelement", "element_size", "is_contiguous",
     "is_floating_point", "is_complex", "get_device", "type", "stride", "data_ptr",
     "storage_offset", "register_hook", "backward", "tolist", "item"}
)  # fmt: skip
# Operators on Tensors, by the ATen op they run.
_DUNDER_OPS = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub",
    "__rsub__": "rsub", "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul",
    "__imul__": "mul_", "__truediv__": "div", "__rtruediv__": "div", "__itruediv__": "div_",
    "__matmul__": "matmul", "__rmatmul__": "matmul", "__pow__": "pow", "__rpow__": "pow",
    "__neg__": "neg", "__abs__": "abs", "__getitem__": "index", "__setitem__": "index_put_",
    "__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt",
    "__ge__": "ge", "__and__": "bitwise_and", "__or__": "bitwise_or", "__xor__": "bitwise_xor",
    "__invert__": "bitwise_not", "__floordiv__": "floor_divide", "__mod__": "remainder",
}  # fmt: skip


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_share(time_us: float, total_us: float) -> str:
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


class FunctionEvent:
    """One recorded range: an op or a ``record_function`` block, with its nested events."""

    def __init__(self, id: int, name: str, start_us: float, input_shapes: list | None = None):
        self.id = id
        self.name = name
        self.start_us = start_us
        self.end_us = start_us
        self.input_shapes = input_shapes
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.count = 1
        self.is_user_annotation = not name.startswith("aten::")

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time)}"
            f" start_us={self.start_us:.3f} end_us={self.end_us:.3f} "
            f"cpu_children={[c.id for c in self.cpu_children]} input_shapes={self.input_shapes}>"
        )


class FunctionEventAvg:
    """Events of one name (and input shapes, when grouped by them), added up."""

    def __init__(self, key: str, input_shapes: list | None = None) -> None:
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_parent = None

    def add(self, event: FunctionEvent) -> FunctionEventAvg:
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} "
            f"self_cpu_time={_format_time(self.self_cpu_time_total)} "
            f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>"
        )


class EventList(list):
    """A list of events that prints as PyTorch's profiler table."""

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """The table: one row per event (``sort_by``: an attribute such as
        ``"cpu_time_total"`` or ``"self_cpu_time_total"``, largest first; ``time_unit``:
        ``"s"``, ``"ms"`` or ``"us"`` for every time). ``max_src_column_width`` bounds the
        source column, which appears only with stacks (never recorded here)."""
        return _build_table(
            self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
            top_level_events_only, time_unit,
        )  # fmt: skip

    def key_averages(
        self,
        group_by_input_shapes: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """The events grouped by name (and input shapes), in order of first appearance."""
        if group_by_stack_n or group_by_overload_name:
            raise NotImplementedError(
                "key_averages(group_by_stack_n=..., group_by_overload_name=...) is not provided "
                "by torchlike: it records neither stacks nor overload names"
            )
        groups: dict[Any, FunctionEventAvg] = {}
        for event in self:
            shapes = event.input_shapes if group_by_input_shapes else None
            key = (event.key, str(shapes))
            if key not in groups:
                groups[key] = FunctionEventAvg(event.key, shapes)
            groups[key].add(event)
        return EventList(groups.values())

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for event in self:
            total.add(event)
        return total

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events in the Chrome trace format (chrome://tracing, Perfetto)."""
        events = [
            {"name": e.name, "ph": "X", "ts": e.start_us, "dur": e.cpu_time_total,
             "pid": 0, "tid": 0, "cat": "user_annotation" if e.is_user_annotation else "cpu_op"}
            for e in self
        ]  # fmt: skip
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)

    def __str__(self) -> str:
        return self.table()


def _build_table(
    events: list, sort_by: str | None, row_limit: int, max_name_width: int,
    max_shapes_width: int, header: str | None, top_level_only: bool, time_unit: str | None,
) -> str:  # fmt: skip
    if not events:
        return ""
    if time_unit not in (None, "s", "ms", "us"):
        raise ValueError(f"time_unit must be one of 's', 'ms', 'us', got {time_unit!r}")
    if sort_by is not None:
        events = sorted(events, key=lambda e: getattr(e, sort_by), reverse=True)
    shapes = any(getattr(e, "input_shapes", None) for e in events)
    name_width = min(max(len(e.key) for e in events) + 4, max_name_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
               "# of Calls"]  # fmt: skip
    widths = [name_width] + [12] * 6
    if shapes:
        headers.append("Input Shapes")
        widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_width))
    row_format = "".join("{:>" + str(w) + "}  " for w in widths)
    separator = "".join("-" * w + "  " for w in widths)
    total = sum(e.self_cpu_time_total for e in events)

    def fmt(time_us: float) -> str:
        scale = {"s": 1e6, "ms": 1e3, "us": 1.0}.get(time_unit or "")
        return _format_time(time_us) if scale is None else f"{time_us / scale:.3f}{time_unit}"

    lines = []
    if header is not None:
        lines += ["=" * (sum(widths) + 2 * len(widths) - 2), header]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if len(name) >= max_name_width - 3:
            name = name[: max_name_width - 3] + "..."
        row = [name, _format_share(e.self_cpu_time_total, total), fmt(e.self_cpu_time_total),
               _format_share(e.cpu_time_total, total), fmt(e.cpu_time_total), fmt(e.cpu_time),
               e.count]  # fmt: skip
        if shapes:
            row.append(str(e.input_shapes))
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {_format_time(total)}"]
    return "\n".join(lines) + "\n"


def _now_us() -> float:
    return time.perf_counter_ns() / 1000.0


def _shapes(args: tuple, kwargs: dict) -> list:
    from .._tensor import Tensor

    return [list(a.shape) if isinstance(a, Tensor) else [] for a in (*args, *kwargs.values())]


def _has_tensor(value: Any) -> bool:
    from .._tensor import Tensor

    if isinstance(value, Tensor):
        return True
    if isinstance(value, (tuple, list)):
        return any(_has_tensor(v) for v in value)
    if isinstance(value, dict):
        return any(_has_tensor(v) for v in value.values())
    return False


def _wait(value: Any) -> None:
    """Wait for a result's arrays (JAX runs ops asynchronously)."""
    from .._tensor import Tensor

    if isinstance(value, Tensor):
        data = value._data
        if hasattr(data, "block_until_ready"):
            data.block_until_ready()
    elif isinstance(value, (tuple, list)):
        for v in value:
            _wait(v)


class profile:  # noqa: N801  (PyTorch's name)
    """Profile the torchlike ops and ``record_function`` ranges run inside ``with``.

    Args:
        enabled: when False, the context does nothing.
        record_shapes: record each op's input shapes (an "Input Shapes" column, and
            ``key_averages(group_by_input_shape=True)``).
        use_cuda, profile_memory, with_stack, with_flops, with_modules: not provided by
            torchlike (a ``NotImplementedError`` names the one set).
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Callable | None = None,
    ) -> None:
        # use_kineto picks PyTorch's profiling backend: there is one here, so it changes nothing
        unsupported = {
            "use_cuda": use_cuda,
            "profile_memory": profile_memory,
            "with_stack": with_stack,
            "with_flops": with_flops,
            "with_modules": with_modules,
            "use_device": use_device not in (None, "cpu"),
            "use_cpu=False": not use_cpu,
            "acc_events": acc_events,
            "experimental_config": experimental_config is not None,
            "custom_trace_id_callback": custom_trace_id_callback is not None,
        }
        for name, value in unsupported.items():
            if value:
                raise NotImplementedError(
                    f"torch.autograd.profiler.profile({name.split('=')[0]}=...) is not provided "
                    "by torchlike: it profiles CPU time of torchlike's ops only"
                )
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.function_events: EventList | None = None
        self._events: list[FunctionEvent] = []
        self._stack: list[FunctionEvent] = []
        self._patcher: Any = None
        self.entered = False

    # -- recording ---------------------------------------------------------------------------
    def _open(self, name: str, shapes: list | None = None) -> FunctionEvent | None:
        if self._stack and self._stack[-1].name == name:
            return None  # the same op reached through a second spelling (F.relu -> torch.relu)
        event = FunctionEvent(len(self._events), name, _now_us(), shapes)
        if self._stack:
            event.cpu_parent = self._stack[-1]
            self._stack[-1].cpu_children.append(event)
        self._events.append(event)
        self._stack.append(event)
        return event

    def _close(self, event: FunctionEvent | None) -> None:
        if event is None:
            return
        event.end_us = _now_us()
        if event in self._stack:
            while self._stack and self._stack.pop() is not event:
                pass

    def _timed(self, fn: Callable, name: str) -> Callable:
        profiler = self

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            return profiler._time(name, args, kwargs, lambda a, k: fn(*a, **k))

        return call

    def _time(self, name: str, args: tuple, kwargs: dict, run: Callable) -> Any:
        shapes = _shapes(args, kwargs) if self.record_shapes else None
        event = self._open(f"aten::{name}", shapes)
        try:
            out = run(args, kwargs)
            _wait(out)
        finally:
            self._close(event)
        if event is not None and not _has_tensor((args, kwargs, out)):
            self._discard(event)  # not an op (torch.get_default_dtype & co.)
        return out

    def _discard(self, event: FunctionEvent) -> None:
        self._events.remove(event)
        if event.cpu_parent is not None:
            event.cpu_parent.cpu_children.remove(event)
            event.cpu_parent.cpu_children.extend(event.cpu_children)
        for child in event.cpu_children:
            child.cpu_parent = event.cpu_parent

    def _handle_op(self, op: Any, args: tuple, kwargs: dict, call_next: Callable) -> Any:
        if op.torch_name.startswith("torch.ops.profiler."):  # record_function's own ranges
            return call_next(args, kwargs)
        return self._time(op.name, args, kwargs, call_next)

    def _install(self) -> None:
        from .._tensor import Tensor
        from ..fx import _torch_ops

        _torch_ops.add_handler(self._handle_op)
        patcher = _torch_ops.Patcher()  # Tensor methods and operators
        for name, value in list(vars(Tensor).items()):
            op = _DUNDER_OPS.get(name, name)
            if name.startswith("_") and name not in _DUNDER_OPS or name in _NOT_RECORDED:
                continue
            if callable(value) and not isinstance(value, (type, property, staticmethod)):
                patcher.patch(Tensor, name, self._timed(value, op))
        self._patcher = patcher

    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        if getattr(_state, "profiler", None) is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        self.entered = True
        self._install()
        _state.profiler = self
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.enabled:
            return
        _state.profiler = None
        from ..fx import _torch_ops

        _torch_ops.remove_handler(self._handle_op)
        self._patcher.restore()
        end = _now_us()
        for event in self._stack:
            event.end_us = end
        self._stack.clear()
        self.function_events = EventList(self._events)

    # -- results -----------------------------------------------------------------------------
    def _check_finished(self) -> EventList:
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def events(self) -> EventList:
        return self._check_finished()

    def table(self, *args: Any, **kwargs: Any) -> str:
        return self._check_finished().table(*args, **kwargs)

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        return self._check_finished().key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def total_average(self) -> FunctionEventAvg:
        return self._check_finished().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._check_finished().self_cpu_time_total

    def export_chrome_trace(self, path: str) -> None:
        self._check_finished().export_chrome_trace(path)

    def __str__(self) -> str:
        return str(self._check_finished())

    __repr__ = __str__


class _RecordHandle:
    """What ``_record_function_enter`` returns: the open event (None when not profiling)."""

    __slots__ = ("event", "profiler")

    def __init__(self, profiler: profile | None, event: FunctionEvent | None) -> None:
        self.profiler = profiler
        self.event = event


def _record_function_enter(name: str, args: str | None = None) -> _RecordHandle:
    """Open a ``record_function`` range (``torch.ops.profiler._record_function_enter``)."""
    profiler = getattr(_state, "profiler", None)
    return _RecordHandle(profiler, profiler._open(name) if profiler is not None else None)


def _record_function_exit(handle: _RecordHandle) -> None:
    """Close a range opened by ``_record_function_enter``."""
    if handle.profiler is not None:
        handle.profiler._close(handle.event)


class record_function(ContextDecorator):  # noqa: N801  (PyTorch's name)
    """A labelled range (``with record_function("name"):`` or as a decorator) that appears in
    the profile as an event of that name enclosing the ops run inside it."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self.record: _RecordHandle | None = None

    def __enter__(self) -> record_function:
        self.record = _record_function_enter(self.name, self.args)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.record is not None:
            _record_function_exit(self.record)
            self.record = None
