"""``nn.DataParallel``: the batch split over devices by XLA's SPMD partitioner, not by threads.

PyTorch copies the module to each GPU, scatters the batch, runs replicas in threads and gathers
the outputs. Here the parameters and buffers are placed *replicated* on a one-axis device mesh
and the inputs *sharded* along ``dim`` (0) on that axis; every op (eager or inside
``torchlike.compile``) then runs as one SPMD program over all devices, and gradients of the
replicated parameters come back already summed over the batch shards (XLA inserts the
all-reduce). A compiled step over a DataParallel model is one program with the batch sharded.

Kept from PyTorch: the constructor, ``.module``, ``state_dict`` keys prefixed with ``module.``,
transparency on one device. Differences: ``output_device`` is accepted but outputs stay sharded
(reading them, ``.item()``, ``.cpu()``, gathers them); a batch whose size does not divide by the
device count runs unsharded (replicated) rather than unevenly split.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ..._dispatch import apply
from ..._tensor import Tensor
from ..modules.module import Module


def _constrain(x, *, sharding):
    return jax.lax.with_sharding_constraint(x, sharding)


class DataParallel(Module):
    """Args:
        module: the module to run data-parallel.
        device_ids: JAX device indices to use (default: every local device of the default
            backend).
        output_device: accepted for PyTorch compatibility (outputs stay sharded).
        dim: the batch dimension of the inputs. Default: 0.

    Shape:
        - Inputs: any; tensors are split along ``dim`` over the devices.
        - Output: the wrapped module's.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        devices = self._devices(device_ids)
        object.__setattr__(self, "dim", int(dim))
        object.__setattr__(self, "device_ids", tuple(d.id for d in devices))  # hashable
        object.__setattr__(self, "output_device", output_device)
        if len(devices) > 1:
            mesh = Mesh(np.array(devices), ("batch",))
            object.__setattr__(self, "_mesh", mesh)
            self._replicate_state(NamedSharding(mesh, PartitionSpec()))
        else:
            object.__setattr__(self, "_mesh", None)

    @staticmethod
    def _devices(device_ids) -> list:
        local = jax.local_devices()
        if device_ids is None:
            return local
        ids = [getattr(d, "index", d) if not isinstance(d, int) else d for d in device_ids]
        return [local[i] for i in ids]

    def _replicate_state(self, sharding) -> None:
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            t._data = jax.device_put(t._data, sharding)

    def _batch_sharding(self, ndim: int):
        spec = [None] * ndim
        spec[self.dim] = self._mesh.axis_names[0]
        return NamedSharding(self._mesh, PartitionSpec(*spec))

    def _scatter(self, x):
        if (
            self._mesh is None
            or not isinstance(x, Tensor)
            or x.dim() <= self.dim
            or x.shape[self.dim] % self._mesh.size
        ):
            return x
        return apply(
            _constrain, "DataParallelScatter", (x,), sharding=self._batch_sharding(x.dim())
        )

    def forward(self, *inputs, **kwargs):
        inputs = tuple(self._scatter(x) for x in inputs)
        kwargs = {k: self._scatter(v) for k, v in kwargs.items()}
        return self.module(*inputs, **kwargs)
