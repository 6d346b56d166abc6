"""Train a small CNN on Fashion-MNIST (or MNIST) — an ordinary PyTorch script on torchlike.

    python examples/mnist_cnn.py                 # Fashion-MNIST, 3 epochs, compiled train step
    python examples/mnist_cnn.py --eager         # the same loop without torch.compile
    python examples/mnist_cnn.py --dataset mnist --data-root ~/data   # MNIST from local files

The only torchlike-specific line is the import: everything else is the PyTorch API.
"""

import argparse
import time

import torchlike as torch
import torchlike.nn.functional as F
from torchlike import nn
from torchlike.utils.data import DataLoader
from torchlike.vision import datasets, transforms


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


def evaluate(model, loader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.shape[0]
    model.train()
    return correct / total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["fashion_mnist", "mnist"], default="fashion_mnist")
    p.add_argument("--data-root", default="data")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="do not compile the train step")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.FashionMNIST if args.dataset == "fashion_mnist" else datasets.MNIST
    train = ds(args.data_root, train=True, transform=tf)
    test = ds(args.data_root, train=False, transform=tf)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(test, batch_size=1000)

    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # One cycle over the whole run: warm up to 3x the base rate, then anneal to ~0. Stepping the
    # scheduler between compiled steps changes an input of the program, never the program.
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=3 * args.lr, total_steps=args.epochs * len(train_loader)
    )
    step = train_step if args.eager else torch.compile(train_step)
    print(
        f"{args.dataset}: {len(train)} train / {len(test)} test images; "
        f"{sum(p.numel() for p in model.parameters())} parameters; "
        f"{'eager' if args.eager else 'compiled'} train step"
    )

    for epoch in range(1, args.epochs + 1):
        start, total = time.perf_counter(), 0.0
        for x, y in train_loader:
            total += step(model, optimizer, x, y).detach()  # stays on the device: no sync per step
            scheduler.step()
        total = total.item()
        acc = evaluate(model, test_loader)
        print(
            f"epoch {epoch}: train loss {total / len(train_loader):.4f}  "
            f"test accuracy {acc:.2%}  ({time.perf_counter() - start:.1f}s)"
        )
    print(f"final test accuracy: {acc:.2%}")


if __name__ == "__main__":
    main()
