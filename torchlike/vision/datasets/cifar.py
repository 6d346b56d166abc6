"""CIFAR-10 and CIFAR-100 (``torchvision.datasets.CIFAR10``/``CIFAR100``) from their official
python versions.

The batches (CIFAR-10: ``data_batch_1`` ... ``data_batch_5``, ``test_batch``, ``batches.meta``;
CIFAR-100: ``train``, ``test``, ``meta``) are read from ``root/<base_folder>/`` (torchvision's
layout: ``cifar-10-batches-py``, ``cifar-100-python``), from ``root`` itself, or straight out of
the official archive ``root/<filename>`` without extracting it. The batches are pickles; they are
read with an unpickler that accepts only what they contain (dicts, lists, bytes, NumPy arrays),
so a crafted file cannot run code.

``download=True`` works as torchvision's: unless every batch in ``root/<base_folder>/`` has its
MD5 (``train_list``/``test_list``), the archive is fetched from ``url`` (kept if already there
with MD5 ``tgz_md5``), checked, and extracted into ``root``, each file written atomically (see
``utils.py``). Without local files, a prepared tensorflow-datasets copy under ``root`` is used.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from collections.abc import Callable

import numpy as np
from PIL import Image

from .utils import DOWNLOAD_ERRORS, check_integrity, download_and_extract_archive
from .vision import _SplitDataset

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 spell bytes
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(
                f"CIFAR batch refers to {module}.{name}; only NumPy arrays are allowed"
            )
        return super().find_class(module, name)


def load_batch(raw: bytes) -> dict:
    """One CIFAR python batch: a dict with ``str`` keys (the files pickle them as bytes)."""
    d = _SafeUnpickler(io.BytesIO(raw), encoding="latin1").load()
    if not isinstance(d, dict):
        raise RuntimeError("a CIFAR batch must be a pickled dict")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}


class CIFAR10(_SplitDataset):
    """``CIFAR10(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(32×32 RGB PIL image, int label)``; ``data`` is the N×32×32×3 uint8 array and
    ``targets`` the list of labels, as in torchvision. ``url``, ``filename``, ``tgz_md5``,
    ``train_list``/``test_list`` (``[name, md5]`` pairs) and ``meta`` are torchvision's.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {
        "filename": "batches.meta",
        "key": "label_names",
        "md5": "5ff9c542aee3614f3951f8cda6e48888",
    }
    _tfds_name = "cifar10"
    classes: list[str] | None = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]

    def _load_files(self) -> bool:
        read = self._reader()
        if read is None:
            return False
        names = self._names(self.train_list if self.train else self.test_list)
        batches = [load_batch(read(n)) for n in names]
        data = np.concatenate([np.asarray(b["data"], dtype=np.uint8) for b in batches])
        self.data = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        key = "labels" if all("labels" in b for b in batches) else "fine_labels"
        self.targets = [int(t) for b in batches for t in b[key]]
        try:
            names = load_batch(read(self.meta["filename"]))[self.meta["key"]]
            self.classes = [c.decode() if isinstance(c, bytes) else str(c) for c in names]
        except (FileNotFoundError, KeyError):
            if self.classes is None:  # no built-in names to fall back on
                raise RuntimeError(
                    f"{self.meta['filename']} (the class names) not found or without "
                    f"{self.meta['key']!r} in {self.root / self.base_folder}"
                ) from None
        if len(self.data) != len(self.targets):
            raise RuntimeError("CIFAR batches hold different numbers of images and labels")
        return True

    def _load_tfds(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.data, self.targets = images, labels.tolist()

    @staticmethod
    def _names(entries) -> list[str]:
        return [e[0] if isinstance(e, list | tuple) else e for e in entries]

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes or [])}

    def _check_integrity(self) -> bool:
        """Whether every batch of both splits is in ``root/<base_folder>`` with its MD5."""
        folder = self.root / self.base_folder
        return all(
            check_integrity(folder / name, md5) for name, md5 in self.train_list + self.test_list
        )

    def download(self) -> None:
        """Fetch and extract the official archive unless the batches are there and intact."""
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(
                self.url, self.root, filename=self.filename, md5=self.tgz_md5
            )
        except DOWNLOAD_ERRORS as e:
            raise RuntimeError(
                f"Error downloading {self.url}:\n{e}\n\n{self._missing_message()}"
            ) from e

    def _reader(self) -> Callable[[str], bytes] | None:
        """A function reading a batch file by name, from a folder or the archive, or None."""
        names = self._names(self.train_list if self.train else self.test_list)
        for d in (self.root / self.base_folder, self.root):
            if all((d / n).is_file() for n in names):
                return lambda n, d=d: (d / n).read_bytes()
        tar_path = self.root / self.filename
        if tar_path.is_file():
            with tarfile.open(tar_path, "r:gz") as tar:
                members = {
                    m.name: tar.extractfile(m).read()
                    for m in tar.getmembers()
                    if m.isfile() and m.name.startswith(self.base_folder + "/")
                }

            def read(n: str) -> bytes:
                key = f"{self.base_folder}/{n}"
                if key not in members:
                    raise FileNotFoundError(f"{key} is not in {tar_path}")
                return members[key]

            return read
        return None

    def _missing_message(self) -> str:
        names = ", ".join(self._names(self.train_list if self.train else self.test_list))
        return (
            f"{type(self).__name__} files not found: put the official archive {self.filename} "
            f"in {self.root}, or its extracted folder {self.base_folder}/ (with {names} and "
            f"{self.meta['filename']}) in {self.root}. download=True fetches the archive "
            f"(network access needed) from {self.url}"
        )

    def __len__(self) -> int:
        return len(self.data)

    def _image(self, index: int) -> Image.Image:
        return Image.fromarray(self.data[index])

    def _target(self, index: int) -> int:
        return self.targets[index]

    def _arrays(self, indices) -> np.ndarray:
        return self.data[np.asarray(indices)]


class CIFAR100(CIFAR10):
    """CIFAR-100: the CIFAR-10 format with 100 classes; targets are the fine labels and
    ``classes`` the fine label names read from the ``meta`` file, as in torchvision."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {
        "filename": "meta",
        "key": "fine_label_names",
        "md5": "7973b15100ade9c7d40fb424638fde48",
    }
    _tfds_name = "cifar100"
    classes = None
