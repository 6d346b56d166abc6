"""The data pieces the demo relies on: IDX datasets, TensorDataset and DataLoader vs torch."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch as ref
import torch.utils.data as ref_data
from data_paths import fashion_mnist_root

import torchlike as tl
from torchlike.utils.data import DataLoader, TensorDataset, random_split
from torchlike.vision import datasets, transforms


def write_idx(path, array: np.ndarray, compress: bool) -> None:
    """Write ``array`` in the official IDX format (big-endian header, uint8 payload)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_official_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 7, dtype=np.uint8)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    ext = ".gz" if compress else ""
    write_idx(raw / f"t10k-images-idx3-ubyte{ext}", images, compress)
    write_idx(raw / f"t10k-labels-idx1-ubyte{ext}", labels, compress)
    ds = datasets.MNIST(tmp_path, train=False, transform=transforms.ToTensor())
    assert len(ds) == 7
    img, target = ds[3]
    assert img.shape == tl.Size([1, 28, 28]) and img.dtype == tl.float32
    np.testing.assert_allclose(img.numpy()[0], images[3] / 255.0, rtol=1e-6)
    assert target == int(labels[3])
    np.testing.assert_array_equal(ds.targets.numpy(), labels.astype(np.int64))
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_allclose(x.numpy()[:, 0], images[:4] / 255.0, rtol=1e-6)


def test_missing_files_raise_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="not found"):
        datasets.MNIST(tmp_path)


def test_corrupt_file_is_rejected(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04garbage")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x09")
    with pytest.raises(RuntimeError, match="IDX"):
        datasets.MNIST(tmp_path)


def test_real_fashion_mnist_is_read_from_its_root_only(tmp_path):
    with pytest.raises(RuntimeError, match="FashionMNIST files not found"):
        datasets.FashionMNIST(tmp_path / "does-not-exist", train=True)
    root = fashion_mnist_root()
    if root is None:
        pytest.skip("Fashion-MNIST files are not on this machine")
    ds = datasets.FashionMNIST(root, train=True)
    assert len(ds) == 60000 and ds.data.shape == tl.Size([60000, 28, 28])
    assert ds[0][1] == 9  # the first training item is an ankle boot


def test_dataloader_batches_match_torch():
    x = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25)
    ours = DataLoader(TensorDataset(tl.tensor(x), tl.tensor(y)), batch_size=4, drop_last=False)
    theirs = ref_data.DataLoader(ref_data.TensorDataset(ref.tensor(x), ref.tensor(y)), batch_size=4)
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert b.dtype == tl.int64


def test_shuffle_is_a_seeded_permutation():
    ds = TensorDataset(tl.arange(20))
    tl.manual_seed(3)
    first = tl.cat([b[0] for b in DataLoader(ds, batch_size=6, shuffle=True)]).tolist()
    tl.manual_seed(3)
    again = tl.cat([b[0] for b in DataLoader(ds, batch_size=6, shuffle=True)]).tolist()
    assert sorted(first) == list(range(20)) and first == again and first != list(range(20))
    assert len(DataLoader(ds, batch_size=6, drop_last=True)) == 3


def test_custom_collate_and_random_split():
    ds = TensorDataset(tl.arange(10), tl.arange(10) * 2)
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda batch: len(batch))
    assert list(loader) == [3, 3, 3, 1]
    a, b = random_split(ds, [0.7, 0.3], generator=tl.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
