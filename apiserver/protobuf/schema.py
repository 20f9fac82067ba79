"""Message descriptors: which protobuf field number is which JSON field, and of what type.

The tables are written in a compact text form, one message per entry:

    Container: 1 name! str, 2 image str, 3 command []str, 8 resources ResourceRequirements,
        10 livenessProbe? Probe, 32 overhead {str:Quantity}

Each field is `<number> <jsonName><flag> <type>`. Types are a scalar (`str`, `int`, `uint`,
`bool`, `float`, `bytes`), a well-known type with its own JSON form (see SPECIAL_TYPES), or a
message name; `[]T` is a repeated field and `{K:V}` a map. Unqualified message names belong to
the table's own package; others are written `pkg.Name` (`meta.ObjectMeta`).

The flag says what upstream's Go JSON encoder would do with a zero value, because gogo-protobuf
writes every non-pointer field, zero or not:
  (none) a non-pointer field tagged omitempty: a zero value is dropped;
  `!`    a non-pointer field without omitempty: a zero value is kept (`containerPort: 0`);
  `?`    a pointer field: written only when set, so whatever arrives is kept (`replicas: 0`);
  `^`    an embedded struct (`json:",inline"`): its fields are merged into the parent object.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SCALAR_TYPES = frozenset({"str", "int", "uint", "bool", "float", "bytes"})
# metav1.Time, MicroTime, Duration, intstr.IntOrString, resource.Quantity, runtime.RawExtension,
# metav1.FieldsV1: messages on the wire, but a string, number or raw JSON in the JSON form.
SPECIAL_TYPES = frozenset({"Time", "MicroTime", "Duration", "IntOrString", "Quantity",
                           "RawExtension", "FieldsV1"})

OMITEMPTY, ALWAYS, POINTER, INLINE = "", "!", "?", "^"


@dataclass(frozen=True)
class FieldType:
    name: str                         # scalar, special or qualified message name ("core.Pod")
    repeated: bool = False
    map_key: "FieldType | None" = None  # set for maps; `name` is then the value's type

    @property
    def is_message(self) -> bool:
        return self.name not in SCALAR_TYPES and self.name not in SPECIAL_TYPES


@dataclass(frozen=True)
class Field:
    number: int
    json_name: str
    type: FieldType
    presence: str = OMITEMPTY


Message = dict[int, Field]

_FIELD = re.compile(r"^(\d+) ([A-Za-z0-9]+)([!?^]?) (\S+)$")
_MESSAGE = re.compile(r"^(\w+):(.*?)(?=^\w+:|\Z)", re.M | re.S)


def parse_type(text: str, package: str) -> FieldType:
    if text.startswith("[]"):
        return FieldType(parse_type(text[2:], package).name, repeated=True)
    if text.startswith("{") and text.endswith("}"):
        key, value = text[1:-1].split(":", 1)
        return FieldType(parse_type(value, package).name, map_key=parse_type(key, package))
    if text in SCALAR_TYPES or text in SPECIAL_TYPES or "." in text:
        return FieldType(text)
    return FieldType(f"{package}.{text}")


def parse_field(text: str, package: str) -> Field:
    match = _FIELD.match(text.strip())
    if not match:
        raise ValueError(f"bad field descriptor {text!r} in package {package}")
    number, name, flag, type_text = match.groups()
    return Field(int(number), name, parse_type(type_text, package), flag)


def parse_messages(package: str, text: str) -> dict[str, Message]:
    """Parse one package's table into {"pkg.Name": {number: Field}}."""
    messages: dict[str, Message] = {}
    for match in _MESSAGE.finditer(text.strip()):
        name, body = match.group(1), " ".join(match.group(2).split())
        fields = [parse_field(part, package) for part in body.split(",") if part.strip()]
        messages[f"{package}.{name}"] = {f.number: f for f in fields}
    return messages


def check_references(messages: dict[str, Message]) -> None:
    """Fail at import time if a table names a message that no table defines."""
    for owner, fields in messages.items():
        for f in fields.values():
            if f.type.is_message and f.type.name not in messages:
                raise ValueError(f"{owner}.{f.json_name}: unknown message {f.type.name}")
