"""``DataLoader``: batches from a dataset, PyTorch's signature.

This first version loads in the main process (``num_workers`` must be 0). Datasets that define
``__getitems__`` are fetched a batch at a time.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch: list) -> Any:
    """Stack tensors/arrays, turn numbers into tensors, recurse into tuples and dicts."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        from ..._ops.shape import stack

        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        return Tensor._wrap(jnp.asarray(np.stack(batch)))
    if isinstance(elem, bool):
        return Tensor._wrap(jnp.asarray(batch, dtype=jnp.bool_))
    if isinstance(elem, int):
        return Tensor._wrap(jnp.asarray(batch, dtype=jnp.int64))
    if isinstance(elem, float):
        return Tensor._wrap(jnp.asarray(batch, dtype=jnp.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
        f"or lists; found {type(elem)}"
    )


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``torch.utils.data.DataLoader``)."""

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
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers:
            raise NotImplementedError("num_workers > 0 is not supported yet; use num_workers=0")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, "
                "shuffle, sampler, and drop_last"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.generator = generator
        if sampler is None:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn or default_collate

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: samples one by one, uncollated
            for idx in self.sampler:
                sample = self.dataset[idx]
                yield sample if self.collate_fn is default_collate else self.collate_fn(sample)
            return
        get_batch = getattr(self.dataset, "_get_batch", None)
        if self.collate_fn is not default_collate:
            get_batch = None
        get_items = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if get_batch is not None:
                yield get_batch(indices)
            elif get_items is not None:
                yield self.collate_fn(get_items(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)
