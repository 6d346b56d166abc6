"""``torch.multiprocessing``: the standard library's ``multiprocessing`` plus PyTorch's ``spawn``.

Tensors cross process boundaries by pickling (their arrays are copied; JAX arrays cannot be shared
in place as PyTorch's shared-memory tensors are). JAX is not fork-safe once it has started, so
``spawn`` is the start method to use, as PyTorch recommends for CUDA too.
"""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F403

__all__ = [*_mp.__all__, "ProcessExitedException", "ProcessRaisedException", "spawn"]


class ProcessRaisedException(Exception):
    """A spawned process raised: its traceback is in the message."""


class ProcessExitedException(Exception):
    """A spawned process exited with a non-zero code."""


def _wrap(fn, i, args, errors) -> None:
    import traceback

    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        errors.put((i, traceback.format_exc()))
        raise SystemExit(1) from None


class ProcessContext:
    """The processes started by :func:`spawn`; ``join()`` waits and re-raises a failure."""

    def __init__(self, processes: list, errors) -> None:
        self.processes = processes
        self.error_queue = errors

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        for p in self.processes:
            p.join(timeout)
        if any(p.exitcode is None for p in self.processes):
            return False
        if not self.error_queue.empty():
            i, tb = self.error_queue.get()
            for p in self.processes:
                if p.is_alive():
                    p.terminate()
            raise ProcessRaisedException(
                f"\n\n-- Process {i} terminated with the following error:\n{tb}"
            )
        for i, p in enumerate(self.processes):
            if p.exitcode != 0:
                raise ProcessExitedException(f"process {i} terminated with exit code {p.exitcode}")
        return True


def spawn(
    fn,
    args=(),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
):
    """Start ``nprocs`` processes running ``fn(i, *args)``, as ``torch.multiprocessing.spawn``."""
    ctx = _mp.get_context(start_method)
    errors = ctx.SimpleQueue()
    procs = []
    for i in range(nprocs):
        p = ctx.Process(target=_wrap, args=(fn, i, args, errors), daemon=daemon)
        p.start()
        procs.append(p)
    context = ProcessContext(procs, errors)
    if not join:
        return context
    while not context.join():
        pass
    return None
