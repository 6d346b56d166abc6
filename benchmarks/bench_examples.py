"""End-to-end table: every example trained three ways, epoch time and final metric side by side.

    python benchmarks/bench_examples.py                       # all examples, ~15-20 min on 2 cores
    python benchmarks/bench_examples.py --examples mnist_cnn --epochs 3 --limit-batches 0
    python benchmarks/bench_examples.py --json examples.json  # also every RESULT as JSON

Each example in ``examples/`` that prints a ``RESULT {json}`` line (the convention of issue 8) runs
as a subprocess, one after the other on the same machine: torchlike with its compiled train step
(no flag), torchlike ``--eager``, and ``--reference`` (the same script on real PyTorch). The table
gives, per run, the first epoch's time (it includes compilation) and the mean time of the later
epochs, as the script itself measured them (training only, evaluation excluded where the example
says so), and its final metric. An example that is missing or fails is listed with the reason.

The defaults cut each example to a few epochs of ``--limit-batches`` batches (see ``SETTINGS``;
the table repeats them) so that the whole table takes about 15-20 minutes on a 2-core CPU;
``--epochs``/``--limit-batches`` override them for every example (``--limit-batches 0``: full
epochs). Metrics of such cut runs are not what a full run reaches. Run it on a quiet machine: on
a loaded one PyTorch's OpenMP threads in particular slow down badly (see README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# Per example: the arguments of a benchmark run (epochs and batches sized for a 2-core CPU).
SETTINGS: dict[str, list[str]] = {
    "mnist_cnn": ["--epochs", "3", "--limit-batches", "150"],
    "cifar10_resnet": ["--dataset", "fashion_mnist", "--epochs", "3", "--limit-batches", "40"],
    "linear_regression": ["--epochs", "5"],
    "char_lstm": ["--epochs", "3", "--limit-batches", "20"],
    "object_detection": ["--epochs", "3", "--limit-batches", "10", "--test-size", "100"],
}
DEFAULT_SETTINGS = ["--epochs", "3", "--limit-batches", "20"]  # examples not listed above
BACKENDS = {"torchlike-compiled": [], "torchlike-eager": ["--eager"], "pytorch": ["--reference"]}


def discover() -> list[str]:
    """The examples of ``SETTINGS``, then any other script in examples/ that prints RESULT."""
    found = {p.stem for p in EXAMPLES.glob("*.py") if "RESULT" in p.read_text()}
    return list(SETTINGS) + sorted(found - SETTINGS.keys())


def missing(name: str) -> str | None:
    """Why ``name`` cannot be benchmarked, or None."""
    path = EXAMPLES / f"{name}.py"
    if not path.is_file():
        return f"skipped: examples/{name}.py does not exist"
    if "RESULT" not in path.read_text():
        return "skipped: it prints no RESULT line"
    return None


def with_overrides(args: list[str], epochs: int | None, limit: int | None) -> list[str]:
    """``args`` with ``--epochs``/``--limit-batches`` replaced (``limit`` 0 removes the limit)."""
    out, i = [], 0
    while i < len(args):
        if (args[i] == "--epochs" and epochs is not None) or (
            args[i] == "--limit-batches" and limit is not None
        ):
            i += 2
            continue
        out.append(args[i])
        i += 1
    if epochs is not None:
        out += ["--epochs", str(epochs)]
    if limit:
        out += ["--limit-batches", str(limit)]
    return out


def run_example(name: str, args: list[str], timeout: float) -> tuple[dict | None, str]:
    """Run one example in a fresh working directory; its RESULT dict, or None and why not."""
    cmd = [sys.executable, str(EXAMPLES / f"{name}.py"), *args]
    if "--data-root" in (EXAMPLES / f"{name}.py").read_text():
        # the run starts in a fresh folder: the datasets are in the repository's data/, where
        # `make demo`/`make test` link data/FashionMNIST/raw to the Fashion-MNIST files
        cmd += ["--data-root", str(ROOT / "data")]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    with tempfile.TemporaryDirectory() as cwd:
        try:
            proc = subprocess.run(
                cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout:.0f}s"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no RESULT line"])[-1]
        return None, f"failed (exit {proc.returncode}): {err[:120]}"
    return json.loads(lines[-1][len("RESULT ") :]), ""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = re.findall(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def row(name: str, backend: str, res: dict | None, note: str) -> str:
    if res is None:
        return f"| {name} | {backend} | | | | | {note} |"
    times = res["epoch_time_s"]
    later = f"{sum(times[1:]) / len(times[1:]):.3g}" if len(times) > 1 else "–"
    metric = f"{res['metric']} {res['value']:.4g}"
    return f"| {name} | {backend} | {res['epochs']} | {times[0]:.3g} | {later} | {metric} | |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--examples", help="comma-separated example names (default: all found)")
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    p.add_argument("--epochs", type=int, help="epochs for every example (default: SETTINGS)")
    p.add_argument("--limit-batches", type=int, help="batches per epoch for every example (0: all)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per run")
    p.add_argument("--json", help="also write every RESULT (and failure) to this file")
    args = p.parse_args()

    names = args.examples.split(",") if args.examples else discover()
    backends = args.backends.split(",")
    print(f"machine: {machine()}; Python {platform.python_version()}", flush=True)
    lines = [
        "| example | backend | epochs | 1st epoch (s) | later epochs (s, mean) | metric | note |",
        "|---|---|---|---|---|---|---|",
    ]
    settings, records, start = {}, [], time.perf_counter()
    for name in names:
        if why := missing(name):
            lines.append(f"| {name} | | | | | | {why} |")
            continue
        settings[name] = with_overrides(
            SETTINGS.get(name, DEFAULT_SETTINGS), args.epochs, args.limit_batches
        )
        for backend in backends:
            res, note = run_example(name, settings[name] + BACKENDS[backend], args.timeout)
            if res is not None and res.get("backend") != backend:
                note = f"script reported backend {res.get('backend')!r}"
            lines.append(row(name, backend, res, note))
            records.append({"example": name, "backend": backend, "result": res, "note": note})
            print(lines[-1], file=sys.stderr, flush=True)  # progress while the table grows
    print("\n".join(lines))
    print("\nArguments of each example's runs (epoch times are as each script measures them):")
    for name, s in settings.items():
        print(f"- {name}: {' '.join(s)}")
    print(f"\ntotal {time.perf_counter() - start:.0f}s")
    if args.json:
        meta = {"machine": machine(), "settings": settings}
        Path(args.json).write_text(json.dumps({**meta, "runs": records}, indent=1))


if __name__ == "__main__":
    main()
