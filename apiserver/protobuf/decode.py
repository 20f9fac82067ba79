"""Turn a Kubernetes protobuf request body into the JSON object upstream would have seen.

The body is the magic `k8s\\0` followed by a runtime.Unknown:
    1 typeMeta {1 apiVersion, 2 kind}, 2 raw (the object), 3 contentEncoding, 4 contentType.
The object in `raw` is decoded with the field tables (schema.py), producing the dict that
upstream's Go JSON encoder would print for the same typed object: zero values of omitempty
fields dropped, pointer fields kept as sent, embedded structs inlined, maps as objects, bytes as
base64. Unknown field numbers are skipped, as protobuf readers do for forward compatibility.
"""
from __future__ import annotations

import base64
from typing import Any

from machinery.api.errors import BadRequest

from apiserver.protobuf.registry import MESSAGES, message_for
from apiserver.protobuf.schema import ALWAYS, INLINE, POINTER, Field
from apiserver.protobuf.values import CONVERTERS
from apiserver.protobuf.wire import (FIXED64, LENGTH, VARINT, WireError, fixed64_to_double,
                                     iter_fields, iter_packed_varints, to_signed64)

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
_VARINT_TYPES = {"int", "uint", "bool"}


def is_protobuf(content_type: str | None) -> bool:
    """True for `application/vnd.kubernetes.protobuf`, with or without parameters."""
    return (content_type or "").split(";")[0].strip().lower() == PROTOBUF_MEDIA_TYPE


def decode_body(body: bytes) -> dict[str, Any]:
    """Decode a protobuf request body; raise BadRequest for anything malformed or unknown."""
    try:
        api_version, kind, raw = _open_envelope(body)
        name = message_for(api_version, kind)
        if name is None:
            raise BadRequest(f'cannot decode protobuf body: no kind "{kind}" is registered '
                             f'for version "{api_version}"')
        return {"apiVersion": api_version, "kind": kind, **decode_message(raw, name)}
    except WireError as e:
        raise BadRequest(f"cannot decode protobuf body: {e}") from None
    except RecursionError:
        raise BadRequest("cannot decode protobuf body: nested too deeply") from None


def _open_envelope(body: bytes) -> tuple[str, str, bytes]:
    if not body.startswith(MAGIC):
        raise WireError('the body does not start with the protobuf magic "k8s\\x00"')
    unknown = _length_fields(body[len(MAGIC):], "envelope")
    type_meta = _length_fields(unknown.get(1, b""), "typeMeta")
    api_version = type_meta.get(1, b"").decode("utf-8", "replace")
    kind = type_meta.get(2, b"").decode("utf-8", "replace")
    if not api_version or not kind:
        raise WireError("the envelope does not name an apiVersion and kind")
    if unknown.get(3):
        raise WireError(f"unsupported contentEncoding {unknown[3]!r}")
    if unknown.get(4, b"") not in (b"", PROTOBUF_MEDIA_TYPE.encode()):
        raise WireError(f"unsupported contentType {unknown[4]!r} inside the envelope")
    return api_version, kind, unknown.get(2, b"")


def _length_fields(data: bytes, what: str) -> dict[int, bytes]:
    """Fields 1-4 of runtime.Unknown / TypeMeta, all strings or bytes; others are skipped."""
    fields: dict[int, bytes] = {}
    for number, wire_type, value in iter_fields(data):
        if number <= 4:
            if wire_type != LENGTH:
                raise WireError(f"{what} field {number} has unexpected wire type {wire_type}")
            fields[number] = value
    return fields


def decode_message(data: bytes, message: str) -> dict[str, Any]:
    """Decode one message of the tables ("core.Pod") into its JSON object."""
    fields = MESSAGES[message]
    out: dict[str, Any] = {}
    for number, wire_type, value in iter_fields(data):
        field = fields.get(number)
        if field is not None:
            _set_field(out, field, wire_type, value)
    return out


def _set_field(out: dict[str, Any], field: Field, wire_type: int, value: int | bytes) -> None:
    ftype, name = field.type, field.json_name
    if ftype.map_key is not None:
        key, item = _map_entry(_need_bytes(field, wire_type, value), field)
        out.setdefault(name, {})[key] = item
    elif ftype.repeated:
        out.setdefault(name, []).extend(_repeated(field, wire_type, value))
    elif field.presence == INLINE:
        out.update(decode_message(_need_bytes(field, wire_type, value), ftype.name))
    else:
        item = _single(field, ftype.name, wire_type, value)
        if isinstance(item, dict) and isinstance(out.get(name), dict):
            out[name].update(item)          # a message field sent twice merges, as in protobuf
        elif _keep(item, field):
            out[name] = item
        else:
            out.pop(name, None)             # last one wins, even when it is a zero


def _keep(item: Any, field: Field) -> bool:
    if item is None:
        return False            # Go writes null here (a zero time); leaving it out means the same
    if field.presence in (ALWAYS, POINTER):
        return True
    return not (item == "" or (isinstance(item, (bool, int, float)) and not item))


def _repeated(field: Field, wire_type: int, value: int | bytes) -> list[Any]:
    type_name = field.type.name
    if wire_type == LENGTH and type_name in _VARINT_TYPES:
        return [_scalar_varint(type_name, v) for v in iter_packed_varints(value)]
    return [_single(field, type_name, wire_type, value)]


def _map_entry(data: bytes, field: Field) -> tuple[str, Any]:
    key, item, has_item = "", None, False
    for number, wire_type, value in iter_fields(data):
        if number == 1:
            key = _single(field, field.type.map_key.name, wire_type, value)
        elif number == 2:
            item, has_item = _single(field, field.type.name, wire_type, value), True
    return str(key), item if has_item else _zero(field.type.name)


def _zero(type_name: str) -> Any:
    """The JSON of a Go zero value, for a map entry written without its value."""
    if type_name in CONVERTERS:
        return CONVERTERS[type_name](b"")
    if type_name in MESSAGES:
        return {}
    return {"int": 0, "uint": 0, "bool": False, "float": 0.0}.get(type_name, "")


def _single(field: Field, type_name: str, wire_type: int, value: int | bytes) -> Any:
    if type_name in _VARINT_TYPES:
        if wire_type != VARINT:
            raise _wrong_type(field, wire_type)
        return _scalar_varint(type_name, value)
    if type_name == "float":
        if wire_type != FIXED64:
            raise _wrong_type(field, wire_type)
        return fixed64_to_double(value)
    data = _need_bytes(field, wire_type, value)
    if type_name == "str":
        return data.decode("utf-8", "replace")
    if type_name == "bytes":
        return base64.b64encode(data).decode("ascii")
    converter = CONVERTERS.get(type_name)
    return converter(data) if converter else decode_message(data, type_name)


def _scalar_varint(type_name: str, value: int) -> int | bool:
    if type_name == "bool":
        return value != 0
    return value if type_name == "uint" else to_signed64(value)


def _need_bytes(field: Field, wire_type: int, value: int | bytes) -> bytes:
    if wire_type != LENGTH:
        raise _wrong_type(field, wire_type)
    return value


def _wrong_type(field: Field, wire_type: int) -> WireError:
    return WireError(f"field {field.number} ({field.json_name}) has unexpected wire type "
                     f"{wire_type}")
