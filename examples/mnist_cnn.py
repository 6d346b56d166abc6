"""Train a small CNN on Fashion-MNIST (or MNIST) — an ordinary PyTorch script on torchlike.

    python examples/mnist_cnn.py                 # Fashion-MNIST, 3 epochs, compiled train step
    python examples/mnist_cnn.py --eager         # the same loop without torch.compile
    python examples/mnist_cnn.py --dataset mnist --data-root ~/data   # MNIST from local files
    python examples/mnist_cnn.py --resume        # continue an interrupted run (same --epochs)
    python examples/mnist_cnn.py --reference     # the very same script on real PyTorch

It logs loss, accuracy and learning rate for TensorBoard (``tensorboard --logdir runs``) and keeps
the latest and the best checkpoint in ``checkpoints/mnist_cnn``. The last line is ``RESULT {...}``
(JSON: final test accuracy and the training time of each epoch, evaluation excluded).

The only torchlike-specific lines are the imports: everything else is the PyTorch API. With
``--reference`` (real PyTorch; torchvision is not usable here) the images still come from
``torchlike.vision.datasets``, converted by a small NumPy ToTensor+Normalize, and checkpoints are
plain ``torch.save`` files, since ``CheckpointManager`` is torchlike's own.
"""

import argparse
import itertools
import json
import os
import sys
import time

import numpy as np

from torchlike.vision import datasets, transforms

REFERENCE = "--reference" in sys.argv
if REFERENCE:
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader
    from torch.utils.tensorboard import SummaryWriter
else:
    import torchlike as torch
    import torchlike.nn.functional as F
    from torchlike import nn
    from torchlike.utils import CheckpointManager
    from torchlike.utils.data import DataLoader
    from torchlike.utils.tensorboard import SummaryWriter


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


try:  # a progress bar where tqdm is installed
    from tqdm import tqdm
except ImportError:  # pragma: no cover

    def tqdm(iterable, **kwargs):
        return iterable


def evaluate(model, loader, limit=None) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in itertools.islice(loader, limit):
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.shape[0]
    model.train()
    return correct / total


def to_normalized_array(img) -> np.ndarray:
    """``ToTensor()`` then ``Normalize((0.5,), (0.5,))`` in NumPy, for ``--reference``."""
    return (np.asarray(img, np.float32)[None] / np.float32(255) - np.float32(0.5)) / np.float32(0.5)


class TorchCheckpoints:
    """``--reference``: the latest and best state in two ``torch.save`` files, restored the way
    ``CheckpointManager`` restores them (model, optimizer, scheduler, random state, epoch)."""

    def __init__(self, directory, **objects) -> None:
        os.makedirs(directory, exist_ok=True)
        self.last = os.path.join(directory, "last.pt")
        self.best = os.path.join(directory, "best.pt")
        self.objects = objects
        self.best_accuracy = -1.0

    def save(self, step, epoch, metrics) -> None:
        state = {k: v.state_dict() for k, v in self.objects.items()}
        state.update(step=step, epoch=epoch, rng_state=torch.get_rng_state(), **metrics)
        torch.save(state, self.last)
        if metrics["accuracy"] > self.best_accuracy:
            self.best_accuracy = metrics["accuracy"]
            torch.save(state, self.best)

    def restore(self):
        if not os.path.exists(self.last):
            return None
        state = torch.load(self.last)
        for k, v in self.objects.items():
            v.load_state_dict(state[k])
        torch.set_rng_state(state["rng_state"])
        self.best_accuracy = torch.load(self.best)["accuracy"]
        return state

    def close(self) -> None:
        pass  # torch.save has written everything already


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["fashion_mnist", "mnist"], default="fashion_mnist")
    p.add_argument("--data-root", default="data")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="do not compile the train step")
    p.add_argument("--reference", action="store_true", help="run on real PyTorch (eager)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-dir", default="runs/mnist_cnn", help="TensorBoard event files")
    p.add_argument("--checkpoint-dir", default="checkpoints/mnist_cnn")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("--limit-batches", type=int, default=None, help="batches per epoch (smoke runs)")
    p.add_argument("--stop-after", type=int, default=None, help="stop after this many epochs")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    if REFERENCE:
        tf = to_normalized_array
    else:
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.FashionMNIST if args.dataset == "fashion_mnist" else datasets.MNIST
    train = ds(args.data_root, train=True, transform=tf)
    test = ds(args.data_root, train=False, transform=tf)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(test, batch_size=1000)

    model = Net().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    batches = min(len(train_loader), args.limit_batches or len(train_loader))
    # One cycle over the whole run: warm up to 3x the base rate, then anneal to ~0. Stepping the
    # scheduler between compiled steps changes an input of the program, never the program.
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=3 * args.lr, total_steps=args.epochs * batches
    )
    if REFERENCE:
        checkpoints = TorchCheckpoints(
            args.checkpoint_dir, model=model, optimizer=optimizer, scheduler=scheduler
        )
    else:
        checkpoints = CheckpointManager(
            args.checkpoint_dir,
            max_to_keep=1,
            best_metric="accuracy",
            best_mode="max",
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
        )
    first_epoch = 1
    if args.resume and (state := checkpoints.restore()) is not None:
        first_epoch = state["epoch"] + 1
        print(f"resumed from epoch {state['epoch']} (step {state['step']})")
    writer = SummaryWriter(args.log_dir)
    compiled = not (args.eager or REFERENCE)
    step = torch.compile(train_step) if compiled else train_step
    backend = "pytorch" if REFERENCE else f"torchlike-{'compiled' if compiled else 'eager'}"
    print(
        f"{args.dataset}: {len(train)} train / {len(test)} test images; "
        f"{sum(p.numel() for p in model.parameters())} parameters; "
        f"{backend} train step"
    )

    acc, epoch_times = float("nan"), []
    last_epoch = args.epochs if args.stop_after is None else first_epoch - 1 + args.stop_after
    for epoch in range(first_epoch, min(args.epochs, last_epoch) + 1):
        start, total = time.perf_counter(), 0.0
        lr = scheduler.get_last_lr()[0]
        batches_iter = itertools.islice(train_loader, batches)
        for x, y in tqdm(batches_iter, total=batches, desc=f"epoch {epoch}", leave=False):
            x, y = x.to(args.device), y.to(args.device)
            total += step(model, optimizer, x, y).detach()  # stays on the device: no sync per step
            scheduler.step()
        loss = total.item() / batches
        epoch_times.append(time.perf_counter() - start)
        acc = evaluate(model, test_loader, args.limit_batches)
        print(
            f"epoch {epoch}: train loss {loss:.4f}  "
            f"test accuracy {acc:.2%}  ({time.perf_counter() - start:.1f}s)"
        )
        writer.add_scalar("loss/train", loss, epoch)
        writer.add_scalar("accuracy/test", acc, epoch)
        writer.add_scalar("lr", lr, epoch)
        checkpoints.save(epoch * batches, epoch=epoch, metrics={"accuracy": acc})
    checkpoints.close()
    writer.close()
    print(f"final test accuracy: {acc:.2%}")
    result = {
        "example": "mnist_cnn",
        "backend": backend,
        "metric": "test_accuracy",
        "value": acc,
        "epochs": len(epoch_times),
        "epoch_time_s": epoch_times,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
