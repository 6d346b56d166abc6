"""MNIST and Fashion-MNIST (``torchvision.datasets.MNIST``/``FashionMNIST``).

Where the data comes from, in order:

1. The four official IDX files (``train-images-idx3-ubyte`` ... , gzipped or not) in ``root``,
   in torchvision's ``root/<ClassName>/raw/`` layout, or in ``root/<ClassName>/``; for
   Fashion-MNIST also Debian's ``dataset-fashion-mnist`` folder and ``../shared/data``. The files
   are parsed for their content (headers are checked), so repackaged ``.gz`` files work.
2. A tensorflow-datasets copy already prepared under ``root`` (read with ``tfds.data_source``).
3. With ``download=True``, tensorflow-datasets' download path (needs the network).

Otherwise a ``RuntimeError`` names the files and the folders to put them in. Items are
``(PIL image (mode "L", 28×28), int label)`` as in torchvision.
"""

from __future__ import annotations

import gzip
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import jax.numpy as jnp
import numpy as np
from PIL import Image

from ..._tensor import Tensor
from . import _tfds
from .vision import VisionDataset

_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (gzipped or not, told by its first bytes) into a NumPy array."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    dtype = _IDX_TYPES.get(raw[2])
    if dtype is None:
        raise RuntimeError(f"{path}: unknown IDX element type {raw[2]:#x}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise RuntimeError(f"{path}: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims).astype(np.dtype(dtype).newbyteorder("="))


class MNIST(VisionDataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(image, target)``: a 28×28 PIL image (mode ``"L"``) and an ``int``, each passed
    through ``transform``/``target_transform``. ``data`` (N×28×28 uint8) and ``targets`` (N int64)
    are the whole split as tensors, as in torchvision.
    """

    classes = [
        f"{i} - {w}"
        for i, w in enumerate("zero one two three four five six seven eight nine".split())
    ]
    _tfds_name = "mnist"
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
        files = self._find_files()
        if files is not None:
            self._images = read_idx(files[0])
            self._labels = read_idx(files[1]).astype(np.int64)
            if len(self._images) != len(self._labels):
                raise RuntimeError(f"{files[0]} and {files[1]} hold different numbers of items")
        elif download or _tfds.is_prepared(self._tfds_name, self.root):
            split = "train" if train else "test"
            try:
                images, self._labels = _tfds.load(self._tfds_name, split, self.root, download)
            except Exception as e:
                raise RuntimeError(f"{self._missing_message()}\n(tensorflow-datasets: {e})") from e
            self._images = images[..., 0]
        else:
            raise RuntimeError(self._missing_message())

    @property
    def data(self) -> Tensor:
        return Tensor._wrap(jnp.asarray(self._images))

    @property
    def targets(self) -> Tensor:
        return Tensor._wrap(jnp.asarray(self._labels))

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    # torchvision's deprecated names (older tutorials use them), with torchvision's warnings.
    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def _candidates(self) -> list[Path]:
        name = type(self).__name__
        dirs = [self.root, self.root / name / "raw", self.root / name]
        repo = Path(__file__).resolve().parents[3]
        for extra in self._extra_dirs:
            p = Path(extra)
            dirs.append(p if p.is_absolute() else repo / p)
        return dirs

    def _find_files(self) -> tuple[Path, Path] | None:
        for d in self._candidates():
            found = []
            for stem in _FILES[self.train]:
                hits = [d / (stem + ext) for ext in (".gz", "") if (d / (stem + ext)).is_file()]
                found += hits[:1]
            if len(found) == 2:
                return found[0], found[1]
        return None

    def _missing_message(self) -> str:
        stems = _FILES[self.train]
        looked = "\n  ".join(str(d) for d in self._candidates())
        return (
            f"{type(self).__name__} files not found: put {stems[0]}.gz and {stems[1]}.gz (the "
            f"official files, gzipped or not) in {self.root / type(self).__name__ / 'raw'} "
            f"(torchvision's layout) or directly in {self.root}. Looked in:\n  {looked}\n"
            "Without these files, download=True fetches the dataset with tensorflow-datasets, "
            "which needs network access."
        )

    def __len__(self) -> int:
        return len(self._labels)

    def _image(self, index: int) -> Image.Image:
        return Image.fromarray(self._images[index])

    def _target(self, index: int) -> int:
        return int(self._labels[index])

    def _arrays(self, indices) -> np.ndarray:
        return self._images[np.asarray(indices)]


class FashionMNIST(MNIST):
    """Fashion-MNIST: the MNIST format with ten kinds of clothing (same signature as MNIST)."""

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
    _tfds_name = "fashion_mnist"
    _extra_dirs = ("/usr/share/datasets/fashion-mnist", "../shared/data/fashion_mnist")
