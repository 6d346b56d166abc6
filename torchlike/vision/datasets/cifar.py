"""CIFAR-10 (``torchvision.datasets.CIFAR10``) from its official python version.

The batches (``data_batch_1`` ... ``data_batch_5``, ``test_batch``, ``batches.meta``) are read
from ``root/cifar-10-batches-py/`` (torchvision's layout), from ``root`` itself, or straight out of
the official archive ``root/cifar-10-python.tar.gz`` without extracting it. The batches are
pickles; they are read with an unpickler that accepts only what they contain (dicts, lists,
bytes, NumPy arrays), so a crafted file cannot run code. Without local files, a prepared
tensorflow-datasets copy under ``root`` is used, and ``download=True`` uses tfds' download path.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from . import _tfds
from .vision import VisionDataset

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


class CIFAR10(VisionDataset):
    """``CIFAR10(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(32×32 RGB PIL image, int label)``; ``data`` is the N×32×32×3 uint8 array and
    ``targets`` the list of labels, as in torchvision.
    """

    base_folder = "cifar-10-batches-py"
    archive = "cifar-10-python.tar.gz"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    meta_file = "batches.meta"
    label_key = "labels"
    meta_key = "label_names"
    _tfds_name = "cifar10"
    classes = [
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
        names = self.train_list if train else self.test_list
        read = self._reader()
        if read is not None:
            batches = [load_batch(read(n)) for n in names]
            data = np.concatenate([np.asarray(b["data"], dtype=np.uint8) for b in batches])
            self.data = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            self.targets = [int(t) for b in batches for t in b[self.label_key]]
            try:
                names = load_batch(read(self.meta_file))[self.meta_key]
                self.classes = [c.decode() if isinstance(c, bytes) else str(c) for c in names]
            except (FileNotFoundError, KeyError):
                pass  # the meta file is optional: the class names are known
        elif download or _tfds.is_prepared(self._tfds_name, self.root):
            try:
                images, labels = _tfds.load(
                    self._tfds_name, "train" if train else "test", self.root, download
                )
            except Exception as e:
                raise RuntimeError(f"{self._missing_message()}\n(tensorflow-datasets: {e})") from e
            self.data, self.targets = images, labels.tolist()
        else:
            raise RuntimeError(self._missing_message())
        if len(self.data) != len(self.targets):
            raise RuntimeError("CIFAR batches hold different numbers of images and labels")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _reader(self) -> Callable[[str], bytes] | None:
        """A function reading a batch file by name, from a folder or the archive, or None."""
        names = self.train_list if self.train else self.test_list
        for d in (self.root / self.base_folder, self.root):
            if all((d / n).is_file() for n in names):
                return lambda n, d=d: (d / n).read_bytes()
        tar_path = self.root / self.archive
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
        names = ", ".join(self.train_list if self.train else self.test_list)
        return (
            f"{type(self).__name__} files not found: put the official archive {self.archive} "
            f"in {self.root}, or its extracted folder {self.base_folder}/ (with {names} and "
            f"{self.meta_file}) in {self.root}. Without these files, download=True fetches the "
            "dataset with tensorflow-datasets, which needs network access."
        )

    def __len__(self) -> int:
        return len(self.data)

    def _image(self, index: int) -> Image.Image:
        return Image.fromarray(self.data[index])

    def _target(self, index: int) -> int:
        return self.targets[index]

    def _arrays(self, indices) -> np.ndarray:
        return self.data[np.asarray(indices)]
