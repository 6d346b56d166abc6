"""``Dataset``, ``TensorDataset``, ``Subset`` and ``random_split`` with PyTorch's semantics."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..._tensor import Tensor


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` and ``__len__``.

    A dataset may also define ``__getitems__(indices)`` returning the list of samples of a batch,
    which ``DataLoader`` then calls once per batch (as PyTorch's does). torchlike's own datasets
    also define ``_get_batch(indices)``, an already-collated batch that ``DataLoader`` uses with
    the default ``collate_fn`` (one gather instead of one op per sample).
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> Dataset:
        raise NotImplementedError("ConcatDataset is not available yet")


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


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """Split into non-overlapping subsets of the given lengths (or fractions summing to 1)."""
    from ..._ops.creation import randperm

    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = randperm(n, generator=generator).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start : start + length]))
        start += length
    return out
