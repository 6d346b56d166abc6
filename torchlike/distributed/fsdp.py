"""``torch.distributed.fsdp``: fully-sharded data parallel on a JAX device mesh.

PyTorch's FSDP keeps on each rank one slice of every parameter (and of its optimizer state),
all-gathers a layer's parameters just before using them and reduce-scatters its gradients. Here
the same layout is declared with JAX shardings and XLA's SPMD partitioner does the gathering and
scattering inside each op (eager) or inside the compiled step:

* every parameter and buffer is placed with a ``NamedSharding`` over a one-axis mesh of the
  local devices (axis ``"fsdp"``), split along its largest dimension that the device count
  divides (the first such dimension on ties), and replicated when none does;
* an optimizer made *after* wrapping (as PyTorch requires too) allocates its state with the
  parameters' shardings, so optimizer state is sharded the same way;
* inputs are split along the batch dimension over the same axis;
* ``torchlike.compile`` hands every sharded piece of state back with the sharding it came in
  with, so parameters and optimizer state stay sharded step after step, and a compiled step is
  one SPMD program.

``shard_parameter(param, mesh, spec)`` places one parameter with any ``PartitionSpec`` (tensor
parallel layouts, 2-D meshes); compiled steps keep that placement too.

Kept from PyTorch: ``FullyShardedDataParallel(module)`` with ``.module``, unprefixed
``state_dict`` keys and ``named_parameters`` names (PyTorch strips its ``_fsdp_wrapped_module.``
prefix), ``fully_shard(module)`` (FSDP2) sharding in place and returning the module. Differences:
the sharding is over this process's devices only; ``sharding_strategy``, ``auto_wrap_policy``,
``mixed_precision``, ``cpu_offload`` and the other options are accepted and ignored (XLA decides
when to gather); there is no ``summon_full_params`` (reading a sharded tensor gathers it).
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._dispatch import apply
from .._tensor import Tensor
from ..nn.modules.module import Module
from ..nn.parallel.data_parallel import DataParallel

AXIS = "fsdp"


def shard_spec(shape: tuple, n: int) -> PartitionSpec:
    """The FSDP placement of an array of ``shape`` over ``n`` devices: split along its largest
    dimension that ``n`` divides, replicated when none does."""
    dims = [d for d in range(len(shape)) if shape[d] % n == 0 and shape[d] >= n]
    if n == 1 or not dims:
        return PartitionSpec()
    dim = max(dims, key=lambda d: (shape[d], -d))
    return PartitionSpec(*[AXIS if d == dim else None for d in range(len(shape))])


def _local_mesh(mesh: Mesh | None) -> Mesh:
    return mesh if mesh is not None else Mesh(np.array(jax.local_devices()), (AXIS,))


def _shard_module(module: Module, mesh: Mesh) -> None:
    n = mesh.shape[mesh.axis_names[0]]
    for t in list(module.parameters()) + list(module.buffers()):
        spec = shard_spec(tuple(t.shape), n)
        t._data = jax.device_put(t._data, NamedSharding(mesh, spec))


def shard_parameter(param: Tensor, mesh: Mesh, spec) -> Tensor:
    """Place ``param`` (a Parameter, buffer or tensor) on ``mesh`` with ``spec`` (a
    ``PartitionSpec`` or a tuple of mesh axis names / None per dimension), in place; returns it.
    Eager ops and compiled steps keep the placement (a compiled step hands it back sharded)."""
    spec = spec if isinstance(spec, PartitionSpec) else PartitionSpec(*spec)
    param._data = jax.device_put(param._data, NamedSharding(mesh, spec))
    return param


def _constrain(x, *, sharding):
    return jax.lax.with_sharding_constraint(x, sharding)


def _shard_batch(mesh: Mesh, x):
    """``x`` split along dim 0 over ``mesh`` (unchanged when it does not divide)."""
    if not isinstance(x, Tensor) or x.dim() == 0 or x.shape[0] % mesh.size:
        return x
    spec = PartitionSpec(mesh.axis_names[0], *[None] * (x.dim() - 1))
    return apply(_constrain, "FSDPShardBatch", (x,), sharding=NamedSharding(mesh, spec))


class FullyShardedDataParallel(DataParallel):
    """Args:
        module: the module to shard.
        mesh: a one-axis ``jax.sharding.Mesh`` to shard over (default: every local device,
            axis ``"fsdp"``).
        Every PyTorch option (``process_group``, ``sharding_strategy``, ``auto_wrap_policy``,
        ``mixed_precision``, ``device_id``, ``use_orig_params``, ...) is accepted and ignored.

    Shape:
        - Inputs: the batch, split along dim 0 over the devices.
        - Output: the wrapped module's.
    """

    def __init__(self, module: Module, *args, mesh: Mesh | None = None, **options) -> None:
        Module.__init__(self)
        self.module = module
        mesh = _local_mesh(mesh)
        object.__setattr__(self, "dim", 0)
        object.__setattr__(self, "device_ids", tuple(d.id for d in mesh.devices.flat))
        object.__setattr__(self, "output_device", None)
        object.__setattr__(self, "_mesh", mesh if mesh.size > 1 else None)
        _shard_module(module, mesh)

    # PyTorch's FSDP names parameters and state as the wrapped module does.
    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        return self.module.named_parameters(prefix, recurse, remove_duplicate)

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        return self.module.named_buffers(prefix, recurse, remove_duplicate)

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        return self.module.state_dict(destination=destination, prefix=prefix, keep_vars=keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        result = self.module.load_state_dict(state_dict, strict, assign)
        if self._mesh is not None:
            _shard_module(self.module, self._mesh)  # loading wrote unsharded arrays
        return result


def fully_shard(module: Module, *, mesh: Mesh | None = None, **options) -> Module:
    """FSDP2's ``fully_shard``: shard ``module``'s parameters and buffers in place over ``mesh``
    (default: every local device) and split its inputs along dim 0; returns ``module``."""
    mesh = _local_mesh(mesh)
    _shard_module(module, mesh)
    if mesh.size > 1:
        module.register_forward_pre_hook(
            lambda mod, args: tuple(_shard_batch(mesh, a) for a in args)
        )
    return module


__all__ = ["FullyShardedDataParallel", "fully_shard", "shard_parameter", "shard_spec"]
