"""TensorBoard's on-disk format, written by hand: protobuf messages in TFRecord framing.

A TFRecord is ``length (u64 LE) | masked crc32c(length) (u32) | data | masked crc32c(data)``.
``data`` is a serialized ``tensorboard.Event``. Only the few message fields torchlike writes are
encoded here (field numbers from TensorBoard's ``event.proto`` / ``summary.proto``), so writing
event files needs neither TensorFlow nor the ``tensorboard`` package.
"""

from __future__ import annotations

import struct

# -- CRC-32C (Castagnoli), table driven ---------------------------------------------------------

_POLY = 0x82F63B78
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """One TFRecord around ``data``."""
    header = struct.pack("<Q", len(data))
    return (
        header
        + struct.pack("<I", _masked(crc32c(header)))
        + data
        + struct.pack("<I", _masked(crc32c(data)))
    )


# -- protobuf wire format -----------------------------------------------------------------------


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values are sent as 10-byte two's complement
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def f_varint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(int(value))


def f_double(field: int, value: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", float(value))


def f_float(field: int, value: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", float(value))


def f_bytes(field: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, 2) + _varint(len(value)) + value


def f_packed_doubles(field: int, values) -> bytes:
    return f_bytes(field, b"".join(struct.pack("<d", float(v)) for v in values))


# -- the messages ---------------------------------------------------------------------------------


def event(
    wall_time: float,
    step: int = 0,
    *,
    file_version: str | None = None,
    summary: bytes | None = None,
) -> bytes:
    """``Event{wall_time=1, step=2, file_version=3, summary=5}``."""
    out = f_double(1, wall_time) + f_varint(2, step)
    if file_version is not None:
        out += f_bytes(3, file_version)
    if summary is not None:
        out += f_bytes(5, summary)
    return out


def summary(*values: bytes) -> bytes:
    """``Summary{repeated Value value=1}``."""
    return b"".join(f_bytes(1, v) for v in values)


def scalar_value(tag: str, value: float) -> bytes:
    """``Summary.Value{tag=1, simple_value=2}``."""
    return f_bytes(1, tag) + f_float(2, value)


def histogram_value(tag: str, lo, hi, num, total, sum_squares, limits, counts) -> bytes:
    """``Summary.Value{tag=1, histo=5: HistogramProto{min, max, num, sum, sum_squares,
    bucket_limit (packed), bucket (packed)}}``."""
    histo = (
        f_double(1, lo)
        + f_double(2, hi)
        + f_double(3, num)
        + f_double(4, total)
        + f_double(5, sum_squares)
        + f_packed_doubles(6, limits)
        + f_packed_doubles(7, counts)
    )
    return f_bytes(1, tag) + f_bytes(5, histo)


def image_value(tag: str, height: int, width: int, channels: int, png: bytes) -> bytes:
    """``Summary.Value{tag=1, image=4: Image{height, width, colorspace, encoded_image_string}}``."""
    img = f_varint(1, height) + f_varint(2, width) + f_varint(3, channels) + f_bytes(4, png)
    return f_bytes(1, tag) + f_bytes(4, img)


def text_value(tag: str, text: str) -> bytes:
    """A string tensor with the text plugin's metadata, as TensorBoard's text dashboard reads."""
    plugin = f_bytes(1, "text") + f_bytes(2, b"")  # PluginData{plugin_name, content}
    metadata = f_bytes(1, plugin)  # SummaryMetadata{plugin_data}
    shape = f_bytes(2, f_varint(1, 1))  # TensorShapeProto{dim: [Dim{size: 1}]}
    tensor = f_varint(1, 7) + f_bytes(2, shape) + f_bytes(8, text)  # DT_STRING, string_val
    return f_bytes(1, tag) + f_bytes(9, metadata) + f_bytes(8, tensor)
