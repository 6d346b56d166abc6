"""What a ``torchlike.compile`` trace in progress needs to observe about tensors.

Kept apart from ``_compile`` so that tensors and parameters can report to it without import
cycles. ``active`` is the stack of traces in progress (the innermost last); it is empty outside
compiled steps, so eager code pays one list check.
"""

from __future__ import annotations

from typing import Any

active: list[Trace] = []


class Trace:
    """Records, during one trace, state the pre-scan missed and reads of incoming ``.grad``."""

    def __init__(self, known: set[int]) -> None:
        self.known = known
        self.missed: list[tuple[str, Any, Any, Any]] = []  # (name, object, value, grad) before
        self.grads_written: set[int] = set()
        self.reads_input_grads = False


def note_access(obj: Any, value: Any, grad: Any = None) -> None:
    """``obj`` (holding ``value`` and ``grad`` so far) is used by the trace in progress."""
    trace = active[-1]
    if id(obj) not in trace.known:
        trace.known.add(id(obj))
        trace.missed.append((f"({type(obj).__name__} reached during tracing)", obj, value, grad))


def note_grad_read(obj: Any) -> None:
    trace = active[-1]
    if id(obj) not in trace.grads_written:
        trace.reads_input_grads = True


def note_grad_write(obj: Any) -> None:
    active[-1].grads_written.add(id(obj))
