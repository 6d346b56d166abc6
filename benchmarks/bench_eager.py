"""Eager ops at PyTorch's pace: time per call of small eager ops, PyTorch and torchlike.

Most PyTorch programs run eagerly and index tensors with Python integers in loops. Each row runs
one small op with a Python value that changes from call to call (``x[i]``, ``x[i:i+4]``,
``x[i, 3] = 1.5`` ...), cycling through ``--values`` distinct values, and reports the time per
call (µs) in steady state (after ``--warmup`` calls; the distinct values keep coming; the best of
``--rounds`` rounds' means, as the machine may be shared) and the time of the very first call
(ms, which includes compiling in torchlike). The last rows are
scalar reads, small-tensor arithmetic, ``torch.tensor([...])`` and a small training step
(``nn.Linear(16, 16)`` forward + backward on a batch of 4).

A second part reads 10^5 distinct rows and writes 10^5 distinct elements eagerly, and prints how
much the process grew (RSS): torchlike's eager caches are bounded, so it should stay flat.

    python benchmarks/bench_eager.py            # about a minute on 2 CPU cores
    python benchmarks/bench_eager.py --quick    # fewer calls, 10^4 memory iterations

Each timed loop ends by waiting for the last result (``block_until_ready``), so asynchronous
dispatch is not mistaken for speed. PyTorch runs with its default thread count.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch as real_torch  # noqa: E402

import torchlike  # noqa: E402


def _block(out) -> None:
    data = getattr(out, "_data", None)
    if data is not None and hasattr(data, "block_until_ready"):
        data.block_until_ready()


def _rows(torch) -> list[tuple[str, Callable[[], Callable[[int], object]]]]:
    """(label, setup) pairs; ``setup()`` returns ``step(i)`` for the library ``torch``."""

    def table(n=2000, m=16):
        return torch.arange(n * m, dtype=torch.float32).reshape(n, m)

    def getitem_int():
        x = table()
        return lambda i: x[i]

    def getitem_slice():
        x = table()
        return lambda i: x[i : i + 4]

    def getitem_pair():
        x = table()
        return lambda i: x[i, 3]

    def getitem_list():
        x = table()
        return lambda i: x[[i, i + 1, i + 2]]

    def getitem_mask():
        x = torch.arange(16.0)
        masks = [torch.arange(16) % 4 == k for k in range(4)]
        return lambda i: x[masks[i % 4]]

    def narrow():
        x = table()
        return lambda i: x.narrow(0, i, 2)

    def select():
        x = table()
        return lambda i: x.select(0, i)

    def index_select():
        x = table()
        return lambda i: torch.index_select(x, 0, torch.tensor([i, i + 1]))

    def gather():
        x = table(16, 16)
        return lambda i: torch.gather(x, 1, torch.tensor([[i % 16]] * 16))

    def roll():
        x = torch.arange(64.0)
        return lambda i: x.roll(i, 0)

    def setitem_int():
        ids = torch.zeros(2000, dtype=torch.long)

        def step(i):
            ids[i] = i
            return ids

        return step

    def setitem_pair():
        x = table()

        def step(i):
            x[i, 3] = 1.5
            return x

        return step

    def setitem_slice():
        x = table()

        def step(i):
            x[i : i + 2] = 0.0
            return x

        return step

    def setitem_mask():
        x = torch.arange(16.0)
        masks = [torch.arange(16) % 4 == k for k in range(4)]

        def step(i):
            x[masks[i % 4]] = 2.0
            return x

        return step

    def float_read():
        x = table()
        return lambda i: float(x[i, i % 16])

    def item():
        s = torch.tensor(3.0) * 2
        return lambda i: s.item()

    def tolist():
        t = torch.arange(8.0) + 1
        return lambda i: t.tolist()

    def add():
        a, b = torch.ones(4, 4), torch.ones(4, 4)
        return lambda i: a + b

    def mul_scalar():
        a = torch.ones(4, 4)
        return lambda i: a * (i + 0.5)

    def matmul():
        a, b = torch.ones(4, 4), torch.ones(4, 4)
        return lambda i: a @ b

    def create():
        return lambda i: torch.tensor([float(i), 1.0, 2.0])

    def linear_step():
        torch.manual_seed(0)
        layer = torch.nn.Linear(16, 16)
        x = torch.randn(4, 16)

        def step(i):
            layer.zero_grad()
            loss = layer(x).square().mean()
            loss.backward()
            return loss

        return step

    return [
        ("x[i]", getitem_int),
        ("x[i:i+4]", getitem_slice),
        ("x[i, 3]", getitem_pair),
        ("x[[i, i+1, i+2]]", getitem_list),
        ("x[mask]", getitem_mask),
        ("x.narrow(0, i, 2)", narrow),
        ("x.select(0, i)", select),
        ("index_select(x, 0, tensor([i, i+1]))", index_select),
        ("gather(x, 1, tensor(python list))", gather),
        ("x.roll(i, 0)", roll),
        ("ids[i] = i", setitem_int),
        ("x[i, 3] = 1.5", setitem_pair),
        ("x[i:i+2] = 0.0", setitem_slice),
        ("x[mask] = 2.0", setitem_mask),
        ("float(x[i, j])", float_read),
        ("s.item()", item),
        ("t.tolist() (8 elements)", tolist),
        ("a + b (4x4)", add),
        ("a * python float (4x4)", mul_scalar),
        ("a @ b (4x4)", matmul),
        ("torch.tensor([x, 1.0, 2.0])", create),
        ("Linear(16,16) fwd+bwd, batch 4", linear_step),
    ]


def _time_row(
    setup, calls: int, warmup: int, values: int, budget: float, rounds: int, clock
) -> tuple[float, float]:
    """(first call in ms, steady-state µs per call): the best of ``rounds`` rounds' means (the
    machine may be shared; the best round is the least disturbed), values cycling over
    ``values`` ints."""
    step = setup()
    t0 = time.perf_counter()
    _block(step(0))
    first = (time.perf_counter() - t0) * 1e3
    for k in range(1, warmup + 1):
        _block(step(k % values))
    best, i, per_round = float("inf"), warmup + 1, max(calls // rounds, 1)
    start = time.perf_counter()
    for _ in range(rounds):
        t0 = clock()
        for _ in range(per_round):
            out = step(i % values)
            i += 1
        _block(out)
        best = min(best, (clock() - t0) / per_round * 1e6)
        if time.perf_counter() - start > budget:
            break
    return first, best


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _memory(n: int) -> str:
    x = torchlike.zeros(n, 4)
    for i in range(200):  # warm-up: compile once
        x[i]
        x[i, 1] = 1.0
    gc.collect()
    before = _rss_mb()
    t0 = time.perf_counter()
    for i in range(n):
        x[i]
        x[i, 1] = float(i)
    x._data.block_until_ready()
    gc.collect()
    grown = _rss_mb() - before
    ok = float(x[n - 1, 1]) == float(n - 1)
    info = ""
    if hasattr(torchlike._dispatch, "cache_info"):
        info = f"; eager cache: {torchlike._dispatch.cache_info()}"
    return (
        f"{n} distinct row reads x[i] + element writes x[i, 1] = v: "
        f"{time.perf_counter() - t0:.1f} s, RSS grew {grown:+.1f} MB "
        f"(values right: {ok}){info}"
    )


def _machine() -> str:
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs; jax {jax.__version__} on {jax.devices()[0].platform}; "
        f"torch {real_torch.__version__} ({real_torch.get_num_threads()} threads); "
        f"Python {platform.python_version()}"
    )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer calls, 10^4 memory iterations")
    p.add_argument("--calls", type=int, default=300, help="timed calls per row")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls per row")
    p.add_argument("--values", type=int, default=1000, help="distinct Python values cycled")
    p.add_argument("--rounds", type=int, default=10, help="timed rounds per row (best is kept)")
    p.add_argument("--budget", type=float, default=2.0, help="seconds at most per timed row")
    p.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time per call by the wall clock, or by the CPU time of the process (all threads; "
        "steadier on a busy shared machine)",
    )
    p.add_argument("--memory", type=int, default=100_000, help="memory-test iterations (0: skip)")
    args = p.parse_args(argv)
    if args.quick:
        args.calls, args.warmup, args.budget = 100, 10, 1.0
        args.memory = min(args.memory, 10_000)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    print(f"Machine: {_machine()}; clock: {args.clock}; load average {os.getloadavg()[0]:.1f}\n")
    ref, ours = _rows(real_torch), _rows(torchlike)
    print(
        "| op (Python value i changes every call) | PyTorch µs | torchlike µs | ratio "
        "| torchlike 1st call ms |"
    )
    print("|---|---:|---:|---:|---:|")
    for (label, ref_setup), (_, our_setup) in zip(ref, ours):
        timing = (args.calls, args.warmup, args.values, args.budget, args.rounds, clock)
        _, t_ref = _time_row(ref_setup, *timing)
        first, t_ours = _time_row(our_setup, *timing)
        print(
            f"| `{label}` | {t_ref:.1f} | {t_ours:.1f} | {t_ours / t_ref:.1f}x | {first:.1f} |",
            flush=True,
        )
    if args.memory:
        print()
        print(_memory(args.memory))
    print(f"\nmax RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
