"""Fit a line to noisy points with nn.Linear and SGD — the smallest PyTorch training loop.

    python examples/linear_regression.py               # compiled; plot in linear_regression.png
    python examples/linear_regression.py --eager       # the same loop without torch.compile
    python examples/linear_regression.py --reference   # the very same script on real PyTorch

The points ``y = 2.5 x - 1 + noise`` come from numpy (seeded by ``--seed``), so both backends fit
the same data; it prints the fitted coefficient and intercept next to the true ones and saves a
plot of the data and the fitted line. The last line is ``RESULT {...}`` (JSON) with the final mean
squared error over all points.
"""

import argparse
import json
import sys
import time

import numpy as np

REFERENCE = "--reference" in sys.argv
if REFERENCE:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
else:
    import torchlike as torch
    from torchlike import nn
    from torchlike.utils.data import DataLoader, TensorDataset

TRUE_COEF, TRUE_INTERCEPT, NOISE = 2.5, -1.0, 0.5


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on the true line with Gaussian noise, as float32 columns of shape (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 1)).astype(np.float32)
    y = (TRUE_COEF * x + TRUE_INTERCEPT + NOISE * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def save_plot(path: str, x: np.ndarray, y: np.ndarray, coef: float, intercept: float) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x[:, 0], y[:, 0], s=6, alpha=0.5, label="data")
    line = np.array([x.min(), x.max()])
    ax.plot(
        line, coef * line + intercept, color="C3", label=f"fit: y = {coef:.3f} x {intercept:+.3f}"
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="do not compile the train step")
    p.add_argument("--reference", action="store_true", help="run on real PyTorch")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--limit-batches", type=int, default=None, help="batches per epoch (smoke runs)")
    p.add_argument("--plot", default="linear_regression.png", help="PNG of data and fit")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    x_np, y_np = make_data(args.samples, args.seed)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)

    model = nn.Linear(1, 1).to(args.device)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    compiled = not (args.eager or args.reference)
    step = torch.compile(train_step) if compiled else train_step
    backend = "pytorch" if args.reference else f"torchlike-{'compiled' if compiled else 'eager'}"

    epoch_times = []
    for epoch in range(1, args.epochs + 1):
        start, total, batches = time.perf_counter(), 0.0, 0
        for i, (xb, yb) in enumerate(loader):
            if args.limit_batches is not None and i >= args.limit_batches:
                break
            xb, yb = xb.to(args.device), yb.to(args.device)
            total += step(model, loss_fn, optimizer, xb, yb).item()
            batches += 1
        epoch_times.append(time.perf_counter() - start)
        print(f"epoch {epoch}: train loss {total / batches:.4f}  ({epoch_times[-1]:.2f}s)")

    with torch.no_grad():
        mse = loss_fn(model(x.to(args.device)), y.to(args.device)).item()
    coef, intercept = model.weight.item(), model.bias.item()
    print(f"fitted coefficient {coef:.5f}, intercept {intercept:.5f}")
    print(f"true   coefficient {TRUE_COEF:.5f}, intercept {TRUE_INTERCEPT:.5f}")
    print(f"final mse {mse:.4f}  (noise variance {NOISE**2:.4f})")
    save_plot(args.plot, x_np, y_np, coef, intercept)
    print(f"plot saved to {args.plot}")
    result = {
        "example": "linear_regression",
        "backend": backend,
        "metric": "mse",
        "value": mse,
        "epochs": args.epochs,
        "epoch_time_s": epoch_times,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
