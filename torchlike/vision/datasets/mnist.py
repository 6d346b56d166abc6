"""MNIST and Fashion-MNIST from their official IDX files (``*-idx3-ubyte[.gz]``).

``root`` is searched for the four files (directly, or under ``<root>/<ClassName>/raw`` as
torchvision lays them out); Fashion-MNIST is also found in Debian's ``dataset-fashion-mnist``
package and in the repository's shared data folder. ``download=True`` is accepted but nothing is
fetched: without the files a clear ``RuntimeError`` says where they were looked for.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ...utils.data.dataset import Dataset

_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a NumPy array, checking its header."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    dtype = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}.get(
        raw[2]
    )
    if dtype is None:
        raise RuntimeError(f"{path}: unknown IDX element type {raw[2]:#x}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise RuntimeError(f"{path}: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims).astype(np.dtype(dtype).newbyteorder("="))


class MNIST(Dataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(image, target)``: the image a ``uint8`` 28×28 tensor (torchvision gives a PIL
    image; ``ToTensor`` treats both alike), the target an ``int``. ``data`` (N×28×28 uint8) and
    ``targets`` (N int64) hold the whole split, as in torchvision.
    """

    classes = [
        f"{i} - {w}"
        for i, w in enumerate("zero one two three four five six seven eight nine".split())
    ]
    _extra_dirs: tuple[str, ...] = ()

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
        images, labels = self._find_files()
        self._images = read_idx(images)
        self._labels = read_idx(labels).astype(np.int64)
        if len(self._images) != len(self._labels):
            raise RuntimeError(f"{images} and {labels} hold different numbers of items")
        self.data = Tensor._wrap(jnp.asarray(self._images))
        self.targets = Tensor._wrap(jnp.asarray(self._labels))

    def _candidates(self) -> list[Path]:
        name = type(self).__name__
        dirs = [self.root, self.root / name / "raw", self.root / name]
        here = Path(__file__).resolve()
        for extra in self._extra_dirs:
            p = Path(extra)
            dirs.append(p if p.is_absolute() else here.parents[3] / p)
        return dirs

    def _find_files(self) -> tuple[Path, Path]:
        stems = _FILES[self.train]
        for d in self._candidates():
            found = []
            for stem in stems:
                hits = [d / (stem + ext) for ext in ("", ".gz") if (d / (stem + ext)).is_file()]
                if hits:
                    found.append(hits[0])
            if len(found) == 2:
                return found[0], found[1]
        looked = "\n  ".join(str(d) for d in self._candidates())
        raise RuntimeError(
            f"{type(self).__name__} files ({', '.join(stems)}, optionally .gz) not found; looked "
            f"in:\n  {looked}\nThis machine cannot download them: place the official files in "
            f"one of those folders."
        )

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int):
        img = Tensor._wrap(jnp.asarray(self._images[index]))
        target = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _get_batch(self, indices: list[int]):
        """A collated batch; per-sample transforms are applied to the stacked batch when they
        are the standard ``ToTensor``/``Normalize`` (which act per channel alike)."""
        from ..transforms import Compose, Normalize, ToTensor

        idx = np.asarray(indices)
        ts = (
            self.transform.transforms
            if isinstance(self.transform, Compose)
            else [self.transform]
            if self.transform is not None
            else []
        )
        if self.target_transform is not None or not all(
            isinstance(t, (ToTensor, Normalize)) for t in ts
        ):
            from ...utils.data.dataloader import default_collate

            return default_collate([self[i] for i in indices])
        x = self._images[idx]
        if ts and isinstance(ts[0], ToTensor):
            batch = Tensor._wrap(jnp.asarray(x, jnp.float32)[:, None] / 255.0)
            for t in ts[1:]:
                batch = t(batch)
        else:
            batch = Tensor._wrap(jnp.asarray(x))
        return batch, Tensor._wrap(jnp.asarray(self._labels[idx]))


class FashionMNIST(MNIST):
    """Fashion-MNIST: the MNIST format with ten kinds of clothing."""

    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    _extra_dirs = ("/usr/share/datasets/fashion-mnist", "../shared/data/fashion_mnist")
