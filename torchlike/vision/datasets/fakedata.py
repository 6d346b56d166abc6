"""``FakeData``: random images, for programs' smoke runs (``torchvision.datasets.FakeData``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from ... import random
from ..._ops import creation
from .vision import VisionDataset


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (``(C, H, W)`` or ``(H, W)``) as PIL images, with
    random targets in ``[0, num_classes)``.

    As in torchvision, item ``index`` is drawn from the default generator seeded with
    ``index + random_offset`` (so an item is the same on every read), and the generator's state
    is restored afterwards: reading items does not move the caller's random stream. The image is
    ``randn(*image_size)`` converted as ``ToPILImage`` converts a float tensor (times 255,
    truncated, wrapped to a byte). torchlike's random streams are not PyTorch's, so the pixel
    values and targets differ from torchvision's; shapes, modes, types and determinism agree.
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, ...] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return self.size

    def _draw(self, index: int):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        state = random.get_rng_state()
        try:
            random.manual_seed(index + self.random_offset)
            img = creation.randn(*self.image_size)
            target = creation.randint(0, self.num_classes, size=(1,))[0]
        finally:
            random.set_rng_state(state)
        return _to_pil(np.asarray(img._data)), target

    def __getitem__(self, index: int):
        img, target = self._draw(index)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    @property
    def _get_batch(self):
        # target_transform sees a tensor and its result is .item()-ed: DataLoader goes item by item
        if self.target_transform is not None:
            raise AttributeError("_get_batch")
        return super()._get_batch

    # the batched DataLoader path reads items through these
    def _image(self, index: int):
        return self._draw(index)[0]

    def _target(self, index: int):
        return self._draw(index)[1].item()


def _to_pil(arr: np.ndarray) -> Image.Image:
    """A float ``(C, H, W)`` or ``(H, W)`` array as a PIL image, as ``ToPILImage`` makes it."""
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    channels = arr.shape[0]
    if channels > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {channels} channels.")
    scaled = np.trunc(arr.astype(np.float32) * np.float32(255))
    pixels = (scaled.astype(np.int64) & 0xFF).astype(np.uint8).transpose(1, 2, 0)
    if channels == 1:
        pixels = pixels[:, :, 0]
    return Image.fromarray(pixels)  # L, LA, RGB or RGBA, as ToPILImage picks
