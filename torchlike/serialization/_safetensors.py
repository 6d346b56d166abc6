"""The safetensors format: an 8-byte little-endian header length, a JSON header, raw bytes.

The header maps each name to ``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets into
the byte buffer after the header) and may hold ``"__metadata__"`` (string to string). Only flat
``{name: tensor}`` dicts can be stored; nothing in the file is executable.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from typing import IO, Any

import jax
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._files import write_atomically
from ._pickle import LoadedStorage, _contiguous_strides

_CODES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint8": "U8",
    "bool": "BOOL",
    "complex64": "C64",
}
_DTYPES = {code: _dtype._by_name(name) for name, code in _CODES.items()}
_MAX_HEADER = 100 * 1024 * 1024  # the reference implementation's limit


def save(tensors: Mapping[str, Any], f, metadata: dict[str, str] | None = None) -> None:
    """Write ``{name: tensor}``; a path is replaced atomically (temp file, rename)."""
    if not isinstance(tensors, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (Tensor, jax.Array, np.ndarray))
        for k, v in tensors.items()
    ):
        raise ValueError("safetensors stores only a flat dict of str -> tensor")
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    arrays, offset = [], 0
    for name, value in tensors.items():
        arr = np.ascontiguousarray(np.asarray(getattr(value, "_data", value)))
        code = _CODES.get(_dtype.from_jax(arr.dtype).name)
        if code is None:
            raise ValueError(f"safetensors has no dtype for {arr.dtype} ({name!r})")
        header[name] = {
            "dtype": code,
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + arr.nbytes],
        }
        arrays.append(arr)
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the byte buffer starts 8-byte aligned

    def write(out: IO[bytes]) -> None:
        out.write(struct.pack("<Q", len(text)) + text)
        for arr in arrays:
            out.write(memoryview(arr.reshape(-1).view(np.uint8)))

    if not isinstance(f, (str, os.PathLike)):
        write(f)
        return
    write_atomically(f, write)


def is_safetensors(head: bytes) -> bool:
    """Whether a file's first bytes look like a safetensors header."""
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= _MAX_HEADER and head[8:9] == b"{"


def load(f, map_location) -> dict[str, Tensor]:
    """Read ``{name: tensor}`` in the header's order, checking every offset and size."""
    head = f.read(8)
    if len(head) < 8:
        raise ValueError("not a safetensors file: too short")
    (n,) = struct.unpack("<Q", head)
    if n > _MAX_HEADER:
        raise ValueError("invalid safetensors file: header too large")
    header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    out, end = {}, 0
    for name, entry in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        dtype = _DTYPES.get(entry.get("dtype"))
        shape = tuple(entry["shape"])
        begin, stop = entry["data_offsets"]
        if dtype is None:
            raise ValueError(f"unsupported safetensors dtype {entry.get('dtype')!r} ({name!r})")
        if begin != end or stop - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"invalid safetensors file: bad data_offsets for {name!r}")
        raw = f.read(stop - begin)  # the buffers are contiguous: one read each, in order
        if len(raw) != stop - begin:
            raise ValueError(f"invalid safetensors file: data_offsets for {name!r} past the end")
        flat = np.frombuffer(raw, dtype.np)
        storage = LoadedStorage(flat.reshape(shape), dtype, map_location("cpu"))
        out[name] = Tensor._wrap(storage.view(0, shape, _contiguous_strides(shape)))
        end = stop
    if f.read(1):
        raise ValueError("invalid safetensors file: bytes after the last tensor")
    return {name: out[name] for name in header}  # the header's order
