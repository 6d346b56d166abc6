"""Where the tests find the real Fashion-MNIST files. The datasets read from the ``root`` they are
given and nowhere else (as torchvision's), so the tests name a root: ``$TORCHLIKE_TEST_DATA``
if set, else the repository's ``data/`` (``make test``/``make demo`` link
``data/FashionMNIST/raw`` to the files), else Debian's ``dataset-fashion-mnist`` folder or
``../shared/data/fashion_mnist`` beside the checkout (both hold the four ``.gz`` files directly,
a layout the datasets accept as a root)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def _holds_fashion_mnist(root: Path) -> bool:
    for folder in (root / "FashionMNIST" / "raw", root / "FashionMNIST", root):
        if all((folder / f).is_file() or (folder / f"{f}.gz").is_file() for f in FILES):
            return True
    return False


def fashion_mnist_root() -> str | None:
    """The first root holding all four Fashion-MNIST files, or None (only
    ``$TORCHLIKE_TEST_DATA`` is looked at when it is set)."""
    env = os.environ.get("TORCHLIKE_TEST_DATA")
    candidates = (
        [Path(env)]
        if env
        else [
            ROOT / "data",
            Path("/usr/share/datasets/fashion-mnist"),
            ROOT.parent / "shared" / "data" / "fashion_mnist",
        ]
    )
    return next((str(c) for c in candidates if _holds_fashion_mnist(c)), None)
