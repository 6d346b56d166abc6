"""Worker processes of a ``DataLoader`` (as ``torch.utils.data._utils.worker``).

A worker is a separate Python process. By default (on Linux, and with ``"fork"``) it is forked
from the training process, as PyTorch's are: it has the dataset, ``collate_fn`` and
``worker_init_fn`` as they were when the iterator was made (``Inherited``: nothing is pickled),
and runs torchlike on NumPy, never on XLA (``host.py`` says why and how). With ``"spawn"`` or
``"forkserver"`` it receives them pickled (once for all workers; JAX then runs on the CPU).
Then it takes tasks ``(epoch, index, indices, freed slots)`` from its own queue, fetches and
collates the batch, and puts ``(epoch, index, pickle, where its arrays are)`` on the shared
result queue: the arrays of tensors (and NumPy arrays) go through a ring of slots in shared
memory (``shared.py``), and land on the main process' default device. A worker seeds ``random``
and torchlike's global generator with ``base_seed + worker_id`` before ``worker_init_fn``, as
PyTorch does.
"""

from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any

_POLL_S = 1.0  # how often an idle worker checks that its parent is still alive


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo`` (``id``, ``num_workers``, ``seed``, ``dataset``: this
    worker's copy), or ``None`` in the main process."""
    return _worker_info


class _KeyErrorMessage(str):
    def __repr__(self) -> str:  # KeyError reprs its argument; keep the traceback readable
        return str(self)


class ExceptionWrapper:
    """An exception and its formatted traceback, carried across processes and re-raised."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception type that cannot be built from one message
            raise RuntimeError(msg) from None
        raise exception


class Inherited:
    """What a forked worker runs (dataset, ``collate_fn``, ``worker_init_fn``), handed over as
    the objects themselves: the child has the parent's memory, nothing is pickled."""

    __slots__ = ("objects",)

    def __init__(self, objects: tuple) -> None:
        self.objects = objects


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted for this epoch."""

    worker_id: int


def worker_loop(
    job: bytes | tuple | Inherited,
    is_iterable: bool,
    index_queue,
    result_queue,
    auto_collation: bool,
    batch_size,
    drop_last: bool,
    worker_id: int,
    num_workers: int,
    token: str = "",
    slots: int = 3,
) -> None:
    """The body of a worker process: read the job, seed, then serve tasks (``_serve``)."""
    global _worker_info
    try:
        dataset, collate_fn, init_fn = _receive_job(job, worker_id, result_queue)

        from .... import random as tl_random
        from . import shared
        from .fetch import IterableFetcher, MapFetcher

        parent = os.getppid()
        seed = index_queue.get() + worker_id  # the first message is the base seed
        random.seed(seed)
        tl_random.manual_seed(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        where = f"in DataLoader worker process {worker_id}"

        def make_fetcher():
            if is_iterable:
                return IterableFetcher(dataset, auto_collation, collate_fn, batch_size, drop_last)
            return MapFetcher(dataset, auto_collation, collate_fn)

        writer = shared.SlotWriter(token, worker_id, slots)
        try:
            _serve(make_fetcher, init_fn, writer, index_queue, result_queue, parent, where)
        finally:
            writer.close()
    except KeyboardInterrupt:  # Ctrl-C reaches the workers too: the main process reports it
        pass


def _receive_job(job, worker_id: int, result_queue) -> tuple:
    """The dataset, ``collate_fn`` and ``worker_init_fn``: inherited (a forked worker then runs
    on NumPy) or unpickled (JAX then runs on the CPU)."""
    if isinstance(job, Inherited):  # forked from the training process: no XLA here
        from . import host

        host.enter()
        return job.objects
    os.environ["JAX_PLATFORMS"] = "cpu"  # workers never claim an accelerator
    import jax

    jax.config.update("jax_platforms", "cpu")
    return _unpickle_job(job, worker_id, result_queue)


def _unpickle_job(job, worker_id: int, result_queue) -> tuple:
    from . import shared

    # (a job file: the worker says once it has it open, so that its name can go)
    load = shared.open_job(job, lambda: result_queue.put((-1, worker_id, None, None)))
    try:
        return load()
    except AttributeError as e:
        if "'__main__'" not in str(e) or not _run_main_script():
            raise
        return load()


def _run_main_script() -> bool:
    """Run the main script afresh as ``__mp_main__`` (as a worker started from a new interpreter
    does); False when there is no script file.

    A worker starts with the main script as it was when the fork server was forked from it (no
    re-import: a script without an ``if __name__ == "__main__":`` guard works, as with
    PyTorch's forked workers). A class the script defined *after* that point is missing there;
    the job then fails to unpickle, and the worker imports the script again, which needs the
    guard, as PyTorch's ``spawn`` workers do.
    """
    import runpy
    import types

    path = getattr(sys.modules["__main__"], "__file__", None)
    if path is None or not os.path.isfile(path):
        return False
    module = types.ModuleType("__mp_main__")
    module.__dict__.update(runpy.run_path(path, run_name="__mp_main__"))
    sys.modules["__main__"] = sys.modules["__mp_main__"] = module
    return True


def _serve(make_fetcher, init_fn, writer, index_queue, result_queue, parent, where) -> None:
    """Answer tasks until told to stop (``None``) or orphaned (the parent process is gone)."""
    worker_id = _worker_info.id
    init_error = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher()
    except Exception:
        init_error = ExceptionWrapper(where=where)
    ended = False
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:  # shutting down: do not wait at exit for the main process to read
            result_queue.cancel_join_thread()
            return
        epoch, idx, indices, freed = task
        writer.release(freed)
        if idx is None:  # a new epoch with persistent workers: restart the dataset's iterator
            ended = False
            if init_error is None:
                try:
                    fetcher = make_fetcher()
                except Exception:
                    init_error = ExceptionWrapper(where=where)
            continue
        if ended:
            continue
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = fetcher.fetch(indices)
            except StopIteration:
                ended = True
                data = IterableDatasetStopIteration(worker_id)
            except Exception:
                data = ExceptionWrapper(where=where)
        try:  # pickled here, not in the queue's feeder thread, so a failure is reported
            payload, arrays = writer.message(data)
        except Exception:
            payload, arrays = bytes(ForkingPickler.dumps(ExceptionWrapper(where=where))), None
        result_queue.put((epoch, idx, payload, arrays))
