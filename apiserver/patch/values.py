"""JSON value helpers shared by the patch engines: strict equality, kinds, a MISSING marker.

Objects are plain decoded JSON (dict, list, str, int, float, bool, None). Python says
`True == 1`, JSON does not, so equality here is written out by hand.
"""
from __future__ import annotations

import json
from typing import Any


class _Missing:
    """Marks an absent key, as distinct from a key holding JSON null."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON defines it: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def kind_of(value: Any) -> str:
    """"map", "list" or "scalar": the distinction the merge algorithms care about."""
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return "scalar"


def type_name(value: Any) -> str:
    """The JSON type name, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def compact(value: Any) -> str:
    """Compact JSON with sorted keys, the canonical text of a value (also used as an identity)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def short(value: Any, limit: int = 200) -> str:
    """A value rendered for an error message, cut to a readable length."""
    text = compact(value)
    return text if len(text) <= limit else text[:limit] + "..."
