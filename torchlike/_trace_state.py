"""What ``torchlike.compile`` needs to observe about tensors, modules and optimizers.

Kept apart from ``_compile`` so that tensors, parameters, modules and optimizers can report to it
without import cycles. ``active`` is the stack of traces in progress (the innermost last); it is
empty outside compiled steps, so eager code pays one list check. ``structure_version`` counts
changes of module or optimizer structure (``bump_structure_version``): compiled steps re-scan
their state when it moves. :class:`CompileParticipant` is the interface of objects that keep
state a compiled step must see outside their arrays (optimizers, grad scalers, DDP).
"""

from __future__ import annotations

from typing import Any

active: list[Trace] = []
structure_version = [0]


def bump_structure_version() -> None:
    """Called when module or optimizer structure changes: compiled steps re-scan their state."""
    structure_version[0] += 1


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


class CompileParticipant:
    """An object a ``torchlike.compile`` step reaches (as an argument, through the function's
    closure or globals, or inside a module) whose Python-side state the compiled program must
    see. The compiler finds these by ``isinstance`` wherever they sit and uses the three members
    below; the defaults do nothing. Implemented by ``Optimizer`` (``param_groups`` numbers),
    ``GradScaler`` (its factors and interval), and ``DistributedDataParallel`` and Lightning's
    ``LightningModule`` (the mesh of a multi-process run)."""

    _compile_global_mesh: Any = None
    """The global device mesh of a ``DistributedDataParallel`` spanning several processes: the
    step then runs over every process's devices (see ``_compile``)."""

    def _compile_sync(self) -> None:
        """Called before each compiled call, outside the trace: write the Python-side numbers
        the step reads (an optimizer's ``param_groups``) into the arrays it is traced on."""

    def _compile_static(self) -> Any:
        """Everything Python-level a trace bakes in, hashable (a new value compiles a new
        program); None: the object's NNX graph definition says it."""
        return None
