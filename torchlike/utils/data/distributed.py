"""``DistributedSampler``: each of ``num_replicas`` processes reads its own share of a dataset."""

from __future__ import annotations

import math
from collections.abc import Iterator

from .dataset import Dataset
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Indices for replica ``rank`` of ``num_replicas``, as ``torch.utils.data.DistributedSampler``.

    With ``shuffle`` the order is a permutation seeded by ``seed + epoch`` (call ``set_epoch``
    each epoch), identical in every replica, so the shares never overlap. Without ``drop_last``
    the list is padded by repeating its start so every replica gets ``ceil(N / num_replicas)``
    indices; with it, the tail is dropped. Replica ``r`` takes every ``num_replicas``-th index from
    ``r``. ``num_replicas`` and ``rank`` default to the process group's world size and rank
    (``torchlike.distributed.init_process_group`` runs on ``jax.distributed``, so they are
    ``jax.process_count()`` and ``jax.process_index()``; 1 and 0 without one). The shuffled order
    comes from torchlike's generator, so it differs from PyTorch's for the same seed (it is the
    same in every replica and every run).
    """

    def __init__(
        self,
        dataset: Dataset,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            import jax

            num_replicas = jax.process_count() if num_replicas is None else num_replicas
            rank = jax.process_index() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            from ...random import Generator
            from .sampler import host_rng

            g = Generator().manual_seed(self.seed + self.epoch)
            indices = host_rng(g).permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            pad = self.total_size - len(indices)
            indices += (indices * math.ceil(pad / len(indices)))[:pad] if pad > 0 else []
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``__iter__`` use a new order (``seed + epoch``)."""
        self.epoch = epoch
