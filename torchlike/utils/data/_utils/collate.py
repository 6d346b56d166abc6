"""``default_collate`` and ``default_convert``: samples to batches, with PyTorch's rules.

A batch of tensors is stacked; NumPy arrays and NumPy scalars become tensors of their dtype;
Python ``float``/``int``/``bool`` become float64/int64/bool tensors; strings and bytes stay a
list; mappings, namedtuples and sequences are collated field by field (a tuple of fields comes
back as a list, as in PyTorch). NumPy arrays are stacked on the host and moved to the device once,
so collating a batch of arrays costs one transfer, not one per sample.
"""

from __future__ import annotations

import collections.abc
import re
from typing import Any

import numpy as np

from .... import _arrays
from ...._tensor import Tensor

_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)
_NP_STR_OBJ = re.compile(r"[SaUO]")


def _as_tensor(arr: np.ndarray) -> Tensor:
    return Tensor._wrap(_arrays.from_host(arr))


def _on_host(t: Tensor) -> bool:
    if isinstance(t._data, np.ndarray):  # a forked worker's tensors (``host.py``)
        return True
    return all(d.platform == "cpu" for d in t._data.devices())


def _stack_tensors(batch: list[Tensor]) -> Tensor:
    if any(t.requires_grad for t in batch) or not _on_host(batch[0]):
        from ...._ops.shape import stack

        return stack(batch, 0)
    if len({t.shape for t in batch}) != 1:
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got {list(batch[0].shape)} at "
            f"entry 0 and {list(next(t.shape for t in batch if t.shape != batch[0].shape))}"
        )
    # Host arrays: one NumPy stack and one transfer, cheaper than a device op over many arrays.
    return _as_tensor(np.stack([np.asarray(t._data) for t in batch]))


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch (``torch.utils.data.default_collate``)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if _NP_STR_OBJ.search(elem.dtype.str) is not None:
            raise TypeError(_ERR.format(elem.dtype))
        return _as_tensor(np.stack(batch) if isinstance(elem, np.ndarray) else np.asarray(batch))
    if isinstance(elem, bool):
        return _as_tensor(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return _as_tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        return _as_tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # a mapping type whose constructor takes something else
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """NumPy arrays (and those inside mappings and sequences) to tensors, others unchanged: the
    ``collate_fn`` of a ``DataLoader`` with ``batch_size=None``."""
    if isinstance(data, np.ndarray) and _NP_STR_OBJ.search(data.dtype.str) is None:
        return _as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
