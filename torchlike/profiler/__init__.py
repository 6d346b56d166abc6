"""``torch.profiler``: ``profile`` and ``record_function`` over ``torch.autograd.profiler``'s
CPU-time profiler (see there for what is recorded). Only CPU activity is available; a
``schedule``, ``on_trace_ready`` or CUDA activity raises ``NotImplementedError`` naming it."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd import profiler as _autograd_profiler
from ..autograd.profiler import record_function

__all__ = ["ProfilerActivity", "profile", "record_function"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 2
    XPU = 3
    MTIA = 4
    PrivateUse1 = 5


class profile(_autograd_profiler.profile):  # noqa: N801  (PyTorch's name)
    """``torch.profiler.profile(activities=[ProfilerActivity.CPU], record_shapes=...)``."""

    def __init__(
        self,
        *,
        activities: Iterable[ProfilerActivity] | None = None,
        schedule: Callable | None = None,
        on_trace_ready: Callable | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        **kwargs: Any,
    ) -> None:
        for name, value in (("schedule", schedule), ("on_trace_ready", on_trace_ready)):
            if value is not None:
                raise NotImplementedError(
                    f"torch.profiler.profile({name}=...) is not provided by torchlike"
                )
        others = set(activities or [ProfilerActivity.CPU]) - {ProfilerActivity.CPU}
        if others:
            raise NotImplementedError(
                f"torch.profiler.profile(activities=...): {sorted(a.name for a in others)} "
                "activity is not provided by torchlike (CPU only)"
            )
        super().__init__(
            record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack,
            with_flops=with_flops, with_modules=with_modules, **kwargs,
        )  # fmt: skip

    def start(self) -> None:
        self.__enter__()

    def stop(self) -> None:
        self.__exit__(None, None, None)

    def step(self) -> None:
        """Without a schedule every step is recorded (nothing to advance)."""
