"""Input-pipeline throughput: torchlike's DataLoader and vision transforms vs PyTorch's.

One epoch (shuffled, batch 128) over the same in-memory data, with 0 and 2 worker processes:

* ``fashion_mnist``: the 60000 real training images, ``ToTensor`` + ``Normalize``. torchlike uses
  ``vision.datasets.FashionMNIST`` as a user writes it; PyTorch gets the same arrays as PIL images
  with torchvision's ``to_tensor``/``normalize`` steps written in torch (torchvision itself cannot
  be installed here next to torch 2.13).
* ``cifar_shaped``: random 32×32×3 uint8 images (CIFAR-10's shape), the classic
  ``RandomCrop(32, padding=4)`` + ``RandomHorizontalFlip`` + ``ToTensor`` on PIL images. torchlike
  uses ``vision.datasets.CIFAR10`` (the images written once as the official python batches, then
  held in memory); PyTorch runs torchvision's PIL code path (``ImageOps.expand``, ``crop``,
  ``transpose``, ``torch.randint``/``torch.rand`` for the parameters) written out.

torchlike's datasets hand ``DataLoader`` whole batches when the transform ends in ``ToTensor``
(+ ``Normalize``): the PIL transforms still run per image, the conversion runs once per batch
(same numbers as per image). That, not a different amount of work per image, is most of the
difference in the 0-worker rows.

Each side runs in its own fresh process. With workers, the first epoch includes building the
loader and starting the workers (both ``fork`` them from the main process; torchlike's run
torchlike on NumPy there, see ``torchlike/utils/data/_utils/host.py``); a second epoch with
``persistent_workers=True`` shows the steady state.
Throughput is images per second; the ratio column is torchlike / PyTorch (> 1: torchlike faster).

    python benchmarks/bench_data.py                 # both datasets, 0 and 2 workers
    python benchmarks/bench_data.py --cifar-n 10000 # a smaller CIFAR-shaped set
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOTS = [
    Path("/usr/share/datasets/fashion-mnist"),
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fashion_mnist",
]
BATCH = 128


def fashion_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The Fashion-MNIST training split, read with NumPy only (for the PyTorch side)."""
    root = next(r for r in ROOTS if (r / "train-images-idx3-ubyte.gz").is_file())
    images = np.frombuffer(
        gzip.decompress((root / "train-images-idx3-ubyte.gz").read_bytes()), np.uint8, offset=16
    ).reshape(-1, 28, 28)
    labels = np.frombuffer(
        gzip.decompress((root / "train-labels-idx1-ubyte.gz").read_bytes()), np.uint8, offset=8
    ).astype(np.int64)
    return images, labels


def cifar_arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n)


def time_epochs(make_loader, workers: int) -> list[float]:
    """Seconds for one epoch (0 workers, after two untimed warm-up batches) or for two epochs
    of one persistent loader (workers: the first includes starting them)."""
    start = time.perf_counter()  # with workers, building the loader counts: it may start them
    loader = make_loader(workers)
    if not workers:
        for _, _batch in zip(range(2), loader):
            pass
        start = time.perf_counter()
    times = []
    for _ in range(2 if workers else 1):
        for _x, _y in loader:
            pass
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
    del loader
    return times


# -- torchlike side --------------------------------------------------------------------------


def cifar_dataset(images: np.ndarray, labels: np.ndarray, transform, folder: Path):
    """torchlike's CIFAR10 over these images: written as the official python batches first."""
    from torchlike.vision import datasets

    base = folder / "cifar-10-batches-py"
    base.mkdir()
    chunks = np.array_split(np.arange(len(images)), 5)
    for k, idx in enumerate(chunks, 1):
        batch = {
            b"data": images[idx].transpose(0, 3, 1, 2).reshape(len(idx), -1),
            b"labels": labels[idx].tolist(),
        }
        (base / f"data_batch_{k}").write_bytes(pickle.dumps(batch, protocol=2))
    return datasets.CIFAR10(folder, train=True, transform=transform)


def run_torchlike(cifar_n: int) -> dict:
    import torchlike as tl
    from torchlike.utils.data import DataLoader
    from torchlike.vision import datasets
    from torchlike.vision import transforms as T

    tl.manual_seed(0)
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    fashion = datasets.FashionMNIST(next(r for r in ROOTS if r.is_dir()), transform=tf)
    aug = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()])
    with tempfile.TemporaryDirectory() as tmp:
        cifar = cifar_dataset(*cifar_arrays(cifar_n), aug, Path(tmp))
    out = {}
    # The loaders with workers come first (forked workers do not depend on whether JAX has
    # started; the order is kept so that numbers compare with earlier runs).
    for workers in (2, 0):
        for name, ds in (("fashion_mnist", fashion), ("cifar_shaped", cifar)):

            def make(w, ds=ds):
                return DataLoader(
                    ds, batch_size=BATCH, shuffle=True, num_workers=w, persistent_workers=w > 0
                )

            out[f"{name}/{workers}"] = {"n": len(ds), "seconds": time_epochs(make, workers)}
    return {key: out[key] for key in sorted(out)}


# -- PyTorch side (torchvision's steps written in torch) ---------------------------------------


def _to_tensor(torch, img: Image.Image):
    arr = np.array(img, copy=True)
    t = torch.from_numpy(arr).view(img.size[1], img.size[0], len(img.getbands()))
    return t.permute(2, 0, 1).contiguous().to(torch.float32).div(255)


class TorchFashion:
    def __init__(self, images, labels) -> None:
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        import torch

        t = _to_tensor(torch, Image.fromarray(self.images[i]))
        return t.sub_(0.5).div_(0.5), int(self.labels[i])


class TorchCifar(TorchFashion):
    def __getitem__(self, i: int):
        import torch

        img = ImageOps.expand(Image.fromarray(self.images[i]), border=4, fill=0)
        top = torch.randint(0, img.size[1] - 32 + 1, size=(1,)).item()
        left = torch.randint(0, img.size[0] - 32 + 1, size=(1,)).item()
        img = img.crop((left, top, left + 32, top + 32))
        if torch.rand(1) < 0.5:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return _to_tensor(torch, img), int(self.labels[i])


def run_torch(cifar_n: int) -> dict:
    import torch
    from torch.utils.data import DataLoader

    torch.manual_seed(0)
    out = {}
    sets = (
        ("fashion_mnist", TorchFashion(*fashion_arrays())),
        ("cifar_shaped", TorchCifar(*cifar_arrays(cifar_n))),
    )
    for name, ds in sets:
        for workers in (0, 2):

            def make(w, ds=ds):
                return DataLoader(
                    ds, batch_size=BATCH, shuffle=True, num_workers=w, persistent_workers=w > 0
                )

            out[f"{name}/{workers}"] = {"n": len(ds), "seconds": time_epochs(make, workers)}
    out["threads"] = torch.get_num_threads()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cifar-n", type=int, default=50000, help="CIFAR-shaped images (50000)")
    p.add_argument("--side", choices=["torch", "torchlike"], help=argparse.SUPPRESS)
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args()
    if args.side:  # a child run: one side, results as JSON on stdout
        run = run_torch if args.side == "torch" else run_torchlike
        print(json.dumps(run(args.cifar_n)))
        return
    results = {}
    for side in ("torchlike", "torch"):
        cmd = [sys.executable, __file__, "--side", side, "--cifar-n", str(args.cifar_n)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"one epoch, batch {BATCH}, shuffled; images/s (PyTorch {results['torch']['threads']}"
        " threads)"
    )
    print(
        f"{'dataset':<14} {'workers':>7} {'epoch':>16} {'torchlike':>10} {'PyTorch':>10} "
        f"{'ratio':>6}"
    )
    for key, ours in results["torchlike"].items():
        name, workers = key.split("/")
        theirs = results["torch"][key]
        for k, (a, b) in enumerate(zip(ours["seconds"], theirs["seconds"])):
            label = (
                "first (start-up)"
                if int(workers) and k == 0
                else ("2nd (persistent)" if k else "first")
            )
            ra, rb = ours["n"] / a, theirs["n"] / b
            print(f"{name:<14} {workers:>7} {label:>16} {ra:>10.0f} {rb:>10.0f} {ra / rb:>6.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
