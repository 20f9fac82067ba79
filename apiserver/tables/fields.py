"""Tolerant readers for wire objects: a missing or mistyped field reads as Go's zero value.

Upstream's printers work on decoded Go structs, where an absent field is "", 0, nil or an empty
list. Stored objects here are plain JSON dicts that may hold anything, so every printer reads
through these helpers and never raises on a bad shape.
"""
from __future__ import annotations

from typing import Any


def get(obj: Any, *path: str | int) -> Any:
    """The value at `path` (dict keys or list indexes), or None when any step is missing."""
    current = obj
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
            current = current[step]
        elif isinstance(current, dict):
            current = current.get(step)
        else:
            return None
    return current


def has(obj: Any, *path: str) -> bool:
    """True when the field is set (Go: a non-nil pointer)."""
    return get(obj, *path) is not None


def text(obj: Any, *path: str | int) -> str:
    value = get(obj, *path)
    return value if isinstance(value, str) else ""


def integer(obj: Any, *path: str | int) -> int:
    value = get(obj, *path)
    return as_int(value) if value is not None else 0


def as_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return 0


def opt_int(obj: Any, *path: str | int) -> int | None:
    """An optional integer (Go `*int32`): None when unset or not a number."""
    value = get(obj, *path)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return as_int(value) if isinstance(value, int) or value.is_integer() else None


def opt_bool(obj: Any, *path: str | int) -> bool | None:
    value = get(obj, *path)
    return value if isinstance(value, bool) else None


def mapping(obj: Any, *path: str | int) -> dict:
    value = get(obj, *path)
    return value if isinstance(value, dict) else {}


def items(obj: Any, *path: str | int) -> list:
    value = get(obj, *path)
    return value if isinstance(value, list) else []


def dicts(obj: Any, *path: str | int) -> list[dict]:
    """A list of objects; an element of the wrong type reads as an empty object."""
    return [entry if isinstance(entry, dict) else {} for entry in items(obj, *path)]


def strings(obj: Any, *path: str | int) -> list[str]:
    return [entry if isinstance(entry, str) else "" for entry in items(obj, *path)]


def str_map(obj: Any, *path: str | int) -> dict[str, str]:
    """A map[string]string, such as labels or a nodeSelector."""
    return {str(k): (v if isinstance(v, str) else "") for k, v in mapping(obj, *path).items()}


def name(obj: Any) -> str:
    return text(obj, "metadata", "name")


def quantity(value: Any, unset: str = "0") -> str:
    """A resource.Quantity cell. The wire form is kept as written; an unset quantity prints "0"."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, bool) or value is None:
        return unset
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return unset


def int_or_string(value: Any) -> str:
    """intstr.IntOrString.String()."""
    if isinstance(value, str):
        return value
    return str(as_int(value))
