"""Where a Lightning run's arrays live: one device, or a JAX mesh for ``'ddp'`` / ``'fsdp'``.

Lightning's DDP runs one process per device, each with its own ``DataLoader`` batch (a
``DistributedSampler`` gives rank ``r`` every ``N``-th sample). Here the ``N`` devices are one
SPMD program in one process: each training step takes ``N`` consecutive batches of the loader,
the same rows Lightning's ``N`` ranks would see together, as one global batch split over the
mesh. Parameters are replicated (``'ddp'``) or sharded with their optimizer state (``'fsdp'``),
and XLA inserts the gradient all-reduce (or reduce-scatter). Losses, logged values and gradients
are the global batch's, which is what Lightning reports after ``sync_dist``.

With more devices than the process has (CPU: one device per process unless XLA simulates more),
``'ddp'`` runs ``fit`` in one worker process per device (``_launcher.py``). In the workers the
mesh has one device per process and the step is the same SPMD program, now spanning processes:
every worker reads the whole loader and builds the same global batch from the same ``N`` loader
batches, of which each device holds its rows (so the data order must agree between processes:
seed the shuffle with ``seed_everything``). Validation, test and predict batches are replicated:
every process evaluates the whole batch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._tensor import Tensor
from ..nn.parallel.distributed import _broadcast_from_rank0
from . import _launcher
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


def _device_pool(accelerator: str) -> list:
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
    return pool


def _count(devices) -> int | None:
    """``devices`` as a number of devices, or None for 'auto' or a list of indices."""
    if isinstance(devices, str) and devices.strip().isdigit():
        return int(devices)
    return devices if isinstance(devices, int) and devices > 0 else None


def _select_devices(pool: list, devices) -> list:
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
        pool = _device_pool(accelerator)
        self.launch = 0  # worker processes fit must start (see _launcher.py)
        self.processes = False  # this process is one of several training together
        wanted = _count(devices)
        every = wanted is None and devices in ("auto", None, -1, "-1")
        if name != "fsdp" and (every or wanted > 1) and _launcher.world_size_from_env() > 1:
            _launcher.check_joined()
            if wanted != jax.process_count():
                raise MisconfigurationException(
                    f"`Trainer(devices={devices!r})` but the environment started "
                    f"{jax.process_count()} processes, one per device"
                )
            chosen = [  # one device per process, as Lightning's one process per device
                next(d for d in jax.devices() if d.process_index == p)
                for p in range(jax.process_count())
            ]
            self.processes = True
        elif name != "fsdp" and pool[0].platform == "cpu" and (wanted or 0) > len(pool):
            chosen, self.launch = pool[:1], wanted
        else:
            chosen = _select_devices(pool, devices)
        if name in _SINGLE and devices in ("auto", None) and not self.processes:
            chosen = chosen[:1]
        if name in _SINGLE and (len(chosen) > 1 or self.launch):
            name = "ddp"  # as Lightning: several devices with strategy='auto' means DDP
        self.name = "fsdp" if name == "fsdp" else "ddp" if name in _DDP else "single_device"
        self.devices = chosen
        self.mesh = Mesh(np.array(chosen), ("batch",)) if len(chosen) > 1 else None

    @property
    def world_size(self) -> int:
        return self.launch or len(self.devices)

    @property
    def global_rank(self) -> int:
        return jax.process_index() if self.processes else 0

    def setup_module(self, module) -> None:
        """Place parameters and buffers: replicated (DDP) or sharded (FSDP) over the mesh."""
        tensors = list(module.parameters()) + list(module.buffers())
        if self.processes:  # local values, equal on every process; the step makes them global
            _broadcast_from_rank0(tensors)
            object.__setattr__(module, "_compile_global_mesh", self.mesh)
            return
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
        return _combine(batches, self.mesh, self.processes)

    def eval_batch(self, batch):
        """A validation/test/predict batch: across processes, replicated on the mesh."""
        return _combine([batch], self.mesh, True, split=False) if self.processes else batch


def _combine(batches: list, mesh: Mesh, processes: bool, split: bool = True):
    """The batches as one, split over the mesh along dim 0 where it divides evenly (replicated
    otherwise); across processes as a global array (every process holds the same batches)."""
    first = batches[0]
    if isinstance(first, Tensor):
        if not first.dim():
            return first
        if processes:
            data = np.concatenate([np.asarray(b._data) for b in batches])
        else:
            data = jnp.concatenate([b._data for b in batches])
        even = split and data.shape[0] % mesh.size == 0
        spec = PartitionSpec("batch", *[None] * (first.dim() - 1)) if even else PartitionSpec()
        sharding = NamedSharding(mesh, spec)
        if processes:
            data = jax.make_array_from_callback(data.shape, sharding, lambda i: data[i])
        elif even:
            data = jax.device_put(data, sharding)
        return Tensor._wrap(data)
    if isinstance(first, (list, tuple)):
        items = [
            _combine([b[i] for b in batches], mesh, processes, split) for i in range(len(first))
        ]
        return type(first)(items) if not hasattr(first, "_fields") else type(first)(*items)
    if isinstance(first, dict):
        return {k: _combine([b[k] for b in batches], mesh, processes, split) for k in first}
    return first
