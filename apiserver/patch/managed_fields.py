"""`metadata.managedFields`: who owns which fields, and recording ownership for ordinary writes.

Each entry is one manager + operation (+ subresource, + apiVersion for Update entries, as
upstream's manager identity has it) with the set of fields it owns. A create/update/patch
(`update_managed_fields`) makes its manager own every field it changed and takes those fields
away from everyone else; server-side apply lives in `apply.py`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from machinery.api.errors import ApiError

from .fieldpath import FieldSet, Path, f, from_fields_v1, to_fields_v1, under_any
from .schema import schema_for
from .typed import Comparison, Typed

# Server-owned metadata: never tracked as anyone's (upstream's stripMetaManager set).
STRIPPED: frozenset[Path] = frozenset({
    f("apiVersion"), f("kind"), f("metadata"),
    *(f("metadata", name) for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
        "generation", "managedFields", "resourceVersion")),
})


def ignored_for(subresource: str) -> tuple[Path, ...]:
    """Fields a write through this endpoint cannot own (upstream's reset fields)."""
    return (f("spec"),) if subresource == "status" else (f("status"),)


@dataclass
class Entry:
    manager: str
    operation: str
    api_version: str
    fields: FieldSet
    time: str | None = None
    subresource: str = ""

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """Appliers are one manager whatever version they apply; updaters are per version."""
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, self.subresource, version)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manager": self.manager, "operation": self.operation,
                               "apiVersion": self.api_version}
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


Managers = dict[tuple[str, str, str, str], Entry]


def decode(entries: Any) -> Managers:
    """Parse `metadata.managedFields`; raises ValueError when an entry is malformed."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    managers: Managers = {}
    for raw in entries:
        if not isinstance(raw, dict) or raw.get("fieldsType", "FieldsV1") != "FieldsV1":
            raise ValueError("managedFields entries must be objects of fieldsType FieldsV1")
        entry = Entry(manager=str(raw.get("manager", "")), operation=str(raw.get("operation", "")),
                      api_version=str(raw.get("apiVersion", "")),
                      fields=from_fields_v1(raw.get("fieldsV1") or {}),
                      time=raw.get("time"), subresource=str(raw.get("subresource", "")))
        if entry.operation not in ("Apply", "Update"):
            raise ValueError(f"unknown managedFields operation {entry.operation!r}")
        previous = managers.get(entry.identity)
        if previous is not None:              # duplicates: upstream merges them
            entry.fields |= previous.fields
        managers[entry.identity] = entry
    return managers


def encode(managers: Managers) -> list[dict[str, Any]]:
    """Entries in upstream's order: Apply before Update, then by time, manager, version."""
    entries = [e for e in managers.values() if e.fields]
    entries.sort(key=lambda e: (e.operation, e.time or "", e.manager, e.api_version,
                                e.subresource))
    return [e.to_json() for e in entries]


def live_managers(obj: dict | None) -> Managers:
    """The managers recorded on a stored object; unreadable records count as none."""
    metadata = (obj or {}).get("metadata")
    try:
        return decode(metadata.get("managedFields")) if isinstance(metadata, dict) else {}
    except (ValueError, TypeError):
        return {}


def without_managed_fields(obj: dict) -> dict:
    body = copy.deepcopy(obj)
    if isinstance(body.get("metadata"), dict):
        body["metadata"].pop("managedFields", None)
    return body


def set_managed_fields(obj: dict, managers: Managers) -> None:
    entries = encode(managers)
    metadata = obj.setdefault("metadata", {})
    if entries:
        metadata["managedFields"] = entries
    else:
        metadata.pop("managedFields", None)


def exclude(paths: FieldSet, prefixes: tuple[Path, ...]) -> FieldSet:
    return {p for p in paths if not under_any(p, prefixes)}


def filtered(comparison: Comparison, prefixes: tuple[Path, ...]) -> Comparison:
    return Comparison(exclude(comparison.added, prefixes),
                      exclude(comparison.modified, prefixes),
                      exclude(comparison.removed, prefixes))


def take_from_others(managers: Managers, me: tuple, taken: FieldSet) -> None:
    """Remove `taken` from every other manager; drop managers left with nothing."""
    for identity in list(managers):
        if identity != me:
            managers[identity].fields -= taken
            if not managers[identity].fields:
                del managers[identity]


# What a brand-new object is compared against: upstream compares a create with the zero
# value of the kind, whose non-pointer structs exist (so they are not "added" nodes).
_TEMPLATE = {"metadata": {}, "spec": {"containers": None}}
ZERO_OBJECTS: dict[str, dict] = {
    "Pod": {"spec": {"containers": None}, "status": {}},
    "PodTemplate": {"template": _TEMPLATE},
    "Deployment": {"spec": {"selector": None, "template": _TEMPLATE, "strategy": {}},
                   "status": {}},
    "ReplicaSet": {"spec": {"selector": None, "template": _TEMPLATE}, "status": {}},
    "StatefulSet": {"spec": {"selector": None, "template": _TEMPLATE, "updateStrategy": {}},
                    "status": {}},
    "DaemonSet": {"spec": {"selector": None, "template": _TEMPLATE, "updateStrategy": {}},
                  "status": {}},
    "Job": {"spec": {"template": _TEMPLATE}, "status": {}},
    "CronJob": {"spec": {"jobTemplate": {"metadata": {}, "spec": {"template": _TEMPLATE}}},
                "status": {}},
    "ReplicationController": {"spec": {}, "status": {}},
    "Service": {"spec": {}, "status": {"loadBalancer": {}}},
    "Node": {"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {}},
                                    "nodeInfo": {}}},
    "Namespace": {"spec": {}, "status": {}},
    "PersistentVolumeClaim": {"spec": {"resources": {}}, "status": {}},
    "PersistentVolume": {"spec": {}, "status": {}},
    "Ingress": {"spec": {}, "status": {"loadBalancer": {}}},
    "PodDisruptionBudget": {"spec": {}, "status": {}},
    "HorizontalPodAutoscaler": {"spec": {"scaleTargetRef": {}}, "status": {}},
    "Lease": {"spec": {}},
    "RoleBinding": {"roleRef": {}},
    "ClusterRoleBinding": {"roleRef": {}},
}


def zero_object(kind: str) -> dict:
    return {"metadata": {}, **copy.deepcopy(ZERO_OBJECTS.get(kind, {}))}


def _managers_for_update(old: dict | None, new: dict) -> Managers:
    """The new object's own managedFields if it carries any (a client may rewrite them),
    `[{}]` to reset them, otherwise the stored object's."""
    metadata = new.get("metadata")
    given = metadata.get("managedFields") if isinstance(metadata, dict) else None
    if given == [{}]:
        return {}
    if given:
        return decode(given)
    return live_managers(old)


def update_managed_fields(old: dict | None, new: dict, manager: str, operation: str = "Update",
                          subresource: str = "", *, now: str, api_version: str,
                          kind: str | None = None) -> None:
    """Record a create/update/patch by `manager` in `new["metadata"]["managedFields"]`.

    `old` is the stored object (None for a create). Never raises: as upstream, a failure to
    track ownership clears managedFields rather than failing the write.
    """
    try:
        _record_update(old, new, manager, operation, subresource, now, api_version,
                       kind or new.get("kind", ""))
    except (ApiError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        if isinstance(new.get("metadata"), dict):
            new["metadata"].pop("managedFields", None)


def _record_update(old: dict | None, new: dict, manager: str, operation: str,
                   subresource: str, now: str, api_version: str, kind: str) -> None:
    typed = Typed(schema_for(kind, api_version))
    managers = _managers_for_update(old, new)
    before = without_managed_fields(old) if old is not None else zero_object(kind)
    ignored = ignored_for(subresource)
    comparison = filtered(typed.compare(before, without_managed_fields(new)), ignored)
    me = Entry(manager, operation, api_version, set(), None, subresource)
    take_from_others(managers, me.identity, comparison.changed() | comparison.removed)
    mine = managers.get(me.identity, me)
    owned = comparison.changed() - STRIPPED
    mine.fields = (mine.fields - comparison.removed) | owned
    if owned:
        mine.time = now
    managers[me.identity] = mine
    if not mine.fields:
        del managers[me.identity]
    set_managed_fields(new, managers)
