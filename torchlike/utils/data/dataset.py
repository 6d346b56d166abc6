"""Datasets as in ``torch.utils.data.dataset``: map-style and iterable, and ways to combine them.

Map-style datasets define ``__getitem__``/``__len__``; they may also define ``__getitems__``
(a list of samples for a list of indices, called once per batch as in PyTorch). torchlike's own
datasets may define ``_get_batch(indices)``, an already-collated batch that ``DataLoader`` uses
with the default ``collate_fn`` (one gather instead of one op per sample).
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence

from ..._tensor import Tensor


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` and usually ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: ``__iter__``. With ``num_workers > 0`` every worker iterates its own
    copy, so the dataset splits the work itself using ``get_worker_info()``, as in PyTorch."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class StackDataset(Dataset):
    """Item ``i`` of several datasets of one length, together: a tuple of them
    (``StackDataset(images, texts)``) or a dict (``StackDataset(image=images, text=texts)``).
    Datasets with ``__getitems__`` are asked for a whole batch at once, as in PyTorch."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args or kwargs
        parts = args or tuple(kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError("Size mismatch between datasets")

    def _parts(self) -> list[tuple]:
        if isinstance(self.datasets, dict):
            return list(self.datasets.items())
        return list(enumerate(self.datasets))

    def _pack(self, fields: dict):
        if isinstance(self.datasets, dict):
            return fields
        return tuple(fields[i] for i in range(len(self.datasets)))

    def __getitem__(self, index):
        return self._pack({key: d[index] for key, d in self._parts()})

    def __getitems__(self, indices: list) -> list:
        columns = {}
        for key, d in self._parts():
            if callable(getattr(d, "__getitems__", None)):
                items = d.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError(
                        "Nested dataset's output size mismatch. "
                        f"Expected {len(indices)}, got {len(items)}"
                    )
                columns[key] = items
            else:
                columns[key] = [d[i] for i in indices]
        return [self._pack({k: c[j] for k, c in columns.items()}) for j in range(len(indices))]

    def __len__(self) -> int:
        return self._length


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of the given tensors (equal first dimensions)."""

    def __init__(self, *tensors: Tensor) -> None:
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def _get_batch(self, indices: list[int]) -> tuple:
        from ..._ops.creation import tensor

        idx = tensor(indices)
        return tuple(t[idx] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one stream after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        inner = [self.indices[i] for i in indices]
        get_items = getattr(self.dataset, "__getitems__", None)
        return get_items(inner) if get_items is not None else [self.dataset[i] for i in inner]

    @property
    def _get_batch(self):
        inner = self.dataset._get_batch  # AttributeError (no fast path) when the dataset has none
        return lambda indices: inner([self.indices[i] for i in indices])

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths.

    Fractions summing to 1 become ``floor(fraction * len(dataset))`` items each, the remainder
    handed out one at a time round-robin, as in PyTorch. The permutation comes from ``generator``
    (the global one by default): the same seed gives the same split on every run (the split itself
    differs from PyTorch's, whose random stream is a different algorithm).
    """
    from .sampler import host_rng

    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = host_rng(generator).permutation(n).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, perm[end - length : end]) for end, length in zip(ends, lengths)]
