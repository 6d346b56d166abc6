"""torchlike.utils.data against torch.utils.data: collation, datasets, samplers, DataLoader
batching, and worker processes (every sample exactly once, errors, get_worker_info)."""

from __future__ import annotations

import collections
import pickle
import re
import sys

import data_worker_helpers as helpers
import numpy as np
import pytest
import torch as ref
import torch.utils.data as ref_data
from _helpers import run_python

import torchlike as tl
from torchlike.utils import data

Point = collections.namedtuple("Point", "x y")


def to_ref(obj):
    """The same sample for PyTorch: torchlike tensors become torch tensors."""
    if isinstance(obj, tl.Tensor):
        return ref.from_numpy(np.array(obj.numpy()))
    if isinstance(obj, dict):
        return {k: to_ref(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_ref(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_ref(v) for v in obj)
    return obj


def assert_same(ours, theirs):
    """Same structure, container types, dtypes and values."""
    if isinstance(theirs, ref.Tensor):
        assert isinstance(ours, tl.Tensor), type(ours)
        assert str(ours.dtype) == str(theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        assert ours == theirs and type(ours) is type(theirs)


def _arr(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


COLLATE_CASES = {
    "tensors": lambda: [tl.tensor(_arr(2, 3, seed=i)) for i in range(4)],
    "int_tensors": lambda: [tl.arange(3) + i for i in range(2)],
    "ndarrays_f32": lambda: [_arr(3, seed=i) for i in range(3)],
    "ndarrays_i32": lambda: [np.arange(4, dtype=np.int32) * i for i in range(3)],
    "ndarrays_f64": lambda: [_arr(2, 2, dtype=np.float64, seed=i) for i in range(2)],
    "np_scalars": lambda: [np.float32(1.5), np.float32(2.5)],
    "np_int_scalars": lambda: [np.int16(1), np.int16(-3)],
    "floats": lambda: [0.5, 1.25, -2.0],
    "ints": lambda: [1, 2, 3],
    "bools": lambda: [True, False],
    "strings": lambda: ["a", "bc"],
    "bytes": lambda: [b"a", b"bc"],
    "tuples": lambda: [(i, float(i), "s") for i in range(3)],
    "lists": lambda: [[i, i + 1] for i in range(3)],
    "dicts": lambda: [{"b": i, "a": _arr(2, seed=i)} for i in range(3)],
    "namedtuples": lambda: [Point(i, _arr(2, seed=i)) for i in range(3)],
    "nested": lambda: [
        {"img": tl.tensor(_arr(1, 2, 2, seed=i)), "meta": (i, {"name": str(i), "w": [0.5, i]})}
        for i in range(3)
    ],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    batch = COLLATE_CASES[case]()
    assert_same(data.default_collate(batch), ref_data.default_collate(to_ref(batch)))


@pytest.mark.parametrize(
    "sample",
    [_arr(2, 2), np.float64(3.0), 5, "s", {"a": _arr(2)}, (_arr(1), 2), Point(1, _arr(2))],
    ids=["ndarray", "np_scalar", "int", "str", "dict", "tuple", "namedtuple"],
)
def test_default_convert_matches_torch(sample):
    assert_same(data.default_convert(sample), ref_data.default_convert(to_ref(sample)))


@pytest.mark.parametrize(
    "batch",
    [[[1, 2], [3]], [object(), object()], [np.array(["a"]), np.array(["b"])]],
    ids=["ragged", "object", "np_str"],
)
def test_default_collate_errors_match_torch(batch):
    with pytest.raises(Exception) as theirs:
        ref_data.default_collate(batch)
    with pytest.raises(type(theirs.value)) as ours:
        data.default_collate(batch)
    assert str(ours.value) == str(theirs.value)


# -- datasets -----------------------------------------------------------------------------------


class Squares(data.Dataset):
    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return (i + self.offset) ** 2


def _stream_class(base: type) -> type:
    """An ``IterableDataset`` (of ``base``'s library) of ``n`` integers from ``offset``."""

    class Stream(base):
        def __init__(self, n, offset=0):
            self.n, self.offset = n, offset

        def __iter__(self):
            return iter(range(self.offset, self.offset + self.n))

        def __len__(self):
            return self.n

    return Stream


Stream, RefStream = _stream_class(data.IterableDataset), _stream_class(ref_data.IterableDataset)


def test_concat_and_chain_datasets():
    parts = [Squares(3), Squares(0), Squares(4, 10)]
    ours, theirs = data.ConcatDataset(parts), ref_data.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-7, 7)] == [theirs[i] for i in range(-7, 7)]
    assert len(Squares(2) + Squares(3)) == 5
    with pytest.raises(ValueError, match="absolute value"):
        ours[-8]
    with pytest.raises(AssertionError):
        data.ConcatDataset([Stream(2)])
    chain = Stream(3) + Stream(2, 100)
    assert isinstance(chain, data.ChainDataset) and len(chain) == 5
    theirs = ref_data.ChainDataset([RefStream(3), RefStream(2, 100)])
    assert list(chain) == list(theirs) and len(chain) == len(theirs)


class Batched(Squares):
    """Squares with ``__getitems__`` (asked for whole batches), negated so it shows."""

    def __getitems__(self, indices):
        return [-self[i] for i in indices]


@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_stack_dataset_matches_torch(form):
    parts = [Squares(5), Batched(5, 3)]

    def make(module):
        if form == "tuple":
            return module.StackDataset(*parts)
        return module.StackDataset(a=parts[0], b=parts[1])

    ours, theirs = make(data), make(ref_data)
    assert len(ours) == len(theirs) == 5
    assert [ours[i] for i in range(5)] == [theirs[i] for i in range(5)]
    assert ours.__getitems__([4, 0, 2]) == theirs.__getitems__([4, 0, 2])
    loader, ref_loader = data.DataLoader(ours, batch_size=2), ref_data.DataLoader(theirs, 2)
    for a, b in zip(loader, ref_loader, strict=True):
        a, b = (a.values(), b.values()) if form == "dict" else (a, b)
        assert [x.tolist() for x in a] == [y.tolist() for y in b]


@pytest.mark.parametrize(
    "args, kwargs",
    [((Squares(2), Squares(3)), {}), ((Squares(2),), {"b": Squares(2)}), ((), {})],
)
def test_stack_dataset_errors_match_torch(args, kwargs):
    with pytest.raises(ValueError) as theirs:
        ref_data.StackDataset(*args, **kwargs)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        data.StackDataset(*args, **kwargs)


@pytest.mark.parametrize(
    "n, lengths",
    [(10, [3, 7]), (10, [0.7, 0.3]), (11, [0.5, 0.5]), (30, [0.3, 0.3, 0.4]), (7, [0.2] * 5)],
)
def test_random_split_sizes_and_determinism(n, lengths):
    ds = Squares(n)
    ours = data.random_split(ds, lengths, generator=tl.Generator().manual_seed(1))
    theirs = ref_data.random_split(ds, lengths, generator=ref.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(n))
    again = data.random_split(ds, lengths, generator=tl.Generator().manual_seed(1))
    assert [s.indices for s in ours] == [s.indices for s in again]
    other = data.random_split(ds, lengths, generator=tl.Generator().manual_seed(2))
    assert [s.indices for s in ours] != [s.indices for s in other]
    assert ours[0][0] == ds[ours[0].indices[0]]


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(Squares(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 2"):
        data.random_split(Squares(5), [0.5, 0.7, -0.2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(Squares(2), [0.9, 0.1])


# -- samplers -----------------------------------------------------------------------------------


def test_sequential_and_batch_samplers_match_torch():
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (4, 5, False), (4, 5, True)]:
        ours = data.BatchSampler(data.SequentialSampler(range(n)), bs, drop)
        theirs = ref_data.BatchSampler(ref_data.SequentialSampler(range(n)), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            data.BatchSampler(range(3), bad, False)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_samples": 25}, {"num_samples": 4}, {"replacement": True, "num_samples": 40}],
    ids=["perm", "more", "fewer", "replacement"],
)
def test_random_sampler(kwargs):
    def draw(seed):
        return list(
            data.RandomSampler(range(10), generator=tl.Generator().manual_seed(seed), **kwargs)
        )

    first = draw(0)
    theirs = ref_data.RandomSampler(range(10), **kwargs)
    assert len(first) == len(theirs) == len(data.RandomSampler(range(10), **kwargs))
    assert first == draw(0) and first != draw(1)
    assert all(0 <= i < 10 for i in first)
    if not kwargs.get("replacement"):
        counts = collections.Counter(first)
        assert max(counts.values()) - min(counts.values()) <= 1  # whole permutations first
    tl.manual_seed(5)
    a = list(data.RandomSampler(range(10), **kwargs))
    tl.manual_seed(5)
    assert a == list(data.RandomSampler(range(10), **kwargs))


def test_random_sampler_rejects_bad_arguments_as_torch():
    for kwargs in ({"num_samples": 0}, {"replacement": 1}):
        with pytest.raises(Exception) as theirs:
            ref_data.RandomSampler(range(3), **kwargs)
        with pytest.raises(type(theirs.value), match=str(theirs.value)):
            data.RandomSampler(range(3), **kwargs)


def test_subset_random_sampler():
    indices = [3, 8, 1, 20, 7]
    ours = data.SubsetRandomSampler(indices, generator=tl.Generator().manual_seed(0))
    first = list(ours)
    assert sorted(first) == sorted(indices) and len(ours) == len(indices)
    again = data.SubsetRandomSampler(indices, generator=tl.Generator().manual_seed(0))
    assert list(again) == first


def test_weighted_random_sampler():
    weights = [0.0, 1.0, 3.0, 0.0, 6.0]
    gen = tl.Generator().manual_seed(0)
    draws = list(data.WeightedRandomSampler(weights, 4000, generator=gen))
    counts = collections.Counter(draws)
    assert len(draws) == 4000 and set(counts) == {1, 2, 4}
    np.testing.assert_allclose([counts[1] / 4000, counts[4] / 4000], [0.1, 0.6], atol=0.04)
    unique = list(data.WeightedRandomSampler(weights, 3, replacement=False, generator=gen))
    assert sorted(unique) == [1, 2, 4]
    same = data.WeightedRandomSampler(weights, 50, generator=tl.Generator().manual_seed(3))
    assert list(same) == list(
        data.WeightedRandomSampler(weights, 50, generator=tl.Generator().manual_seed(3))
    )
    assert len(same) == len(ref_data.WeightedRandomSampler(weights, 50))
    for args in [(weights, 0), ([[1.0, 2.0]], 2), (weights, 2, 1)]:
        with pytest.raises(ValueError):
            ref_data.WeightedRandomSampler(*args)
        with pytest.raises(ValueError):
            data.WeightedRandomSampler(*args)


@pytest.mark.parametrize(
    "n, replicas, drop_last",
    [(10, 3, False), (10, 3, True), (9, 3, False), (5, 4, False), (5, 4, True)],
)
def test_distributed_sampler_matches_torch(n, replicas, drop_last):
    shares = []
    for rank in range(replicas):
        ours = data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = ref_data.DistributedSampler(
            range(n), replicas, rank, shuffle=False, drop_last=drop_last
        )
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        shuffled = data.DistributedSampler(range(n), replicas, rank, drop_last=drop_last, seed=4)
        shares.append(list(shuffled))
        assert len(shares[-1]) == len(theirs)
    flat = [i for s in shares for i in s]
    if drop_last:
        assert len(set(flat)) == len(flat)
    else:
        assert set(flat) == set(range(n))

    def epoch(e):  # every replica's share for epoch e (the same seed in every replica)
        out = []
        for rank in range(replicas):
            s = data.DistributedSampler(range(n), replicas, rank, drop_last=drop_last, seed=4)
            s.set_epoch(e)
            out.append(list(s))
        return out

    assert epoch(0) == shares and epoch(1) != shares  # set_epoch reshuffles
    with pytest.raises(ValueError, match="Invalid rank"):
        data.DistributedSampler(range(n), replicas, replicas)


# -- DataLoader in the main process --------------------------------------------------------------


class Samples(data.Dataset):
    """Numpy features, int labels and strings: the mix a real dataset returns."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return {"x": np.full((2,), i, np.float32), "y": i, "name": f"s{i}"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 4},
        {"batch_size": 4, "drop_last": True},
        {"batch_size": None},
        {"batch_size": 11},
        {"batch_sampler": [[0, 5], [3], [10, 1, 2]]},
        {"sampler": [9, 8, 7], "batch_size": 2},
    ],
    ids=["bs4", "drop_last", "no_batching", "one_batch", "batch_sampler", "sampler"],
)
def test_dataloader_batches_match_torch(kwargs):
    ours = data.DataLoader(Samples(), **kwargs)
    theirs = ref_data.DataLoader(Samples(), **kwargs)
    assert len(ours) == len(theirs)
    out, expected = list(ours), list(theirs)
    assert len(out) == len(expected)
    for a, b in zip(out, expected):
        assert_same(a, b)


@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (None, False)])
def test_iterable_dataset_batches_match_torch(batch_size, drop_last):
    ours = data.DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)
    theirs = ref_data.DataLoader(RefStream(10), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for a, b in zip(list(ours), list(theirs), strict=True):
        assert_same(a, b)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shuffle": True, "sampler": [0, 1]},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_size": None, "drop_last": True},
        {"num_workers": -1},
        {"timeout": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
    ],
)
def test_dataloader_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        ref_data.DataLoader(Samples(), **kwargs)
    with pytest.raises(ValueError) as ours:
        data.DataLoader(Samples(), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_iterable_dataset_rejects_shuffle_as_torch():
    with pytest.raises(ValueError) as theirs:
        ref_data.DataLoader(RefStream(3), shuffle=True)
    with pytest.raises(ValueError, match=str(theirs.value)):
        data.DataLoader(Stream(3), shuffle=True)


def test_shuffled_loader_is_deterministic_per_seed():
    def epoch(seed):
        loader = data.DataLoader(
            Squares(12), batch_size=5, shuffle=True, generator=tl.Generator().manual_seed(seed)
        )
        return [b.tolist() for b in loader]

    first = epoch(0)
    assert first == epoch(0) and first != epoch(1)
    assert sorted(sum(first, [])) == sorted(Squares(12)[i] for i in range(12))


# -- worker processes ----------------------------------------------------------------------------


@pytest.mark.parametrize("num_workers", [0, 2, 4])
def test_every_sample_once_with_workers(num_workers):
    kwargs = {"num_workers": num_workers, "persistent_workers": num_workers > 0}
    loader = data.DataLoader(helpers.Indexed(23), batch_size=3, **kwargs)
    for _ in range(2):  # the second epoch reuses the persistent workers
        batches = list(loader)
        assert len(batches) == len(loader) == 8
        idx = tl.cat([b[0] for b in batches]).tolist()
        assert idx == list(range(23))  # exactly once, in sampler order
        workers = tl.cat([b[1] for b in batches]).tolist()
        seeds = tl.cat([b[2] for b in batches]).tolist()
        if num_workers == 0:
            assert set(workers) == {-1} and data.get_worker_info() is None
        else:
            # batches go round-robin to the workers; each worker has its own seed
            assert [b[1].tolist()[0] for b in batches] == [k % num_workers for k in range(8)]
            assert len(set(seeds)) == num_workers
    stream = data.DataLoader(helpers.Range(23), batch_size=4, **kwargs)
    for _ in range(2):
        items = [i for b in stream for i in b.tolist()]
        assert sorted(items) == list(range(23))


def test_iterable_dataset_without_split_is_replicated_as_in_torch():
    ours = data.DataLoader(helpers.Unsplit(5), batch_size=None, num_workers=2)
    assert sorted(int(x) for x in ours) == sorted(list(range(5)) * 2)


def test_worker_init_fn_and_shuffle_with_workers():
    tl.manual_seed(0)
    loader = data.DataLoader(
        helpers.InitSeen(10),
        batch_size=4,
        shuffle=True,
        num_workers=2,
        worker_init_fn=helpers.record_init,
    )
    batches = list(loader)
    assert sorted(tl.cat([b[0] for b in batches]).tolist()) == list(range(10))
    assert [b[1].tolist()[0] for b in batches] == [0, 1, 0]
    tl.manual_seed(0)
    order = [
        i
        for b in data.DataLoader(helpers.InitSeen(10), batch_size=4, shuffle=True)
        for i in b[0].tolist()
    ]
    assert order == tl.cat([b[0] for b in batches]).tolist()  # same sampler order as num_workers=0


def test_worker_exception_is_reraised_with_its_traceback():
    loader = data.DataLoader(helpers.Failing(), batch_size=2, num_workers=1)
    it = iter(loader)
    assert next(it).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError) as err:
        list(it)
    msg = str(err.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "item 5 is broken" in msg and "__getitem__" in msg
    assert "Traceback (most recent call last)" in msg


def test_killed_worker_raises_instead_of_hanging():
    loader = data.DataLoader(helpers.Dying(), batch_size=2, num_workers=1)
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    ):
        list(loader)


def test_timeout_is_honoured():
    loader = data.DataLoader(helpers.Slow(30.0), batch_size=2, num_workers=1, timeout=1.0)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 1.0 seconds"):
        next(iter(loader))


def test_state_dict_counts_delivered_batches_with_workers():
    loader = data.DataLoader(helpers.Indexed(20), batch_size=2, num_workers=1)
    it = iter(loader)
    next(it), next(it)
    assert loader.state_dict()["batches_taken"] == 2  # not counting the prefetched ones
    resumed = data.DataLoader(helpers.Indexed(20), batch_size=2)
    resumed.load_state_dict(loader.state_dict())
    assert [b[0].tolist() for b in resumed][0] == [4, 5]


def test_unpicklable_collate_fn_fails_at_start_with_spawn():
    """Spawned workers get what they run pickled: a local lambda fails at once, as with
    PyTorch's spawn start method, and no worker is left behind. Forked workers (the default on
    Linux) take it as it is, as PyTorch's do."""
    kwargs = {"num_workers": 1, "collate_fn": lambda b: [s[0] * 10 for s in b]}
    loader = data.DataLoader(helpers.Indexed(4), multiprocessing_context="spawn", **kwargs)
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError), match="pickle"):
        iter(loader)
    if sys.platform.startswith("linux"):
        assert [b[0] for b in data.DataLoader(helpers.Indexed(2), **kwargs)] == [0, 10]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux only")
@pytest.mark.parametrize("context", [None, "fork"])
def test_workers_are_forked_from_the_training_process(context):
    """As PyTorch's on Linux: children of this process, running torchlike on NumPy (never on
    the XLA runtime they inherited, see ``_utils/host.py``)."""
    import os

    loader = data.DataLoader(
        helpers.ProcessFacts(), batch_size=None, num_workers=2, multiprocessing_context=context
    )
    for _i, parent, _started, _platforms, on_host in loader:
        assert int(parent) == os.getpid() and bool(on_host)


@pytest.mark.parametrize("chosen", ["spawn", "forkserver", "fork"])
def test_a_start_method_the_program_chose_is_followed(monkeypatch, chosen):
    """``multiprocessing.set_start_method`` changes the default, as for PyTorch's workers."""
    import multiprocessing

    from torchlike.utils.data import dataloader

    if chosen not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {chosen} here")
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: chosen)
    assert dataloader._forks(None) == (chosen == "fork")
    assert dataloader._start_method_context(None).get_start_method() == chosen


def test_forkserver_workers_are_forked_from_one_fork_server():
    """``multiprocessing_context="forkserver"``: workers are children of one fork server, reused
    by later loaders; no worker starts JAX's runtime before it needs it, and workers only ever
    use the CPU."""
    import os

    parents = set()
    for _ in range(2):  # a new loader, new workers: the same server forks them
        loader = data.DataLoader(
            helpers.ProcessFacts(),
            batch_size=None,
            num_workers=2,
            multiprocessing_context="forkserver",
        )
        for _i, parent, started, platforms, on_host in loader:
            parents.add(int(parent))
            assert not started and platforms == "cpu" and not on_host
    assert len(parents) == 1 and os.getpid() not in parents


@pytest.mark.parametrize("device", ["", "cpu"])
def test_pin_memory_prefetches_the_same_batches(device):
    """pin_memory=True keeps one batch in flight on the device: same batches, same order, and
    state_dict counts only the batches handed out."""
    kwargs = {"batch_size": 3, "num_workers": 2}
    plain = [b[0].tolist() for b in data.DataLoader(helpers.Indexed(10), **kwargs)]
    loader = data.DataLoader(
        helpers.Indexed(10), pin_memory=True, pin_memory_device=device, **kwargs
    )
    it = iter(loader)
    first = next(it)
    assert loader.state_dict()["batches_taken"] == 1
    pinned = [first[0].tolist()] + [b[0].tolist() for b in it]
    assert pinned == plain
    assert loader.state_dict()["batches_taken"] == 4


@pytest.mark.skipif(tl.cuda.is_available(), reason="this machine has a GPU")
def test_pin_memory_on_a_missing_device_says_so():
    loader = data.DataLoader(
        helpers.Indexed(4), num_workers=1, pin_memory=True, pin_memory_device="cuda"
    )
    with pytest.raises(RuntimeError, match="NVIDIA driver"):
        next(iter(loader))


def test_a_big_dataset_reaches_the_workers_through_a_file_that_is_then_removed():
    import glob
    import tempfile

    folders = ["/dev/shm", tempfile.gettempdir()]

    def job_files():
        return {f for d in folders for f in glob.glob(f"{d}/torchlike-dataloader-*")}

    before = job_files()
    loader = data.DataLoader(  # (forked workers inherit it: no file)
        helpers.Big(),
        batch_size=2,
        num_workers=2,
        persistent_workers=True,
        multiprocessing_context="forkserver",
    )
    it = iter(loader)
    assert len(job_files() - before) == 1  # written once for both workers
    assert next(it).tolist() == [0.0, 1000.0]
    assert [b.tolist() for b in it] == [[2000.0, 3000.0], [4000.0, 5000.0], [6000.0, 7000.0]]
    assert job_files() == before  # both workers opened it: its name is gone


FORKED_SERVER_SCRIPT = """
import multiprocessing.forkserver as fs
import os

import torchlike as torch
from torchlike.utils.data import DataLoader, Dataset


class Squares(Dataset):  # defined in the main script: workers must import it as __mp_main__
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return torch.tensor([i * i])


if __name__ == "__main__":  # JAX has not started yet
    loader = DataLoader(Squares(), batch_size=2, num_workers=2,
                        multiprocessing_context="forkserver")
    model = torch.nn.Linear(1, 1)  # ... now it has
    print([b.flatten().tolist() for b in loader])
    with open(f"/proc/{fs._forkserver._forkserver_pid}/cmdline", "rb") as f:
        print("forked" if b"forkserver" not in f.read() else "exec")
"""


def run_script(tmp_path, text: str):
    (tmp_path / "prog.py").write_text(text)
    return run_python(["prog.py"], tmp_path, timeout=300).splitlines()


def test_fork_server_is_forked_from_the_script_before_jax_starts(tmp_path):
    """``forkserver``: a loader built before JAX starts forks the fork server from the script
    itself (no second import of torchlike); workers find the script's own Dataset class."""
    lines = run_script(tmp_path, FORKED_SERVER_SCRIPT)
    assert lines[:2] == ["[[0, 1], [4, 9], [16, 25]]", "forked"]


LATE_CLASS_SCRIPT = """
from torchlike.utils.data import DataLoader, Dataset

SERVED = {"multiprocessing_context": "forkserver"}


class Squares(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return i * i


if __name__ == "__main__":  # the fork server starts here, before Cubes exists
    print([b.tolist() for b in DataLoader(Squares(), batch_size=2, num_workers=1, **SERVED)])


class Cubes(Squares):
    def __getitem__(self, i):
        return i**3


if __name__ == "__main__":
    print([b.tolist() for b in DataLoader(Cubes(), batch_size=2, num_workers=1, **SERVED)])
"""


def test_a_class_defined_after_the_fork_server_started_is_found(tmp_path):
    """Workers of a later loader need a class the fork server's copy of the script lacks: they
    run the (guarded) script again, as spawned workers do."""
    assert run_script(tmp_path, LATE_CLASS_SCRIPT) == ["[[0, 1], [4, 9]]", "[[0, 1], [8, 27]]"]
