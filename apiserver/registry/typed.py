"""Type-safe reads of wire dicts, for defaulting (never raises) and validation (reports).

Objects arrive as arbitrary JSON. Defaulting touches only fields of the expected type and
leaves the rest for validation, which reports a wrong type as an Invalid cause and carries on
with an empty value so that one bad field yields one cause, never an exception.
"""
from __future__ import annotations

from typing import Any

from .fielderr import invalid

Errs = list[dict[str, str]]

_TYPE_NAMES = {dict: "object", list: "array", str: "string", int: "integer", bool: "boolean"}


# ---- defaulting side: quiet accessors ----------------------------------------------------------

def sub(obj: Any, key: str) -> dict | None:
    """obj[key] when obj is a dict and obj[key] is a dict, else None."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, dict):
            return value
    return None


def ensure(obj: Any, key: str) -> dict | None:
    """obj[key] as a dict, created when absent; None when obj or obj[key] has the wrong type."""
    if not isinstance(obj, dict):
        return None
    if obj.get(key) is None:
        obj[key] = {}
    value = obj[key]
    return value if isinstance(value, dict) else None


def dicts(obj: Any, key: str) -> list[dict]:
    """The dict items of the list obj[key] (non-dict items skipped)."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
    return []


def set_default(obj: Any, key: str, value: Any) -> None:
    """Upstream's `if x == nil` default: absent or null only."""
    if isinstance(obj, dict) and obj.get(key) is None:
        obj[key] = value


def set_default_str(obj: Any, key: str, value: str) -> None:
    """Upstream's `if x == ""` default: absent, null or the empty string."""
    if isinstance(obj, dict) and obj.get(key) in (None, ""):
        obj[key] = value


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---- validation side: accessors that report wrong types ----------------------------------------

def type_error(path: str, value: Any, expected: type) -> dict[str, str]:
    return invalid(path, value, f"must be of type {_TYPE_NAMES[expected]}")


def get_map(errs: Errs, obj: dict, key: str, path: str) -> dict:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        errs.append(type_error(path, value, dict))
        return {}
    return value


def get_list(errs: Errs, obj: dict, key: str, path: str) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errs.append(type_error(path, value, list))
        return []
    return value


def get_str(errs: Errs, obj: dict, key: str, path: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errs.append(type_error(path, value, str))
        return ""
    return value


def get_int(errs: Errs, obj: dict, key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not is_int(value):
        errs.append(type_error(path, value, int))
        return None
    return value


def get_bool(errs: Errs, obj: dict, key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        errs.append(type_error(path, value, bool))
        return None
    return value


def get_str_map(errs: Errs, obj: dict, key: str, path: str) -> dict[str, str]:
    """A map[string]string (labels, annotations, nodeSelector, data)."""
    raw = get_map(errs, obj, key, path)
    out: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, str):
            out[k] = v
        else:
            errs.append(type_error(f"{path}[{k}]", v, str))
    return out


def get_str_list(errs: Errs, obj: dict, key: str, path: str) -> list[str]:
    out = []
    for i, v in enumerate(get_list(errs, obj, key, path)):
        if isinstance(v, str):
            out.append(v)
        else:
            errs.append(type_error(f"{path}[{i}]", v, str))
    return out


def items(errs: Errs, obj: dict, key: str, path: str) -> list[tuple[int, str, dict]]:
    """(index, path, item) for each object in the list obj[key]; other items are reported."""
    out = []
    for i, v in enumerate(get_list(errs, obj, key, path)):
        p = f"{path}[{i}]"
        if isinstance(v, dict):
            out.append((i, p, v))
        else:
            errs.append(type_error(p, v, dict))
    return out


def int_or_str(errs: Errs, obj: dict, key: str, path: str) -> int | str | None:
    """An IntOrString field: int, str, or None when absent or of another type (reported)."""
    value = obj.get(key)
    if value is None or isinstance(value, str) or is_int(value):
        return value
    errs.append(invalid(path, value, "must be an integer or a string"))
    return None
