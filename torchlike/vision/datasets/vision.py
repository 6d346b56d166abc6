"""``VisionDataset``: the base of the image datasets (``torchvision.datasets.VisionDataset``).

A subclass says how to read one image (``_image``) and one label (``_target``); items are
``(transform(image), target_transform(label))`` as in torchvision. When ``transform`` ends in
``ToTensor`` (optionally followed by ``Normalize``), ``DataLoader`` fetches whole batches through
``_get_batch``: the transforms before ``ToTensor`` still run image by image (same random draws,
same order), then the images are stacked on the host and converted and normalized at once,
with one transfer to the device. The numbers are those of the per-item path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from ...utils.data._utils.collate import default_collate
from ...utils.data.dataset import Dataset
from .. import transforms as T


class VisionDataset(Dataset):
    """Items ``(image, target)`` with ``transform``/``target_transform`` applied."""

    transform: Callable | None = None
    target_transform: Callable | None = None

    def _image(self, index: int):
        raise NotImplementedError

    def _target(self, index: int):
        raise NotImplementedError

    def _arrays(self, indices: Sequence[int]) -> np.ndarray:
        """The untransformed images of a batch, stacked (subclasses holding arrays index once)."""
        return np.stack([np.asarray(self._image(i)) for i in indices])

    def __getitem__(self, index: int):
        img, target = self._image(index), self._target(index)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def _get_batch(self):
        split = T._split_to_tensor(self.transform)
        if split is None:  # no batched path for this transform: DataLoader goes item by item
            raise AttributeError("_get_batch")
        return functools.partial(self._batch, *split)

    def _batch(self, head: list, normalizes: list, indices: list[int]):
        if head:
            pipeline = T.Compose(head)
            images = [np.asarray(pipeline(self._image(i))) for i in indices]
            if len({a.shape for a in images}) > 1:
                raise RuntimeError("stack expects each tensor to be equal size")
            arrays = np.stack(images)
        else:
            arrays = self._arrays(indices)
        targets = [self._target(i) for i in indices]
        if self.target_transform is not None:
            targets = [self.target_transform(t) for t in targets]
        return T._to_tensor_batch(arrays, normalizes), default_collate(targets)
