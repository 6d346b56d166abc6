"""``DataLoader``: batches from a dataset, with PyTorch's signature and worker processes.

``num_workers=0`` loads in the main process; torchlike's own datasets then hand over whole
collated batches (``_get_batch``). ``num_workers > 0`` starts that many worker processes (see
``_utils/worker.py``): each fetches and collates whole batches, ``prefetch_factor`` batches per
worker are kept in flight, and batches come back in sampler order. An exception in a worker is
re-raised in the main process with the worker's traceback; a worker that dies raises
``RuntimeError`` instead of hanging; ``timeout`` bounds the wait for each batch.

Workers, by default on Linux (unless the program chose another start method with
``multiprocessing.set_start_method``) and with ``multiprocessing_context="fork"``, are ``fork``ed
from the training process when the iterator is made, as PyTorch's are: each sees the program as
it is then (classes and functions of ``__main__``, of a notebook cell or of a program read from
stdin, lambdas and closures, globals changed before the loop, datasets holding locks or open
files); nothing is pickled and nothing runs the script again, guard or no guard.

Why that is safe although JAX's runtime has started (``_utils/host.py`` has the details): a
forked child may not use XLA (the runtime's threads are gone and its global locks still list
them; measured on jaxlib 0.10: the first XLA compilation in such a child aborts it, every time)
and may not wait for a computation that was in flight at the fork (it blocks forever). So (1)
before forking, the training process waits for its pending CPU computations (a no-op when JAX
has not started), so every array a worker may read is complete; (2) a forked worker never calls
into XLA: it switches JAX to evaluate each primitive with NumPy (``jax_disable_jit`` plus NumPy
implementations, dtypes and shapes from JAX's own abstract evaluation, JAX's Threefry random
bits), so tensors built in ``__getitem__``, transforms and ``default_collate`` work there, on
NumPy arrays; arrays the parent made are read in place. Nothing in a worker waits on a lock held
by one of the parent's other threads, apart from Python-level locks, as with PyTorch's forks.
Measured: 50 runs in a row of forked workers (1 and 2; a jitted matmul dispatched just before
each fork; tensors built in the workers) with no hang and no failure. Python 3.12+'s and JAX's
warnings about ``fork()`` in a threaded process are silenced for these forks only.

``multiprocessing_context="spawn"`` or ``"forkserver"`` keep PyTorch's semantics for those
start methods: what the workers run (dataset, ``collate_fn``, ``worker_init_fn``) is pickled to
them, once per start, so it must be picklable (no lambdas), and workers run JAX on the CPU.
``"forkserver"`` workers are forked from a fork server (``multiprocessing``'s, started as soon as
the loader is built, so its start overlaps with building the model), itself forked from the
script while JAX has not started (the script's state then reaches the workers without a second
import), else a fresh interpreter that imports the main script (which then needs the ``if
__name__ == "__main__":`` guard, as with ``spawn``). Where ``fork`` is not the default (macOS,
Windows), the fork server is the default where it exists, else ``spawn``.

Batches come back through a ring of shared-memory slots per worker (``_utils/shared.py``), so
only a small pickle crosses the pipe and the main process copies each batch once. With pickled
jobs, what a fork would share is shared through memory too: the dataset's arrays are written once
to a file in shared memory that every worker maps copy-on-write (no copy per worker; a worker's
writes stay its own). Samplers draw their orders on the host (``sampler.host_rng``), as
PyTorch's do.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
import queue
import secrets
import sys
import time
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import jax

from ..._tensor import Tensor
from ...random import Generator, default_generator
from ._utils import shared
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import IterableFetcher, MapFetcher
from ._utils.worker import ExceptionWrapper, Inherited, IterableDatasetStopIteration, worker_loop
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, host_rng

# What the fork server imports once, before it forks any worker: the main script (as Python's
# forkserver does by default) and torchlike with the modules every worker needs.
_PRELOAD = ["__main__", "torchlike", "torchlike.utils.data._utils.worker", "torchlike.vision"]


def _forks(context) -> bool:
    """Whether workers are forked from the training process: with ``"fork"``, and by default on
    Linux, as PyTorch's are (unless the program chose another start method with
    ``multiprocessing.set_start_method``, which PyTorch's workers follow too)."""
    if context is None:
        chosen = multiprocessing.get_start_method(allow_none=True)
        if chosen is not None:
            return chosen == "fork"
        linux = sys.platform.startswith("linux")
        return linux and "fork" in multiprocessing.get_all_start_methods()
    if isinstance(context, str):
        return context == "fork"
    return context.get_start_method() == "fork"


def _start_method_context(context=None, start: bool = False):
    """The multiprocessing context workers start from: ``fork`` (see ``_forks``); else the fork
    server (``"forkserver"``, and by default where it exists), started with torchlike preloaded;
    else ``spawn``."""
    if _forks(context):
        return multiprocessing.get_context("fork")
    if context is not None and not isinstance(context, str):
        return context
    if context is None:  # the program's own choice (``set_start_method``), else the fork server
        context = multiprocessing.get_start_method(allow_none=True)
    methods = multiprocessing.get_all_start_methods()
    if context in (None, "forkserver") and "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        from multiprocessing import forkserver

        server = forkserver._forkserver
        if server._forkserver_pid is None:  # not started yet: choose what it preloads
            preload = list(dict.fromkeys([*server._preload_modules, *_PRELOAD]))
            ctx.set_forkserver_preload(preload)
            if start and not _fork_server(server):
                saved = os.environ.get("JAX_PLATFORMS")
                os.environ["JAX_PLATFORMS"] = "cpu"  # workers never claim an accelerator
                try:
                    server.ensure_running()
                finally:
                    _restore_env("JAX_PLATFORMS", saved)
        return ctx
    return multiprocessing.get_context(context or "spawn")


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def _fork_server(server) -> bool:
    """Start ``multiprocessing``'s fork server by forking this process, while that is still safe:
    before JAX has started its runtime (and its threads), as in a script that builds its data
    pipeline before its model. The server then has torchlike imported already and starts in
    milliseconds, where a fresh interpreter takes about a second to import it. Returns False
    (nothing done) when JAX has started or this is not the main thread; the caller then starts
    the server the usual way."""
    import socket
    import threading
    from multiprocessing import connection, forkserver, resource_tracker, util

    from jax._src import xla_bridge

    if xla_bridge._backends or threading.current_thread() is not threading.main_thread():
        return False
    with server._lock:
        if server._forkserver_pid is not None:
            return True
        resource_tracker.ensure_running()
        listener = socket.socket(socket.AF_UNIX)
        address = connection.arbitrary_address("AF_UNIX")
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        alive_r, alive_w = os.pipe()
        with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads: none of
            warnings.simplefilter("ignore", DeprecationWarning)  # ours run Python or JAX code
            pid = os.fork()
        if pid == 0:  # the server: serve fork requests until every client has gone, then exit
            code = 1
            try:
                os.close(alive_w)
                server._lock = threading.Lock()  # the parent held it at the fork
                # Workers start from the main script as it is now, not imported again (so a
                # script without an ``if __name__ == "__main__":`` guard works, as with
                # PyTorch's forked workers); see worker._run_main_script for what comes later.
                sys.modules.setdefault("__mp_main__", sys.modules["__main__"])
                os.environ["JAX_PLATFORMS"] = "cpu"  # workers never claim an accelerator
                forkserver.main(listener.fileno(), alive_r, [])
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 0
            finally:
                os._exit(code)
        listener.close()
        os.close(alive_r)
        server._forkserver_address = address
        server._forkserver_alive_fd = alive_w
        server._forkserver_pid = pid
    return True


def _settle_jax() -> None:
    """Before forking workers: wait for every computation still running on the CPU, so that no
    array a worker may read (the dataset's) is half made; the children cannot wait for XLA's
    threads, which do not exist in them. Nothing to do before JAX has started."""
    from jax._src import xla_bridge

    if "cpu" in xla_bridge._backends:
        jax.block_until_ready(jax.live_arrays("cpu"))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


_CHECK_S = 0.5  # how often a waiting main process checks that its workers are alive

# A job (dataset, collate_fn, worker_init_fn) bigger than this goes to the workers through one
# file in shared memory, mapped by every worker (``_utils/shared.py``), instead of through each
# worker's start-up pipe.
_JOB_INLINE_BYTES = 1 << 20
_OPENED_JOB = -1  # the "epoch" of a worker's "I have opened the job file" message


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style ``Dataset`` or an ``IterableDataset``.
        batch_size, shuffle, sampler, batch_sampler, drop_last: which samples form each batch, as
            in PyTorch (``batch_size=None`` yields single samples, converted by
            ``default_convert``).
        num_workers: worker processes (0: load in the main process). Forked workers (the default
            on Linux) see the dataset, ``collate_fn`` and ``worker_init_fn`` as they are; with
            ``spawn``/``forkserver`` they are pickled, so they must be importable objects.
        collate_fn: merges a list of samples into a batch (``default_collate``).
        pin_memory: with workers, receive each batch one step early and start its transfer to
            the device (``pin_memory_device``, else JAX's default device) then; batches are
            made on the default device in any case.
        pin_memory_device: where ``pin_memory`` puts batches (``"cuda"``, ``"cpu"``, ...).
        timeout: seconds to wait for a batch from the workers (0: no limit).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name or context (default: ``"fork"`` on Linux,
            else ``"forkserver"`` where it exists, else ``"spawn"``).
        generator: the generator of ``RandomSampler`` and of the workers' base seed.
        prefetch_factor: batches in flight per worker (2 when ``num_workers > 0``).
        persistent_workers: keep the workers (and their dataset copies) across epochs.
        in_order: accepted; batches are always returned in sampler order.
    """

    def __init__(
        self,
        dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler=None,
        batch_sampler=None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context=None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value}"
                    )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if sampler is None and not self._is_iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None and not self._is_iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._workers: _MultiProcessingIter | None = None
        if num_workers and not _forks(multiprocessing_context):
            # start the fork server now: it imports torchlike while the model is built
            _start_method_context(multiprocessing_context, start=True)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (self._is_iterable and self.batch_size is not None)

    def _fetcher(self):
        if self._is_iterable:
            return IterableFetcher(
                self.dataset, self._auto_collation, self.collate_fn, self.batch_size, self.drop_last
            )
        return MapFetcher(self.dataset, self._auto_collation, self.collate_fn)

    def _tasks(self):
        """What each batch is made of: index lists (or single indices), endless for iterables."""
        if self._is_iterable:
            return itertools.repeat(None)
        return self._resumable(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return self._single_process_iter()
        if not self.persistent_workers:
            it = _MultiProcessingIter(self)
        elif self._workers is None or not self._workers.alive():
            it = self._workers = _MultiProcessingIter(self)
        else:
            self._workers.new_epoch(self)
            it = self._workers
        return self._prefetch_to_device(it) if self.pin_memory else it

    _held = 0  # batches taken from the workers but not yet handed out (pin_memory lookahead)

    def _prefetch_to_device(self, it):
        """``pin_memory=True`` with workers: the next batch is received and its transfer to the
        device (``pin_memory_device``, else JAX's default device) started before the current one
        is handed out, so the transfer overlaps the training step (JAX transfers asynchronously).
        Without workers batches are made on the default device directly."""
        dev = jax.devices()[0]
        if self.pin_memory_device:
            from ..._device import device as _device

            dev = _device(self.pin_memory_device).jax_device()

        def put(batch):
            return jax.tree.map(
                lambda t: Tensor._wrap(jax.device_put(t._data, dev)) if _is_tensor(t) else t,
                batch,
                is_leaf=_is_tensor,
            )

        try:
            ahead = put(next(it))
        except StopIteration:
            return
        while True:
            self._held = 1
            try:
                following = put(next(it))
            except StopIteration:
                self._held = 0
                yield ahead
                return
            yield ahead
            ahead = following

    def _single_process_iter(self):
        fetcher = self._fetcher()
        for task in self._tasks():
            try:
                batch = fetcher.fetch(task)
            except StopIteration:
                return
            yield batch

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)  # TypeError when the iterable dataset has no length
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    # -- resuming mid-epoch (torchlike.utils.CheckpointManager saves and loads this) -------------
    _epoch_start = None  # the sampler generator's state when the current epoch began
    _taken = 0  # batches (samples, with batch_size=None) handed out in the current epoch
    _resume = None

    def state_dict(self) -> dict[str, Any]:
        """Where iteration stands, as torchdata's ``StatefulDataLoader``: the sampler generator's
        state at the start of the epoch and now, and the batches taken since the start."""
        return {
            "epoch_start_rng_state": self._epoch_start,
            "rng_state": self._generator().get_state(),
            "batches_taken": self._taken - self._held,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """The next ``iter(self)`` continues the saved epoch after the batches it had taken."""
        self._resume = dict(state_dict)
        self._generator().set_state(state_dict["rng_state"])

    def _generator(self) -> Generator:
        return getattr(self.sampler, "generator", None) or default_generator

    def _resumable(self, order):
        """Iterate ``order``; after ``load_state_dict``, replay the saved epoch's order from its
        start (same random state) and skip the batches already taken, without loading them (an
        epoch saved after its last batch then yields nothing: the next ``iter`` starts the next
        epoch, as it would have without the interruption)."""
        gen, resume, self._resume = self._generator(), self._resume, None
        skip = 0
        if resume is not None and resume["epoch_start_rng_state"] is not None:
            skip = resume["batches_taken"]
        if skip:
            gen.set_state(resume["epoch_start_rng_state"])
        self._epoch_start, self._taken = gen.get_state(), skip
        it = iter(order)
        for _ in range(skip):
            next(it, None)
        if skip:
            gen.set_state(resume["rng_state"])
        for item in it:
            self._taken += 1
            yield item


# Iterators whose workers may still run: stopped at interpreter exit (before multiprocessing
# terminates daemonic workers), so that the shared-memory files of batches still in flight (a
# program that leaves mid-epoch) are removed too.
_live_iterators: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_live_iterators() -> None:
    for it in list(_live_iterators):
        it._shutdown()


class _MultiProcessingIter:
    """The iterator of a ``DataLoader`` with workers: starts them, keeps ``prefetch_factor``
    tasks per worker in flight, and yields the results in task order."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader = loader
        _live_iterators.add(self)
        ctx = _start_method_context(loader.multiprocessing_context)
        forked = _forks(loader.multiprocessing_context)
        # Every file in shared memory this iterator and its workers make carries the token.
        self.token = secrets.token_hex(4)
        objects = (loader.dataset, loader.collate_fn, loader.worker_init_fn)
        if forked:  # the workers see these objects as they are now, as PyTorch's forks do
            job = Inherited(objects)
            _settle_jax()
        else:
            # What every worker runs, pickled once here (an unpicklable dataset or function
            # fails now, in the caller), not once per worker by multiprocessing.
            job = shared.write_job(objects, self.token, _JOB_INLINE_BYTES)
        self.job_file = job[0] if isinstance(job, tuple) else None
        self.opened = 0  # workers that have opened the job file
        self.reader = shared.SlotReader(loader.num_workers)
        self.shut = False
        self.result_queue = ctx.Queue()
        self.index_queues, self.workers = [], []
        saved = os.environ.get("JAX_PLATFORMS")
        os.environ["JAX_PLATFORMS"] = "cpu"  # workers never claim an accelerator
        try:
            for wid in range(loader.num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()
                w = ctx.Process(
                    target=worker_loop,
                    args=(
                        job,
                        loader._is_iterable,
                        index_queue,
                        self.result_queue,
                        loader._auto_collation,
                        loader.batch_size,
                        loader.drop_last,
                        wid,
                        loader.num_workers,
                        self.token,
                        loader.prefetch_factor + 1,  # slots: one more than batches in flight
                    ),
                    daemon=True,
                )
                self.index_queues.append(index_queue)
                with warnings.catch_warnings():
                    # JAX warns that fork() deadlocks a process running it, and Python 3.12+ that
                    # fork() with threads may: not these children, which never use XLA nor wait
                    # on any lock of those threads (``_utils/host.py``).
                    warnings.simplefilter("ignore", RuntimeWarning)
                    warnings.simplefilter("ignore", DeprecationWarning)
                    w.start()
                self.workers.append(w)
        except BaseException:
            self._shutdown()
            raise
        finally:
            _restore_env("JAX_PLATFORMS", saved)
        self.epoch = 0
        self._start_epoch(seed_workers=True)

    def _start_epoch(self, seed_workers: bool = False) -> None:
        # The sampler draws its order first, then the workers' base seed is drawn: the order is
        # then the same as with num_workers=0 for the same seed.
        self.tasks = self.loader._tasks()
        first = next(self.tasks, None)
        if seed_workers:
            base_seed = int(host_rng(self.loader.generator).integers(0, 1 << 32))
            for q in self.index_queues:
                q.put(base_seed)
        if first is not None or self.loader._is_iterable:
            self.tasks = itertools.chain([first], self.tasks)
        # state_dict() counts batches handed out, not the ones prefetched
        self.taken_before = self.loader._taken - (first is not None)
        self.delivered = 0
        self.active = [True] * len(self.workers)
        self.task_worker: dict[int, int] = {}  # task index -> worker, for tasks in flight
        self.results: dict[int, Any] = {}  # results that arrived ahead of their turn
        self.next_task = self.next_out = 0
        self.next_worker = itertools.cycle(range(len(self.workers)))
        for _ in range(self.loader.prefetch_factor * len(self.workers)):
            self._dispatch()

    def new_epoch(self, loader: DataLoader) -> None:
        """Persistent workers: begin the next epoch (iterable datasets restart in each worker)."""
        self.loader = loader
        self.epoch += 1
        if self.loader._is_iterable:
            for q in self.index_queues:
                q.put((self.epoch, None, None, []))
        self._start_epoch()

    def alive(self) -> bool:
        return not self.shut and all(w.is_alive() for w in self.workers)

    def _dispatch(self) -> None:
        if not any(self.active):
            return
        try:
            task = next(self.tasks)
        except StopIteration:
            return
        wid = next(self.next_worker)
        while not self.active[wid]:
            wid = next(self.next_worker)
        self.index_queues[wid].put((self.epoch, self.next_task, task, self.reader.take_freed(wid)))
        self.task_worker[self.next_task] = wid
        self.next_task += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.next_out >= self.next_task:  # nothing in flight: the epoch is over
                self._end_epoch()
                raise StopIteration
            if self.next_out in self.results:
                data = self.results.pop(self.next_out)
            elif not self.active[self.task_worker[self.next_out]]:
                data = None  # its worker's iterable ended before reaching this task
            else:
                self._receive()
                continue
            del self.task_worker[self.next_out]
            self.next_out += 1
            if isinstance(data, IterableDatasetStopIteration):
                self.active[data.worker_id] = False
                continue
            if data is None:
                continue
            self._dispatch()
            if isinstance(data, ExceptionWrapper):
                self._shutdown()
                data.reraise()
            self.delivered += 1
            self.loader._taken = self.taken_before + self.delivered
            return data

    def _receive(self) -> None:
        """Wait for one result of this epoch, checking the workers and the user's timeout."""
        timeout = self.loader.timeout
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            wait = _CHECK_S if deadline is None else min(_CHECK_S, deadline - time.monotonic())
            try:
                epoch, idx, payload, where = self.result_queue.get(timeout=max(wait, 0))
            except queue.Empty:
                dead = [w for w in self.workers if not w.is_alive()]
                if dead:
                    self._shutdown()
                    pids = ", ".join(str(w.pid) for w in dead)
                    codes = ", ".join(str(w.exitcode) for w in dead)
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                        f"(exit code(s) {codes})"
                    ) from None
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                continue
            if epoch == _OPENED_JOB:  # every worker holds the job file open: its name can go
                self.opened += 1
                if self.opened == len(self.workers):
                    self._remove_job_file()
                continue
            data = self.reader.load(payload, where)  # (frees its slot whatever its epoch)
            if epoch == self.epoch:  # results of an abandoned earlier epoch are dropped
                self.results[idx] = data
                return

    def _end_epoch(self) -> None:
        if self.loader is None:  # ended already
            return
        if not self.loader.persistent_workers:
            self._shutdown()
        # Persistent workers: the loader holds this iterator for its next epoch; between epochs
        # the iterator lets go of the loader, so that dropping the loader stops the workers at
        # once (no reference cycle left for the garbage collector), as in PyTorch.
        self.loader = None

    def _remove_job_file(self) -> None:
        shared.remove(self.job_file)
        self.job_file = None

    def _shutdown(self) -> None:
        self._remove_job_file()
        if self.shut:
            return
        self.shut = True
        for q in self.index_queues:
            try:
                q.put(None)
            except Exception:  # a closed queue: the worker is gone already
                pass
        for w in self.workers:
            w.join(timeout=2)
            if w.is_alive():
                w.terminate()
                w.join(timeout=2)
        for q in [*self.index_queues, self.result_queue]:
            q.cancel_join_thread()
            q.close()
        self.reader.close()
        shared.remove_all(self.token)  # what killed workers left

    shut = True  # until __init__ has made the queues
    job_file = None

    def __del__(self) -> None:
        if sys.meta_path is None:  # the interpreter is shutting down: the workers are daemons
            return
        self._shutdown()
