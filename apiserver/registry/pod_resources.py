"""Container resource requirements: names, quantities, and requests within limits."""
from __future__ import annotations

from typing import Any

from .fielderr import NEGATIVE, invalid, required
from .names import validate_qualified_name
from .quantity import format_quantity, parse_quantity
from .typed import Errs, get_map

# Resources a request may undercut its limit for; others (hugepages, extended) must be equal.
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def validate_resources(errs: Errs, resources: dict, path: str) -> None:
    """Resource names, non-negative quantities, and requests <= limits."""
    limits = _quantities(errs, get_map(errs, resources, "limits", f"{path}.limits"),
                         f"{path}.limits")
    requests = _quantities(errs, get_map(errs, resources, "requests", f"{path}.requests"),
                           f"{path}.requests")
    for name, value in requests.items():
        limit = limits.get(name)
        overcommit = name in _STANDARD_CONTAINER_RESOURCES
        if limit is not None:
            if value != limit and not overcommit:
                errs.append(invalid(f"{path}.requests", format_quantity(value),
                                    f"must be equal to {name} limit of {format_quantity(limit)}"))
            elif value > limit:
                errs.append(invalid(f"{path}.requests", format_quantity(value),
                                    f"must be less than or equal to {name} limit of "
                                    f"{format_quantity(limit)}"))
        elif not overcommit:
            errs.append(required(f"{path}.limits",
                                 "Limit must be set for non overcommitable resources"))


def _quantities(errs: Errs, resource_list: dict, path: str) -> dict[str, Any]:
    out = {}
    for name, raw in resource_list.items():
        p = f"{path}[{name}]"
        _validate_resource_name(errs, name, p)
        try:
            value = parse_quantity(raw)
        except ValueError as exc:
            errs.append(invalid(p, raw, str(exc)))
            continue
        if value < 0:
            errs.append(invalid(p, format_quantity(value), NEGATIVE))
        out[name] = value
    return out


def _validate_resource_name(errs: Errs, name: str, path: str) -> None:
    msgs = validate_qualified_name(name)
    if msgs:
        errs.extend(invalid(path, name, m) for m in msgs)
    elif "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif name.split("/")[0].endswith("kubernetes.io") or name.startswith("requests."):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))


