"""Fetchers: turn one task (a batch's indices) into a collated batch, in the main process or a
worker alike (as ``torch.utils.data._utils.fetch``)."""

from __future__ import annotations

from collections.abc import Callable

from .collate import default_collate


class MapFetcher:
    """Batches of a map-style dataset: ``_get_batch`` (torchlike datasets' collated fast path,
    with the default ``collate_fn`` only), else ``__getitems__``, else one ``[i]`` per sample."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.get_batch = getattr(dataset, "_get_batch", None)
        if collate_fn is not default_collate:
            self.get_batch = None
        self.get_items = getattr(dataset, "__getitems__", None)

    def fetch(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.get_batch is not None:
            return self.get_batch(indices)
        if self.get_items is not None:
            return self.collate_fn(self.get_items(indices))
        return self.collate_fn([self.dataset[i] for i in indices])


class IterableFetcher:
    """Batches of an iterable dataset: the next ``batch_size`` samples of its iterator (a short
    last batch unless ``drop_last``). Raises ``StopIteration`` when the stream is done."""

    def __init__(
        self, dataset, auto_collation: bool, collate_fn: Callable, batch_size, drop_last: bool
    ) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, _task=None):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        batch = []
        for item in self.iterator:
            batch.append(item)
            if len(batch) == self.batch_size:
                break
        else:
            self.ended = True
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate_fn(batch)
