"""Where a Lightning run's arrays live: one device, or a JAX mesh for ``'ddp'`` / ``'fsdp'``.

Lightning's DDP runs one process per device, each with its own ``DataLoader`` batch (a
``DistributedSampler`` gives rank ``r`` every ``N``-th sample). Here the ``N`` devices are one
SPMD program in one process: each training step takes ``N`` consecutive batches of the loader,
the same rows Lightning's ``N`` ranks would see together, as one global batch split over the
mesh. Parameters are replicated (``'ddp'``) or sharded with their optimizer state (``'fsdp'``),
and XLA inserts the gradient all-reduce (or reduce-scatter). Losses, logged values and gradients
are the global batch's, which is what Lightning reports after ``sync_dist``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._tensor import Tensor
from .module import MisconfigurationException

_DDP = (
    "ddp",
    "ddp_spawn",
    "ddp_fork",
    "ddp_notebook",
    "ddp_find_unused_parameters_true",
    "ddp_find_unused_parameters_false",
    "dp",
)
_SINGLE = ("auto", "single_device")


def _select_devices(accelerator: str, devices) -> list:
    if accelerator in ("auto", None):
        pool = jax.devices()
    elif accelerator in ("gpu", "cuda", "tpu", "cpu"):
        platform = "gpu" if accelerator in ("gpu", "cuda") else accelerator
        try:
            pool = jax.devices(platform)
        except RuntimeError as e:
            raise MisconfigurationException(
                f"`Trainer(accelerator={accelerator!r})` but no {accelerator} device is available"
            ) from e
    else:
        raise MisconfigurationException(
            f"`Trainer(accelerator={accelerator!r})` is not a valid accelerator; choose one of "
            "'auto', 'cpu', 'gpu', 'cuda', 'tpu'"
        )
    if devices in ("auto", None, -1, "-1"):
        return pool
    if isinstance(devices, str):
        devices = (
            [int(d) for d in devices.split(",") if d.strip()] if "," in devices else int(devices)
        )
    if isinstance(devices, int):
        if devices < 1 or devices > len(pool):
            raise MisconfigurationException(
                f"`Trainer(devices={devices})` but {len(pool)} {pool[0].platform} device(s) "
                "are available"
            )
        return pool[:devices]
    return [pool[i] for i in devices]


class Strategy:
    """One device (``'auto'``/``'single_device'``), or a mesh (``'ddp'``, ``'fsdp'``)."""

    def __init__(self, strategy, accelerator: str, devices) -> None:
        name = strategy if isinstance(strategy, str) else getattr(strategy, "strategy_name", None)
        if name not in _SINGLE + _DDP + ("fsdp",):
            raise MisconfigurationException(
                f"`Trainer(strategy={strategy!r})` is not supported by torchlike.lightning; "
                "choose 'auto', 'single_device', 'ddp' or 'fsdp'"
            )
        chosen = _select_devices(accelerator, devices)
        if name in _SINGLE and devices in ("auto", None):
            chosen = chosen[:1]
        if name in _SINGLE and len(chosen) > 1:
            name = "ddp"  # as Lightning: several devices with strategy='auto' means DDP
        self.name = "fsdp" if name == "fsdp" else "ddp" if name in _DDP else "single_device"
        self.devices = chosen
        self.mesh = Mesh(np.array(chosen), ("batch",)) if len(chosen) > 1 else None

    @property
    def world_size(self) -> int:
        return len(self.devices)

    def setup_module(self, module) -> None:
        """Place parameters and buffers: replicated (DDP) or sharded (FSDP) over the mesh."""
        tensors = list(module.parameters()) + list(module.buffers())
        if self.mesh is None:
            for t in tensors:
                t._data = jax.device_put(t._data, self.devices[0])
            return
        if self.name == "fsdp":
            from ..distributed.fsdp import _shard_module

            _shard_module(module, Mesh(np.array(self.devices), ("fsdp",)))
            return
        replicated = NamedSharding(self.mesh, PartitionSpec())
        for t in tensors:
            t._data = jax.device_put(t._data, replicated)

    def global_batch(self, batches: list):
        """The ``N`` loader batches of one step as one batch split over the mesh."""
        if self.mesh is None:
            return batches[0]
        return _combine(batches, self.mesh)


def _combine(batches: list, mesh: Mesh):
    first = batches[0]
    if isinstance(first, Tensor):
        data = jnp.concatenate([b._data for b in batches]) if first.dim() else first._data
        if first.dim() and data.shape[0] % mesh.size == 0:
            spec = PartitionSpec("batch", *[None] * (first.dim() - 1))
            data = jax.device_put(data, NamedSharding(mesh, spec))
        return Tensor._wrap(data)
    if isinstance(first, (list, tuple)):
        items = [_combine([b[i] for b in batches], mesh) for i in range(len(first))]
        return type(first)(items) if not hasattr(first, "_fields") else type(first)(*items)
    if isinstance(first, dict):
        return {k: _combine([b[k] for b in batches], mesh) for k in first}
    return first
