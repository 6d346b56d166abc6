# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""Fine-tuning with a checkpoint, the way the PyTorch tutorials write it: a small CNN whose first
layer is frozen, two parameter groups with their own learning rates, gradient accumulation over
two micro-batches, clip_grad_norm_, ReduceLROnPlateau on the validation loss, evaluation under
model.eval() + torch.no_grad() / torch.inference_mode(), and a checkpoint dict (model, optimizer,
scheduler, epoch) saved with torch.save, then resumed into a fresh model/optimizer/scheduler with
torch.load + load_state_dict and trained one more epoch."""

import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--accum", type=int, default=2)
parser.add_argument("--clip", type=float, default=1.0)
parser.add_argument("--checkpoint", type=str, default="checkpoint.pt")
parser.add_argument("--init", default=None, help="initial state_dict: saved if absent, else loaded")
args = parser.parse_args()

torch.manual_seed(0)


def make_data(n, seed):
    """8x8 images: class 0 has a bright horizontal bar, class 1 a vertical one, 2 a diagonal."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.5, size=(n, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=n)
    for i in range(n):
        k = rng.integers(1, 7)
        if y[i] == 0:
            x[i, 0, k, :] += 1.5
        elif y[i] == 1:
            x[i, 0, :, k] += 1.5
        else:
            x[i, 0, np.arange(8), np.arange(8)] += 1.5
    return torch.from_numpy(x), torch.from_numpy(y).long()


train_x, train_y = make_data(192, 1)
val_x, val_y = make_data(96, 2)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.features = nn.Conv2d(1, 4, 3, padding=1)  # "pretrained", frozen
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Linear(8 * 3 * 3, 3)

    def forward(self, x):
        x = F.relu(self.features(x))
        x = F.relu(self.bn(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.head(x)


def build():
    model = Net()
    model.features.requires_grad_(False)
    optimizer = torch.optim.SGD(
        [
            {"params": list(model.conv2.parameters()) + list(model.bn.parameters())},
            {"params": model.head.parameters(), "lr": 0.1},
        ],
        lr=0.03,
        momentum=0.9,
        weight_decay=1e-4,
    )
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=0.5, patience=0, threshold=0.05
    )
    return model, optimizer, scheduler


model, optimizer, scheduler = build()
if args.init is not None:
    if os.path.exists(args.init):
        model.load_state_dict(torch.load(args.init))
    else:
        torch.save(model.state_dict(), args.init)
frozen_before = model.features.weight.detach().clone()


def train_epoch(model, optimizer):
    model.train()
    total = 0.0
    micro = args.batch_size // args.accum
    steps = 0
    optimizer.zero_grad()
    for start in range(0, len(train_x), micro):
        data, target = train_x[start : start + micro], train_y[start : start + micro]
        loss = F.cross_entropy(model(data), target) / args.accum
        loss.backward()
        total += loss.item()
        steps += 1
        if steps % args.accum == 0:
            norm = torch.nn.utils.clip_grad_norm_(
                [p for p in model.parameters() if p.requires_grad], max_norm=args.clip
            )
            optimizer.step()
            optimizer.zero_grad()
    print("grad_norm {:.6f}".format(norm.item()))  # the last update's, before clipping
    return total * args.accum / steps


def evaluate(model, inference=False):
    model.eval()
    ctx = torch.inference_mode() if inference else torch.no_grad()
    with ctx:
        output = model(val_x)
        loss = F.cross_entropy(output, val_y, reduction="sum").item() / len(val_x)
        correct = output.argmax(dim=1).eq(val_y).sum().item()
    return loss, correct / len(val_x)


for epoch in range(1, args.epochs + 1):
    train_loss = train_epoch(model, optimizer)
    val_loss, acc = evaluate(model, inference=epoch % 2 == 0)
    scheduler.step(val_loss)
    print("train_loss {:.6f}".format(train_loss))
    print("val_loss {:.6f}".format(val_loss))
    print("accuracy {:.6f}".format(acc))
    print("lr {:.6f} {:.6f}".format(*[g["lr"] for g in optimizer.param_groups]))

assert torch.equal(model.features.weight, frozen_before)  # the frozen layer did not move
assert model.features.weight.grad is None

torch.save(
    {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": args.epochs,
    },
    args.checkpoint,
)

# -- resume in a fresh model / optimizer / scheduler ----------------------------------------------
model2, optimizer2, scheduler2 = build()
checkpoint = torch.load(args.checkpoint)
model2.load_state_dict(checkpoint["model"])
optimizer2.load_state_dict(checkpoint["optimizer"])
scheduler2.load_state_dict(checkpoint["scheduler"])
start_epoch = checkpoint["epoch"] + 1
print("resumed_epoch {}".format(start_epoch))
print("resumed_lr {:.6f} {:.6f}".format(*[g["lr"] for g in optimizer2.param_groups]))
print("resumed_val_loss {:.6f}".format(evaluate(model2)[0]))

train_loss = train_epoch(model2, optimizer2)
val_loss, acc = evaluate(model2)
scheduler2.step(val_loss)
print("train_loss {:.6f}".format(train_loss))
print("val_loss {:.6f}".format(val_loss))
print("accuracy {:.6f}".format(acc))
print("lr {:.6f} {:.6f}".format(*scheduler2.get_last_lr()))
print("bn_running_mean {:.6f}".format(model2.bn.running_mean.sum().item()))
