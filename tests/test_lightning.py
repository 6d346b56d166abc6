"""``torchlike.lightning``: Lightning programs give the losses of the same loop written by hand
on torchlike (eager and compiled) and of real Lightning on PyTorch, step by step.

Each program is written once, as a function of the library (``make_programs(L, torch)``), and
run four ways: torchlike.lightning compiled, torchlike.lightning eager, real
``pytorch_lightning`` on ``torch``, and a hand-written torchlike loop. Initial weights come from
one NumPy seed and are copied into every run; data are fixed arrays (no shuffling or dropout, so
the libraries' random streams do not enter).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch as real_torch

import torchlike as tl
import torchlike.lightning as tll

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(0)
X_CLS = RNG.standard_normal((32, 8)).astype(np.float32)
Y_CLS = RNG.integers(0, 3, 32)
X_AE = RNG.standard_normal((24, 6)).astype(np.float32)
X_REG = RNG.standard_normal((24, 4)).astype(np.float32)
Y_REG = (X_REG @ RNG.standard_normal((4, 1)) + 0.3 * RNG.standard_normal((24, 1))).astype(
    np.float32
)
X_VAL = RNG.standard_normal((16, 4)).astype(np.float32) * 3
Y_VAL = RNG.standard_normal((16, 1)).astype(np.float32) * 3


def make_programs(L, torch):
    """The three Lightning programs, for ``L``/``torch`` = torchlike's or the real ones."""
    nn, F = torch.nn, torch.nn.functional
    from_np = torch.from_numpy
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

    class ClassifierData(L.LightningDataModule):
        def __init__(self, batch_size: int = 4):
            super().__init__()
            self.batch_size = batch_size

        def setup(self, stage):
            self.train = TensorDataset(from_np(X_CLS), from_np(Y_CLS))
            self.val = TensorDataset(from_np(X_CLS[:12]), from_np(Y_CLS[:12]))

        def train_dataloader(self):
            return DataLoader(self.train, batch_size=self.batch_size)

        def val_dataloader(self):
            return DataLoader(self.val, batch_size=6)

    class Classifier(L.LightningModule):
        def __init__(self, hidden: int = 16, lr: float = 0.01):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Linear(8, hidden), nn.Tanh(), nn.Linear(hidden, 3))

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            self.log("train_loss", loss, prog_bar=True)
            return loss

        def validation_step(self, batch, batch_idx):
            x, y = batch
            logits = self(x)
            self.log("val_loss", F.cross_entropy(logits, y))
            self.log("val_acc", (logits.argmax(1) == y).float().mean(), prog_bar=True)

        def configure_optimizers(self):
            opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    class AutoEncoder(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.automatic_optimization = False
            self.encoder = nn.Linear(6, 3)
            self.decoder = nn.Linear(3, 6)

        def training_step(self, batch, batch_idx):
            (x,) = batch
            opt = self.optimizers()
            opt.zero_grad()
            loss = F.mse_loss(self.decoder(torch.relu(self.encoder(x))), x)
            self.manual_backward(loss)
            self.clip_gradients(opt, gradient_clip_val=0.5, gradient_clip_algorithm="norm")
            opt.step()
            self.lr_schedulers().step()
            self.log("train_loss", loss)

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.5, momentum=0.9)
            return [opt], [torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)]

    class Regressor(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(4, 1)

        def forward(self, x):
            return self.layer(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            return {"loss": loss}

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", F.mse_loss(self.layer(x), y))

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.2)
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
            return {"optimizer": opt, "lr_scheduler": plateau, "monitor": "val_loss"}

    def reg_loaders():
        train = DataLoader(TensorDataset(from_np(X_REG), from_np(Y_REG)), batch_size=6)
        val = DataLoader(TensorDataset(from_np(X_VAL), from_np(Y_VAL)), batch_size=8)
        return train, val

    def ae_loader():
        return DataLoader(TensorDataset(from_np(X_AE)), batch_size=6)

    return {
        "classifier": (
            Classifier,
            ClassifierData,
            {"accumulate_grad_batches": 2, "gradient_clip_val": 0.5, "max_epochs": 2},
        ),
        "autoencoder": (AutoEncoder, ae_loader, {"max_epochs": 2}),
        "plateau": (Regressor, reg_loaders, {"max_epochs": 6}),
    }


def initial_weights(module) -> dict:
    """The same initial weights for every run: NumPy draws keyed by parameter name."""
    rng = np.random.default_rng(1)
    return {
        k: (0.3 * rng.standard_normal(tuple(v.shape))).astype(np.float32)
        for k, v in module.state_dict().items()
    }


def run_lightning(L, torch, name: str, compiled: bool = True, **trainer_args):
    """Per-step training losses, learning rates and the epochs run, for program ``name``."""
    module_cls, data, options = make_programs(L, torch)[name]
    model = module_cls()
    weights = initial_weights(model)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    record: dict = {"loss": [], "lr": []}

    class Recorder(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            record["loss"].append(float(trainer.callback_metrics["train_loss"]))
            record["lr"].append(trainer.optimizers[0].param_groups[0]["lr"])

    callbacks = [Recorder()]
    if name == "plateau":
        callbacks.append(L.callbacks.EarlyStopping(monitor="val_loss", patience=2))
    args = dict(
        options,
        callbacks=callbacks,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        **trainer_args,
    )
    if L is tll:
        args["compile"] = compiled
    else:
        args["enable_model_summary"] = False
    trainer = L.Trainer(**args)
    if name == "classifier":
        trainer.fit(model, datamodule=data())
    elif name == "autoencoder":
        trainer.fit(model, data())
    else:
        trainer.fit(model, *data())
    record["epochs"] = trainer.current_epoch
    record["metrics"] = sorted(trainer.callback_metrics)
    return record


def hand_written(name: str, compiled: bool) -> dict:
    """The same training, as a plain torchlike loop (``torch.compile`` of the step when
    ``compiled``)."""
    torch = tl
    module_cls, data, options = make_programs(tll, tl)[name]
    model = module_cls()
    model.load_state_dict({k: tl.from_numpy(v) for k, v in initial_weights(model).items()})
    F = tl.nn.functional
    record: dict = {"loss": [], "lr": []}
    if name == "classifier":
        dm = data()
        dm.setup("fit")
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

        def step(model, opt, x, y, first, last):
            loss = F.cross_entropy(model(x), y)
            if first:
                opt.zero_grad()
            (loss / 2).backward()
            if last:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
                opt.step()
            return loss

        step = torch.compile(step) if compiled else step
        for _ in range(2):
            for i, (x, y) in enumerate(dm.train_dataloader()):
                loss = step(model, opt, x, y, i % 2 == 0, i % 2 == 1)
                if i % 2 == 1:
                    sched.step()
                record["loss"].append(loss.item())
                record["lr"].append(opt.param_groups[0]["lr"])
    elif name == "autoencoder":
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)

        def step(model, opt, x):
            opt.zero_grad()
            loss = F.mse_loss(model.decoder(torch.relu(model.encoder(x))), x)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
            return loss

        step = torch.compile(step) if compiled else step
        for _ in range(2):
            for (x,) in data():
                record["loss"].append(step(model, opt, x).item())
                sched.step()
                record["lr"].append(opt.param_groups[0]["lr"])
    return record


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name in ("classifier", "autoencoder", "plateau"):
        out[name, "compiled"] = run_lightning(tll, tl, name, compiled=True)
        if name == "classifier":  # eager and compiled steps are compared for every op elsewhere
            out[name, "eager"] = run_lightning(tll, tl, name, compiled=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pytorch_lightning as pl

            out[name, "lightning"] = run_lightning(pl, real_torch, name)
    return out


@pytest.mark.parametrize("name", ["classifier", "autoencoder", "plateau"])
def test_lightning_programs_match_real_lightning_and_eager(runs, name):
    compiled, real = runs[name, "compiled"], runs[name, "lightning"]
    assert len(real["loss"]) >= 8
    np.testing.assert_allclose(compiled["loss"], real["loss"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(compiled["lr"], real["lr"], rtol=1e-7)
    assert compiled["epochs"] == real["epochs"]
    assert compiled["metrics"] == real["metrics"]
    if (name, "eager") in runs:
        eager = runs[name, "eager"]
        np.testing.assert_allclose(eager["loss"], real["loss"], rtol=2e-5, atol=1e-6)
        assert eager["epochs"] == real["epochs"]


@pytest.mark.parametrize(
    "name, compiled", [("classifier", False), ("autoencoder", False), ("autoencoder", True)]
)
def test_lightning_programs_match_hand_written_loop(runs, name, compiled):
    hand = hand_written(name, compiled)
    np.testing.assert_allclose(runs[name, "compiled"]["loss"], hand["loss"], rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(runs[name, "compiled"]["lr"], hand["lr"])


def test_plateau_scheduler_and_early_stopping_acted(runs):
    real = runs["plateau", "lightning"]
    assert min(real["lr"]) < 0.2 and real["epochs"] < 6  # the comparison covers both


def fit_classifier(L, torch, path, epochs: int, resume: bool) -> list[float]:
    """Train the classifier for ``epochs`` (continuing the checkpoint at ``path`` when
    ``resume``, else from the shared initial weights, saving to ``path`` at the end); returns
    the losses of the steps run."""
    module_cls, data, options = make_programs(L, torch)["classifier"]
    model = module_cls()
    if not resume:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in initial_weights(model).items()})
    losses: list[float] = []

    class Recorder(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            losses.append(float(outputs["loss"]))

    args = dict(
        options,
        max_epochs=epochs,
        callbacks=[Recorder()],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    if L is not tll:
        args["enable_model_summary"] = False
    trainer = L.Trainer(**args)
    trainer.fit(model, datamodule=data(), ckpt_path=path if resume else None)
    if not resume:
        trainer.save_checkpoint(path)
    return losses


def test_checkpoints_cross_between_torchlike_and_lightning(runs, tmp_path):
    """A torchlike .ckpt resumed by real Lightning, and a Lightning .ckpt resumed by
    torchlike.lightning, continue with the losses of Lightning's uninterrupted run (whose
    ``outputs["loss"]`` is the loss divided by ``accumulate_grad_batches=2``)."""
    import pytorch_lightning as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_classifier(pl, real_torch, str(tmp_path / "pl.ckpt"), 1, resume=False)
        fit_classifier(tll, tl, str(tmp_path / "tl.ckpt"), 1, resume=False)
        pl_from_tl = fit_classifier(pl, real_torch, str(tmp_path / "tl.ckpt"), 2, resume=True)
    tl_from_pl = fit_classifier(tll, tl, str(tmp_path / "pl.ckpt"), 2, resume=True)
    uninterrupted = np.asarray(runs["classifier", "lightning"]["loss"][8:]) / 2
    np.testing.assert_allclose(pl_from_tl, uninterrupted, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(tl_from_pl, uninterrupted, rtol=2e-5, atol=1e-6)


def test_checkpoint_files_csv_logs_validate_and_predict(tmp_path):
    module_cls, data, _ = make_programs(tll, tl)["plateau"]
    train, val = data()
    model = module_cls()
    checkpoint = tll.ModelCheckpoint(
        monitor="val_loss", save_top_k=2, filename="{epoch}-{val_loss:.3f}", save_last=True
    )
    logger = tll.CSVLogger(tmp_path, name="run")
    trainer = tll.Trainer(
        max_epochs=3,
        callbacks=[checkpoint],
        logger=logger,
        enable_progress_bar=False,
        log_every_n_steps=2,
    )
    trainer.fit(model, train, val)
    files = sorted(os.listdir(tmp_path / "run" / "version_0" / "checkpoints"))
    assert len(files) == 3 and "last.ckpt" in files
    scores = sorted(checkpoint.best_k_models.values())
    assert checkpoint.best_model_score == scores[0]
    best = os.path.basename(checkpoint.best_model_path)
    assert best.endswith(f"-val_loss={scores[0]:.3f}.ckpt") and best in files
    assert all(f.startswith("epoch=") and "-val_loss=" in f for f in files if f != "last.ckpt")
    header = (tmp_path / "run" / "version_0" / "metrics.csv").read_text().splitlines()[0]
    assert set(header.split(",")) == {"train_loss", "epoch", "step", "val_loss"}
    (metrics,) = trainer.validate(model, val, verbose=False)
    x, y = tl.from_numpy(X_VAL), tl.from_numpy(Y_VAL)
    expected = tl.nn.functional.mse_loss(model.layer(x), y).item()
    assert metrics["val_loss"] == pytest.approx(expected, rel=1e-5)
    predictions = trainer.predict(model, tl.utils.data.DataLoader(x, batch_size=8))
    np.testing.assert_allclose(
        tl.cat(predictions).numpy(), model.layer(x).detach().numpy(), rtol=1e-6
    )
    compiles = trainer._eval_fn.num_compiles  # a new batch size compiles once, not per index:
    trainer.validate(model, tl.utils.data.DataLoader(tl.utils.data.TensorDataset(x, y), 4))
    assert trainer._eval_fn.num_compiles == compiles + 1
    reloaded = module_cls.load_from_checkpoint(checkpoint.best_model_path)
    assert reloaded.layer.weight.shape == (1, 4)


SUBPROCESS_PROGRAM = textwrap.dedent(
    """
    # Plain Lightning and PyTorch imports: run by `python -m torchlike run`.
    import os, signal, sys
    import numpy as np
    import torch
    import lightning as L
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    assert L.Trainer.__module__ == "torchlike.lightning.trainer", L.Trainer.__module__

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((32, 6)).astype(np.float32))
    Y = torch.from_numpy(rng.integers(0, 3, 32))

    class Net(L.LightningModule):
        def __init__(self, dropout=0.0):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(16, 3))

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = nn.functional.cross_entropy(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            opt = torch.optim.AdamW(self.parameters(), lr=0.05)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    class Losses(L.Callback):
        def __init__(self):
            self.losses = []

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            self.losses.append(float(outputs["loss"]))

    def fit(callbacks=(), ckpt_path=None, batch_size=4, shuffle=True, dropout=0.3, **kw):
        L.seed_everything(0)
        model = Net(dropout)
        losses = Losses()
        trainer = L.Trainer(max_epochs=2, logger=False, enable_progress_bar=False,
                            callbacks=[losses, *callbacks], **kw)
        loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=shuffle)
        trainer.fit(model, loader, ckpt_path=ckpt_path)
        weights = {k: v.numpy() for k, v in model.state_dict().items()}
        return weights, losses.losses

    class Kill(L.Callback):
        def on_train_batch_start(self, trainer, module, batch, batch_idx):
            if trainer.global_step == 11:  # mid-epoch 1, after step 11's checkpoint
                os.kill(os.getpid(), signal.SIGKILL)

    mode = sys.argv[1]
    if mode in ("killed", "resumed"):
        ckpt = L.ModelCheckpoint(dirpath="ckpts", every_n_train_steps=1, save_last=True,
                                 save_top_k=0)
        extra = [Kill()] if mode == "killed" else []
        weights, _ = fit([ckpt, *extra], ckpt_path=None if mode == "killed" else "last")
        reference, _ = fit(enable_checkpointing=False)
        for k in reference:
            assert np.array_equal(weights[k], reference[k]), k
        print("ok")
    else:  # ddp and fsdp over 8 simulated devices equal one device; bf16-mixed runs
        one, one_losses = fit(batch_size=8, shuffle=False, dropout=0.0,
                              enable_checkpointing=False)
        for strategy in ("ddp", "fsdp"):
            many, many_losses = fit(batch_size=1, shuffle=False, dropout=0.0, strategy=strategy,
                                    devices=8, enable_checkpointing=False)
            np.testing.assert_allclose(many_losses, one_losses, rtol=1e-5, atol=1e-5)
            for k in one:
                np.testing.assert_allclose(many[k], one[k], rtol=1e-5, atol=1e-5)
        _, bf16 = fit(precision="bf16-mixed", enable_checkpointing=False)
        assert len(bf16) == 16 and np.isfinite(bf16).all() and bf16[-1] < bf16[0]
        print("ok")
    """
)


def run_program(tmp_path, mode: str, devices: int = 1):
    env = dict(os.environ, PYTHONPATH=ROOT)
    if devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    (tmp_path / "program.py").write_text(SUBPROCESS_PROGRAM)
    return subprocess.run(
        [sys.executable, "-m", "torchlike", "run", "program.py", mode],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_ddp_and_fsdp_over_8_devices_equal_one_device_and_bf16_runs(tmp_path):
    out = run_program(tmp_path, "devices", devices=8)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


def test_run_killed_mid_epoch_resumes_to_the_uninterrupted_weights(tmp_path):
    killed = run_program(tmp_path, "killed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (tmp_path / "ckpts" / "last.ckpt").exists()
    resumed = run_program(tmp_path, "resumed")
    assert resumed.returncode == 0 and resumed.stdout.strip() == "ok", resumed.stderr[-3000:]


def test_example_reduced_run(tmp_path):
    from data_paths import fashion_mnist_root

    from torchlike.serialization import load

    data = fashion_mnist_root()
    if data is None:
        pytest.skip("Fashion-MNIST files are not on this machine")
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "lightning_mnist.py"),
            "--epochs",
            "1",
            "--limit-batches",
            "4",
            "--batch-size",
            "16",
            "--log-every-n-steps",
            "1",
            "--data-root",
            data,
        ],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1].removeprefix("RESULT "))
    assert (result["backend"], result["epochs"]) == ("torchlike-compiled", 1)
    assert 0.0 <= result["value"] <= 1.0
    assert "Epoch 0" in out.stderr  # the progress bar
    run_dir = tmp_path / "lightning_logs" / "version_0"
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logs = EventAccumulator(str(run_dir))
    logs.Reload()
    assert {"train_loss_epoch", "val_acc", "lr-Adam"} <= set(logs.Tags()["scalars"]), logs.Tags()
    ckpt = load(run_dir / "checkpoints" / "last.ckpt")
    assert ckpt["global_step"] == 4 and ckpt["hyper_parameters"]["lr"] == 1e-3
    # real Lightning reads it: its loops and optimizer state restore a torch model
    assert {"state_dict", "optimizer_states", "lr_schedulers", "loops", "callbacks"} <= set(ckpt)
