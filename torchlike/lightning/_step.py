"""The training step a ``Trainer`` runs: ``training_step``, backward, clipping, the optimizer
step and gradient accumulation, as one function that ``torchlike.compile`` turns into one XLA
program (or that runs eagerly with ``Trainer(compile=False)``).

Everything Python-level is an argument of the function (``_Flags``: the trainer, whether this
batch starts or ends an accumulation window, clipping, and ``current_epoch``/``global_step`` when
``training_step`` reads them), so a changed value recompiles, with the reason logged by the
``torchlike.compile`` logger. ``self.log`` calls, deferred scheduler steps and the number of
optimizer steps taken (manual optimisation) are recorded while the step is traced and come back
with every call, the logged values as this call's tensors.

What this means for ``training_step`` when compiled (as for any ``torchlike.compile``d code):
Python side effects (``print``, appending to a list) happen when the step is traced, not at
every call; ``batch_idx`` is a 0-d int64 tensor when the step reads it (so a new batch index
does not recompile; ``if batch_idx == 0:`` raises torchlike's error saying what to use);
``self.current_epoch`` and ``self.global_step`` are Python ints, and reading them recompiles the
step when they change. ``Trainer(compile=False)`` runs the step eagerly, as Lightning does.
Validation, test and predict steps get ``batch_idx`` as a Python int when they read it (each new
index compiles a program once), and 0 when they do not.
"""

from __future__ import annotations

import dis
import functools
from typing import Any, NamedTuple

import jax

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .module import MisconfigurationException


class _Flags(NamedTuple):
    trainer: Any
    first_in_window: bool
    steps: bool
    accumulate: int
    clock: tuple  # (current_epoch, global_step) when training_step reads them, else ()
    batch: Any  # the batch's structure (its tensors are the step's last arguments)
    optimizers: int


def detach(out):
    if isinstance(out, Tensor):
        return out.detach()
    if isinstance(out, dict):
        return {k: detach(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return type(out)(detach(v) for v in out)
    return out


def loss_of(out):
    if out is None or isinstance(out, Tensor):
        return out
    if isinstance(out, dict):
        if "loss" not in out:
            raise MisconfigurationException(
                "In automatic_optimization, when `training_step` returns a dict, the 'loss' key "
                "needs to be present"
            )
        return out["loss"]
    raise MisconfigurationException(
        "In automatic optimization, `training_step` must return a Tensor, a dict, or None "
        "(where the step will be skipped)."
    )


@functools.cache
def reads(code, name: str, attribute: bool) -> bool:
    """Whether ``code`` loads the local ``name`` (or the attribute ``name``)."""
    if attribute:
        return name in code.co_names
    return any(
        "LOAD" in i.opname
        and (i.argval == name or isinstance(i.argval, tuple) and name in i.argval)
        for i in dis.get_instructions(code)
    )


def flatten(batch) -> tuple[list, Any]:
    """A batch's tensors (and other leaves) and its structure. The step takes the tensors as
    arguments of their own: ``torchlike.compile`` then treats them as this call's inputs (in a
    list they would be taken for state, and the next batch would compile a second program)."""
    return jax.tree_util.tree_flatten(batch, is_leaf=lambda x: isinstance(x, Tensor))


def training_step(module, batch_idx, flags: _Flags, *args):
    """One batch of ``fit``: Lightning's automatic (or the user's manual) optimisation.

    ``args``: the optimizers, then the batch's leaves (see ``flatten``). The optimizers are
    separate arguments, not a list: ``torchlike.compile`` brings an optimizer's hyperparameters
    (a learning rate a scheduler changed) into the program for optimizers among the arguments."""
    optimizers, leaves = args[: flags.optimizers], args[flags.optimizers :]
    batch = jax.tree_util.tree_unflatten(flags.batch, leaves)
    trainer = flags.trainer
    state = module._pl
    state.logs, state.deferred, state.steps_taken = [], [], 0
    state.hook = "training_step"
    trainer._in_step = True
    try:
        return _training_step(trainer, module, optimizers, batch, batch_idx, flags)
    finally:
        trainer._in_step = False


def _training_step(trainer, module, optimizers, batch, batch_idx, flags: _Flags):
    state = module._pl
    with trainer._precision.forward_context():
        out = module.training_step(batch, batch_idx)
    if module.automatic_optimization:
        loss = loss_of(out)
        if loss is not None:
            optimizer = optimizers[0]
            if flags.first_in_window:
                trainer._call("on_before_zero_grad", optimizer)
                module.optimizer_zero_grad(trainer.current_epoch, batch_idx, optimizer)
            # Lightning's closure loss, which on_train_batch_end's outputs["loss"] is too
            loss = loss / flags.accumulate if flags.accumulate > 1 else loss
            out = {**out, "loss": loss} if isinstance(out, dict) else loss
            trainer._backward(loss)
            if flags.steps:
                trainer._optimizer_step(optimizer)
                state.steps_taken = 1
    return detach(out), state.logs, state.steps_taken, state.deferred


def evaluation_step(module, batch_idx, flags, *leaves):
    """One batch of ``validate``/``test``/``predict`` (``flags``: trainer, hook, loader idx,
    the batch's structure; ``leaves``: the batch's, see ``flatten``)."""
    trainer, hook, dataloader_idx, structure = flags
    batch = jax.tree_util.tree_unflatten(structure, leaves)
    state = module._pl
    state.logs, state.hook = [], hook
    trainer._in_step = True
    args = (batch, batch_idx) if dataloader_idx is None else (batch, batch_idx, dataloader_idx)
    try:
        with no_grad(), trainer._precision.forward_context():
            out = getattr(module, hook)(*args)
    finally:
        trainer._in_step = False
    return out, state.logs
