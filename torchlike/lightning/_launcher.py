"""``Trainer(strategy='ddp', devices=N)`` with more devices than the process has (CPU): ``fit``
runs in ``N`` worker processes, one device each, as Lightning's CPU DDP does.

The workers are started as ``python -m torchlike.distributed.run`` starts its own (torchrun's
environment: ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``/``MASTER_PORT``, ...), and each runs the
script again with the launching process's command line (``sys.orig_argv``), so under
``python -m torchlike run`` they run under it too and ``import lightning`` means this package
there as well. Importing this package in a worker joins the world (``init_process_group``): JAX's
distributed runtime must start before the process makes its first array, which a script does
before it builds its ``Trainer``. The same import joins the world of a script started by
``torchlike.distributed.run`` (or ``torchrun``), where every rank runs the whole script, as with
Lightning.

Only ``fit`` runs in the workers, as with Lightning's ``'ddp_spawn'``: the launching process
writes its module's weights to a temporary folder and starts the workers; in each, the matching
``fit`` call of the script (its first with several processes, its second, ...) starts from those
weights, trains as one SPMD program over the processes' devices (see ``_strategy.py``), and at its
end rank 0 writes the trained state (weights, optimizer, scheduler and callback states, counters,
metrics) as a checkpoint to the folder; then the workers exit. The launching process loads it and
goes on with the script (``trainer.test``, saving, printing) by itself. Everything a script does
before ``fit`` runs in every worker too, as with Lightning's launcher.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid

import jax

from .. import random as _random
from .. import serialization, tensor
from . import _checkpoint
from .module import MisconfigurationException

DIR_VAR = "TORCHLIKE_LIGHTNING_DIR"  # the folder the launching process and its workers share
FIT_VAR = "TORCHLIKE_LIGHTNING_FIT"  # which multi-process fit call of the script is launched
VERSIONS_VAR = "TORCHLIKE_LIGHTNING_LOG_VERSIONS"  # the launching trainer's loggers' versions
_fits = [0]  # multi-process fit calls so far in this process (launched, or run as a worker)


def world_size_from_env() -> int:
    return int(os.environ.get("WORLD_SIZE", "1")) if "RANK" in os.environ else 1


def join_world() -> None:
    """In a worker (torchrun's environment with a world of several), start the process group
    now, while JAX has made no array yet."""
    from jax._src import xla_bridge

    from .. import distributed

    if world_size_from_env() > 1 and not distributed.is_initialized():
        if not xla_bridge.backends_are_initialized():
            distributed.init_process_group("gloo")
    if DIR_VAR in os.environ:
        sys.excepthook = _exit_on_error


def _exit_on_error(kind, value, tb) -> None:
    """A worker's uncaught error: print it and exit at once (JAX's exit-time shutdown would
    wait for the other workers, which wait for this one)."""
    sys.__excepthook__(kind, value, tb)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def processes_joined() -> bool:
    from .. import distributed

    return distributed.is_initialized() and jax.process_count() > 1


def check_joined() -> None:
    """A worker whose script made tensors before importing Lightning cannot join its world."""
    if world_size_from_env() > 1 and not processes_joined():
        raise MisconfigurationException(
            f"this process is rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']}, but it "
            "made tensors before importing lightning, so it could not join the other processes: "
            "import lightning (or call torch.distributed.init_process_group()) at the top of the "
            "script"
        )


def next_fit(loggers: list) -> bool:
    """Count a multi-process ``fit``; whether it is the one a launching process waits for (then
    its loggers take the launching process's versions, so that both write to one folder)."""
    _fits[0] += 1
    if DIR_VAR not in os.environ or _fits[0] != int(os.environ[FIT_VAR]):
        return False
    for logger, version in zip(loggers, json.loads(os.environ[VERSIONS_VAR])):
        logger._version = version
    return True


def start_weights(module) -> None:
    """Load the launching process's weights (the worker's launched ``fit``)."""
    state = serialization.load(os.path.join(os.environ[DIR_VAR], "start.pt"))
    module.load_state_dict(state)


def hand_back(trainer) -> None:
    """End of a worker's launched ``fit``: rank 0 writes the trained state, and all exit."""
    from .. import distributed

    ckpt = _checkpoint.dump_checkpoint(trainer)
    if trainer.is_global_zero:
        ckpt["torchlike_metrics"] = {
            "callback_metrics": trainer._plain(trainer.callback_metrics),
            "logged_metrics": dict(trainer.logged_metrics),
            "batches_that_stepped": trainer._batches_that_stepped,
        }
        _checkpoint.save_checkpoint(ckpt, os.path.join(os.environ[DIR_VAR], "result.ckpt"))
    distributed.barrier()
    distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _command() -> list[str]:
    if hasattr(sys, "ps1") or sys.flags.interactive or "ipykernel" in sys.modules:
        raise MisconfigurationException(
            "`Trainer(strategy='ddp')` with more devices than this process has starts the script "
            "again in each worker process, which an interactive session cannot do; run it as a "
            "script"
        )
    return [sys.executable, *sys.orig_argv[1:]]


def fit_in_processes(trainer, module, n: int) -> None:
    """The launching process's ``fit``: run it in ``n`` workers and take their result."""
    from ..distributed.run import _free_port, _wait, worker_env

    _fits[0] += 1
    command = _command()
    with tempfile.TemporaryDirectory(prefix="torchlike-lightning-") as folder:
        serialization.save(module.state_dict(), os.path.join(folder, "start.pt"), format="torch")
        port, run_id = _free_port(), uuid.uuid4().hex[:8]
        versions = json.dumps([lg.version for lg in trainer.loggers])
        extra = {DIR_VAR: folder, FIT_VAR: str(_fits[0]), VERSIONS_VAR: versions}
        workers = [
            subprocess.Popen(command, env={**worker_env(r, n, "127.0.0.1", port, run_id), **extra})
            for r in range(n)
        ]
        code = _wait(workers)
        if code:
            raise RuntimeError(
                f"a worker process of `Trainer(strategy='ddp', devices={n})` failed with exit "
                f"code {code} (its error is printed above)"
            )
        _restore(trainer, module, _checkpoint.load_checkpoint(os.path.join(folder, "result.ckpt")))


def _restore(trainer, module, ckpt: dict) -> None:
    """The trained state rank 0 handed back, in the launching process's objects."""
    module.load_state_dict(ckpt["state_dict"])
    trainer.strategy.setup_module(module)
    for opt, state in zip(trainer.optimizers, ckpt["optimizer_states"]):
        opt.load_state_dict(state)
    for config, state in zip(trainer.lr_scheduler_configs, ckpt["lr_schedulers"]):
        config.scheduler.load_state_dict(state)
    for cb in trainer.callbacks:
        if cb.state_key in ckpt["callbacks"]:
            cb.load_state_dict(ckpt["callbacks"][cb.state_key])
    trainer.current_epoch, _ = _checkpoint.position(ckpt)
    trainer.global_step = int(ckpt["global_step"])
    metrics = ckpt["torchlike_metrics"]
    trainer.callback_metrics.update({k: tensor(v) for k, v in metrics["callback_metrics"].items()})
    trainer.logged_metrics.update(metrics["logged_metrics"])
    trainer._batches_that_stepped = metrics["batches_that_stepped"]
    _random.set_rng_state(ckpt["torchlike"]["rng_state"])
