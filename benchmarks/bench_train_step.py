"""Median time per training step: hand-written JAX, Flax NNX, PyTorch eager and torchlike.

Two models at batch 128, float32, CrossEntropyLoss, SGD(lr=0.1, momentum=0.9):

* ``mlp``: 784-512-512-10 with ReLU;
* ``cnn``: LeNet-5 style on 1x28x28 (Conv 6@5x5 pad 2, pool, Conv 16@5x5, pool, 120, 84, 10).

Every implementation starts from the same numpy weights (PyTorch layout, PyTorch's default init
ranges) and sees the same fixed batch, so their losses over the warm-up steps must agree; a
warning is printed when they do not. Implementations are timed in interleaved rounds (a few steps
of each in turn) so that a change in machine load hits all of them alike. Each timed step ends by
reading the loss back to the host (``jax.block_until_ready`` + ``float`` / ``.item()``).

A third, tiny problem (``Linear(4, 4)``, batch 2) measures the per-call host overhead of each
way of compiling a step, where compute is negligible.

Run ``python benchmarks/bench_train_step.py --help`` for the options; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax import lax

LR, MOMENTUM = 0.1, 0.9
LOSS_TOL = 1e-4

# Parameter shapes in PyTorch layout and in ``model.parameters()`` order.
PARAM_SHAPES = {
    "mlp": [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)],
    "cnn": [
        (6, 1, 5, 5),
        (6,),
        (16, 6, 5, 5),
        (16,),
        (120, 400),
        (120,),
        (84, 120),
        (84,),
        (10, 84),
        (10,),
    ],
    "tiny": [(4, 4), (4,)],
}
INPUT_SHAPE = {"mlp": (784,), "cnn": (1, 28, 28), "tiny": (4,)}
NUM_CLASSES = {"mlp": 10, "cnn": 10, "tiny": 4}


@dataclass
class Problem:
    name: str
    weights: list[np.ndarray]  # PyTorch layout, parameters() order
    x: np.ndarray  # float32, NCHW for the CNN
    y: np.ndarray  # int64 class indices


def make_problem(name: str, batch: int, seed: int = 0) -> Problem:
    """Weights drawn like PyTorch's defaults (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), one batch."""
    rng = np.random.default_rng(seed)
    weights = []
    shapes = PARAM_SHAPES[name]
    for w_shape, b_shape in zip(shapes[::2], shapes[1::2]):
        bound = 1.0 / np.sqrt(np.prod(w_shape[1:]))
        weights.append(rng.uniform(-bound, bound, w_shape).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, b_shape).astype(np.float32))
    x = rng.standard_normal((batch, *INPUT_SHAPE[name])).astype(np.float32)
    y = rng.integers(0, NUM_CLASSES[name], batch).astype(np.int64)
    return Problem(name, weights, x, y)


def pairs(weights: list) -> list[tuple]:
    return list(zip(weights[::2], weights[1::2]))


# --------------------------------------------------------------------------------------------
# 1. Hand-written JAX: params are a list of (weight, bias) in PyTorch layout (NCHW / OIHW).


def _linear(p, x):
    w, b = p
    return x @ w.T + b


def _conv(p, x, padding: int):
    w, b = p
    pad = [(padding, padding)] * 2
    y = lax.conv_general_dilated(x, w, (1, 1), pad, dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + b[None, :, None, None]


def _max_pool2(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def jax_mlp(params, x):
    x = jax.nn.relu(_linear(params[0], x))
    x = jax.nn.relu(_linear(params[1], x))
    return _linear(params[2], x)


def jax_cnn(params, x):
    x = _max_pool2(jax.nn.relu(_conv(params[0], x, padding=2)))
    x = _max_pool2(jax.nn.relu(_conv(params[1], x, padding=0)))
    x = x.reshape(x.shape[0], -1)
    x = jax.nn.relu(_linear(params[2], x))
    x = jax.nn.relu(_linear(params[3], x))
    return _linear(params[4], x)


def jax_tiny(params, x):
    return _linear(params[0], x)


JAX_FORWARD = {"mlp": jax_mlp, "cnn": jax_cnn, "tiny": jax_tiny}


def bench_jax(prob: Problem, torch_semantics: bool = False) -> Callable[[], float]:
    """The hand-written step. ``torch_semantics``: it also returns the gradients (PyTorch keeps
    them in ``.grad`` after the step) and takes int64 labels, as the torch-style rows must."""
    forward = JAX_FORWARD[prob.name]
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in pairs(prob.weights)]
    tx = optax.sgd(LR, momentum=MOMENTUM)
    opt_state = tx.init(params)
    label_dtype = np.int64 if torch_semantics else np.int32
    x, y = jnp.asarray(prob.x), jnp.asarray(prob.y.astype(label_dtype))

    def loss_fn(params, x, y):
        logits = forward(params, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    def full_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, grads

    # The minimal step lets no gradient leave the program; the torch-semantics one returns them.
    train_step = jax.jit(
        full_step if torch_semantics else lambda *args: full_step(*args)[:3],
        donate_argnums=(0, 1),
    )
    state = [params, opt_state, None]

    def step() -> float:
        state[0], state[1], loss, *grads = train_step(state[0], state[1], x, y)
        state[2] = grads  # kept, as PyTorch keeps .grad
        return float(jax.block_until_ready(loss))

    return step


# --------------------------------------------------------------------------------------------
# 2. Hand-written Flax NNX, written the way Flax users do: NHWC convolutions, (in, out) kernels.


class NnxMLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.fc1 = nnx.Linear(784, 512, rngs=rngs)
        self.fc2 = nnx.Linear(512, 512, rngs=rngs)
        self.fc3 = nnx.Linear(512, 10, rngs=rngs)

    def layers(self):
        return [self.fc1, self.fc2, self.fc3]

    def __call__(self, x):
        x = nnx.relu(self.fc1(x))
        x = nnx.relu(self.fc2(x))
        return self.fc3(x)


class NnxCNN(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 6, (5, 5), padding=2, rngs=rngs)
        self.conv2 = nnx.Conv(6, 16, (5, 5), padding="VALID", rngs=rngs)
        self.fc1 = nnx.Linear(400, 120, rngs=rngs)
        self.fc2 = nnx.Linear(120, 84, rngs=rngs)
        self.fc3 = nnx.Linear(84, 10, rngs=rngs)

    def layers(self):
        return [self.conv1, self.conv2, self.fc1, self.fc2, self.fc3]

    def __call__(self, x):  # x: NHWC
        x = nnx.max_pool(nnx.relu(self.conv1(x)), (2, 2), strides=(2, 2))
        x = nnx.max_pool(nnx.relu(self.conv2(x)), (2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        x = nnx.relu(self.fc1(x))
        x = nnx.relu(self.fc2(x))
        return self.fc3(x)


class NnxTiny(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.fc = nnx.Linear(4, 4, rngs=rngs)

    def layers(self):
        return [self.fc]

    def __call__(self, x):
        return self.fc(x)


NNX_MODELS = {"mlp": NnxMLP, "cnn": NnxCNN, "tiny": NnxTiny}


def make_nnx(prob: Problem):
    """The NNX model loaded with the shared weights, and the batch in Flax layout."""
    model = NNX_MODELS[prob.name](nnx.Rngs(0))
    for layer, (w, b) in zip(model.layers(), pairs(prob.weights)):
        if w.ndim == 4:  # OIHW -> HWIO
            kernel = w.transpose(2, 3, 1, 0)
        elif prob.name == "cnn" and w.shape[1] == 400:  # after Flatten: (c, h, w) -> (h, w, c)
            kernel = w.reshape(-1, 16, 5, 5).transpose(2, 3, 1, 0).reshape(400, -1)
        else:
            kernel = w.T
        layer.kernel[...] = jnp.asarray(kernel)
        layer.bias[...] = jnp.asarray(b)
    x = prob.x.transpose(0, 2, 3, 1) if prob.x.ndim == 4 else prob.x  # NCHW -> NHWC
    return model, jnp.asarray(x), jnp.asarray(prob.y.astype(np.int32))


def _nnx_loss(model, x, y):
    return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()


def bench_nnx_jit(prob: Problem) -> Callable[[], float]:
    """``@nnx.jit`` on (model, optimizer), as in the Flax docs."""
    model, x, y = make_nnx(prob)
    optimizer = nnx.Optimizer(model, optax.sgd(LR, momentum=MOMENTUM), wrt=nnx.Param)

    @nnx.jit
    def train_step(model, optimizer, x, y):
        loss, grads = nnx.value_and_grad(_nnx_loss)(model, x, y)
        optimizer.update(model, grads)
        return loss

    return lambda: float(jax.block_until_ready(train_step(model, optimizer, x, y)))


def bench_nnx_split(prob: Problem) -> Callable[[], float]:
    """``nnx.split`` once, then plain ``jax.jit`` on the state (Flax's fast pattern)."""
    model, x, y = make_nnx(prob)
    optimizer = nnx.Optimizer(model, optax.sgd(LR, momentum=MOMENTUM), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))

    @functools.partial(jax.jit, donate_argnums=(0,))
    def train_step(state, x, y):
        model, optimizer = nnx.merge(graphdef, state)
        loss, grads = nnx.value_and_grad(_nnx_loss)(model, x, y)
        optimizer.update(model, grads)
        return nnx.state((model, optimizer)), loss

    holder = [state]

    def step() -> float:
        holder[0], loss = train_step(holder[0], x, y)
        return float(jax.block_until_ready(loss))

    return step


# --------------------------------------------------------------------------------------------
# 3-5. PyTorch-style code, run by real PyTorch or by torchlike (``torch`` is either module).


def torch_style_model(nn, name: str):
    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    return nn.Sequential(nn.Linear(4, 4))


def torch_style_setup(torch, prob: Problem):
    """Model (with the shared weights), optimizer, batch and the ordinary PyTorch train step."""
    nn = torch.nn
    model = torch_style_model(nn, prob.name)
    with torch.no_grad():
        for p, w in zip(model.parameters(), prob.weights):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    crit = nn.CrossEntropyLoss()
    x, y = torch.from_numpy(prob.x), torch.from_numpy(prob.y)

    def train_step(model, opt, x, y):
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, opt, x, y, train_step


def bench_torch_eager(torch, prob: Problem) -> Callable[[], float]:
    model, opt, x, y, train_step = torch_style_setup(torch, prob)
    return lambda: train_step(model, opt, x, y).item()


def bench_torchlike_compiled(torch, prob: Problem) -> Callable[[], float]:
    model, opt, x, y, train_step = torch_style_setup(torch, prob)
    step = torch.compile(train_step)
    return lambda: step(model, opt, x, y).item()


def bench_torchlike_donated(torch, prob: Problem) -> Callable[[], float]:
    model, opt, x, y, train_step = torch_style_setup(torch, prob)
    step = torch.compile(train_step, donate=True)
    return lambda: step(model, opt, x, y).item()


def bench_torchlike_eager(torch, prob: Problem) -> Callable[[], float]:
    model, opt, x, y, train_step = torch_style_setup(torch, prob)
    return lambda: train_step(model, opt, x, y).item()


# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Row:
    impl: str
    # jax | jax_torch | nnx | nnx_split | torch_eager | tl_compiled | tl_donated | tl_eager
    kind: str
    make: Callable[[], Callable[[], float]] | None
    status: str = ""  # "" = ran; otherwise why not
    step: Callable[[], float] | None = None
    first_call_s: float = float("nan")
    losses: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    def percentile_s(self, q: float) -> float:
        return float(np.percentile(self.times, q)) if self.times else float("nan")


def _error(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"failed: {type(e).__name__}: {msg}"[:160]


def measure(rows: list[Row], warmup: int, steps: int, rounds: int, budget_s: float) -> None:
    """Build and warm up every row, then time them in interleaved rounds."""
    for row in rows:
        if row.status:
            continue
        try:
            row.step = row.make()
            t0 = time.perf_counter()
            row.losses.append(row.step())  # compiles where there is something to compile
            row.first_call_s = time.perf_counter() - t0
            for _ in range(warmup - 1):
                row.losses.append(row.step())
        except Exception as e:  # a broken implementation must not stop the rest
            row.status, row.step = _error(e), None
    per_round = max(1, -(-steps // rounds))
    for _ in range(rounds):
        for row in rows:
            if row.step is None or len(row.times) >= steps or sum(row.times) > budget_s:
                continue
            try:
                for _ in range(min(per_round, steps - len(row.times))):
                    t0 = time.perf_counter()
                    row.step()
                    row.times.append(time.perf_counter() - t0)
            except Exception as e:
                row.status, row.step = _error(e), None
    for row in rows:
        row.step = None  # free the model


def check_losses(model: str, rows: list[Row], warnings: list[str]) -> None:
    """Every implementation that ran must report the same losses over the warm-up steps."""
    ran = [r for r in rows if r.losses and not r.status]
    if len(ran) < 2:
        return
    ref = ran[0]
    for row in ran[1:]:
        for i, (a, b) in enumerate(zip(ref.losses, row.losses)):
            if not abs(a - b) <= LOSS_TOL:
                warnings.append(
                    f"WARNING: {model}: step {i + 1} loss {row.impl} = {b:.6f} differs from "
                    f"{ref.impl} = {a:.6f} by {abs(a - b):.2e} (> {LOSS_TOL:g})"
                )
                break


# --------------------------------------------------------------------------------------------
# Report


def machine_info(torch_mod, tl_mod, tl_name: str) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    import flax

    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in jax.devices()],
        "flax": flax.__version__,
        "optax": optax.__version__,
        "torch": getattr(torch_mod, "__version__", None),
        "torch_threads": torch_mod.get_num_threads() if torch_mod else None,
        "torchlike_module": tl_name,
        "torchlike": (getattr(tl_mod, "__version__", "unknown") if tl_mod else None),
    }


def cpu_counters() -> tuple[float, float, float] | None:
    """(busy s over all CPUs, steal s, this process's CPU s), to tell how busy the machine was."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    t = os.times()
    ours = t.user + t.system + t.children_user + t.children_system
    return (user + nice + system + irq + softirq) / hz, steal / hz, ours


def ratio(a: float, b: float) -> float:
    return a / b if a == a and b == b and b > 0 else float("nan")


def fmt(v: float, unit: float = 1e3, digits: int = 2) -> str:
    return "—" if v != v else f"{v * unit:.{digits}f}"


def table(results: dict[str, list[Row]], batch: int) -> list[str]:
    out = [
        "| model | implementation | ms/step (median) | p10–p90 ms | steps | 1st call s "
        "| / JAX jit | / PyTorch eager | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for model, rows in results.items():
        base = {r.kind: r.median_s for r in rows}
        for r in rows:
            spread = f"{fmt(r.percentile_s(10))}–{fmt(r.percentile_s(90))}" if r.times else "—"
            out.append(
                f"| {model} b{batch} | {r.impl} | {fmt(r.median_s)} "
                f"| {spread} | {len(r.times)} "
                f"| {fmt(r.first_call_s, 1, 2)} | {fmt(ratio(r.median_s, base['jax']), 1)} "
                f"| {fmt(ratio(r.median_s, base['torch_eager']), 1)} | {r.status} |"
            )
    return out


def key_ratios(results: dict[str, list[Row]]) -> dict[str, dict[str, float]]:
    out = {}
    for model, rows in results.items():
        m = {r.kind: r.median_s for r in rows}
        out[model] = {
            "torchlike_compiled / jax": ratio(m["tl_compiled"], m["jax"]),
            "torchlike_compiled / jax_with_grads": ratio(m["tl_compiled"], m["jax_torch"]),
            "torchlike_compiled_donated / jax": ratio(m["tl_donated"], m["jax"]),
            "torchlike_eager / torch_eager": ratio(m["tl_eager"], m["torch_eager"]),
            "nnx_jit / jax": ratio(m["nnx"], m["jax"]),
            "nnx_split_jit / jax": ratio(m["nnx_split"], m["jax"]),
        }
    return out


# --------------------------------------------------------------------------------------------


def import_or_none(name: str):
    try:
        return importlib.import_module(name), ""
    except Exception as e:  # report and carry on
        return None, f"{type(e).__name__}: {e}"


def build_rows(prob, torch_mod, torch_err, tl_mod, tl_err, tl_label, skip_compiled) -> list[Row]:
    threads = torch_mod.get_num_threads() if torch_mod else "?"
    tl_missing = f"{tl_label}: not available" + (f" ({tl_err})" if tl_err else "")

    rows = [
        Row("JAX jax.jit (hand-written)", "jax", functools.partial(bench_jax, prob)),
        Row(
            "JAX jax.jit, grads out + int64 labels",
            "jax_torch",
            functools.partial(bench_jax, prob, True),
        ),
        Row("Flax NNX nnx.jit", "nnx", functools.partial(bench_nnx_jit, prob)),
        Row("Flax NNX split + jax.jit", "nnx_split", functools.partial(bench_nnx_split, prob)),
    ]
    for impl, kind, mod, fn, missing in [
        (
            f"PyTorch eager ({threads} thread{'' if threads == 1 else 's'})",
            "torch_eager",
            torch_mod,
            bench_torch_eager,
            f"torch: not available ({torch_err})",
        ),
        (f"{tl_label} compile", "tl_compiled", tl_mod, bench_torchlike_compiled, tl_missing),
        (
            f"{tl_label} compile(donate=True)",
            "tl_donated",
            tl_mod,
            bench_torchlike_donated,
            tl_missing,
        ),
        (f"{tl_label} eager", "tl_eager", tl_mod, bench_torchlike_eager, tl_missing),
    ]:
        make = None if mod is None else functools.partial(fn, mod, prob)
        rows.append(Row(impl, kind, make, status="" if make else missing))
    if skip_compiled:
        for row in rows[-3:-1]:
            row.make, row.status = None, "skipped (--skip-compiled)"
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=40, help="timed steps per implementation")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (compile)")
    ap.add_argument("--rounds", type=int, default=4, help="interleaved rounds the steps split into")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp,cnn")
    ap.add_argument(
        "--budget",
        type=float,
        default=15.0,
        help="stop timing an implementation after this many seconds of steps",
    )
    ap.add_argument(
        "--overhead-calls",
        type=int,
        default=200,
        help="calls per implementation for the host-overhead table (0: skip)",
    )
    ap.add_argument(
        "--skip-compiled", action="store_true", help="do not run the torchlike compiled rows"
    )
    ap.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="torch.set_num_threads(N) first (default: leave PyTorch's default)",
    )
    ap.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    ap.add_argument("--torchlike-module", default="torchlike", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    tl_name = args.torchlike_module
    if importlib.util.find_spec(tl_name) is None:  # run from a checkout without installing
        sys.path.append(str(Path(__file__).resolve().parents[1]))
    torch_mod, torch_err = import_or_none("torch")
    if torch_mod is not None and args.torch_threads > 0:
        torch_mod.set_num_threads(args.torch_threads)
    tl_mod, tl_err = import_or_none(tl_name)
    tl_label = "torchlike" if tl_name == "torchlike" else f"torchlike[{tl_name}]"
    info = machine_info(torch_mod, tl_mod, tl_name)

    results: dict[str, list[Row]] = {}
    warnings: list[str] = []
    t_start, cpu_start = time.perf_counter(), cpu_counters()
    for model in [m.strip() for m in args.models.split(",") if m.strip()]:
        prob = make_problem(model, args.batch)
        rows = build_rows(prob, torch_mod, torch_err, tl_mod, tl_err, tl_label, args.skip_compiled)
        print(
            f"... {model}: timing {sum(r.make is not None for r in rows)} implementations",
            file=sys.stderr,
            flush=True,
        )
        measure(rows, args.warmup, args.steps, args.rounds, args.budget)
        check_losses(model, rows, warnings)
        results[model] = rows

    overhead: list[Row] = []
    if args.overhead_calls > 0:
        print("... host overhead (Linear(4, 4), batch 2)", file=sys.stderr, flush=True)
        prob = make_problem("tiny", 2)
        overhead = build_rows(
            prob, torch_mod, torch_err, tl_mod, tl_err, tl_label, args.skip_compiled
        )
        measure(overhead, args.warmup, args.overhead_calls, args.rounds, args.budget)
        check_losses("tiny", overhead, warnings)
    elapsed, cpu_end = time.perf_counter() - t_start, cpu_counters()
    losses_agree = not warnings
    if cpu_start and cpu_end:  # CPU time used by other processes during the run
        capacity = elapsed * (info["usable_cores"] or 1)
        busy, steal, ours = (b - a for a, b in zip(cpu_start, cpu_end))
        info["other_processes_cpu_pct"] = round(100 * max(busy - ours, 0) / capacity, 1)
        info["steal_cpu_pct"] = round(100 * steal / capacity, 1)
        if info["other_processes_cpu_pct"] > 10 or info["steal_cpu_pct"] > 10:
            warnings.append(
                f"WARNING: the machine was busy: other processes used "
                f"{info['other_processes_cpu_pct']}% and hypervisor steal "
                f"{info['steal_cpu_pct']}% of the CPUs during the run; timings are noisy."
            )

    print(f"## Training step, batch {args.batch}, float32, SGD(lr={LR}, momentum={MOMENTUM})\n")
    print(
        f"Machine: {info['cpu']}, {info['usable_cores']} usable cores "
        f"({info['cpu_count']} CPUs); jax {info['jax']} ({info['jax_backend']}), "
        f"flax {info['flax']}, optax {info['optax']}, torch {info['torch']} "
        f"({info['torch_threads']} threads), {tl_label}: "
        f"{'available' if tl_mod else 'not available'}; other processes' CPU use during the "
        f"run: {info.get('other_processes_cpu_pct', '?')}%, steal "
        f"{info.get('steal_cpu_pct', '?')}%\n"
    )
    print("\n".join(table(results, args.batch)))
    ratios = key_ratios(results)
    print()
    for model, rs in ratios.items():
        print(f"- {model}: " + ", ".join(f"{k} = {fmt(v, 1)}" for k, v in rs.items()))
    if overhead:
        print(
            f"\n## Host overhead per call: Linear(4, 4), batch 2 "
            f"(median of {args.overhead_calls} calls)\n"
        )
        print("| implementation | µs/call (median) | note |\n|---|---:|---|")
        for r in overhead:
            print(f"| {r.impl} | {fmt(r.median_s, 1e6, 0)} | {r.status} |")
    print()
    if losses_agree:
        print(
            f"Losses over the {args.warmup} warm-up steps agree to {LOSS_TOL:g} "
            "across every implementation that ran."
        )
    print("\n".join(warnings))
    print(f"\n(total {elapsed:.0f} s)")

    if args.json:

        def rows_json(rows: list[Row]) -> list[dict]:
            return [
                {
                    "impl": r.impl,
                    "kind": r.kind,
                    "status": r.status or "ok",
                    "median_ms": r.median_s * 1e3 if r.times else None,
                    "p10_ms": r.percentile_s(10) * 1e3 if r.times else None,
                    "p90_ms": r.percentile_s(90) * 1e3 if r.times else None,
                    "steps": len(r.times),
                    "first_call_s": r.first_call_s if r.losses else None,
                    "losses": r.losses,
                }
                for r in rows
            ]

        doc = {
            "machine": info,
            "config": {k: v for k, v in vars(args).items() if k != "json"},
            "results": {m: rows_json(rows) for m, rows in results.items()},
            "ratios": {
                m: {k: (v if v == v else None) for k, v in rs.items()} for m, rs in ratios.items()
            },
            "host_overhead_us": {r.impl: (r.median_s * 1e6 if r.times else None) for r in overhead},
            "host_overhead": rows_json(overhead),
            "losses_agree": losses_agree,
            "warnings": warnings,
            "elapsed_s": elapsed,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
