"""torchlike's own format: an Orbax checkpoint directory.

Two Orbax items: ``tensors``, a PyTree ``{storage key: array}`` written by Orbax (TensorStore, each
array with its shape, dtype and sharding, so it can be restored sharded), and ``object``, JSON
holding the object's pickle (PyTorch's vocabulary, see ``_pickle``) and a table of the storages.
Orbax writes into a temporary directory and renames it when complete, so a reader never sees a
half-written checkpoint; replacing an existing checkpoint swaps the two directories in one
``renameat2(RENAME_EXCHANGE)`` where Linux offers it.
"""

from __future__ import annotations

import base64
import ctypes
import io
import os
import shutil
import uuid
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from .. import _dtype
from ._pickle import FileUnpickler, LoadedStorage, TensorPickler

FORMAT, VERSION = "torchlike", 1


def _ocp():
    import orbax.checkpoint  # imported on first use: it is slow to import

    return orbax.checkpoint


def encode(obj: Any):
    """``obj`` as the Orbax save arguments of a checkpoint (``tensors`` and ``object``)."""
    buffer = io.BytesIO()
    pickler = TensorPickler(buffer)
    pickler.dump(obj)
    arrays, table = {}, {}
    for key, stored in pickler.storages.items():
        arr = stored.array
        table[key] = {
            "dtype": _dtype.from_jax(arr.dtype).name,
            "shape": list(arr.shape),
            "location": stored.location,
        }
        if arr.size:  # Orbax stores no zero-size arrays; their shape alone rebuilds them
            arrays[key] = arr
    ocp = _ocp()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "pickle": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "storages": table,
    }
    items = {"object": ocp.args.JsonSave(meta)}
    if arrays:
        items["tensors"] = ocp.args.PyTreeSave(arrays)
    return ocp.args.Composite(**items)


def decode(restore: Callable[[Any], Any], map_location) -> Any:
    """Rebuild the object; ``restore(args)`` runs one Orbax restore of the checkpoint."""
    ocp = _ocp()
    meta = restore(ocp.args.Composite(object=ocp.args.JsonRestore()))["object"]
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RuntimeError("not a torchlike checkpoint (no torchlike object record)")
    if meta.get("version") != VERSION:
        raise RuntimeError(f"torchlike checkpoint version {meta.get('version')} is not supported")
    table = meta["storages"]
    targets = {key: _sharding(map_location(entry["location"])) for key, entry in table.items()}
    wanted = {
        key: ocp.ArrayRestoreArgs(
            sharding=targets[key],
            global_shape=tuple(entry["shape"]),
            dtype=_dtype._by_name(entry["dtype"]).np,
        )
        for key, entry in table.items()
        if np.prod(entry["shape"], dtype=np.int64) > 0
    }
    arrays = {}
    if wanted:
        arrays = restore(ocp.args.Composite(tensors=ocp.args.PyTreeRestore(restore_args=wanted)))[
            "tensors"
        ]

    def load_storage(key: str, dtype: _dtype.dtype, location: str, numel: int) -> LoadedStorage:
        entry = table.get(key)
        if entry is None or entry["dtype"] != dtype.name:
            raise RuntimeError(f"the checkpoint has no storage {key!r} of dtype {dtype}")
        shape = tuple(entry["shape"])
        array = arrays[key] if key in arrays else np.zeros(shape, dtype.np)
        return LoadedStorage(array, dtype, targets[key])

    data = io.BytesIO(base64.b64decode(meta["pickle"]))
    return FileUnpickler(data, load_storage).load()


def _sharding(target) -> jax.sharding.Sharding:
    if isinstance(target, jax.sharding.Sharding):
        return target
    return jax.sharding.SingleDeviceSharding(target)


def save(obj: Any, path: str | os.PathLike) -> None:
    path = os.path.abspath(os.fspath(path))
    args, ocp = encode(obj), _ocp()
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
        if not os.path.lexists(path):
            checkpointer.save(path, args)
            return
        fresh = f"{path}.torchlike-new-{uuid.uuid4().hex[:8]}"
        checkpointer.save(fresh, args)
    _replace(fresh, path)


def load(path: str | os.PathLike, map_location) -> Any:
    path, ocp = os.path.abspath(os.fspath(path)), _ocp()
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
        return decode(lambda args: checkpointer.restore(path, args), map_location)


def is_checkpoint(path: str | os.PathLike) -> bool:
    return os.path.isdir(path) and os.path.exists(os.path.join(path, "object"))


def _replace(fresh: str, path: str) -> None:
    """Put directory ``fresh`` at ``path``: a reader sees the old or the new, never neither."""
    if _exchange(fresh, path):
        old = fresh  # after the swap, ``fresh`` names the old checkpoint
    else:  # no atomic exchange: a short window where ``path`` is absent
        old = f"{path}.torchlike-old-{uuid.uuid4().hex[:8]}"
        os.rename(path, old)
        os.rename(fresh, path)
    if os.path.isdir(old) and not os.path.islink(old):
        shutil.rmtree(old)
    else:
        os.unlink(old)


def _exchange(a: str, b: str) -> bool:
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, a.encode(), at_fdcwd, b.encode(), rename_exchange) == 0
