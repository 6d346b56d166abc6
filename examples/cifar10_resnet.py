"""Train a small ResNet on CIFAR-10 (or Fashion-MNIST) — an ordinary PyTorch script on torchlike.

    python examples/cifar10_resnet.py --data-root ~/data      # CIFAR-10 from its python archive
    python examples/cifar10_resnet.py --dataset fashion_mnist  # where CIFAR-10 is not available
    python examples/cifar10_resnet.py --depth 20 --epochs 30   # ResNet-20, a longer schedule
    python examples/cifar10_resnet.py --eager                  # the same loop without torch.compile
    python examples/cifar10_resnet.py --reference              # the same script on real PyTorch

The model is He et al.'s CIFAR ResNet (depth 6n+2: a 3x3 stem, three stages of n basic blocks with
16, 32 and 64 channels, global average pooling, a linear classifier) with BatchNorm, trained with
random crops (``RandomCrop(32, padding=4)``) and flips, SGD with Nesterov momentum and weight decay
under a one-cycle schedule. Fashion-MNIST images are zero-padded from 28x28 to 32x32 and the stem
takes one channel. CIFAR-10 cannot be downloaded on machines without internet: put the official
``cifar-10-python.tar.gz`` (or its extracted folder) in ``--data-root``.

With ``--reference`` (real PyTorch; torchvision is not usable here) the images and the PIL
augmentations still come from ``torchlike.vision``, followed by a small NumPy ToTensor+Normalize.
The last line is ``RESULT {...}`` (JSON: final test accuracy and the training time of each epoch,
evaluation excluded).

A CPU-sized run on the project's 2-core machine, ``--dataset fashion_mnist --epochs 3`` (ResNet-8,
78k parameters, batch 128, compiled train step): 62.8%, 82.0% and 90.2% test accuracy after epochs
1, 2 and 3 (low early on, while the rate is near its peak). The machine was shared with
other jobs, so its epoch times (400-860 s) say little; see benchmarks/bench_examples.py for a
measured comparison with PyTorch. CIFAR-10 and GPU runs could not be made here (no files, no GPU).
"""

import argparse
import itertools
import json
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
else:
    import torchlike as torch
    import torchlike.nn.functional as F
    from torchlike import nn
    from torchlike.utils.data import DataLoader

# Per-channel mean and standard deviation of the training images.
STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
}


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm; a 1x1 convolution on the shortcut when the shape
    changes."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, depth: int = 8, in_channels: int = 3, num_classes: int = 10) -> None:
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"depth must be 6n+2 (8, 14, 20, 32, ...), got {depth}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._stage(16, 16, n, stride=1)
        self.layer2 = self._stage(16, 32, n, stride=2)
        self.layer3 = self._stage(32, 64, n, stride=2)
        self.fc = nn.Linear(64, num_classes)

    @staticmethod
    def _stage(in_planes: int, planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = [BasicBlock(in_planes, planes, stride)]
        layers += [BasicBlock(planes, planes) for _ in range(blocks - 1)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def numpy_normalize(mean, std):
    """``ToTensor()`` then ``Normalize(mean, std)`` in NumPy, for ``--reference``."""
    mean = np.asarray(mean, np.float32).reshape(-1, 1, 1)
    std = np.asarray(std, np.float32).reshape(-1, 1, 1)

    def convert(img) -> np.ndarray:
        arr = np.asarray(img, np.float32) / np.float32(255)
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        return (arr - mean) / std

    return convert


def load_data(args):
    mean, std = STATS[args.dataset]
    pad = [transforms.Pad(2)] if args.dataset == "fashion_mnist" else []  # 28x28 -> 32x32
    augment = [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip()]
    if REFERENCE:
        to_tensor = [numpy_normalize(mean, std)]
    else:
        to_tensor = [transforms.ToTensor(), transforms.Normalize(mean, std)]
    train_tf = transforms.Compose(pad + augment + to_tensor)
    test_tf = transforms.Compose(pad + to_tensor)
    ds = {"cifar10": datasets.CIFAR10, "fashion_mnist": datasets.FashionMNIST}[args.dataset]
    train = ds(args.data_root, train=True, transform=train_tf)
    test = ds(args.data_root, train=False, transform=test_tf)
    return train, test, len(mean)


def evaluate(model, loader, limit=None) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in itertools.islice(loader, limit):
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.shape[0]
    model.train()
    return correct / total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["cifar10", "fashion_mnist"], default="cifar10")
    p.add_argument("--data-root", default="data")
    p.add_argument("--depth", type=int, default=8, help="6n+2: 8, 14, 20, 32, ...")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--test-batch-size", type=int, default=1000)
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate of the one cycle")
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="do not compile the train step")
    p.add_argument("--reference", action="store_true", help="run on real PyTorch (eager)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--limit-batches", type=int, default=None, help="batches per epoch (smoke runs)")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    train, test, channels = load_data(args)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(test, batch_size=args.test_batch_size)

    model = ResNet(args.depth, in_channels=channels).to(args.device)
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=args.lr,
        momentum=0.9,
        nesterov=True,
        weight_decay=args.weight_decay,
    )
    batches = min(len(train_loader), args.limit_batches or len(train_loader))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * batches
    )
    compiled = not (args.eager or REFERENCE)
    step = torch.compile(train_step) if compiled else train_step
    backend = "pytorch" if REFERENCE else f"torchlike-{'compiled' if compiled else 'eager'}"
    print(
        f"{args.dataset}: {len(train)} train / {len(test)} test images; ResNet-{args.depth}, "
        f"{sum(p.numel() for p in model.parameters())} parameters; {backend} train step"
    )

    acc, epoch_times = float("nan"), []
    for epoch in range(1, args.epochs + 1):
        start, total = time.perf_counter(), 0.0
        for x, y in itertools.islice(train_loader, batches):
            x, y = x.to(args.device), y.to(args.device)
            total += step(model, optimizer, x, y).detach()  # stays on the device: no sync per step
            scheduler.step()
        loss = total.item() / batches
        epoch_times.append(time.perf_counter() - start)
        acc = evaluate(model, test_loader, args.limit_batches)
        print(
            f"epoch {epoch}: train loss {loss:.4f}  test accuracy {acc:.2%}  "
            f"(train {epoch_times[-1]:.1f}s, total {time.perf_counter() - start:.1f}s)"
        )
    print(f"final test accuracy: {acc:.2%}")
    result = {
        "example": "cifar10_resnet",
        "backend": backend,
        "metric": "test_accuracy",
        "value": acc,
        "epochs": len(epoch_times),
        "epoch_time_s": epoch_times,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
