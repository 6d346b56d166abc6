"""The safetensors format, read and written by the ``safetensors`` package.

A file is an 8-byte little-endian header length, a JSON header mapping each name to ``{"dtype",
"shape", "data_offsets"}`` (and optionally ``"__metadata__"``, string to string), then the raw
bytes. Only flat ``{name: tensor}`` dicts can be stored; nothing in the file is executable.

The ``safetensors`` package (the format's reference implementation: a fuzzed Rust core) does all
the reading, validation and writing. torchlike adds only what the package leaves to its
frameworks: its dtypes (bfloat16 through ml_dtypes, which ``safetensors.numpy`` does not map), the
tensors' order (the file's, as ``safetensors.torch.load_file`` returns them), and error messages
in its own words: a malformed file raises ``ValueError`` saying what is wrong, never the package's
exception. PyTorch's own zip/pickle format has no such library (only torch reads it), so
``_torch_zip`` and ``_pickle`` read and write it by hand.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np
import safetensors
import safetensors.numpy

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
_MAX_HEADER = 100 * 1024 * 1024  # the package's limit

# The package's reasons for refusing a file (its message text) -> torchlike's words.
_REASONS = (
    ("header too small", "not a safetensors file: too short"),
    ("header too large", "invalid safetensors file: header too large"),
    ("invalid header length", "invalid safetensors file: the header runs past the end"),
    ("invalid UTF-8", "invalid safetensors file: the header is not UTF-8"),
    ("missing field `(\\w+)`", "invalid safetensors file: a header entry has no {0!r}"),
    ("unknown variant `([^`]*)`", "unsupported safetensors dtype {0!r}"),
    ("invalid JSON", "invalid safetensors file: the header is not the format's JSON"),
    ("invalid offset for tensor `([^`]*)`", "invalid safetensors file: bad data_offsets for {0!r}"),
    (
        "invalid shape, data type, or offset",
        "invalid safetensors file: bad data_offsets (a tensor's bytes do not match its shape and "
        "dtype, or run past the end)",
    ),
    ("overflow", "invalid safetensors file: a tensor's shape is too large"),
)


def save(tensors: Mapping[str, Any], f, metadata: dict[str, str] | None = None) -> None:
    """Write ``{name: tensor}``; a path is replaced atomically (temp file, rename)."""
    if not isinstance(tensors, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (Tensor, jax.Array, np.ndarray))
        for k, v in tensors.items()
    ):
        raise ValueError("safetensors stores only a flat dict of str -> tensor")
    arrays = {}
    for name, value in tensors.items():
        arr = np.asarray(getattr(value, "_data", value), order="C")  # 0-d stays 0-d
        if _dtype.from_jax(arr.dtype).name not in _CODES:
            raise ValueError(f"safetensors has no dtype for {arr.dtype} ({name!r})")
        arrays[name] = arr
    meta = {str(k): str(v) for k, v in metadata.items()} if metadata else None
    data = safetensors.numpy.save(arrays, metadata=meta)
    if isinstance(f, (str, os.PathLike)):
        write_atomically(f, lambda out: out.write(data))
    else:
        f.write(data)


def is_safetensors(head: bytes) -> bool:
    """Whether a file's first bytes look like a safetensors header."""
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= _MAX_HEADER and head[8:9] == b"{"


def load(f, map_location) -> dict[str, Tensor]:
    """Read ``{name: tensor}`` in the order of the tensors' bytes in the file."""
    data = f.read()
    try:
        views = dict(safetensors.deserialize(data))
    except safetensors.SafetensorError as e:
        raise ValueError(_reason(str(e), data)) from None
    target = map_location("cpu")
    out = {}
    for name in _offset_order(data):
        view = views[name]
        dtype = _DTYPES.get(view["dtype"])
        if dtype is None:
            raise ValueError(f"unsupported safetensors dtype {view['dtype']!r} ({name!r})")
        shape = tuple(view["shape"])
        storage = LoadedStorage(np.frombuffer(view["data"], dtype.np).reshape(shape), dtype, target)
        out[name] = Tensor._wrap(storage.view(0, shape, _contiguous_strides(shape)))
    return out


def _offset_order(data: bytes) -> list[str]:
    """The tensors' names by the position of their bytes."""
    header = _header(data)
    return sorted(header, key=lambda name: header[name]["data_offsets"])


def _header(data: bytes) -> dict:
    """The tensors' entries of a header the package has parsed (so valid JSON, a dict)."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    return header


def _reason(message: str, data: bytes) -> str:
    """torchlike's words for the package's reason to refuse the file ``data``."""
    if "not fully covered" in message:  # the offsets are consistent but end before/after the file
        (n,) = struct.unpack("<Q", data[:8])
        end = max((e["data_offsets"][1] for e in _header(data).values()), default=0)
        if end > len(data) - 8 - n:
            return "invalid safetensors file: data_offsets past the end of the file"
        return "invalid safetensors file: bytes after the last tensor"
    for pattern, text in _REASONS:
        found = re.search(pattern, message)
        if found:
            return text.format(*found.groups())
    return "invalid safetensors file"
