"""``download=True`` for MNIST, FashionMNIST, KMNIST, CIFAR10 and CIFAR100, against small files in
the official formats served by a local HTTP server on 127.0.0.1: mirrors tried in order, checksums
enforced, files written atomically in torchvision's layout. The class attributes torchvision
documents for this (``mirrors``/``resources``; ``url``/``tgz_md5``/``train_list``...) point the
datasets at the local server and the small files' checksums. Every other connection is refused
here, so these tests never reach beyond the machine."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import socket
import struct
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from _helpers import FileServer, free_port
from data_paths import fashion_mnist_root

from torchlike.vision import datasets
from torchlike.vision.datasets import utils

ROOT = Path(__file__).resolve().parents[1]
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Refuse every connection and name lookup that is not for this machine's loopback; and
    make TensorFlow and tensorflow-datasets unimportable: downloads need neither."""
    for blocked in ("tensorflow", "tensorflow_datasets"):
        monkeypatch.setitem(sys.modules, blocked, None)
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            raise OSError(
                101, f"Network is unreachable (tests may reach 127.0.0.1 only: {address})"
            )
        return real_connect(sock, address)

    def lookup(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"name lookups are refused in tests: {host}")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)


@pytest.fixture
def server():
    s = FileServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def refused_url() -> str:
    """A mirror on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/mnist/"


def md5(raw: bytes) -> str:
    return hashlib.md5(raw).hexdigest()


def corrupt(raw: bytes) -> bytes:
    """The same length with one byte changed: only the checksum tells."""
    return raw[:-1] + bytes([raw[-1] ^ 0xFF])


def idx(array: np.ndarray) -> bytes:
    """The official IDX format: magic (0, 0, type 0x08, ndim), big-endian sizes, uint8 data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    return header + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()


def mnist_files(seed: int, n_train: int = 5, n_test: int = 3):
    """The four official ``.gz`` files of a tiny MNIST-format set, and its arrays per split."""
    rng = np.random.default_rng(seed)
    arrays, files = {}, {}
    for split, prefix, n in ((True, "train", n_train), (False, "t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        arrays[split] = images, labels
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx(images), mtime=0)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx(labels), mtime=0)
    return files, arrays


def point_mnist_at(monkeypatch, cls, files: dict[str, bytes], mirrors: list[str]) -> None:
    monkeypatch.setattr(cls, "resources", [(name, md5(raw)) for name, raw in files.items()])
    monkeypatch.setattr(cls, "mirrors", mirrors)


def assert_items(ds, images: np.ndarray, labels: np.ndarray) -> None:
    assert len(ds) == len(labels)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    for i in range(len(ds)):
        img, label = ds[i]
        np.testing.assert_array_equal(np.asarray(img), images[i])
        assert label == int(labels[i]) and type(label) is int


MNIST_FAMILY = [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST]


@pytest.mark.parametrize("cls", MNIST_FAMILY, ids=lambda c: c.__name__)
def test_mnist_family_download_tries_mirrors_in_order(
    tmp_path, server, refused_url, monkeypatch, cls
):
    """A refused mirror, a 404 mirror and a mirror serving corrupted files are passed over; the
    files land in ``root/<ClassName>/raw/`` gzipped and extracted, and nothing else does."""
    files, arrays = mnist_files(seed=len(cls.__name__))
    for name, raw in files.items():
        server.files[f"/good/{name}"] = raw
        server.files[f"/corrupt/{name}"] = corrupt(raw)
    mirrors = [refused_url, server.url("missing"), server.url("corrupt"), server.url("good")]
    point_mnist_at(monkeypatch, cls, files, mirrors)

    train = cls(tmp_path, train=True, download=True)
    assert_items(train, *arrays[True])
    assert_items(cls(tmp_path, train=False), *arrays[False])  # all four files came at once
    assert server.log == [f"/{m}/{n}" for n in files for m in ("missing", "corrupt", "good")]
    raw = tmp_path / cls.__name__ / "raw"
    assert train.raw_folder == str(raw)
    written = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    expected = {**files, **{n.removesuffix(".gz"): gzip.decompress(b) for n, b in files.items()}}
    assert written == expected and all((raw / n).is_file() for n in expected)
    (tmp_path / "made_by_open").write_bytes(b"")  # the umask's permissions, as open() gives
    assert {(raw / n).stat().st_mode for n in expected} == {
        (tmp_path / "made_by_open").stat().st_mode
    }

    cls(tmp_path, train=False, download=True)  # everything is there: no request
    assert len(server.log) == 3 * len(files)


@pytest.mark.parametrize(
    "folder, says",
    [("corrupt", "File not found or corrupted"), ("cut", "connection closed after")],
)
def test_failed_download_writes_nothing(tmp_path, server, monkeypatch, folder, says):
    """A file rejected by its checksum, or cut off mid-way by the server, leaves no file behind
    (not even a partial one); the error names each mirror tried and where the files go."""
    files, _ = mnist_files(seed=7)
    for name, raw in files.items():
        server.files[f"/{folder}/{name}"] = corrupt(raw) if folder == "corrupt" else raw
    point_mnist_at(monkeypatch, datasets.MNIST, files, [server.url(folder)])
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(tmp_path, download=True)
    msg = str(err.value)
    assert "Error downloading train-images-idx3-ubyte.gz" in msg and says in msg
    assert f"Tried {server.url(folder)}" in msg
    assert str(tmp_path / "MNIST" / "raw") in msg and "train-labels-idx1-ubyte.gz" in msg
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    with pytest.raises(RuntimeError, match="MNIST files not found"):
        datasets.MNIST(tmp_path)


def test_without_network_the_error_says_which_files_go_where(tmp_path):
    """The real mirrors, unreachable (every connection beyond 127.0.0.1 is refused here)."""
    with pytest.raises(RuntimeError) as err:
        datasets.FashionMNIST(tmp_path, train=False, download=True)
    msg = str(err.value)
    for mirror in datasets.FashionMNIST.mirrors:
        assert f"Tried {mirror}" in msg
    assert "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path / "FashionMNIST" / "raw") in msg
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_download_killed_halfway_leaves_nothing_that_loads(tmp_path, server, monkeypatch):
    """A process killed (SIGKILL) mid-download leaves only a hidden ``.part`` file: the dataset
    still reports its files missing, and the next ``download=True`` completes the download."""
    files, arrays = mnist_files(seed=11, n_train=100)  # train images: ~78 KB, sent half-way
    for name, raw in files.items():
        server.files[f"/stall/{name}"] = raw
        server.files[f"/good/{name}"] = raw
    resources = [(name, md5(raw)) for name, raw in files.items()]
    child = (
        "import json, sys\n"
        "from torchlike.vision import datasets\n"
        "datasets.MNIST.mirrors = [sys.argv[2]]\n"
        "datasets.MNIST.resources = json.loads(sys.argv[3])\n"
        "datasets.MNIST(sys.argv[1], download=True)\n"
    )
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
    env["PYTHONPATH"] = str(ROOT)
    args = [str(tmp_path), server.url("stall"), json.dumps(resources)]
    proc = subprocess.Popen([sys.executable, "-c", child, *args], env=env)
    try:
        assert server.stalled.wait(120), "the download never started"
        raw = tmp_path / "MNIST" / "raw"
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size for p in raw.glob(".*.part")):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    (part,) = raw.iterdir()  # the only thing left: half of the first file, under a hidden name
    assert part.name.startswith(".train-images-idx3-ubyte.gz.") and part.suffix == ".part"
    assert 0 < part.stat().st_size < len(files["train-images-idx3-ubyte.gz"])
    with pytest.raises(RuntimeError, match="MNIST files not found"):
        datasets.MNIST(tmp_path)

    point_mnist_at(monkeypatch, datasets.MNIST, files, [server.url("good")])
    assert_items(datasets.MNIST(tmp_path, download=True), *arrays[True])


def test_real_fashion_mnist_passes_its_official_checksums(tmp_path, server, monkeypatch):
    """The real Fashion-MNIST test files, served locally, pass torchvision's MD5s (the entries
    of ``resources`` for the test split, kept as they are) and read back to the items of the
    files read in place."""
    root = fashion_mnist_root()
    resources = [r for r in datasets.FashionMNIST.resources if r[0].startswith("t10k")]
    folders = [Path(root) / "FashionMNIST" / "raw", Path(root)] if root else []
    folder = next((f for f in folders if all((f / n).is_file() for n, _ in resources)), None)
    if folder is None:
        pytest.skip("the official Fashion-MNIST .gz files are not on this machine")
    for name, _ in resources:
        server.files[f"/fashion/{name}"] = (folder / name).read_bytes()
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources)
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [server.url("fashion")])
    got = datasets.FashionMNIST(tmp_path, train=False, download=True)
    want = datasets.FashionMNIST(root, train=False)
    np.testing.assert_array_equal(got.data.numpy(), want.data.numpy())
    np.testing.assert_array_equal(got.targets.numpy(), want.targets.numpy())
    assert len(got) == 10000 and len(server.log) == 2


# -- CIFAR --------------------------------------------------------------------------------------


def cifar_archive(cls, seed: int):
    """A tiny ``<base_folder>.tar.gz`` in the official layout (protocol-2 pickles with bytes
    keys), its members' bytes, and the expected (images, labels, classes) per split."""
    rng = np.random.default_rng(seed)
    names = [n for n, _ in cls.train_list + cls.test_list]
    is_100 = cls.meta["key"] == "fine_label_names"
    classes = [f"class_{i}" for i in range(100 if is_100 else 10)]
    members, expected = {}, {True: [], False: []}
    for name in names:
        images = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, len(classes), 3).tolist()
        batch = {b"data": images.transpose(0, 3, 1, 2).reshape(3, -1), b"batch_label": b"x"}
        if is_100:  # CIFAR-100's targets are the fine labels
            batch.update({b"fine_labels": labels, b"coarse_labels": [y // 5 for y in labels]})
        else:
            batch[b"labels"] = labels
        members[name] = pickle.dumps(batch, protocol=2)
        expected[name in dict(cls.train_list)].append((images, labels))
    members[cls.meta["filename"]] = pickle.dumps({cls.meta["key"].encode(): classes}, protocol=2)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, raw in members.items():
            info = tarfile.TarInfo(f"{cls.base_folder}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    splits = {
        train: (np.concatenate([im for im, _ in parts]), [y for _, lab in parts for y in lab])
        for train, parts in expected.items()
    }
    return buf.getvalue(), members, splits, classes


@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100], ids=lambda c: c.__name__)
def test_cifar_download(tmp_path, server, monkeypatch, cls):
    """A corrupted archive is rejected and leaves nothing; the intact one is kept as
    ``root/<filename>`` and extracted into ``root/<base_folder>/``, read as torchvision reads it;
    a second ``download=True`` finds every batch's MD5 right and requests nothing."""
    archive, members, splits, classes = cifar_archive(cls, seed=len(cls.__name__))
    server.files[f"/corrupt/{cls.filename}"] = corrupt(archive)
    server.files[f"/good/{cls.filename}"] = archive
    for attr in ("train_list", "test_list"):
        monkeypatch.setattr(cls, attr, [[n, md5(members[n])] for n, _ in getattr(cls, attr)])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5(members[cls.meta["filename"]])})
    monkeypatch.setattr(cls, "tgz_md5", md5(archive))

    monkeypatch.setattr(cls, "url", server.url("corrupt") + cls.filename)
    with pytest.raises(RuntimeError, match="corrupted") as err:
        cls(tmp_path, download=True)
    assert cls.filename in str(err.value) and cls.base_folder in str(err.value)
    assert list(tmp_path.iterdir()) == []

    monkeypatch.setattr(cls, "url", server.url("good") + cls.filename)
    for train in (True, False):
        ds = cls(tmp_path, train=train, download=True)
        images, labels = splits[train]
        np.testing.assert_array_equal(ds.data, images)
        assert ds.targets == labels and ds.classes == classes
        img, label = ds[len(ds) - 1]
        np.testing.assert_array_equal(np.asarray(img), images[-1])
        assert label == labels[-1]
    assert server.log == [f"/corrupt/{cls.filename}", f"/good/{cls.filename}"]
    assert (tmp_path / cls.filename).read_bytes() == archive
    folder = tmp_path / cls.base_folder
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == members


# -- utils --------------------------------------------------------------------------------------


def test_extract_truncated_gzip_writes_nothing(tmp_path):
    data = gzip.compress(np.random.default_rng(0).bytes(50_000))
    (tmp_path / "x.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(EOFError):
        utils.extract_archive(tmp_path / "x.gz")
    assert [p.name for p in tmp_path.iterdir()] == ["x.gz"]


def test_extract_refuses_members_outside_the_folder(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "evil.tar.gz").write_bytes(buf.getvalue())
    with pytest.raises(RuntimeError, match="refusing to extract member '../escaped'"):
        utils.extract_archive(tmp_path / "a" / "evil.tar.gz")
    assert not (tmp_path / "escaped").exists()
