"""Datasets through tensorflow-datasets: ``tfds.data_source`` random access (ArrayRecord files,
no TensorFlow needed to read them).

Used when a dataset is found neither as raw files nor downloaded (``download=True`` fetches the
official files itself, see ``utils.py``): a tfds dataset already prepared under ``root``
(``root/<tfds name>/<version>/``) is read offline. tfds is never asked to download (its
preparation step needs TensorFlow). Records come back as NumPy arrays, so the datasets index
them like the raw files.

Why raw files come first, rather than being turned into a tfds copy offline (tfds' builders can
prepare one without TensorFlow when handed PIL images): tfds shuffles the records while preparing,
so item ``i`` would no longer be torchvision's item ``i`` (Fashion-MNIST's training item 0, the
ankle boot, lands elsewhere), and reading back 60000 PNG-encoded records takes seconds where
parsing the IDX files takes a fraction of one. A dataset read from a tfds copy is in tfds' order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def is_prepared(name: str, root: Path) -> bool:
    """Whether ``root`` holds a prepared tfds dataset ``name`` (checked without importing tfds)."""
    return any((root / name).glob("*/dataset_info.json"))


def load(name: str, split: str, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """All ``(images, labels)`` of ``split`` as arrays (images N×H×W×C uint8, labels int64)."""
    import tensorflow_datasets as tfds

    source = tfds.data_source(
        name,
        split=split,
        data_dir=str(root),
        download=False,
        builder_kwargs={"file_format": "array_record"},
    )
    records = [source[i] for i in range(len(source))]
    images = np.stack([np.asarray(r["image"], dtype=np.uint8) for r in records])
    labels = np.asarray([int(r["label"]) for r in records], dtype=np.int64)
    return images, labels
