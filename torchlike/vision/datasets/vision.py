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
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ...utils.data._utils.collate import default_collate
from ...utils.data.dataset import Dataset
from .. import transforms as T
from . import _tfds


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


class _SplitDataset(VisionDataset):
    """A dataset's train or test split (``train``), read from its official files under ``root``
    (fetched first with ``download=True``) or else from a tensorflow-datasets copy prepared
    there (``_tfds_name``); neither at hand raises ``_missing_message()``."""

    _tfds_name: str

    def __init__(
        self,
        root: str | os.PathLike = "data",
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        self.root = Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        if self._load_files():
            return
        if not _tfds.is_prepared(self._tfds_name, self.root):
            raise RuntimeError(self._missing_message())
        try:
            images, labels = _tfds.load(self._tfds_name, "train" if train else "test", self.root)
        except Exception as e:
            raise RuntimeError(f"{self._missing_message()}\n(tensorflow-datasets: {e})") from e
        self._load_tfds(images, labels)

    def download(self) -> None:
        raise NotImplementedError

    def _load_files(self) -> bool:
        """Read the split from the official files; False when they are not at hand."""
        raise NotImplementedError

    def _load_tfds(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Keep the split read from tensorflow-datasets (images N×H×W×C uint8, labels int64)."""
        raise NotImplementedError

    def _missing_message(self) -> str:
        raise NotImplementedError
