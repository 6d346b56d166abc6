"""``Trainer(strategy='ddp', devices=2)`` on a one-device CPU process: ``fit`` runs in two worker
processes (started as ``torchlike.distributed.run`` starts its own) and hands the trained state
back; the weights equal a single-device run on the same global batches. The program uses plain
``lightning`` / ``pytorch_lightning`` imports under ``python -m torchlike run``; they must resolve
to torchlike.lightning in it, in the workers and in a plain Python child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = textwrap.dedent(
    """
    import json, os, subprocess, sys
    import numpy as np
    import torch
    import lightning as L
    import lightning.pytorch
    import pytorch_lightning as pl
    from lightning.pytorch.callbacks import Callback
    from lightning.pytorch.loggers import CSVLogger
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    names = [L.__name__, lightning.pytorch.__name__, pl.__name__, Callback.__module__]
    assert names == ["torchlike.lightning"] * 3 + ["torchlike.lightning.callbacks"], names
    if "RANK" in os.environ:  # a worker the trainer started
        with open(f"worker{os.environ['RANK']}.json", "w") as f:
            json.dump(names, f)
    else:  # any Python child: the names resolve there too (checked at the end)
        code = "import pytorch_lightning, lightning.pytorch as L; print(L.Trainer.__module__)"
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((40, 6)).astype(np.float32))
    Y = torch.from_numpy(rng.integers(0, 3, 40))

    class Net(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = nn.functional.cross_entropy(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.2, momentum=0.9)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def fit(devices, batch_size):
        L.seed_everything(0)
        model = Net()
        if devices == 1:
            model.load_state_dict(start)
        elif "RANK" not in os.environ:  # the launcher's weights, which the workers do not compute
            with torch.no_grad():
                model.net[0].weight.mul_(1.5)
        loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True)
        logger = CSVLogger("logs") if devices > 1 else False  # written by rank 0
        trainer = L.Trainer(max_epochs=2, accelerator="cpu", strategy="ddp" if devices > 1
                            else "auto", devices=devices, logger=logger, log_every_n_steps=2,
                            enable_checkpointing=False, enable_progress_bar=False)
        if devices == 2:
            globals()["start"] = {k: v.clone() for k, v in model.state_dict().items()}
        trainer.fit(model, loader)
        weights = {k: v.numpy() for k, v in model.state_dict().items()}
        sched = trainer.lr_scheduler_configs[0].scheduler.last_epoch
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        if devices > 1:
            with open(os.path.join(trainer.log_dir, "metrics.csv")) as f:
                logged = f.read()
            assert os.listdir("logs/lightning_logs") == ["version_0"] and "train_loss" in logged
        return weights, (trainer.global_step, trainer.current_epoch, sched, lr,
                         float(trainer.callback_metrics["train_loss"]))

    ddp, ddp_state = fit(2, 4)   # two processes, four rows each per step
    one, one_state = fit(1, 8)   # one process, the same eight rows per step
    assert os.getpid() == PARENT
    assert child.communicate(timeout=60)[0].strip() == "torchlike.lightning.trainer"
    print(json.dumps({"ddp_state": ddp_state, "one_state": one_state,
                      "diff": max(float(abs(ddp[k] - one[k]).max()) for k in one),
                      "moved": max(float(abs(one[k] - start[k].numpy()).max()) for k in one)}))
    """
)


def test_ddp_over_two_processes_equals_one_device(tmp_path):
    (tmp_path / "program.py").write_text(f"PARENT = __import__('os').getpid()\n{PROGRAM}")
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "RANK", "WORLD_SIZE")}
    env["PYTHONPATH"] = ROOT
    parent = subprocess.Popen(
        [sys.executable, "-m", "torchlike", "run", "program.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the watchdog below stops the workers with their parent
    )
    try:
        out, err = parent.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(parent.pid, signal.SIGKILL)
        out, err = parent.communicate()
        raise AssertionError(f"timed out:\n{err[-3000:]}") from None
    assert parent.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["moved"] > 0.05  # training changed the weights...
    assert result["diff"] <= 1e-5, result  # ... and both runs the same way
    (step, epoch, sched, lr, loss), one = result["ddp_state"], result["one_state"]
    assert (step, epoch, sched, lr) == tuple(one[:4]) == (10, 2, 10, 0.2 * 0.5**3)
    assert abs(loss - one[4]) <= 1e-5
    for rank in (0, 1):  # the workers ran the program under the alias too
        names = json.loads((tmp_path / f"worker{rank}.json").read_text())
        assert names == ["torchlike.lightning"] * 3 + ["torchlike.lightning.callbacks"]
