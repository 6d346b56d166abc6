"""Save and load time of a ~100 MB state dict: torch.save/torch.load against torchlike.

The state dict is a ResNet-style mix (about 100 MB of float32 by default: conv weights, BatchNorm
weights, biases, running statistics and int64 counters). Rows, each timed as the median of
``--repeat`` runs, interleaved so that machine load hits every row alike:

* ``torch .pt``: real ``torch.save`` / ``torch.load(weights_only=True)``;
* ``torchlike .pt``: ``torchlike.save(sd, "x.pt")`` (PyTorch's zip format) / ``torchlike.load``;
* ``torchlike orbax``: ``torchlike.save(sd, "x", format="orbax")`` (an Orbax directory) / load;
* ``torchlike safetensors``: ``torchlike.save(sd, "x.safetensors")`` / load.

A save ends when the file is complete and renamed into place; a load ends when every tensor is
on the device (``jax.block_until_ready``). Files go to ``--dir`` (default: a temporary
directory on the local disk); the page cache is not dropped, so loads read from memory.

Run ``python benchmarks/bench_save_load.py [--mb 100] [--repeat 5] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections import OrderedDict

import jax
import numpy as np
import torch

import torchlike as tl


def state_dict_numpy(megabytes: float) -> OrderedDict[str, np.ndarray]:
    """Blocks of (conv 3x3, BatchNorm) at growing widths until the size is reached."""
    rng = np.random.default_rng(0)
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    total, block, width = 0, 0, 64
    while total < megabytes * 1e6:
        prefix = f"layer{block}"
        out[f"{prefix}.conv.weight"] = rng.standard_normal((width, width, 3, 3), np.float32)
        for name in ("weight", "bias", "running_mean", "running_var"):
            out[f"{prefix}.bn.{name}"] = rng.standard_normal(width).astype(np.float32)
        out[f"{prefix}.bn.num_batches_tracked"] = np.array(block, np.int64)
        total += sum(a.nbytes for k, a in out.items() if k.startswith(prefix + "."))
        block += 1
        width = min(width * 2, 512) if block % 2 == 0 else width
    return out


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _remove(path: str) -> None:
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="state dict size in MB")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()

    arrays = state_dict_numpy(args.mb)
    theirs = OrderedDict((k, torch.from_numpy(v)) for k, v in arrays.items())
    ours = OrderedDict((k, tl.from_numpy(v)) for k, v in arrays.items())
    size = sum(a.nbytes for a in arrays.values()) / 1e6
    work = tempfile.mkdtemp(dir=args.dir)

    def torch_load(path):
        torch.load(path, weights_only=True)

    def torchlike_load(path):
        jax.block_until_ready([t._data for t in tl.load(path).values()])

    rows = {
        "torch .pt": ("x.pt", lambda p: torch.save(theirs, p), torch_load),
        "torchlike .pt": ("y.pt", lambda p: tl.save(ours, p), torchlike_load),
        "torchlike orbax": ("y_orbax", lambda p: tl.save(ours, p, format="orbax"), torchlike_load),
        "torchlike safetensors": (
            "y.safetensors",
            lambda p: tl.save(dict(ours), p),
            torchlike_load,
        ),
    }
    times = {name: ([], []) for name in rows}
    try:
        for _ in range(args.repeat + 1):  # the first round warms up (imports, compiles)
            for name, (file, save, load) in rows.items():
                path = os.path.join(work, file)
                _remove(path)
                saves, loads = times[name]
                saves.append(_time(lambda: save(path)))  # noqa: B023
                loads.append(_time(lambda: load(path)))  # noqa: B023
        check = tl.load(os.path.join(work, "y_orbax"))
        assert all(np.array_equal(np.asarray(check[k]._data), v) for k, v in arrays.items())
    finally:
        shutil.rmtree(work)

    print(
        f"state dict: {len(arrays)} tensors, {size:.1f} MB; median of {args.repeat} runs; "
        f"jax {jax.__version__} ({jax.devices()[0].platform}), torch {torch.__version__}"
    )
    base_save = statistics.median(times["torch .pt"][0][1:])
    base_load = statistics.median(times["torch .pt"][1][1:])
    print(f"{'':24}{'save s':>9}{'x torch':>9}{'load s':>9}{'x torch':>9}{'MB/s save':>11}")
    for name, (saves, loads) in times.items():
        s, lo = statistics.median(saves[1:]), statistics.median(loads[1:])
        print(
            f"{name:24}{s:9.3f}{s / base_save:9.2f}{lo:9.3f}{lo / base_load:9.2f}{size / s:11.0f}"
        )


if __name__ == "__main__":
    main()
