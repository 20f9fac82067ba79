"""Field errors worded as upstream's `field.Error` renders them in an Invalid Status.

Each constructor returns one `details.causes` entry: {"reason", "message", "field"}. The message
is upstream's `ErrorBody()`: the error type, the offending value printed the way Go's fmt
prints it (strings quoted, numbers bare, maps as `map[string]string{...}`), then the detail.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from machinery.api.errors import cause


class GoRepr:
    """A value already rendered as Go would print it (structs such as `v1.LabelSelector{...}`)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def go_quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def go_value(value: Any) -> str:
    """How upstream's ErrorBody prints a bad value."""
    if isinstance(value, GoRepr):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                       for k, v in value.items()):
        inner = ", ".join(f"{go_quote(k)}:{go_quote(v)}" for k, v in sorted(value.items()))
        return f"map[string]string{{{inner}}}"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[]string{" + ", ".join(go_quote(v) for v in value) + "}"
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return str(value)


def _with_detail(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def invalid(field: str, value: Any, detail: str = "") -> dict[str, str]:
    return cause(field, _with_detail(f"Invalid value: {go_value(value)}", detail),
                 "FieldValueInvalid")


def required(field: str, detail: str = "") -> dict[str, str]:
    return cause(field, _with_detail("Required value", detail), "FieldValueRequired")


def not_supported(field: str, value: Any, supported: Iterable[str]) -> dict[str, str]:
    values = ", ".join(go_quote(s) for s in supported)
    msg = f"Unsupported value: {go_value(value)}"
    if values:
        msg += f": supported values: {values}"
    return cause(field, msg, "FieldValueNotSupported")


def duplicate(field: str, value: Any) -> dict[str, str]:
    return cause(field, f"Duplicate value: {go_value(value)}", "FieldValueDuplicate")


def not_found(field: str, value: Any) -> dict[str, str]:
    return cause(field, f"Not found: {go_value(value)}", "FieldValueNotFound")


def forbidden(field: str, detail: str) -> dict[str, str]:
    return cause(field, _with_detail("Forbidden", detail), "FieldValueForbidden")


def too_long(field: str, max_bytes: int) -> dict[str, str]:
    unit = "byte" if max_bytes == 1 else "bytes"
    return cause(field, f"Too long: may not be more than {max_bytes} {unit}", "FieldValueTooLong")


def too_many(field: str, actual: int, max_items: int) -> dict[str, str]:
    unit = "item" if max_items == 1 else "items"
    return cause(field, f"Too many: {actual}: must have at most {max_items} {unit}",
                 "FieldValueTooMany")


def immutable(field: str, value: Any) -> dict[str, str]:
    return invalid(field, value, "field is immutable")


def internal(field: str, detail: str) -> dict[str, str]:
    return cause(field, f"Internal error: {detail}", "InternalError")


# Upstream's fixed detail strings, shared by many validators.
NEGATIVE = "must be greater than or equal to 0"
NOT_POSITIVE = "must be greater than zero"
PORT_RANGE = "must be between 1 and 65535, inclusive"
