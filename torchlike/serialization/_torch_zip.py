"""PyTorch's file format (``torch.save`` since 1.6): a zip archive, read and written without torch.

The archive holds ``<name>/data.pkl`` (the object, tensors as persistent ids, see ``_pickle``),
one record ``<name>/data/<key>`` per storage (raw bytes, 64-byte aligned), ``byteorder``,
``version`` and PyTorch's format markers. Records are stored uncompressed, as torch writes them.

Read and written by hand (``zipfile`` and the pickle in ``_pickle``): no well-kept library other
than torch itself reads this format, and torch is no dependency of torchlike. The safetensors
format, which has one, is left to the ``safetensors`` package (``_safetensors``).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from typing import IO, Any

import numpy as np

from .. import _dtype
from ._files import write_atomically
from ._pickle import FileUnpickler, LoadedStorage, TensorPickler

_ALIGN = 64  # torch aligns each storage record's data to 64 bytes (for mmap)
_ARCHIVE = "archive"


def is_torch_zip(f) -> bool:
    return zipfile.is_zipfile(f)


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write ``obj`` in PyTorch's zip format; a path is replaced atomically (``_files``)."""
    buffer = io.BytesIO()
    pickler = TensorPickler(buffer)
    pickler.dump(obj)
    if not isinstance(f, (str, os.PathLike)):
        _write_archive(f, buffer.getvalue(), pickler.storages)
        return
    write_atomically(f, lambda out: _write_archive(out, buffer.getvalue(), pickler.storages))


def _write_archive(out: IO[bytes], data_pkl: bytes, storages) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        _write_record(zf, "data.pkl", data_pkl)
        _write_record(zf, ".format_version", b"1")
        _write_record(zf, ".storage_alignment", str(_ALIGN).encode())
        _write_record(zf, "byteorder", b"little")
        for key, stored in storages.items():
            _write_record(zf, f"data/{key}", memoryview(_host_bytes(stored.array)))
        _write_record(zf, "version", b"3\n")


def _host_bytes(array) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(array)).reshape(-1).view(np.uint8)


def _write_record(zf: zipfile.ZipFile, name: str, data) -> None:
    """A stored record whose data starts on a 64-byte boundary (padding in the extra field)."""
    info = zipfile.ZipInfo(f"{_ARCHIVE}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(info.filename.encode()) + 4  # local header + extra id/size
    pad = -start % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # torch's "FB" padding field
    zf.writestr(info, data)


def load(f, map_location) -> Any:
    """Read a ``torch.save`` zip file (``FileUnpickler``, in the mode ``load`` set)."""
    with zipfile.ZipFile(f) as zf:
        names = zf.namelist()
        prefix = names[0].split("/", 1)[0] if names else ""
        if f"{prefix}/data.pkl" not in names:
            raise RuntimeError("not a PyTorch file: the archive has no data.pkl")
        big = f"{prefix}/byteorder" in names and zf.read(f"{prefix}/byteorder") == b"big"

        def load_storage(key: str, dtype: _dtype.dtype, location: str, numel: int):
            record = f"{prefix}/data/{key}"
            if "/" in key or record not in names:
                raise pickle.UnpicklingError(f"the file has no storage record {key!r}")
            np_dtype = dtype.np.newbyteorder(">") if big else dtype.np
            raw = _record_bytes(f, zf, record)
            if len(raw) != numel * np_dtype.itemsize:
                raise pickle.UnpicklingError(
                    f"storage {key!r} has {len(raw)} bytes, expected {numel} x {dtype}"
                )
            flat = np.frombuffer(raw, np_dtype).astype(dtype.np, copy=False)
            return LoadedStorage(flat, dtype, map_location(location))

        data = io.BytesIO(zf.read(f"{prefix}/data.pkl"))
        return FileUnpickler(data, load_storage).load()


def _record_bytes(f, zf: zipfile.ZipFile, name: str) -> bytes:
    """A stored record's bytes in one read (zipfile reads in chunks and checks a CRC-32, which
    costs more than the read; the sizes are checked instead)."""
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        return zf.read(name)
    f.seek(info.header_offset)
    header = f.read(30)
    if header[:4] != b"PK\x03\x04":
        raise pickle.UnpicklingError(f"corrupt archive: no local header for {name!r}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    f.seek(info.header_offset + 30 + name_len + extra_len)
    raw = f.read(info.file_size)
    if len(raw) != info.file_size:
        raise pickle.UnpicklingError(f"corrupt archive: record {name!r} runs past the end")
    return raw
