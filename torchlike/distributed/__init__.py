"""``torch.distributed`` on ``jax.distributed``: process groups, ranks and collectives.

``init_process_group`` reads what ``torchrun`` sets (``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``,
``WORLD_SIZE``) or its arguments; with a world of one process it needs nothing else, and with
more it starts ``jax.distributed`` (one JAX process per rank; the coordinator at
``MASTER_ADDR:MASTER_PORT``). Ranks are JAX process indices.

Collectives act on tensors in place with PyTorch's semantics. They run between processes through
JAX's multi-host utilities (every process must call them, as in PyTorch). Inside one process
there is nothing to exchange: with a world of one they return at once, as PyTorch's do. Gradient
averaging for data parallel training does not go through these: XLA does it inside the step (see
``nn.parallel.DistributedDataParallel``).
"""

from __future__ import annotations

import os
from enum import Enum

import jax
import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor

_state = {"initialized": False, "backend": None}


class ReduceOp(Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class Backend:
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"


def is_available() -> bool:
    return True


def is_initialized() -> bool:
    return _state["initialized"]


def is_nccl_available() -> bool:
    return False


def is_gloo_available() -> bool:
    return True


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout=None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    if _state["initialized"]:
        raise RuntimeError("trying to initialize the default process group twice!")
    world = int(os.environ.get("WORLD_SIZE", world_size if world_size > 0 else 1))
    rank = int(os.environ.get("RANK", rank if rank >= 0 else 0))
    if world > 1:
        if init_method and init_method.startswith("tcp://"):
            address = init_method[len("tcp://") :]
        else:
            host = os.environ.get("MASTER_ADDR", "127.0.0.1")
            address = f"{host}:{os.environ.get('MASTER_PORT', '29500')}"
        # CPU processes exchange data through gloo (GPUs use NCCL inside XLA regardless).
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=address, num_processes=world, process_id=rank
        )
    _state.update(initialized=True, backend=backend or "gloo")


def destroy_process_group(group=None) -> None:
    if _state["initialized"] and jax.process_count() > 1:
        jax.distributed.shutdown()
    _state.update(initialized=False, backend=None)


def _check() -> None:
    if not _state["initialized"]:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )


def get_rank(group=None) -> int:
    _check()
    return jax.process_index()


def get_world_size(group=None) -> int:
    _check()
    return jax.process_count()


def get_backend(group=None) -> str:
    _check()
    return _state["backend"]


def barrier(group=None, async_op: bool = False, device_ids=None) -> None:
    _check()
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("torchlike.distributed.barrier")


def _gather(tensor: Tensor) -> np.ndarray:
    """Every process's value of ``tensor``, stacked on a new leading axis."""
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(tensor._data, tiled=False))


_REDUCE = {
    ReduceOp.SUM: lambda a: a.sum(0),
    ReduceOp.AVG: lambda a: a.mean(0),
    ReduceOp.PRODUCT: lambda a: a.prod(0),
    ReduceOp.MIN: lambda a: a.min(0),
    ReduceOp.MAX: lambda a: a.max(0),
}


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over all processes, in place."""
    _check()
    if jax.process_count() > 1:
        reduced = _REDUCE[op](_gather(tensor)).astype(tensor._data.dtype)
        tensor._data = jnp.asarray(reduced)
    return None


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """``tensor_list[r]`` = rank ``r``'s ``tensor``."""
    _check()
    if len(tensor_list) != jax.process_count():
        raise RuntimeError(
            f"all_gather: tensor_list has {len(tensor_list)} entries but the world size is "
            f"{jax.process_count()}"
        )
    gathered = _gather(tensor) if jax.process_count() > 1 else np.asarray(tensor._data)[None]
    for out, value in zip(tensor_list, gathered):
        out._data = jnp.asarray(value, out._data.dtype)
    return None


def broadcast(tensor: Tensor, src: int, group=None, async_op: bool = False):
    """Every process's ``tensor`` becomes rank ``src``'s, in place."""
    _check()
    if jax.process_count() > 1:
        tensor._data = jnp.asarray(_gather(tensor)[src])
    return None


def reduce_scatter(
    output: Tensor, input_list: list, op=ReduceOp.SUM, group=None, async_op: bool = False
):
    """``output`` = the reduction over processes of ``input_list[rank]``."""
    _check()
    mine = input_list[jax.process_index()]
    if jax.process_count() > 1:
        stacked = np.stack([_gather(t) for t in input_list], 1)  # (world, world, ...)
        reduced = _REDUCE[op](stacked[:, jax.process_index()])
        output._data = jnp.asarray(reduced, output._data.dtype)
    else:
        output._data = mine._data.astype(output._data.dtype)
    return None


def __getattr__(name: str):
    # Imported on first use: the sharding helpers need torchlike.nn, which imports this module.
    if name in ("shard_parameter", "fsdp"):
        import importlib

        fsdp = importlib.import_module(__name__ + ".fsdp")
        return fsdp if name == "fsdp" else fsdp.shard_parameter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
