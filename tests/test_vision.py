"""torchlike.vision: datasets from official file formats (written here, or Debian's real
Fashion-MNIST) and transforms against torchvision's definitions, computed with PIL, NumPy and
torch in the test (torchvision itself cannot be installed next to torch 2.13 here)."""

from __future__ import annotations

import colorsys
import gzip
import io
import os
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch as ref
from data_paths import fashion_mnist_root
from PIL import Image, ImageEnhance

import torchlike as tl
from torchlike.utils.data import DataLoader, default_collate
from torchlike.vision import datasets
from torchlike.vision import transforms as T
from torchlike.vision.datasets.fakedata import _to_pil

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fashion_mnist"


def write_idx(path: Path, array: np.ndarray) -> None:
    """The official IDX format: magic (0, 0, type 0x08, ndim), big-endian sizes, uint8 data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


def write_cifar_batch(path_or_none, images: np.ndarray, labels: list[int], name: str) -> bytes:
    """A CIFAR-10 python batch: a protocol-2 pickle of a dict with bytes keys, as distributed."""
    batch = {
        b"batch_label": name.encode(),
        b"labels": labels,
        b"data": images.transpose(0, 3, 1, 2).reshape(len(images), -1),
        b"filenames": [f"img_{i}.png".encode() for i in range(len(images))],
    }
    raw = pickle.dumps(batch, protocol=2)
    if path_or_none is not None:
        path_or_none.write_bytes(raw)
    return raw


def rgb(h=9, w=12, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# -- datasets -----------------------------------------------------------------------------------


def fashion_root() -> str:
    root = fashion_mnist_root()
    assert root is not None, "no Fashion-MNIST files on this machine (see tests/data_paths.py)"
    return root


@pytest.mark.parametrize("train, n", [(True, 60000), (False, 10000)])
def test_real_fashion_mnist(train, n):
    ds = datasets.FashionMNIST(root=fashion_root(), train=train)
    assert len(ds) == n and ds.data.shape == tl.Size([n, 28, 28]) and ds.data.dtype == tl.uint8
    img, label = ds[0]
    assert isinstance(img, Image.Image) and img.size == (28, 28) and img.mode == "L"
    if train:
        assert label == 9 and ds.classes[label] == "Ankle boot"
    assert ds.targets.dtype == tl.int64 and set(ds.targets.tolist()) == set(range(10))


@pytest.mark.parametrize("download", [False, True])
def test_fashion_mnist_loads_with_the_network_unreachable(monkeypatch, download):
    """Every way out to the network raises here; with the files in place, even download=True
    reads them and never tries the network."""
    import socket

    def unreachable(*args, **kwargs):
        raise OSError(101, "Network is unreachable (blocked by this test)")

    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, unreachable)
    monkeypatch.setattr(socket.socket, "connect", unreachable)
    train = datasets.FashionMNIST(root=fashion_root(), train=True, download=download)
    test = datasets.FashionMNIST(root=fashion_root(), train=False, download=download)
    img, label = train[0]
    assert (len(train), len(test)) == (60000, 10000)
    assert isinstance(img, Image.Image) and img.size == (28, 28) and label == 9


def test_fashion_mnist_sources_agree():
    if not DEBIAN.is_dir() or not SHARED.is_dir():
        pytest.skip("needs both Debian's package and the shared copy")
    deb = datasets.FashionMNIST(DEBIAN, train=False)
    shared = datasets.FashionMNIST(SHARED, train=False)
    np.testing.assert_array_equal(deb.data.numpy(), shared.data.numpy())


@pytest.mark.parametrize("layout", ["raw", "flat", "plain"])
def test_mnist_from_official_files(tmp_path, layout):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 6, dtype=np.uint8)
    folder = tmp_path / "MNIST" / "raw" if layout == "raw" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    ext = "" if layout == "plain" else ".gz"
    write_idx(folder / f"train-images-idx3-ubyte{ext}", images)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", labels)
    ds = datasets.MNIST(tmp_path, train=True)
    assert len(ds) == 6
    for i in range(6):
        img, label = ds[i]
        np.testing.assert_array_equal(np.asarray(img), images[i])
        assert label == int(labels[i]) and type(label) is int


@pytest.mark.parametrize(
    "old, new",
    [
        ("train_labels", "targets"),
        ("test_labels", "targets"),
        ("train_data", "data"),
        ("test_data", "data"),
    ],
)
def test_mnist_deprecated_names_warn_as_torchvision(tmp_path, old, new):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.arange(2 * 28 * 28).reshape(2, 28, 28))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([3, 1]))
    ds = datasets.MNIST(tmp_path, train=False)
    with pytest.warns(UserWarning, match=f"^{old} has been renamed {new}$") as record:
        value = getattr(ds, old)
    assert len(record) == 1 and record[0].filename == __file__  # the caller's line
    np.testing.assert_array_equal(value.numpy(), getattr(ds, new).numpy())


def test_mnist_fast_batches_equal_per_item_batches(tmp_path):
    rng = np.random.default_rng(2)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (9, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 9))
    tf = T.Compose([T.ToTensor(), T.Normalize((0.3,), (0.7,))])
    ds = datasets.MNIST(tmp_path, train=False, transform=tf)
    fast = list(DataLoader(ds, batch_size=4))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=lambda b: default_collate(b)))
    for (a, b), (c, d) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert a.dtype == c.dtype and b.dtype == d.dtype == tl.int64


def test_missing_files_error_says_where_to_put_them(tmp_path):
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(tmp_path, train=False)
    msg = str(err.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path / "MNIST" / "raw") in msg
    with pytest.raises(RuntimeError, match="cifar-10-python.tar.gz"):
        datasets.CIFAR10(tmp_path)


def test_corrupt_idx_file_is_rejected(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04garbage")
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(1))
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.MNIST(tmp_path)


def _cifar_data(n_per_batch=3):
    rng = np.random.default_rng(3)
    splits = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        splits[name] = (
            rng.integers(0, 256, (n_per_batch, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, 10, n_per_batch).tolist(),
        )
    return splits


@pytest.mark.parametrize("form", ["folder", "archive"])
def test_cifar10_from_official_python_batches(tmp_path, form):
    splits = _cifar_data()
    meta = pickle.dumps({b"label_names": [c.encode() for c in datasets.CIFAR10.classes]}, 2)
    files = {n: write_cifar_batch(None, im, lab, n) for n, (im, lab) in splits.items()}
    files["batches.meta"] = meta
    if form == "folder":
        folder = tmp_path / "cifar-10-batches-py"
        folder.mkdir()
        for name, raw in files.items():
            (folder / name).write_bytes(raw)
    else:
        with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
            for name, raw in files.items():
                info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
    train = datasets.CIFAR10(tmp_path, train=True)
    test = datasets.CIFAR10(tmp_path, train=False, target_transform=lambda y: y + 100)
    assert len(train) == 15 and len(test) == 3 and train.classes[0] == "airplane"
    img, label = train[4]  # the second image of data_batch_2
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), splits["data_batch_2"][0][1])
    assert label == splits["data_batch_2"][1][1]
    assert test[2][1] == splits["test_batch"][1][2] + 100
    np.testing.assert_array_equal(train.data[:3], splits["data_batch_1"][0])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_pickle_cannot_run_code(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": _Evil(), b"labels": []}, 2))
    with pytest.raises(pickle.UnpicklingError, match="only NumPy arrays"):
        datasets.CIFAR10(tmp_path, train=False)


def test_image_folder(tmp_path):
    pics = {"cat": [rgb(5, 6, 1), rgb(5, 6, 2)], "dog": [rgb(4, 4, 3)], "ant": [rgb(3, 3, 4)]}
    for cls, arrays in pics.items():
        (tmp_path / cls / "sub").mkdir(parents=True)
        for i, a in enumerate(arrays):
            Image.fromarray(a).save(tmp_path / cls / ("sub" if i else "") / f"{i}.png")
        (tmp_path / cls / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=T.PILToTensor())
    assert ds.classes == ["ant", "cat", "dog"] and ds.class_to_idx == {"ant": 0, "cat": 1, "dog": 2}
    rel = [(os.path.relpath(p, tmp_path), y) for p, y in ds.samples]
    assert rel == [("ant/0.png", 0), ("cat/0.png", 1), ("cat/sub/1.png", 1), ("dog/0.png", 2)]
    assert ds.imgs == ds.samples and ds.targets == [0, 1, 1, 2]
    img, y = ds[2]
    np.testing.assert_array_equal(img.numpy(), pics["cat"][1].transpose(2, 0, 1))
    only_top = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith("0.png"))
    assert len(only_top) == 3
    npy = datasets.DatasetFolder(
        tmp_path, loader=lambda p: Path(p).read_text(), extensions=(".txt",)
    )
    assert len(npy) == 3 and npy[0] == ("not an image", 0)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=print)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 4


# -- transforms: deterministic ------------------------------------------------------------------


def tref(arr: np.ndarray) -> ref.Tensor:
    """An H×W×C uint8 image as torch's C×H×W tensor."""
    return ref.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def test_to_tensor_and_pil_to_tensor():
    a = rgb()
    for pic, expected in [
        (Image.fromarray(a), tref(a).float().div(255)),
        (Image.fromarray(a[..., 0]), tref(a[..., :1]).float().div(255)),
        (a, tref(a).float().div(255)),
        (a.astype(np.float64) / 7, tref(a.astype(np.float64) / 7)),
    ]:
        out = T.ToTensor()(pic)
        assert str(out.dtype) == str(expected.dtype)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    out = T.PILToTensor()(Image.fromarray(a))
    assert out.dtype == tl.uint8
    np.testing.assert_array_equal(out.numpy(), tref(a).numpy())
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        T.PILToTensor()(a)


@pytest.mark.parametrize(
    "src, dst",
    [
        ("uint8", "float32"),
        ("float32", "uint8"),
        ("uint8", "int32"),
        ("int32", "uint8"),
        ("float32", "float64"),
    ],
)
def test_convert_image_dtype(src, dst):
    x = rgb().transpose(2, 0, 1).astype(src)
    if src.startswith("float"):
        x = x / 255.0
    if src == "int32":
        x = x * (2**23)
    out = T.ConvertImageDtype(getattr(tl, dst))(tl.tensor(x)).numpy()
    t = ref.from_numpy(x.astype(src))
    # torchvision's convert_image_dtype formulas, written with torch
    if dst.startswith("float") and src.startswith("float"):
        expected = t.to(getattr(ref, dst))
    elif dst.startswith("float"):
        expected = t.to(getattr(ref, dst)) / float(ref.iinfo(t.dtype).max)
    elif src.startswith("float"):
        expected = (t * (ref.iinfo(getattr(ref, dst)).max + 1.0 - 1e-3)).to(getattr(ref, dst))
    elif ref.iinfo(t.dtype).max > ref.iinfo(getattr(ref, dst)).max:
        factor = (ref.iinfo(t.dtype).max + 1) // (ref.iinfo(getattr(ref, dst)).max + 1)
        expected = ref.div(t, factor, rounding_mode="floor").to(getattr(ref, dst))
    else:
        factor = (ref.iinfo(getattr(ref, dst)).max + 1) // (ref.iinfo(t.dtype).max + 1)
        expected = t.to(getattr(ref, dst)) * factor
    assert out.dtype == np.dtype(dst)
    np.testing.assert_array_equal(out, expected.numpy())


def test_normalize():
    x = np.random.default_rng(0).random((2, 3, 4, 5), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(tl.tensor(x)).numpy()
    t = ref.from_numpy(x)
    expected = (t - ref.tensor(mean).view(-1, 1, 1)) / ref.tensor(std).view(-1, 1, 1)
    np.testing.assert_array_equal(out, expected.numpy())  # bit for bit: IEEE division
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(mean, std)(tl.tensor(rgb()))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(mean, (1.0, 0.0, 1.0))


@pytest.mark.parametrize(
    "hw, size, max_size, expected",
    [
        ((9, 12), 6, None, (6, 8)),
        ((12, 9), 6, None, (8, 6)),
        ((9, 12), (5, 7), None, (5, 7)),
        ((10, 30), 5, 12, (4, 12)),
        ((9, 12), 9, None, (9, 12)),
    ],
)
def test_resize_sizes_and_pil_resampling(hw, size, max_size, expected):
    a = rgb(*hw)
    out = T.Resize(size, max_size=max_size)(Image.fromarray(a))
    assert out.size[::-1] == expected
    want = Image.fromarray(a).resize(expected[::-1], Image.Resampling.BILINEAR)
    if expected != hw:
        np.testing.assert_array_equal(np.asarray(out), np.asarray(want))
    t = T.Resize(size, max_size=max_size)(tl.tensor(a.transpose(2, 0, 1).astype(np.float32)))
    assert tuple(t.shape) == (3, *expected)
    # tensors are resampled per channel by PIL: close to the uint8 PIL result, not bit-exact
    np.testing.assert_allclose(t.numpy().transpose(1, 2, 0), np.asarray(out), atol=1.01)


@pytest.mark.parametrize("size", [(5, 6), (9, 12), (4, 3), (11, 15), 7])
def test_center_crop(size):
    a = rgb()
    th, tw = (size, size) if isinstance(size, int) else size
    padded = np.pad(
        a,
        (
            ((max(th - 9, 0)) // 2, (max(th - 9, 0) + 1) // 2),
            ((max(tw - 12, 0)) // 2, (max(tw - 12, 0) + 1) // 2),
            (0, 0),
        ),
    )
    top, left = round((padded.shape[0] - th) / 2), round((padded.shape[1] - tw) / 2)
    expected = padded[top : top + th, left : left + tw]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(size)(Image.fromarray(a))), expected)
    out = T.CenterCrop(size)(tl.tensor(a.transpose(2, 0, 1)))
    np.testing.assert_array_equal(out.numpy(), expected.transpose(2, 0, 1))


@pytest.mark.parametrize(
    "padding, mode, torch_mode",
    [
        (2, "constant", "constant"),
        ((1, 3), "edge", "replicate"),
        ((1, 2, 3, 0), "reflect", "reflect"),
        (2, "symmetric", None),
    ],
)
def test_pad(padding, mode, torch_mode):
    a = rgb()
    p = [padding] * 4 if isinstance(padding, int) else list(padding) * (4 // len(padding))
    left, top, right, bottom = p
    np_mode = {"constant": "constant", "edge": "edge", "reflect": "reflect"}.get(mode, mode)
    expected = np.pad(a, ((top, bottom), (left, right), (0, 0)), mode=np_mode)
    np.testing.assert_array_equal(
        np.asarray(T.Pad(padding, padding_mode=mode)(Image.fromarray(a))), expected
    )
    x = a.transpose(2, 0, 1).astype(np.float32)
    out = T.Pad(padding, padding_mode=mode)(tl.tensor(x)).numpy()
    if torch_mode is not None:
        expected_t = ref.nn.functional.pad(
            ref.from_numpy(x)[None], (left, right, top, bottom), mode=torch_mode
        )[0].numpy()
        np.testing.assert_array_equal(out, expected_t)
    np.testing.assert_array_equal(out, expected.transpose(2, 0, 1).astype(np.float32))


def test_pad_fill_per_channel():
    out = np.asarray(T.Pad(1, fill=(10, 20, 30))(Image.fromarray(rgb(2, 2))))
    np.testing.assert_array_equal(out[0, 0], [10, 20, 30])
    out = np.asarray(T.Pad(1, fill=5)(Image.fromarray(rgb(2, 2))))
    np.testing.assert_array_equal(out[0, 0], [5, 5, 5])


def test_grayscale():
    a = rgb()
    pil = T.Grayscale()(Image.fromarray(a))
    np.testing.assert_array_equal(np.asarray(pil), np.asarray(Image.fromarray(a).convert("L")))
    three = T.Grayscale(3)(Image.fromarray(a))
    assert three.mode == "RGB" and (np.asarray(three)[..., 2] == np.asarray(pil)).all()
    t = ref.from_numpy(a.transpose(2, 0, 1).copy())
    expected = (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2]).to(ref.uint8)[None]
    out = T.Grayscale()(tl.tensor(a.transpose(2, 0, 1)))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_color_adjustments_pil_are_image_enhance():
    img = Image.fromarray(rgb())
    for fn, enhancer in [
        (T.adjust_brightness, ImageEnhance.Brightness),
        (T.adjust_contrast, ImageEnhance.Contrast),
        (T.adjust_saturation, ImageEnhance.Color),
    ]:
        np.testing.assert_array_equal(
            np.asarray(fn(img, 1.3)), np.asarray(enhancer(img).enhance(1.3))
        )


def test_color_adjustments_tensor_follow_torchvision_formulas():
    x = np.random.default_rng(5).random((3, 4, 5), dtype=np.float32)
    t = ref.from_numpy(x)
    gray = (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2])[None]
    blend = lambda a, b, r: (r * a + (1 - r) * b).clamp(0, 1)  # noqa: E731
    cases = [
        (T.adjust_brightness, 1.4, blend(t, ref.zeros_like(t), 1.4)),
        (T.adjust_contrast, 0.6, blend(t, gray.mean(), 0.6)),
        (T.adjust_saturation, 1.7, blend(t, gray, 1.7)),
    ]
    for fn, f, expected in cases:
        np.testing.assert_allclose(fn(tl.tensor(x), f).numpy(), expected.numpy(), atol=1e-6)
    hue = T.adjust_hue(tl.tensor(x), 0.2).numpy()
    for i, j in [(0, 0), (1, 3), (3, 4)]:  # colorsys is the reference for the HSV round trip
        h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
        np.testing.assert_allclose(
            hue[:, i, j], colorsys.hsv_to_rgb((h + 0.2) % 1, s, v), atol=1e-5
        )


def test_adjust_hue_pil_shifts_the_hsv_hue_channel():
    img = Image.fromarray(rgb())
    out = T.adjust_hue(img, -0.25)
    h, s, v = (np.asarray(c) for c in img.convert("HSV").split())
    shifted = Image.merge(
        "HSV",
        [
            Image.fromarray((h + np.uint8(256 - 63)).astype(np.uint8)),
            Image.fromarray(s),
            Image.fromarray(v),
        ],
    ).convert("RGB")
    np.testing.assert_array_equal(np.asarray(out), np.asarray(shifted))
    with pytest.raises(ValueError, match="hue_factor"):
        T.adjust_hue(img, 0.7)


# -- transforms: random ---------------------------------------------------------------------------


def seeded(transform, img, seed):
    tl.manual_seed(seed)
    out = transform(img)
    return np.asarray(out) if isinstance(out, Image.Image) else out.numpy()


def windows(padded: np.ndarray, th: int, tw: int) -> list[np.ndarray]:
    return [
        padded[i : i + th, j : j + tw]
        for i in range(padded.shape[0] - th + 1)
        for j in range(padded.shape[1] - tw + 1)
    ]


RANDOM = {
    "crop": lambda: T.RandomCrop(8, padding=2),
    "crop_pad_if_needed": lambda: T.RandomCrop((11, 14), pad_if_needed=True, fill=7),
    "hflip": lambda: T.RandomHorizontalFlip(),
    "vflip": lambda: T.RandomVerticalFlip(),
    "resized_crop": lambda: T.RandomResizedCrop(6),
    "rotation": lambda: T.RandomRotation(30),
    "jitter": lambda: T.ColorJitter(0.4, 0.4, 0.4, 0.1),
    "apply": lambda: T.RandomApply([T.Grayscale(3)]),
    "choice": lambda: T.RandomChoice([T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0)]),
}


@pytest.mark.parametrize("name", list(RANDOM))
def test_random_transforms_follow_manual_seed(name):
    img = Image.fromarray(rgb())
    t = RANDOM[name]()
    outs = [seeded(t, img, s) for s in range(6)]
    again = [seeded(t, img, s) for s in range(6)]
    for a, b in zip(outs, again):
        np.testing.assert_array_equal(a, b)
    assert len({o.tobytes() for o in outs}) > 1  # the seed changes the draw


def test_random_crop_is_a_window_of_the_padded_image():
    a = rgb()
    padded = np.pad(a, ((2, 2), (2, 2), (0, 0)))
    tl.manual_seed(0)
    for _ in range(10):
        out = np.asarray(T.RandomCrop(8, padding=2)(Image.fromarray(a)))
        assert any((out == w).all() for w in windows(padded, 8, 8))
    grown = np.asarray(T.RandomCrop((11, 14), pad_if_needed=True, fill=7)(Image.fromarray(a)))
    assert grown.shape == (11, 14, 3) and any((w == a).all() for w in windows(grown, 9, 12))
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(20)(Image.fromarray(a))


def test_random_tensor_and_pil_paths_agree():
    a = rgb()
    for t in [T.RandomCrop(7, padding=1), T.RandomHorizontalFlip(), T.RandomVerticalFlip()]:
        for seed in range(4):
            pil = seeded(t, Image.fromarray(a), seed)
            ten = seeded(t, tl.tensor(a.transpose(2, 0, 1)), seed)
            np.testing.assert_array_equal(ten, pil.transpose(2, 0, 1))


def test_flips_with_probability_one_and_zero():
    a = rgb()
    np.testing.assert_array_equal(
        np.asarray(T.RandomHorizontalFlip(1.0)(Image.fromarray(a))), a[:, ::-1]
    )
    np.testing.assert_array_equal(
        np.asarray(T.RandomVerticalFlip(1.0)(Image.fromarray(a))), a[::-1]
    )
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(0.0)(Image.fromarray(a))), a)
    tl.manual_seed(0)
    flips = [
        np.asarray(T.RandomHorizontalFlip()(Image.fromarray(a)))[0, 0, 0] == a[0, -1, 0]
        for _ in range(200)
    ]
    assert 60 < sum(flips) < 140


def test_random_resized_crop_is_resize_of_crop():
    img = Image.fromarray(rgb(20, 24))
    t = T.RandomResizedCrop((6, 5), scale=(0.2, 0.9))
    tl.manual_seed(3)
    i, j, h, w = t.get_params(img, t.scale, t.ratio)
    assert 0 <= i <= 20 - h and 0 <= j <= 24 - w and 0.2 * 480 * 0.8 <= h * w <= 0.9 * 480 * 1.2
    tl.manual_seed(3)
    out = t(img)
    want = img.crop((j, i, j + w, i + h)).resize((5, 6), Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(want))


def test_random_rotation_is_pil_rotate():
    img = Image.fromarray(rgb())
    t = T.RandomRotation((10, 50), fill=3)
    tl.manual_seed(4)
    angle = t.get_params(t.degrees)
    assert 10 <= angle <= 50
    tl.manual_seed(4)
    out = np.asarray(t(img))
    np.testing.assert_array_equal(out, np.asarray(img.rotate(angle, fillcolor=(3, 3, 3))))
    assert (out[0, 0] == 3).all()  # a number fills every band, as in torchvision


def test_apply_choice_lambda_compose():
    img = Image.fromarray(rgb())
    assert T.RandomApply([T.Grayscale()], p=0.0)(img) is img
    assert T.RandomApply([T.Grayscale()], p=1.0)(img).mode == "L"
    choice = T.RandomChoice([T.Grayscale(), T.Lambda(lambda x: "never")], p=[1.0, 0.0])
    assert all(choice(img).mode == "L" for _ in range(20))
    pipeline = T.Compose([T.Lambda(lambda x: x.rotate(90)), T.PILToTensor()])
    np.testing.assert_array_equal(pipeline(img).numpy(), tref(np.asarray(img.rotate(90))).numpy())
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_batched_path_equals_item_by_item(tmp_path):
    """DataLoader's batched fetch (random PIL transforms per image, then ToTensor and Normalize
    on the stack) gives the numbers and random draws of the item-by-item path."""
    images, labels = _cifar_data(4)["test_batch"]
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    write_cifar_batch(folder / "test_batch", images, labels, "test")
    tf = T.Compose(
        [
            T.RandomCrop(32, padding=4),
            T.RandomHorizontalFlip(),
            T.ToTensor(),
            T.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.25)),
        ]
    )
    ds = datasets.CIFAR10(tmp_path, train=False, transform=tf, target_transform=lambda y: y * 2)
    assert ds._get_batch is not None
    tl.manual_seed(7)
    fast = list(DataLoader(ds, batch_size=3))
    tl.manual_seed(7)
    slow = list(DataLoader(ds, batch_size=3, collate_fn=lambda b: default_collate(b)))
    for (a, b), (c, d) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert a.dtype == c.dtype == tl.float32 and b.dtype == d.dtype == tl.int64
    plain = datasets.CIFAR10(tmp_path, train=False, transform=T.Compose([T.Grayscale()]))
    assert getattr(plain, "_get_batch", None) is None  # no batched path: item by item


def test_tensorflow_datasets_path(tmp_path, monkeypatch):
    """Without raw files, a tfds copy prepared under root is read with ``tfds.data_source`` (no
    network; tfds is never asked to download: ``download=True`` fetches the official files, see
    test_datasets_download.py). tfds itself is replaced here."""
    import tensorflow_datasets as tfds

    rng = np.random.default_rng(4)
    records = [
        {"image": rng.integers(0, 256, (28, 28, 1), dtype=np.uint8), "label": i % 10}
        for i in range(5)
    ]
    calls = []

    def fake_data_source(name, *, split, data_dir, download, builder_kwargs):
        calls.append((name, split, Path(data_dir), download))
        return records

    monkeypatch.setattr(tfds, "data_source", fake_data_source)
    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)
    (tmp_path / "mnist" / "3.0.1" / "dataset_info.json").write_text("{}")
    ds = datasets.MNIST(tmp_path, train=False)
    assert calls[-1] == ("mnist", "test", tmp_path, False)
    assert len(ds) == 5 and ds[3][1] == 3
    np.testing.assert_array_equal(np.asarray(ds[2][0]), records[2]["image"][..., 0])


# -- FakeData --------------------------------------------------------------------------------------


def _torch_fake_item(index: int, image_size, num_classes: int, offset: int):
    """torchvision's FakeData item, written in PyTorch: per-index seed, global state restored,
    ``ToPILImage``'s float conversion (times 255, to a byte)."""
    state = ref.get_rng_state()
    ref.manual_seed(index + offset)
    img = ref.randn(*image_size)
    target = ref.randint(0, num_classes, size=(1,), dtype=ref.long)[0]
    ref.set_rng_state(state)
    pixels = img.mul(255).byte()
    pixels = pixels[None] if pixels.dim() == 2 else pixels
    return img, pixels.permute(1, 2, 0).squeeze(-1).numpy(), target


@pytest.mark.parametrize("image_size", [(3, 5, 4), (1, 4, 6), (4, 3), (4, 2, 2)])
def test_fake_data_matches_torchvision_definition(image_size):
    size, classes, offset = 4, 3, 7
    data = datasets.FakeData(size, image_size, classes, random_offset=offset)
    assert len(data) == size
    state = tl.get_rng_state()
    first = [data[i] for i in range(size)]
    np.testing.assert_array_equal(np.asarray(tl.get_rng_state()), np.asarray(state))
    for i, (img, target) in enumerate(first):
        torch_img, torch_pixels, torch_target = _torch_fake_item(i, image_size, classes, offset)
        assert isinstance(img, Image.Image) and type(target) is type(torch_target.item())
        assert np.asarray(img).shape == torch_pixels.shape and np.asarray(img).dtype == np.uint8
        assert 0 <= target < classes
        again_img, again_target = data[i]  # the same item on every read
        np.testing.assert_array_equal(np.asarray(again_img), np.asarray(img))
        assert again_target == target
        # the conversion is ToPILImage's (checked on PyTorch's own draw)
        np.testing.assert_array_equal(np.asarray(_to_pil(torch_img.numpy())), torch_pixels)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        data[size]


def test_fake_data_transforms_and_loader():
    seen = []
    data = datasets.FakeData(
        5, (3, 6, 6), 4, transform=T.ToTensor(), target_transform=lambda t: seen.append(t) or t + 1
    )
    img, target = data[0]
    assert img.shape == (3, 6, 6) and img.dtype == tl.float32 and 1 <= target <= 4
    assert isinstance(seen[0], tl.Tensor) and seen[0].dim() == 0  # a tensor, as torchvision's
    items = [data[i] for i in range(5)]
    images, targets = next(iter(DataLoader(data, batch_size=5)))
    np.testing.assert_array_equal(
        np.asarray(images._data), np.stack([np.asarray(x._data) for x, _ in items])
    )
    assert targets.tolist() == [t for _, t in items]
    assert all(isinstance(t, tl.Tensor) for t in seen)  # the loader read items one by one
    plain = datasets.FakeData(5, (3, 6, 6), 4, transform=T.ToTensor())
    images, targets = next(iter(DataLoader(plain, batch_size=5)))  # the batched path
    assert targets.tolist() == [plain[i][1] for i in range(5)]
    np.testing.assert_array_equal(
        np.asarray(images._data), np.stack([np.asarray(plain[i][0]._data) for i in range(5)])
    )
