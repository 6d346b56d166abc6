"""Training under ``torch.autocast`` (bfloat16): the MLP and LeNet reach float32's accuracy.

Each model trains for one epoch on the first 12000 real Fashion-MNIST training images (compiled
step, Adam) from the same initial weights and batch order, once in float32 and once with the
forward inside ``autocast("cpu", dtype=bfloat16)``; test accuracy on 2000 test images must be
within one percentage point, and the bf16 run must really have run its matmuls/convolutions in
bfloat16 (checked on the logits' dtype).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from data_paths import fashion_mnist_root

import torchlike as tl
from torchlike import nn


def _load():
    from torchlike.vision import datasets

    root = fashion_mnist_root()
    if root is None:
        return None
    try:
        return datasets.FashionMNIST(root, train=True), datasets.FashionMNIST(root, train=False)
    except (RuntimeError, OSError):
        return None


def _arrays(ds, n):
    x = np.asarray(ds.data[:n], np.float32)[:, None] / 255.0
    return (x - 0.2860) / 0.3530, np.asarray(ds.targets[:n], np.int64)


def mlp():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )  # fmt: skip


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def train_and_test(model, data, dtype):
    (x, y), (xt, yt) = data
    opt = tl.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad()
        with tl.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    step = tl.compile(step)
    order = np.random.default_rng(0).permutation(len(x))
    for i in range(0, len(x), 100):
        idx = order[i : i + 100]
        step(tl.tensor(x[idx]), tl.tensor(y[idx]))
    model.eval()
    with tl.no_grad(), tl.autocast("cpu", dtype=dtype, enabled=dtype is not None):
        logits = model(tl.tensor(xt))
    return (logits.argmax(1).numpy() == yt).mean(), logits.dtype


@pytest.mark.parametrize("make", [mlp, lenet], ids=["mlp", "lenet"])
def test_bf16_autocast_trains_to_float32_accuracy(make):
    loaded = _load()
    if loaded is None:
        pytest.skip("Fashion-MNIST files are not on this machine")
    data = (_arrays(loaded[0], 12000), _arrays(loaded[1], 2000))
    tl.manual_seed(0)
    model = make()
    twin = copy.deepcopy(model)
    acc32, dtype32 = train_and_test(model, data, None)
    acc16, dtype16 = train_and_test(twin, data, tl.bfloat16)
    assert dtype32 == tl.float32 and dtype16 == tl.bfloat16
    assert acc32 > 0.75, acc32  # it really trained
    assert abs(acc16 - acc32) <= 0.01, (acc32, acc16)
