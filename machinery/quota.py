"""ResourceQuota accounting shared by the api-server's admission plugin (which charges a new
object) and the controller-manager's quota controller (which recounts what exists).

`usage(plural, group, obj)` is what one object consumes, in quota resource names: `pods`,
`count/pods`, `requests.cpu` (also plain `cpu`), `limits.memory`, `services.nodeports`,
`requests.storage`, ... as upstream's evaluators count them. Terminal pods consume nothing.
"""
from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal
from typing import Any

Obj = dict[str, Any]

# core kinds whose plain name is also a quota resource ("pods", "services", ...)
LEGACY_COUNTS = {"pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
                 "configmaps", "persistentvolumeclaims"}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def quantity(text: Any) -> Decimal:
    """A Kubernetes quantity's value (ValueError when it is not one)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Decimal(str(text))
    m = _QUANTITY.match(str(text).strip())
    if not m:
        raise ValueError(f"not a quantity: {text!r}")
    number, suffix = Decimal(m.group(1)), m.group(2)
    if suffix in _BINARY:
        return number * (Decimal(2) ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return number.scaleb(_DECIMAL[suffix])
    if suffix[:1] in ("e", "E"):
        return number.scaleb(int(suffix[1:]))
    raise ValueError(f"not a quantity: {text!r}")


_BINARY_DESC = sorted(_BINARY.items(), key=lambda kv: -kv[1])


def format_amount(name: str, value: Decimal) -> str:
    """How a used or requested amount is written, as upstream's canonical quantities: bytes in
    the largest exact binary suffix (128Mi), fractions of a unit in milli-units (500m)."""
    if value == value.to_integral_value():
        whole = int(value)
        if "memory" in name or "storage" in name:
            for suffix, exp in _BINARY_DESC:
                if whole and whole % (1 << exp) == 0:
                    return f"{whole >> exp}{suffix}"
        return str(whole)
    milli = (value * 1000).to_integral_value(rounding=ROUND_CEILING)
    return f"{int(milli)}m"


def count_name(plural: str, group: str) -> str:
    return f"count/{plural}.{group}" if group else f"count/{plural}"


def is_terminal_pod(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _pod_compute(pod: Obj) -> dict[str, Decimal]:
    """Sum over app containers, max against each init container (upstream's effective
    request), for requests.* and limits.*."""
    spec = pod.get("spec") or {}
    out: dict[str, Decimal] = {}
    for which in ("requests", "limits"):
        total: dict[str, Decimal] = {}
        for c in spec.get("containers") or []:
            for r, v in ((c.get("resources") or {}).get(which) or {}).items():
                total[r] = total.get(r, Decimal(0)) + quantity(v)
        for c in spec.get("initContainers") or []:
            for r, v in ((c.get("resources") or {}).get(which) or {}).items():
                total[r] = max(total.get(r, Decimal(0)), quantity(v))
        for r, v in total.items():
            out[f"{which}.{r}"] = v
            if which == "requests" and r in ("cpu", "memory", "ephemeral-storage"):
                out[r] = v
    return out


def usage(plural: str, group: str, obj: Obj) -> dict[str, Decimal]:
    if plural == "pods" and group == "" and is_terminal_pod(obj):
        return {}
    used = {count_name(plural, group): Decimal(1)}
    if group == "" and plural in LEGACY_COUNTS:
        used[plural] = Decimal(1)
    if plural == "pods" and group == "":
        used.update(_pod_compute(obj))
    elif plural == "services" and group == "":
        spec = obj.get("spec") or {}
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            used["services.nodeports"] = Decimal(len(spec.get("ports") or []))
        if spec.get("type") == "LoadBalancer":
            used["services.loadbalancers"] = Decimal(1)
    elif plural == "persistentvolumeclaims" and group == "":
        storage = (((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}) \
            .get("storage")
        if storage is not None:
            used["requests.storage"] = quantity(storage)
    return used


def pod_matches_scopes(pod: Obj, scopes: list[str]) -> bool:
    """Terminating / NotTerminating / BestEffort / NotBestEffort, as upstream."""
    spec = pod.get("spec") or {}
    best_effort = not any((c.get("resources") or {}).get("requests") or
                          (c.get("resources") or {}).get("limits")
                          for c in (spec.get("containers") or []) +
                          (spec.get("initContainers") or []))
    checks = {"Terminating": spec.get("activeDeadlineSeconds") is not None,
              "NotTerminating": spec.get("activeDeadlineSeconds") is None,
              "BestEffort": best_effort, "NotBestEffort": not best_effort}
    return all(checks.get(s, True) for s in scopes)


def applies(quota: Obj, plural: str, group: str, obj: Obj) -> bool:
    scopes = (quota.get("spec") or {}).get("scopes") or []
    if not scopes:
        return True
    return plural == "pods" and group == "" and pod_matches_scopes(obj, scopes)


def tracked(hard: dict[str, Any], used: dict[str, Decimal]) -> dict[str, Decimal]:
    """The part of a usage a quota with these hard limits counts."""
    return {k: v for k, v in used.items() if k in hard}
