# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""Hogwild training, in the style of pytorch/examples/mnist_hogwild: one model whose parameters
are put in shared memory with share_memory(), trained by several torch.multiprocessing
processes (spawn) at once, then tested in the parent, which sees the children's updates."""

import argparse

import numpy as np
import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="Hogwild example")
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--momentum", type=float, default=0.5)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--num-processes", type=int, default=2)


def dataset(train):
    """Two Gaussian blobs per class in 10 dimensions, 4 classes, from numpy."""
    rng = np.random.default_rng(0 if train else 1)
    centers = np.random.default_rng(42).normal(size=(4, 10)).astype(np.float32) * 2
    y = rng.integers(0, 4, 256 if train else 128)
    x = centers[y] + rng.normal(size=(len(y), 10)).astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(rank, args, model, device, dataloader_kwargs):
    torch.manual_seed(args.seed + rank)
    train_loader = DataLoader(dataset(True), **dataloader_kwargs)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            output = model(data.to(device))
            loss = F.nll_loss(output, target.to(device))
            loss.backward()
            optimizer.step()


def test(args, model, device, dataloader_kwargs):
    test_loader = DataLoader(dataset(False), **dataloader_kwargs)
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data.to(device))
            test_loss += F.nll_loss(output, target.to(device), reduction="sum").item()
            pred = output.max(1)[1]
            correct += pred.eq(target.to(device)).sum().item()
    test_loss /= len(test_loader.dataset)
    print("test_loss {:.4f}".format(test_loss))
    print("accuracy {:.4f}".format(correct / len(test_loader.dataset)))


if __name__ == "__main__":
    args = parser.parse_args()
    device = torch.device("cpu")
    mp.set_start_method("spawn", force=True)
    torch.manual_seed(args.seed)

    model = Net().to(device)
    model.share_memory()  # gradients are allocated lazily, so they are not shared here
    print("shared", all(p.is_shared() for p in model.parameters()))
    test(args, model, device, {"batch_size": 64})

    kwargs = {"batch_size": args.batch_size, "shuffle": True}
    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, args, model, device, kwargs))
        # We first train the model across `num_processes` processes
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print("exitcodes", *[p.exitcode for p in processes])

    # Once training is complete, we can test the model
    test(args, model, device, {"batch_size": 64})
