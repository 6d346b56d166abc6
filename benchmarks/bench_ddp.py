"""Scaling of a compiled ``DistributedDataParallel`` step over 1, 2, 4 and 8 simulated CPU devices.

One subprocess per device count (``XLA_FLAGS=--xla_force_host_platform_device_count=N``, fixed
when JAX starts) trains the same MLP (784-512-512-10, ReLU, cross-entropy, SGD with momentum) on
the same global batch with ``torch.compile(step)`` over ``nn.parallel.DistributedDataParallel``:
the batch is split over the N devices, the parameters replicated, the gradient all-reduce is
inside the one compiled program. The table gives the median step time and the scaling ratio
``time(1 device) / time(N devices)`` (1.0 = no change; N = perfect scaling).

Simulated devices share the machine's CPU cores, so on a small machine the ratio shows the cost of
partitioning and of the all-reduce more than any speed-up; on a host with many cores (or with real
accelerators, one per device) it shows data-parallel scaling. Each worker checks that its first
loss equals the 1-device run's (to 1e-4), so every row trains the same model on the same data.

    python benchmarks/bench_ddp.py [--batch 256] [--steps 20] [--devices 1 2 4 8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(batch: int, steps: int, warmup: int) -> dict:
    """Runs inside a subprocess whose device count is already fixed."""
    import jax
    import numpy as np

    import torchlike as torch
    from torchlike import nn

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, batch))
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(ddp(x), y)
        loss.backward()
        opt.step()
        return loss

    start = time.perf_counter()
    first = step(x, y).item()
    compile_s = time.perf_counter() - start
    for _ in range(warmup):
        step(x, y).item()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step(x, y).item()
        times.append(time.perf_counter() - start)
    return {
        "devices": jax.device_count(),
        "first_loss": first,
        "compile_s": compile_s,
        "median_ms": 1e3 * statistics.median(times),
        "num_compiles": step.num_compiles,
    }


def run(devices: int, args) -> dict:
    env = dict(
        os.environ,
        PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
        XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
    )
    cmd = [sys.executable, __file__, "--worker", "--batch", str(args.batch)]
    cmd += ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise SystemExit(f"worker with {devices} devices failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4, 8])
    p.add_argument("--batch", type=int, default=256, help="global batch (divisible by devices)")
    p.add_argument("--steps", type=int, default=20, help="timed steps per device count")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps after the compile")
    p.add_argument("--json", help="also write the rows to this file")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.batch, args.steps, args.warmup)))
        return
    rows = []
    for n in args.devices:
        if args.batch % n:
            raise SystemExit(f"--batch {args.batch} does not divide over {n} devices")
        rows.append(run(n, args))
        print(f"  {n} device(s) done", file=sys.stderr, flush=True)
    base = rows[0]
    print(
        f"Compiled DDP step, MLP 784-512-512-10, global batch {args.batch}, "
        f"{os.cpu_count()} CPU cores, simulated CPU devices"
    )
    print(f"| devices | rows/device | step ms | scaling (t{base['devices']}/tN) | 1st call s |")
    print("|---|---|---|---|---|")
    for r in rows:
        ratio = base["median_ms"] / r["median_ms"]
        print(
            f"| {r['devices']} | {args.batch // r['devices']} | {r['median_ms']:.2f} | "
            f"{ratio:.2f} | {r['compile_s']:.2f} |"
        )
    bad = [r["devices"] for r in rows if abs(r["first_loss"] - base["first_loss"]) > 1e-4]
    if bad:
        print(f"WARNING: first loss differs from the {base['devices']}-device run for {bad}")
    if any(r["num_compiles"] > 2 for r in rows):
        print("WARNING: a step recompiled more than once")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
