"""A reader for the protobuf wire format, knowing nothing about schemas.

A message is a sequence of (tag, value) pairs; the tag is a varint `field_number << 3 | wire_type`.
Only the wire types proto2 still uses are accepted: varint (0), fixed64 (1), length-delimited (2)
and fixed32 (5). Groups (3, 4) were never emitted by gogo-protobuf, so they count as malformed.
Every malformed input raises WireError; nothing here raises anything else.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_MAX_VARINT_BYTES = 10
_MAX_FIELD_NUMBER = (1 << 29) - 1


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode the unsigned varint at `pos`; return (value, position after it)."""
    value = shift = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= len(data):
            raise WireError("truncated varint")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if value >> 64:
                raise WireError("varint overflows 64 bits")
            return value, pos + i + 1
        shift += 7
    raise WireError("varint longer than 10 bytes")


def encode_varint(value: int) -> bytes:
    """The unsigned varint encoding of value (>= 0)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def length_delimited(field: int, payload: bytes) -> bytes:
    """One length-delimited field (a string, bytes or an embedded message)."""
    return encode_varint(field << 3 | 2) + encode_varint(len(payload)) + payload


def to_signed64(value: int) -> int:
    """Reinterpret an unsigned 64-bit varint as two's complement (int32/int64 fields)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def iter_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) for each field of one message.

    The value is an int for varint and fixed fields (fixed ones as raw unsigned integers) and the
    payload bytes for length-delimited fields.
    """
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if not 1 <= number <= _MAX_FIELD_NUMBER:
            raise WireError(f"invalid field number {number}")
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
        elif wire_type == LENGTH:
            size, pos = read_varint(data, pos)
            if size > end - pos:
                raise WireError(f"field {number}: length {size} runs past the end of the message")
            value, pos = data[pos:pos + size], pos + size
        elif wire_type in (FIXED64, FIXED32):
            width = 8 if wire_type == FIXED64 else 4
            if pos + width > end:
                raise WireError(f"field {number}: truncated fixed{width * 8}")
            value = int.from_bytes(data[pos:pos + width], "little")
            pos += width
        else:
            raise WireError(f"field {number}: unsupported wire type {wire_type}")
        yield number, wire_type, value


def iter_packed_varints(data: bytes) -> Iterator[int]:
    """The elements of a packed repeated varint field."""
    pos = 0
    while pos < len(data):
        value, pos = read_varint(data, pos)
        yield value


def fixed64_to_double(value: int) -> float:
    return struct.unpack("<d", value.to_bytes(8, "little"))[0]
