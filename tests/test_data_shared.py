"""Shared memory between DataLoader workers and the main process (``_utils/shared.py``): the
job mapped copy-on-write by every worker, batches through a ring of slots per worker. Checked
for exact data, private and writable arrays, slot reuse and growth, the pipe fallback, and no
file left behind, also when a worker is killed."""

from __future__ import annotations

import glob
import os
import pickle

import data_worker_helpers as helpers
import numpy as np
import pytest
from test_data import run_script

import torchlike as tl
from torchlike.utils import data
from torchlike.utils.data._utils import shared


def shm_files() -> set[str]:
    return set(glob.glob(os.path.join(shared.folder(), f"{shared.PREFIX}*")))


@pytest.fixture
def no_leftovers():
    before = shm_files()
    yield
    assert shm_files() == before


def test_big_batches_come_through_shared_memory_exactly(no_leftovers):
    loader = data.DataLoader(helpers.Planes(40), batch_size=4, num_workers=2)
    it = iter(loader)
    batches = list(it)
    assert len(batches) == 10
    for k, (planes, vectors) in enumerate(batches):
        ids = np.arange(4 * k, 4 * k + 4)
        assert planes.dtype == tl.float32 and vectors.dtype == tl.int64
        np.testing.assert_array_equal(
            planes.numpy(), np.broadcast_to(ids[:, None, None], (4, 64, 64))
        )
        np.testing.assert_array_equal(vectors.numpy(), np.arange(4096)[None] + ids[:, None])
    assert it.reader.received == 10 and it.reader.rings_opened == 2  # one ring per worker


def test_numpy_batches_are_private_writable_copies_while_slots_are_reused(no_leftovers):
    """prefetch_factor=1: two slots per worker, reused 15 times each; a batch the user writes
    to is theirs, later batches are unaffected."""
    loader = data.DataLoader(
        helpers.Planes(60),
        batch_size=2,
        num_workers=2,
        prefetch_factor=1,
        collate_fn=helpers.keep_numpy,
    )
    it = iter(loader)
    kept = []
    for k, (planes, vectors) in enumerate(it):
        assert isinstance(vectors, np.ndarray) and vectors.flags.writeable
        assert [p[0, 0] for p in planes] == [2 * k, 2 * k + 1]
        vectors += 1000  # the user's own array
        kept.append(vectors)
    assert it.reader.received == 30
    for k, vectors in enumerate(kept):
        np.testing.assert_array_equal(vectors[:, 0], [2 * k + 1000, 2 * k + 1001])


def growing_planes(n: int, side: int):
    """Pairs of ever bigger planes, as NumPy arrays: each batch outgrows the last one's slots."""
    return iter(
        data.DataLoader(
            helpers.Planes(n, side=side, grow=True),
            batch_size=2,
            num_workers=2,
            collate_fn=helpers.keep_numpy,
        )
    )


def test_growing_batches_move_to_a_bigger_ring(no_leftovers):
    it = growing_planes(12, side=32)
    for k, (planes, _) in enumerate(it):
        assert [p.shape for p in planes] == [(32 * (2 * k + 1), 32), (32 * (2 * k + 2), 32)]
        assert [float(p.mean()) for p in planes] == [2 * k, 2 * k + 1]
    assert it.reader.received == 6 and it.reader.rings_opened > 2


def test_persistent_workers_leave_no_files_once_the_loader_is_gone(no_leftovers):
    loader = data.DataLoader(
        helpers.Planes(16), batch_size=4, num_workers=2, persistent_workers=True
    )
    for _ in range(2):
        assert sum(1 for _ in loader) == 4
    del loader


def test_a_killed_worker_leaves_no_files(no_leftovers):
    """A killed worker cannot remove the ring it was making: shutting the workers down removes
    every file carrying the iterator's token (here one such file is planted)."""
    loader = data.DataLoader(helpers.DyingLarge(12), batch_size=2, num_workers=2)
    it = iter(loader)
    planted = os.path.join(shared.folder(), f"{shared.PREFIX}{it.token}-w0-9-planted")
    open(planted, "wb").close()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        for _ in it:
            pass
    assert not os.path.exists(planted)


def test_leaving_an_epoch_early_leaves_no_files(no_leftovers):
    it = growing_planes(40, side=16)
    next(it)  # the workers are making bigger rings the main process will never map
    del it


def test_workers_write_to_private_copies_of_a_big_dataset(no_leftovers):
    """The dataset's arrays are mapped copy-on-write: writable in each worker, as after fork,
    and what a worker writes stays in that worker."""
    ds = helpers.Scribbling()
    got = [b.tolist() for b in data.DataLoader(ds, batch_size=2, num_workers=2)]
    assert got == [[1.0, 1001.0], [2001.0, 3001.0], [4001.0, 5001.0], [6001.0, 7001.0]]
    assert ds.data[1000] == 1000.0  # the main process' copy is untouched


def test_job_file_round_trip_maps_arrays_copy_on_write():
    arrays = {"a": np.arange(300_000, dtype=np.float32), "b": np.ones((3, 4))}
    job = shared.write_job(arrays, "unittest", inline_bytes=1 << 16)
    path = job[0]
    try:
        opened = []
        first = shared.read_job(job, lambda: opened.append(True))
        assert opened == [True]
        np.testing.assert_array_equal(first["a"], arrays["a"])
        first["a"][0] = -1  # private to this mapping
        second = shared.read_job(job, lambda: None)
        assert second["a"][0] == 0 and second["b"].sum() == 12
    finally:
        shared.remove(path)
    small = shared.write_job({"b": np.ones(3)}, "unittest", inline_bytes=1 << 16)
    assert isinstance(small, bytes) and shared.read_job(small, None)["b"].sum() == 3


def test_slots_in_use_fall_back_to_the_pipe_and_stale_frees_are_ignored(no_leftovers):
    writer = shared.SlotWriter("unittest", 0, slots=1)
    reader = shared.SlotReader(1)
    try:
        batch = [np.full(10_000, 7.0)]
        payload, where = writer.message(batch)
        assert where is not None  # in the slot
        payload2, where2 = writer.message(batch)
        assert where2 is None  # the only slot is still the main process': through the pipe
        assert pickle.loads(payload2)[0][0] == 7.0
        assert reader.load(payload, where)[0].sum() == 70_000.0
        writer.release(reader.take_freed(0))
        assert writer.message(batch)[1] is not None  # the slot came back
        bigger = [np.full(50_000, 1.0)]
        stale = reader.take_freed(0)
        payload3, where3 = writer.message(bigger)  # a new ring: generation 2
        writer.release([(1, 0)])  # a free of the old ring's slot: ignored
        assert writer.message(bigger)[1] is None
        assert reader.load(payload3, where3)[0].sum() == 50_000.0
        assert stale == []
    finally:
        writer.close()
        reader.close()


def test_full_shared_memory_falls_back_to_the_pipe(monkeypatch, no_leftovers):
    """No room in /dev/shm (64 MB in a default Docker container): the space is reserved when
    a file is made, so this shows as an error there (not as SIGBUS on first write), and both the
    job and the batches go through the pipe instead."""
    import errno

    def full(fd, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shared, "_reserve", full)
    arrays = {"a": np.arange(300_000, dtype=np.float32)}
    job = shared.write_job(arrays, "unittest", inline_bytes=1 << 16)
    assert isinstance(job, bytes)
    np.testing.assert_array_equal(shared.read_job(job, None)["a"], arrays["a"])
    writer = shared.SlotWriter("unittest", 0, slots=2)
    for _ in range(2):
        payload, where = writer.message([np.full(10_000, 3.0)])
        assert where is None and pickle.loads(payload)[0].sum() == 30_000.0
    assert writer.full
    writer.close()


LEAVES_MID_EPOCH = """
import numpy as np
from torchlike.utils.data import DataLoader, Dataset


class Growing(Dataset):  # every batch outgrows the last: the workers keep making new rings
    def __len__(self):
        return 40

    def __getitem__(self, i):
        return np.full((64 * (i + 1), 64), i, np.float32)


loader = DataLoader(Growing(), batch_size=2, num_workers=2, collate_fn=list)
it = iter(loader)
batch = next(it)  # the iterator stays alive in this frame; the program just ends
print(len(batch))
"""


def test_a_program_leaving_mid_epoch_leaves_no_files(tmp_path, no_leftovers):
    """At exit the live iterators are shut down first, then their files are removed: batches
    the workers had put in new rings that were never received go too."""
    assert run_script(tmp_path, LEAVES_MID_EPOCH) == ["2"]
