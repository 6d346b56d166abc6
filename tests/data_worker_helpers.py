"""Datasets and functions that DataLoader worker processes import by name (spawned workers
unpickle them): kept apart from the test files so that workers do not import PyTorch."""

from __future__ import annotations

import os
import time

import numpy as np

from torchlike.utils.data import Dataset, IterableDataset, get_worker_info


class Indexed(Dataset):
    """Item ``i`` is ``(i, id of the worker that loaded it, that worker's seed)``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        info = get_worker_info()
        return i, -1 if info is None else info.id, -1 if info is None else info.seed


class Range(IterableDataset):
    """``0 .. n-1`` split across workers by ``get_worker_info`` (contiguous shares)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            yield from range(self.n)
            return
        per = -(-self.n // info.num_workers)
        yield from range(info.id * per, min(self.n, (info.id + 1) * per))


class Failing(Dataset):
    """Raises ``ValueError`` for item 5."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        if i == 5:
            raise ValueError("item 5 is broken")
        return np.float32(i)


class Dying(Dataset):
    """The worker loading item 3 kills itself."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        if i == 3:
            os._exit(1)
        return i


class Slow(Dataset):
    """Each item takes ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        time.sleep(self.delay)
        return i


def record_init(worker_id: int) -> None:
    """A ``worker_init_fn`` that leaves a mark the dataset can see."""
    get_worker_info().dataset.init_ids = worker_id


class InitSeen(Indexed):
    init_ids = -1

    def __getitem__(self, i: int):
        return i, self.init_ids


class Unsplit(IterableDataset):
    """``0 .. n-1`` in every worker (no use of ``get_worker_info``): PyTorch replicates it."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class ProcessFacts(Dataset):
    """Item ``i`` is ``(i, the worker's parent pid, whether JAX's runtime had started in the
    worker before this item, the worker's JAX platforms setting, whether the worker runs
    torchlike on NumPy (forked workers))``."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        import jax
        from jax._src import xla_bridge

        from torchlike.utils.data._utils import host

        started = bool(xla_bridge._backends)
        return i, os.getppid(), started, jax.config.jax_platforms or "", host.active()


class Big(Dataset):
    """A dataset holding 2 MB of data: its pickle goes to the workers through the job file."""

    def __init__(self) -> None:
        self.data = np.arange(1 << 18, dtype=np.float64)

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        return float(self.data[i * 1000])


class Scribbling(Big):
    """Like ``Big``, but each worker adds 1 to the items it loads, in its own copy of ``data``
    (which must be writable, and private to the worker, as after ``fork``)."""

    def __getitem__(self, i: int):
        self.data[i * 1000] += 1
        return float(self.data[i * 1000])


class Planes(Dataset):
    """Item ``i``: ``(a float32 plane filled with i, an int64 vector)``; ``grow`` makes item
    ``i``'s plane ``i + 1`` times larger (batches outgrow the workers' shared-memory slots)."""

    def __init__(self, n: int, side: int = 64, grow: bool = False) -> None:
        self.n, self.side, self.grow = n, side, grow

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        rows = self.side * (i + 1) if self.grow else self.side
        return np.full((rows, self.side), i, np.float32), np.arange(4096) + i


def keep_numpy(samples):
    """A ``collate_fn`` returning NumPy arrays (not tensors): a list of planes, stacked ints."""
    return [p for p, _ in samples], np.stack([v for _, v in samples])


class DyingLarge(Planes):
    """Big batches (through shared memory), and the worker loading item 5 kills itself."""

    def __getitem__(self, i: int):
        if i == 5:
            os._exit(1)
        return super().__getitem__(i)


def _ops(x, idx):
    """The ops table, over ``x`` (5x4 float32) and ``idx`` (int64 indices)."""
    import torchlike as tl

    return {
        "tensor": lambda: (tl.tensor([[1, 2], [3, 4]]), tl.from_numpy(np.arange(6.0)) * 2),
        "arith": lambda: ((x * 3 + 1) / 2 - x**2, tl.tensor([7, -7]) // 2, x.abs().sqrt()),
        "index": lambda: tl.cat([x[2], x[idx].flatten(), x[1:4, ::2].flatten()]),
        "shape": lambda: (x.view(4, 5).permute(1, 0).unsqueeze(0), tl.stack([x, x]), x.flip(0)),
        "casts": lambda: (x.long(), tl.arange(6).float() / 255.0, (x > 0).int()),
        "reductions": lambda: (x.sum(0), x.mean(1), x.max(1).values, x.argmax(1), x.std()),
        "linear": lambda: (x @ x.T, tl.softmax(x, 1), tl.nn.functional.one_hot(idx, 4)),
        "elementwise": lambda: (tl.where(x > 0, x, -x), x.clamp(-0.5, 0.5), tl.exp(x).log()),
        "random": lambda: (tl.manual_seed(3), tl.rand(4), tl.randn(3), tl.randint(0, 9, (5,))),
        "setitem": lambda: _written(tl, x, idx),
        "pool": lambda: tl.nn.functional.max_pool2d(x[None, None], 2, stride=1, padding=1),
    }


def _written(tl, x, idx):
    """In-place writes, as in ``target = torch.zeros(10); target[label] = 1``."""
    y, z = x.clone(), tl.zeros(6)
    y[:, 0] = 5
    y[y > 2] = 0
    z[3] = 1
    z[idx] = 2.0
    z.index_add_(0, idx, tl.ones(3))
    return y, z


class Conv(Dataset):
    """Items need a convolution, which forked workers cannot run (no NumPy version); one with
    enough output positions (25) that it is not computed as a matmul over windows."""

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int):
        import torchlike as tl

        return tl.nn.functional.conv2d(tl.ones(1, 1, 6, 6), tl.ones(1, 1, 2, 2))


class Ops(Dataset):
    """Item ``k``: the ``k``-th of a table of torchlike ops, made where the item is loaded (in a
    forked worker: on NumPy, see ``_utils/host.py``), as NumPy arrays."""

    names = list(_ops(None, None))  # (nothing computed: importing this starts no JAX)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, k: int):
        import torchlike as tl

        x = tl.arange(20.0).reshape(5, 4) / 7 - 1
        out = _ops(x, tl.tensor([0, 3, 1]))[self.names[k]]()
        outs = out if isinstance(out, tuple) else (out,)
        return [o.numpy() for o in outs if hasattr(o, "numpy")]
