"""``nn.parallel.DistributedDataParallel`` on JAX's SPMD partitioner and ``jax.distributed``.

In one process this is :class:`~torchlike.nn.DataParallel` over every device of the process: the
batch is sharded, parameters replicated, gradients all-reduced by the compiler inside the step.

Across processes (``torchlike.distributed.init_process_group`` with a world of several, e.g.
under ``python -m torchlike.distributed.run``) each process feeds its own batch, as in PyTorch:

* Construction broadcasts rank 0's parameters and buffers to every process (as PyTorch does), so
  all replicas start equal.
* Eager steps: each process runs forward and backward on its own rows, and every parameter's
  gradient is averaged over the processes (an all-reduce) as backward accumulates it into
  ``.grad`` — PyTorch does the same from its autograd hooks, by buckets. After ``backward`` every
  process holds the same averaged ``.grad``, so the same ``optimizer.step`` keeps them equal.
* Compiled steps (``torchlike.compile``): the step becomes one SPMD program over the global mesh
  of every process's devices. Parameters and optimizer state enter replicated; each argument
  tensor with a batch dimension is this process's rows of the global batch
  (``jax.make_array_from_process_local_data``), and XLA all-reduces the gradients inside the
  program. With a mean-reduced loss and equal local batches (``DistributedSampler`` makes them
  equal), the gradients are PyTorch DDP's: the average over processes of each process's
  mean-loss gradient. Differences: the loss the step returns is the global batch's (the mean of
  the per-process losses PyTorch would report), a ``reduction='sum'`` loss gives the global sum
  (PyTorch's DDP would give its mean over processes), outputs with a batch dimension come back
  as this process's rows, and ``BatchNorm`` normalises over the global batch (as
  ``SyncBatchNorm`` does; eager steps use each process's rows, as PyTorch's DDP does). A function
  compiled without its own ``backward`` (``torch.compile(model)(x)``) is not supported across
  processes: compile the whole training step.
"""

from __future__ import annotations

import contextlib

import jax
import numpy as np
from jax.sharding import Mesh

from ..._tensor import Tensor
from ..._trace_state import CompileParticipant
from ..modules.module import Module
from ..parameter import Parameter
from .data_parallel import DataParallel


class DistributedDataParallel(DataParallel, CompileParticipant):
    """Args:
        module: the module to train.
        device_ids, output_device, dim: as :class:`DataParallel` (across processes every local
            device of the process is used, whatever ``device_ids`` says).
        Every other PyTorch argument (``broadcast_buffers``, ``find_unused_parameters``,
        ``bucket_cap_mb``, ``gradient_as_bucket_view``, ``static_graph``, ...) is accepted: XLA
        schedules the gradient all-reduce itself.

    Shape:
        - Inputs: this process's batch (split over this process's devices).
        - Output: the wrapped module's.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0, **options):
        if jax.process_count() == 1:
            super().__init__(module, device_ids, output_device, dim)
            return
        Module.__init__(self)
        self.module = module
        object.__setattr__(self, "dim", int(dim))
        object.__setattr__(self, "device_ids", tuple(d.id for d in jax.local_devices()))
        object.__setattr__(self, "output_device", output_device)
        mesh = Mesh(np.array(jax.devices()), ("batch",))
        object.__setattr__(self, "_mesh", mesh)
        object.__setattr__(self, "_compile_global_mesh", mesh)
        _broadcast_from_rank0(list(module.parameters()) + list(module.buffers()))
        for p in module.parameters():
            if type(p) is Parameter:
                p.__class__ = _AveragedGradParameter

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients of eager backwards run inside stay local to each process (gradient
        accumulation); the first backward after it averages the accumulated sums, as PyTorch's.
        Inside a compiled step there is nothing to skip: its gradient is the global batch's."""
        _no_sync[0] += 1
        try:
            yield
        finally:
            _no_sync[0] -= 1

    def _scatter(self, x):
        if self._compile_global_mesh is not None and not _traced(x):
            return x  # eager across processes: each process computes on its own rows
        return super()._scatter(x)


_no_sync = [0]  # how many no_sync() regions are open


def _traced(x) -> bool:
    return isinstance(x, Tensor) and isinstance(x._data, jax.core.Tracer)


def _broadcast_from_rank0(tensors: list) -> None:
    from jax.experimental import multihost_utils

    if not tensors:
        return
    values = multihost_utils.broadcast_one_to_all([np.asarray(t._data) for t in tensors])
    for t, v in zip(tensors, values):
        t._data = jax.numpy.asarray(v, t._data.dtype)


class _AveragedGradParameter(Parameter):
    """A parameter of a multi-process DDP model: an eager backward's gradient is averaged over
    the processes when it is accumulated into ``.grad`` (inside a compiled step it is not: the
    program's gradient is already the global batch's)."""

    @property
    def grad(self):
        return Parameter.grad.fget(self)

    @grad.setter
    def grad(self, value) -> None:
        if (
            value is not None
            and not _no_sync[0]
            and jax.process_count() > 1
            and not isinstance(value._data, jax.core.Tracer)
        ):
            value = Tensor._wrap(_average(value._data))
        Parameter.grad.fset(self, value)


def _average(x):
    from jax.experimental import multihost_utils

    gathered = multihost_utils.process_allgather(x, tiled=False)
    return jax.numpy.asarray(np.asarray(gathered).mean(0).astype(x.dtype))
