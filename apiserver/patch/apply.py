"""Server-side apply (`kubectl apply --server-side`, Content-Type application/apply-patch+yaml).

The applied configuration is merged over the live object; its fields become the manager's.
Fields the manager applied last time and dropped now are removed unless someone else owns
them. Changing a field another manager owns is a 409 conflict listing every such field, unless
`force`, which moves ownership. As upstream, when the manager is "kubectl" a conflict with
values that still equal the object's last-applied-configuration annotation is allowed (the
client-side to server-side apply migration), and that annotation is kept in sync.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from machinery.api.errors import BadRequest, Conflict

from .fieldpath import FieldSet, Path, element_order, path_string, with_named_parents
from .guard import api_errors_only
from .managed_fields import (STRIPPED, Entry, Managers, exclude, filtered, ignored_for,
                             live_managers, set_managed_fields, take_from_others,
                             without_managed_fields)
from .schema import schema_for
from .typed import Typed
from .values import json_equal, type_name

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@api_errors_only("invalid apply patch")
def server_side_apply(live: dict | None, applied: dict, manager: str, force: bool, kind: str,
                      api_version: str, now: str, subresource: str = "") -> dict:
    """The object after `manager` applies `applied` to `live` (None: the object is new), with
    `metadata.managedFields` updated. Raises Conflict (409) on ownership conflicts."""
    _check_config(applied, manager, kind, api_version)
    typed = Typed(schema_for(kind, api_version))
    config = _without_nulls(applied)
    managers = live_managers(live)
    before = without_managed_fields(live) if live is not None else {}
    me = Entry(manager, "Apply", api_version, set(), None, subresource)
    previous = managers.get(me.identity)
    ignored = ignored_for(subresource)
    applied_set = exclude(typed.field_set(config), ignored)

    merged = typed.merge(before, config)
    merged = _prune(typed, merged, previous, applied_set, managers, me.identity)
    comparison = filtered(typed.compare(before, merged), ignored)
    conflicts = _conflicts(managers, me.identity, comparison.changed())
    if conflicts and not force and not _allowed_by_last_applied(typed, live, manager,
                                                                api_version, conflicts):
        raise conflict_error(conflicts, managers)
    for identity, paths in conflicts.items():
        managers[identity].fields -= paths
    take_from_others(managers, me.identity, comparison.removed)

    mine = previous or me
    mine.fields, mine.api_version = applied_set - STRIPPED, api_version
    if previous is None or not json_equal(before, merged):
        mine.time = now
    managers.pop(me.identity, None)
    if mine.fields:
        managers[me.identity] = mine
    _sync_last_applied(merged, applied, manager)
    set_managed_fields(merged, managers)
    return merged


def _check_config(applied: Any, manager: str, kind: str, api_version: str) -> None:
    if not isinstance(applied, dict):
        raise BadRequest(f"invalid apply patch: expected an object, got {type_name(applied)}")
    if not manager:
        raise BadRequest("PATCH, field manager is required for apply requests")
    if applied.get("apiVersion") != api_version:
        raise BadRequest(f"Incorrect version specified in apply patch. Specified patch "
                         f"version: {applied.get('apiVersion') or ''}, expected: {api_version}")
    if applied.get("kind") != kind:
        raise BadRequest(f"Incorrect kind specified in apply patch. Specified patch kind: "
                         f"{applied.get('kind') or ''}, expected: {kind}")
    metadata = applied.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("invalid apply patch: metadata must be an object")
    if metadata and metadata.get("managedFields"):
        raise BadRequest("metadata.managedFields must be nil")


def _without_nulls(value: Any) -> Any:
    """An applied `null` means "not set": drop it before merging and collecting fields."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _prune(typed: Typed, merged: dict, previous: Entry | None, applied_set: FieldSet,
           managers: Managers, me: tuple) -> dict:
    """Remove what this manager applied before, dropped now, and nobody else owns."""
    if previous is None or not previous.fields:
        return merged
    owned: FieldSet = set(applied_set)
    for identity, entry in managers.items():
        if identity != me:
            owned |= entry.fields
    stale = with_named_parents(previous.fields) - with_named_parents(owned)
    # Server-owned metadata is nobody's, so it must never look stale (`.metadata` above all).
    return typed.remove(merged, stale - STRIPPED)


def _conflicts(managers: Managers, me: tuple, changed: FieldSet) -> dict[tuple, FieldSet]:
    out = {}
    for identity, entry in managers.items():
        if identity != me and entry.fields & changed:
            out[identity] = entry.fields & changed
    return out


def conflict_error(conflicts: dict[tuple, FieldSet], managers: Managers) -> Conflict:
    """409 worded as upstream: one line per conflict, causes per field."""
    rows: list[tuple[str, Path]] = []
    for identity in sorted(conflicts):
        who = describe_manager(managers[identity])
        rows += [(who, p) for p in sorted(conflicts[identity],
                                          key=lambda p: [element_order(e) for e in p])]
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {who}",
               "field": path_string(path)} for who, path in rows]
    if len(rows) == 1:
        who, path = rows[0]
        message = f"Apply failed with 1 conflict: conflict with {who}: {path_string(path)}"
    else:
        lines: list[str] = []
        for who in dict.fromkeys(w for w, _ in rows):
            lines.append(f"conflicts with {who}:")
            lines += [f"- {path_string(p)}" for w, p in rows if w == who]
        message = f"Apply failed with {len(rows)} conflicts: " + "\n".join(lines)
    return Conflict(message, details={"causes": causes})


def describe_manager(entry: Entry) -> str:
    text = json.dumps(entry.manager)
    if entry.subresource:
        text += f" with subresource {json.dumps(entry.subresource)}"
    if entry.operation == "Update":
        text += f" using {entry.api_version}"
    return text


def _allowed_by_last_applied(typed: Typed, live: dict | None, manager: str, api_version: str,
                             conflicts: dict[tuple, FieldSet]) -> bool:
    """kubectl's CSA->SSA upgrade: conflicts on fields whose live value still equals the
    last-applied-configuration annotation do not count."""
    if manager != "kubectl" or live is None:
        return False
    text = _annotations(live).get(LAST_APPLIED)
    try:
        last = json.loads(text) if text else None
    except ValueError:
        return False
    if not isinstance(last, dict) or last.get("apiVersion") != api_version:
        return False
    comparison = typed.compare(last, without_managed_fields(live))
    allowed = typed.field_set(last) - comparison.changed() - comparison.removed
    return all(paths <= allowed for paths in conflicts.values())


def _sync_last_applied(merged: dict, applied: dict, manager: str) -> None:
    """Applying as "kubectl" rewrites an existing last-applied annotation to this config."""
    annotations = _annotations(merged)
    if manager != "kubectl" or not annotations.get(LAST_APPLIED):
        return
    config = copy.deepcopy(applied)
    config_annotations = (config.get("metadata") or {}).get("annotations")
    if isinstance(config_annotations, dict):
        config_annotations.pop(LAST_APPLIED, None)
    annotations[LAST_APPLIED] = go_json(config) + "\n"


def _annotations(obj: dict) -> dict:
    """The object's annotations map (the live one, for in-place edits), or {}."""
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes it: sorted keys, HTML characters escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
