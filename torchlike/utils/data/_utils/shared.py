"""Shared memory between a ``DataLoader``'s main process and its workers.

PyTorch's workers are ``fork``ed, so they share the dataset's memory with the training process,
and they hand batches back as tensors in shared memory: only a file descriptor crosses the pipe.
torchlike's workers start from a fork server (JAX cannot be forked once it runs), so both
directions are built here on pickle protocol 5's out-of-band buffers (NumPy arrays, and the
arrays inside torchlike tensors, are pickled by reference to their memory):

* **The job** (dataset, ``collate_fn``, ``worker_init_fn``), when big, is written once to a file
  in shared memory (``/dev/shm`` where it exists): the pickle first, then each array's bytes at
  a page boundary. Every worker maps the file copy-on-write and rebuilds its arrays *on* that
  mapping: no copy and no extra memory per worker, and a worker that writes to its dataset
  changes only its own pages, as after ``fork``. The main process removes the file's name once
  every worker has it open.
* **Batches** go back through a ring of slots per worker, one file in shared memory each: the
  worker writes a batch's arrays into a free slot and sends only the small pickle and where the
  arrays are; the main process copies them out of the slot (one copy: the batch must outlive the
  slot, which is then reused) and hands the slot back with the worker's next task. The main
  process removes a ring's name as soon as it has mapped it; whatever a killed worker leaves is
  removed by name (every file carries the iterator's token) when the workers are shut down.

A batch with no big arrays, or one that finds every slot still in use, travels pickled through
the pipe as before.
"""

from __future__ import annotations

import copyreg
import functools
import glob
import io
import mmap
import os
import pickle
import tempfile
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler

import numpy as np

PREFIX = "torchlike-dataloader-"
_PAGE = mmap.PAGESIZE
_ALIGN = 64  # arrays in a slot start on a cache line (and at the alignment XLA prefers)
_OUT_OF_BAND_BYTES = 1 << 14  # arrays smaller than this stay inside the pickle


def folder() -> str:
    """Where shared-memory files go: ``/dev/shm`` (a RAM file system) where it exists."""
    return "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def _round_up(n: int, to: int) -> int:
    return -(-n // to) * to


def dumps(obj, min_out_of_band: int = _OUT_OF_BAND_BYTES) -> tuple[memoryview, list]:
    """Pickle ``obj`` with protocol 5; buffers of at least ``min_out_of_band`` bytes are left
    out of the pickle and returned (``PickleBuffer``s) in the order ``loads`` needs them."""
    buffers: list = []

    def keep(buf: pickle.PickleBuffer) -> bool:
        try:
            size = buf.raw().nbytes
        except BufferError:  # not contiguous: pickled in band
            return True
        if size < min_out_of_band:
            return True
        buffers.append(buf)
        return False

    f = io.BytesIO()
    pickler = pickle.Pickler(f, 5, buffer_callback=keep)
    # multiprocessing's reducers too (ForkingPickler's constructor takes no buffer_callback)
    pickler.dispatch_table = {**copyreg.dispatch_table, **ForkingPickler._extra_reducers}
    pickler.dump(obj)
    return f.getbuffer(), buffers


def _layout(buffers: list, start: int, align: int) -> tuple[list[tuple[int, int]], int]:
    """Offsets and sizes of ``buffers`` placed one after the other from ``start``, each at a
    multiple of ``align``; and the end of the last one."""
    spans, end = [], start
    for buf in buffers:
        n = buf.raw().nbytes
        off = _round_up(end, align)
        spans.append((off, n))
        end = off + n
    return spans, end


def _reserve(fd: int, size: int) -> None:
    """Give the file ``size`` bytes, reserved now where the system can (``posix_fallocate``): a
    full ``/dev/shm`` (64 MB in a default Docker container) then fails here with ``OSError``,
    instead of killing the process with SIGBUS when a page of the mapping is first written."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
    else:
        os.ftruncate(fd, size)


def _create(path_prefix: str, size: int) -> tuple[str, mmap.mmap]:
    """A new file of ``size`` bytes in shared memory (only this user may open it), mapped."""
    fd, path = tempfile.mkstemp(prefix=path_prefix, dir=folder())
    try:
        _reserve(fd, size)
        mm = mmap.mmap(fd, size)
    except BaseException:
        remove(path)
        raise
    finally:
        os.close(fd)
    return path, mm


def remove(path: str | None) -> None:
    """Remove a shared-memory file's name (mappings stay valid). Gone already: nothing to do;
    where an open file cannot be removed (Windows), it is left for ``remove_all``."""
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


def remove_all(token: str) -> None:
    """Remove every shared-memory file an iterator's workers made (those of killed workers)."""
    for path in glob.glob(os.path.join(folder(), f"{PREFIX}{token}-*")):
        remove(path)


# -- the job: written once by the main process, mapped copy-on-write by every worker -----------


def write_job(obj, token: str, inline_bytes: int) -> bytes | tuple[str, int, list]:
    """The job as the workers receive it: the pickle itself when small, else ``(path,
    pickle size, array spans)`` of a file in shared memory holding the pickle and the arrays."""
    payload, buffers = dumps(obj)
    spans, end = _layout(buffers, len(payload), _PAGE)
    if end <= inline_bytes:
        if not buffers:
            return bytes(payload)
        return bytes(ForkingPickler.dumps(obj, pickle.HIGHEST_PROTOCOL))
    fd, path = tempfile.mkstemp(prefix=f"{PREFIX}{token}-job-", dir=folder())
    try:
        _reserve(fd, end)
        with os.fdopen(fd, "r+b") as f:
            f.write(payload)
            for buf, (off, _) in zip(buffers, spans):
                f.seek(off)
                f.write(buf.raw())
    except OSError:  # no room in shared memory: the pickle goes through each worker's pipe
        remove(path)
        return bytes(ForkingPickler.dumps(obj, pickle.HIGHEST_PROTOCOL))
    except BaseException:
        remove(path)
        raise
    return path, len(payload), spans


def open_job(job, opened) -> Callable[[], object]:
    """In a worker: open the job and return a function that rebuilds it (callable again if the
    first try fails); ``opened()`` is called once the file is open (its name may then go).
    Arrays are views of a private (copy-on-write) mapping of the file."""
    if isinstance(job, bytes):
        return functools.partial(pickle.loads, job)
    path, size, spans = job
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    opened()
    view = memoryview(mm)
    return lambda: pickle.loads(view[:size], buffers=[view[o : o + n] for o, n in spans])


def read_job(job, opened) -> object:
    """``open_job`` and rebuild it once."""
    return open_job(job, opened)()


# -- batches: a ring of slots per worker --------------------------------------------------------


class SlotWriter:
    """A worker's side: put a batch's arrays in a free slot of its ring.

    The ring is made at the first batch with big arrays, with ``slots`` slots a little larger
    than that batch; a batch too big for the slots starts a bigger ring (a new file: the main
    process maps it when the first batch in it arrives). ``release`` takes back the slots the
    main process has emptied.
    """

    def __init__(self, token: str, worker_id: int, slots: int) -> None:
        self.prefix = f"{PREFIX}{token}-w{worker_id}-"
        self.worker_id = worker_id
        self.slots = slots
        self.mm: mmap.mmap | None = None
        self.path: str | None = None
        self.generation = 0
        self.slot_size = 0
        self.free: list[int] = []
        self.made: list[str] = []
        self.full = False  # a ring could not be made: no more tries

    def release(self, freed) -> None:
        for generation, base in freed or ():
            if generation == self.generation:  # slots of an older ring are gone with it
                self.free.append(base // self.slot_size)

    def message(self, obj) -> tuple[bytes, tuple | None]:
        """``(pickle, where its arrays are)``; ``where`` is None when they are in the pickle."""
        payload, buffers = dumps(obj)
        if not buffers:
            return bytes(payload), None
        spans, end = _layout(buffers, 0, _ALIGN)
        if end > self.slot_size and not self.full:
            self._new_ring(end)
        if not self.free:  # every slot still held, or no room in shared memory: the pipe
            return bytes(ForkingPickler.dumps(obj, pickle.HIGHEST_PROTOCOL)), None
        slot = self.free.pop(0)
        base = slot * self.slot_size
        for buf, (off, n) in zip(buffers, spans):
            self.mm[base + off : base + off + n] = buf.raw()
        return bytes(payload), (self.worker_id, self.path, self.generation, base, spans)

    def _new_ring(self, need: int) -> None:
        if self.mm is not None:
            self.mm.close()
            self.mm = None
        self.generation += 1
        self.free = []
        slot_size = _round_up(need + need // 4, _PAGE)  # room for batches that grow a bit
        try:
            self.path, self.mm = _create(f"{self.prefix}{self.generation}-", slot_size * self.slots)
        except OSError:  # shared memory is full: batches go through the pipe from now on
            self.full = True
            return
        self.slot_size = slot_size
        self.made.append(self.path)
        self.free = list(range(self.slots))

    def close(self) -> None:
        """At the worker's exit: remove the names the main process has not removed already."""
        for path in self.made:
            remove(path)
        if self.mm is not None:
            self.mm.close()
            self.mm = None


class SlotReader:
    """The main process' side: copy a batch out of a worker's slot and note the slot as free
    (``freed[worker]``, sent back with that worker's next task)."""

    def __init__(self, workers: int) -> None:
        self.rings: dict[int, tuple[str, mmap.mmap]] = {}
        self.freed: list[list] = [[] for _ in range(workers)]
        self.received = self.rings_opened = 0  # batches through slots; rings mapped

    def load(self, payload: bytes, where) -> object:
        if where is None:
            return pickle.loads(payload)
        worker_id, path, generation, base, spans = where
        ring = self.rings.get(worker_id)
        if ring is None or ring[0] != path:  # a worker's first ring, or a bigger one
            if ring is not None:
                ring[1].close()
            with open(path, "rb") as f:
                ring = (path, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
            remove(path)  # mapped here and in the worker: the name is no longer needed
            self.rings[worker_id] = ring
            self.rings_opened += 1
        data = np.frombuffer(ring[1], np.uint8)
        try:
            buffers = [data[base + off : base + off + n].copy() for off, n in spans]
        finally:
            del data  # no view may outlive the slot (nor keep the mapping from closing)
        self.freed[worker_id].append((generation, base))
        self.received += 1
        return pickle.loads(payload, buffers=buffers)

    def take_freed(self, worker_id: int) -> list:
        freed, self.freed[worker_id] = self.freed[worker_id], []
        return freed

    def close(self) -> None:
        for _, mm in self.rings.values():
            try:
                mm.close()
            except BufferError:  # still viewed somewhere: let it go with its last view
                pass
        self.rings.clear()
