"""Fine-tune a pretrained backbone: load it through torch.hub / the weights API, freeze it, train a
new head.

    python examples/finetune_pretrained.py                 # offline: Fashion-MNIST (see below)
    python examples/finetune_pretrained.py --imagenet-folder DIR   # torchvision's ResNet-18
    python examples/finetune_pretrained.py --reference     # the very same script on real PyTorch

Offline (the default, and what runs here): the script publishes a pretrained backbone as a local
hub repository and then uses it as a PyTorch user would use a published one. If ``--hub-dir``
holds no ``hubconf.py`` yet, it first pretrains a small CNN on Fashion-MNIST classes 0-6 and
publishes it there: the weights file under PyTorch's ``<name>-<sha256 prefix>.pth`` convention and
a ``hubconf.py`` whose entry point ``fmnist_cnn(pretrained=True)`` fetches that file through
``torch.hub.load_state_dict_from_url`` (hash-checked, cached in ``$TORCH_HOME/hub/checkpoints``).
Then ``torch.hub.load(hub_dir, "fmnist_cnn", source="local", pretrained=True)`` gives the
backbone, every parameter is frozen, ``fc`` is replaced by a new 3-way head, and only that head is
trained, on a few hundred images of the held-apart classes 7-9 (sneaker, bag, ankle boot); test
accuracy on those classes is printed, next to the same head on a randomly initialised backbone.

With ``--imagenet-folder DIR`` (``DIR/train/<class>/*.jpg``, ``DIR/val/<class>/*.jpg``) and network
access the backbone is torchvision's ImageNet ResNet-18 (``resnet18(weights=
ResNet18_Weights.DEFAULT)``, its file found in or downloaded to the hub cache) with the weights'
own preprocessing (``weights.transforms()``).

The last line is ``RESULT {...}`` (JSON) with the accuracies.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

REFERENCE = "--reference" in sys.argv
if REFERENCE:
    import torch
    import torchvision
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
else:
    import torchlike as torch
    import torchlike.vision as torchvision
    from torchlike import nn
    from torchlike.utils.data import DataLoader, TensorDataset

PRETRAIN_CLASSES, HELD_APART = list(range(7)), [7, 8, 9]

HUBCONF = '''"""A Fashion-MNIST CNN pretrained on classes 0-6 by examples/finetune_pretrained.py."""

import os
import sys

# The library that loads this repository: torchlike when the caller imported it, else PyTorch.
torch = sys.modules.get("torchlike") or __import__("torch")
nn = torch.nn

dependencies = ["numpy"]
WEIGHTS = "{weights}"


class FashionCNN(nn.Module):
    def __init__(self, num_classes=7):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
        )
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


def fmnist_cnn(pretrained=False, progress=True):
    """The CNN; with pretrained=True its weights from classes 0-6 of Fashion-MNIST."""
    model = FashionCNN()
    if pretrained:
        here = os.path.dirname(os.path.abspath(__file__))
        url = "file://" + os.path.join(here, WEIGHTS)
        state = torch.hub.load_state_dict_from_url(url, progress=progress, check_hash=True)
        model.load_state_dict(state)
    return model
'''


def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def evaluate(model, loader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    return correct / total


def fashion_split(root: str, train: bool, classes: list[int], limit: int | None, seed: int):
    """Images of ``classes`` (normalised, 1x28x28) with labels renumbered 0..len(classes)-1."""
    ds = torchvision.datasets.FashionMNIST(root, train=train)
    images, labels = np.asarray(ds.data), np.asarray(ds.targets)
    keep = np.flatnonzero(np.isin(labels, classes))
    if limit is not None:
        keep = np.random.default_rng(seed).permutation(keep)[:limit]
    x = ((images[keep].astype(np.float32) / 255.0 - 0.5) / 0.5)[:, None]
    y = np.searchsorted(np.asarray(classes), labels[keep]).astype(np.int64)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def fit(model, params, loader, epochs: int, lr: float, compiled: bool) -> None:
    optimizer = torch.optim.Adam(params, lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    step = torch.compile(train_step) if compiled else train_step
    for _ in range(epochs):
        for x, y in loader:
            step(model, loss_fn, optimizer, x, y)


def publish_backbone(args, compiled: bool) -> None:
    """Pretrain on classes 0-6 and publish the result as a local hub repository."""
    os.makedirs(args.hub_dir, exist_ok=True)
    hubconf = os.path.join(args.hub_dir, "hubconf.py")
    with open(hubconf, "w") as f:  # the entry point first, to build the untrained network
        f.write(HUBCONF.format(weights=""))
    model = torch.hub.load(args.hub_dir, "fmnist_cnn", source="local")
    data = fashion_split(args.data_root, True, PRETRAIN_CLASSES, args.pretrain_samples, args.seed)
    loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    model.train()
    start = time.perf_counter()
    fit(model, model.parameters(), loader, args.pretrain_epochs, 1e-3, compiled)
    test = fashion_split(args.data_root, False, PRETRAIN_CLASSES, None, args.seed)
    acc = evaluate(model, DataLoader(test, batch_size=1000))
    print(
        f"pretrained on classes 0-6 ({len(data)} images, {time.perf_counter() - start:.1f} s): "
        f"test accuracy {acc:.4f}"
    )
    tmp = os.path.join(args.hub_dir, "weights-tmp.pth")
    torch.save(model.state_dict(), tmp)
    with open(tmp, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    name = f"fmnist_cnn7-{digest[:8]}.pth"  # PyTorch's convention: the hash prefix in the name
    os.replace(tmp, os.path.join(args.hub_dir, name))
    with open(hubconf, "w") as f:
        f.write(HUBCONF.format(weights=name))
    print(f"published {hubconf} with {name}")


def finetune_fashion(args, compiled: bool) -> dict:
    if not os.path.exists(os.path.join(args.hub_dir, "hubconf.py")):
        publish_backbone(args, compiled)
    train = fashion_split(args.data_root, True, HELD_APART, args.finetune_samples, args.seed)
    test = fashion_split(args.data_root, False, HELD_APART, None, args.seed)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, drop_last=True)
    result = {}
    for pretrained in (True, False):
        torch.manual_seed(args.seed)
        model = torch.hub.load(
            args.hub_dir, "fmnist_cnn", source="local", pretrained=pretrained, progress=False
        )
        for p in model.parameters():
            p.requires_grad_(False)  # freeze the backbone ...
        model.fc = nn.Linear(model.fc.in_features, len(HELD_APART))  # ... and train a new head
        model.eval()  # the frozen BatchNorm layers keep their statistics
        fit(model, model.fc.parameters(), loader, args.epochs, args.lr, compiled)
        acc = evaluate(model, DataLoader(test, batch_size=1000))
        label = "pretrained" if pretrained else "random"
        print(f"{label:>10} frozen backbone + new head on classes 7-9: test accuracy {acc:.4f}")
        result[f"accuracy_{label}_backbone"] = round(acc, 4)
    result["finetune_images"] = len(train)
    return result


def finetune_imagenet(args, compiled: bool) -> dict:
    models = torchvision.models
    weights = models.ResNet18_Weights.DEFAULT
    model = models.resnet18(weights=weights)
    preprocess = weights.transforms()
    folders = torchvision.datasets.ImageFolder
    train = folders(os.path.join(args.imagenet_folder, "train"), transform=preprocess)
    val = folders(os.path.join(args.imagenet_folder, "val"), transform=preprocess)
    for p in model.parameters():
        p.requires_grad_(False)
    model.fc = nn.Linear(model.fc.in_features, len(train.classes))
    model.eval()
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True)
    fit(model, model.fc.parameters(), loader, args.epochs, args.lr, compiled)
    acc = evaluate(model, DataLoader(val, batch_size=args.batch_size))
    print(f"ResNet-18 ({weights}) frozen + new head, {len(train.classes)} classes: {acc:.4f}")
    return {"accuracy": round(acc, 4), "classes": len(train.classes)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-root", default="data")
    p.add_argument("--hub-dir", default="checkpoints/fmnist_hub", help="the local hub repository")
    p.add_argument("--imagenet-folder", default=None, help="fine-tune torchvision's ResNet-18")
    p.add_argument("--pretrain-epochs", type=int, default=1)
    p.add_argument("--pretrain-samples", type=int, default=12000)
    p.add_argument("--finetune-samples", type=int, default=300)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="do not compile the train step")
    p.add_argument("--reference", action="store_true", help="run on real PyTorch")
    args = p.parse_args()
    torch.manual_seed(args.seed)
    compiled = not (args.eager or REFERENCE)
    start = time.perf_counter()
    if args.imagenet_folder:
        result = finetune_imagenet(args, compiled)
    else:
        result = finetune_fashion(args, compiled)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["backend"] = "pytorch" if REFERENCE else "torchlike"
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
