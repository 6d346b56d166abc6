# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""Polynomial regression, in the style of pytorch/examples/regression: fit y = w.x^k + b with a
single nn.Linear, a manual SGD update under no_grad, and F.smooth_l1_loss."""

import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--degree", type=int, default=4)
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--init", default=None, help="initial state_dict: saved if absent, else loaded")
args = parser.parse_args()

rng = np.random.default_rng(0)
W_target = torch.from_numpy(rng.standard_normal((args.degree, 1)).astype(np.float32)) * 5
b_target = torch.from_numpy(rng.standard_normal(1).astype(np.float32)) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, args.degree + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    result = "y = "
    for i, w in enumerate(W):
        result += "{:+.2f} x^{} ".format(w, i + 1)
    result += "{:+.2f}".format(b[0])
    return result


def get_batch(step, batch_size=args.batch_size):
    random = torch.from_numpy(
        np.random.default_rng(step).standard_normal(batch_size).astype(np.float32)
    )
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)
if args.init is not None:
    if os.path.exists(args.init):
        fc.load_state_dict(torch.load(args.init))
    else:
        torch.save(fc.state_dict(), args.init)

for batch_idx in range(1, args.steps + 1):
    batch_x, batch_y = get_batch(batch_idx)
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    with torch.no_grad():
        for param in fc.parameters():
            param.add_(-0.01 * param.grad)
    if batch_idx % 50 == 0:
        print("loss {:.6f}".format(loss))

print("==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias))
print("==> Actual function:\t" + poly_desc(W_target.view(-1), b_target))
print("weight_sum {:.6f}".format(fc.weight.data.sum().item()))
