"""A Lightning program on torchlike: a CNN classifier on Fashion-MNIST (or MNIST).

    python examples/lightning_mnist.py                 # Fashion-MNIST, 2 epochs, compiled steps
    python examples/lightning_mnist.py --eager         # Trainer(compile=False)
    python examples/lightning_mnist.py --reference     # the same program on real Lightning
    python -m torchlike run examples/lightning_mnist.py --plain-imports   # `import lightning`

It is ordinary Lightning code (a ``LightningDataModule``, a ``LightningModule``, ``Trainer`` with
a progress bar, ``ModelCheckpoint``, ``LearningRateMonitor`` and TensorBoard logs under
``lightning_logs/``); only the imports name torchlike. The last line is ``RESULT {...}`` (JSON:
test accuracy and the wall time of ``fit``).
"""

import argparse
import json
import sys
import time

import numpy as np

from torchlike.vision import datasets

if "--reference" in sys.argv:
    import pytorch_lightning as L
    import torch
    from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint
elif "--plain-imports" in sys.argv:  # under `python -m torchlike run`: the real names
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint
else:
    import torchlike as torch
    import torchlike.lightning as L
    from torchlike.lightning.callbacks import LearningRateMonitor, ModelCheckpoint

nn, F = torch.nn, torch.nn.functional


def images(dataset, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` images of a split (all by default), normalised, and their labels."""
    items = [dataset[i] for i in range(min(n or len(dataset), len(dataset)))]
    x = np.stack([np.asarray(img, np.float32) for img, _ in items])[:, None] / 255.0
    y = np.asarray([label for _, label in items], np.int64)
    return (x - 0.5) / 0.5, y


class FashionData(L.LightningDataModule):
    def __init__(self, root: str, dataset: str, batch_size: int, limit: int | None) -> None:
        super().__init__()
        self.root, self.dataset, self.batch_size, self.limit = root, dataset, batch_size, limit

    def setup(self, stage: str) -> None:
        ds = datasets.FashionMNIST if self.dataset == "fashion_mnist" else datasets.MNIST
        n_train = None if self.limit is None else self.limit * self.batch_size
        n_test = None if self.limit is None else 1000
        x, y = images(ds(self.root, train=True), n_train)
        xt, yt = images(ds(self.root, train=False), n_test)
        data = torch.utils.data
        self.train = data.TensorDataset(
            torch.from_numpy(x[:n_train]), torch.from_numpy(y[:n_train])
        )
        self.test = data.TensorDataset(torch.from_numpy(xt[:n_test]), torch.from_numpy(yt[:n_test]))

    def train_dataloader(self):
        return torch.utils.data.DataLoader(
            self.train, batch_size=self.batch_size, shuffle=True, drop_last=True
        )

    def val_dataloader(self):
        return torch.utils.data.DataLoader(self.test, batch_size=500)

    def test_dataloader(self):
        return torch.utils.data.DataLoader(self.test, batch_size=500)


class LitCNN(L.LightningModule):
    def __init__(self, lr: float = 1e-3, steps: int = 1000) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.head(self.features(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True)
        return loss

    def _evaluate(self, batch, stage: str) -> None:
        x, y = batch
        logits = self(x)
        self.log(f"{stage}_loss", F.cross_entropy(logits, y))
        self.log(f"{stage}_acc", (logits.argmax(1) == y).float().mean(), prog_bar=True)

    def validation_step(self, batch, batch_idx):
        self._evaluate(batch, "val")

    def test_step(self, batch, batch_idx):
        self._evaluate(batch, "test")

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=3 * self.hparams.lr, total_steps=self.hparams.steps
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["fashion_mnist", "mnist"], default="fashion_mnist")
    p.add_argument("--data-root", default="data")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eager", action="store_true", help="Trainer(compile=False)")
    p.add_argument("--reference", action="store_true", help="run on real Lightning")
    p.add_argument("--plain-imports", action="store_true", help="import lightning / torch")
    p.add_argument("--limit-batches", type=int, default=None, help="batches per epoch (smoke runs)")
    p.add_argument("--root-dir", default=".", help="lightning_logs/ and checkpoints go here")
    p.add_argument("--no-progress-bar", action="store_true")
    p.add_argument("--log-every-n-steps", type=int, default=10)
    args = p.parse_args()

    L.seed_everything(args.seed)
    data = FashionData(args.data_root, args.dataset, args.batch_size, args.limit_batches)
    data.setup("fit")
    steps = args.epochs * (len(data.train) // args.batch_size)
    model = LitCNN(lr=args.lr, steps=steps)
    torchlike_run = not (args.reference or args.plain_imports)
    extra = {"compile": not args.eager} if torchlike_run else {}
    if args.reference:
        extra["enable_model_summary"] = False
    trainer = L.Trainer(
        max_epochs=args.epochs,
        default_root_dir=args.root_dir,
        callbacks=[
            ModelCheckpoint(monitor="val_acc", mode="max", save_last=True),
            LearningRateMonitor(logging_interval="step"),
        ],
        enable_progress_bar=not args.no_progress_bar,
        log_every_n_steps=args.log_every_n_steps,
        **extra,
    )
    start = time.perf_counter()
    trainer.fit(model, datamodule=data)
    fit_time = time.perf_counter() - start
    (metrics,) = trainer.test(model, datamodule=data, verbose=False)
    acc = metrics["test_acc"]
    backend = (
        "lightning-pytorch"
        if args.reference
        else ("torchlike-eager" if args.eager else "torchlike-compiled")
    )
    print(f"test accuracy {acc:.2%}; best checkpoint {trainer.checkpoint_callback.best_model_path}")
    result = {
        "example": "lightning_mnist",
        "backend": backend,
        "metric": "test_accuracy",
        "value": acc,
        "epochs": trainer.current_epoch,
        "fit_time_s": fit_time,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
