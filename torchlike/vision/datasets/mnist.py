"""MNIST, Fashion-MNIST and Kuzushiji-MNIST (``torchvision.datasets.MNIST``/``FashionMNIST``/
``KMNIST``).

Where the data comes from, in order:

1. The official IDX files (``train-images-idx3-ubyte`` ... , gzipped or not) in ``root``, in
   torchvision's ``root/<ClassName>/raw/`` layout, or in ``root/<ClassName>/`` or ``root``, and
   nowhere else. The files are parsed for their content (headers are checked), so repackaged
   ``.gz`` files work.
2. With ``download=True``, the four official ``.gz`` files (``resources``: name and MD5) fetched
   from the first of ``mirrors`` that serves them intact, checked, and written atomically into
   ``root/<ClassName>/raw/`` next to their extracted copies, as torchvision does.
3. A tensorflow-datasets copy already prepared under ``root`` (read with ``tfds.data_source``;
   its items are in tfds' order, not torchvision's).

Otherwise a ``RuntimeError`` names the files and the folders to put them in. Items are
``(PIL image (mode "L", 28×28), int label)`` as in torchvision.
"""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from ... import _arrays
from ..._tensor import Tensor
from .utils import DOWNLOAD_ERRORS, download_and_extract_archive
from .vision import _SplitDataset

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


def _renamed(old: str, new: str) -> property:
    """The read-only attribute ``old``: ``new``, with torchvision's warning."""

    def get(self) -> Tensor:
        warnings.warn(f"{old} has been renamed {new}", stacklevel=2)
        return getattr(self, new)

    return property(get, doc=f"Deprecated name of ``{new}``.")


class MNIST(_SplitDataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(image, target)``: a 28×28 PIL image (mode ``"L"``) and an ``int``, each passed
    through ``transform``/``target_transform``. ``data`` (N×28×28 uint8) and ``targets`` (N int64)
    are the whole split as tensors, as in torchvision.
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [
        f"{i} - {w}"
        for i, w in enumerate("zero one two three four five six seven eight nine".split())
    ]
    _tfds_name = "mnist"

    def _load_files(self) -> bool:
        files = self._find_files()
        if files is None:
            return False
        self._images = read_idx(files[0])
        self._labels = read_idx(files[1]).astype(np.int64)
        if len(self._images) != len(self._labels):
            raise RuntimeError(f"{files[0]} and {files[1]} hold different numbers of items")
        return True

    def _load_tfds(self, images: np.ndarray, labels: np.ndarray) -> None:
        self._images, self._labels = images[..., 0], labels

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "processed")

    def _check_exists(self) -> bool:
        """Whether every file of ``resources`` is at hand (gzipped or extracted)."""
        return all(self._find(name.removesuffix(".gz")) is not None for name, _ in self.resources)

    def download(self) -> None:
        """Download the files of ``resources`` not already at hand into ``raw_folder``: each from
        the first of ``mirrors`` serving it with the right MD5, then extracted, as torchvision."""
        if self._check_exists():
            return
        raw = self.raw_folder
        os.makedirs(raw, exist_ok=True)
        for filename, md5 in self.resources:
            if os.path.isfile(os.path.join(raw, filename.removesuffix(".gz"))):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(f"{mirror}{filename}", raw, None, filename, md5)
                except DOWNLOAD_ERRORS as e:
                    errors.append(f"Tried {mirror}, got:\n{e}")
                    continue
                break
            else:
                tried = "\n".join(errors) if errors else "No mirrors to try (mirrors is empty)."
                raise RuntimeError(
                    f"Error downloading {filename}:\n{tried}\n\n{self._missing_message()}"
                )

    @property
    def data(self) -> Tensor:
        return Tensor._wrap(_arrays.from_host(self._images))

    @property
    def targets(self) -> Tensor:
        return Tensor._wrap(_arrays.from_host(self._labels))

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    # torchvision's deprecated names (older tutorials use them), with torchvision's warnings.
    train_labels = _renamed("train_labels", "targets")
    test_labels = _renamed("test_labels", "targets")
    train_data = _renamed("train_data", "data")
    test_data = _renamed("test_data", "data")

    def _candidates(self) -> list[Path]:
        name = type(self).__name__
        return [self.root / name / "raw", self.root / name, self.root]

    def _find(self, stem: str) -> Path | None:
        """The file ``stem`` (extracted, else ``.gz``) in the first folder holding either."""
        for d in self._candidates():
            for path in (d / stem, d / (stem + ".gz")):
                if path.is_file():
                    return path
        return None

    def _find_files(self) -> tuple[Path, Path] | None:
        for d in self._candidates():
            found = []
            for stem in _FILES[self.train]:
                hits = [d / (stem + ext) for ext in ("", ".gz") if (d / (stem + ext)).is_file()]
                found += hits[:1]
            if len(found) == 2:
                return found[0], found[1]
        return None

    def _missing_message(self) -> str:
        stems = _FILES[self.train]
        looked = "\n  ".join(str(d) for d in self._candidates())
        mirrors = ", ".join(self.mirrors)
        return (
            f"{type(self).__name__} files not found: put {stems[0]}.gz and {stems[1]}.gz (the "
            f"official files, gzipped or not) in {self.root / type(self).__name__ / 'raw'} "
            f"(torchvision's layout) or directly in {self.root}. Looked in:\n  {looked}\n"
            f"download=True fetches them (network access needed) from: {mirrors}"
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
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    _tfds_name = "fashion_mnist"


class KMNIST(MNIST):
    """Kuzushiji-MNIST: ten classes of cursive Japanese characters in the MNIST format."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    _tfds_name = "kmnist"
