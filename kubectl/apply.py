"""Client-side apply: kubectl's three-way strategic merge patch.

    patch = deletions(last-applied -> new manifest) + changes(live -> new manifest)

Changes are computed against the live object ignoring deletions, so fields the server or other
clients set (defaults, `kubectl scale`) are left alone unless the manifest names them; deletions
are computed against the last applied manifest only, so a field disappears from the object only
if this user applied it before and has now dropped it. Lists whose schema declares a merge key
(containers by `name`, ports by `containerPort`, ...) are diffed element by element, with
`$setElementOrder/<field>` keeping the manifest's order and `{"$patch": "delete"}` removing an
element; primitive "merge" lists (finalizers) use `$deleteFromPrimitiveList/<field>`; all other
lists are replaced whole. Without a schema (custom kinds) the same code yields an RFC 7386
JSON merge patch: no directives, lists replaced.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubectl.openapi import PatchMeta, PatchSchema

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class DiffOptions:
    ignore_deletions: bool = False
    ignore_changes_and_additions: bool = False
    set_element_order: bool = True


def three_way_patch(original: dict[str, Any] | None, modified: dict[str, Any],
                    current: dict[str, Any], schema: PatchSchema | None) -> dict[str, Any]:
    """The patch that takes `current` to `modified`, deleting what `original` had and
    `modified` dropped. `schema=None` gives a JSON merge patch."""
    delta = diff_maps(current, modified, schema, DiffOptions(ignore_deletions=True))
    deletions = diff_maps(original or {}, modified, schema,
                          DiffOptions(ignore_changes_and_additions=True))
    return merge_patches(deletions, delta, schema)


def diff_maps(original: dict[str, Any], modified: dict[str, Any], schema: PatchSchema | None,
              opts: DiffOptions) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        if key not in original:
            if not opts.ignore_changes_and_additions:
                patch[key] = new
            continue
        old = original[key]
        sub_schema, meta = schema.field(key) if schema is not None else (None, PatchMeta())
        if isinstance(old, dict) and isinstance(new, dict):
            sub = diff_maps(old, new, sub_schema, opts)
            if sub:
                patch[key] = sub
        elif isinstance(old, list) and isinstance(new, list):
            _diff_lists(patch, key, old, new, sub_schema, meta, schema is not None, opts)
        elif old != new or type(old) is not type(new):
            if not opts.ignore_changes_and_additions:
                patch[key] = new
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    return patch


def _diff_lists(patch: dict[str, Any], key: str, old: list[Any], new: list[Any],
                schema: PatchSchema | None, meta: PatchMeta, strategic: bool,
                opts: DiffOptions) -> None:
    item_schema = schema.items() if schema is not None else None
    if strategic and meta.merges and meta.merge_key and _all_maps_with(old + new, meta.merge_key):
        _diff_map_lists(patch, key, old, new, item_schema, meta.merge_key, opts)
    elif strategic and meta.merges and _all_scalars(old + new):
        _diff_primitive_lists(patch, key, old, new, opts)
    elif old != new and not opts.ignore_changes_and_additions:
        patch[key] = new


def _all_maps_with(items: list[Any], merge_key: str) -> bool:
    return all(isinstance(i, dict) and merge_key in i for i in items)


def _all_scalars(items: list[Any]) -> bool:
    return all(not isinstance(i, (dict, list)) for i in items)


def _diff_map_lists(patch: dict[str, Any], key: str, old: list[dict], new: list[dict],
                    item_schema: PatchSchema | None, merge_key: str, opts: DiffOptions) -> None:
    by_key = {item[merge_key]: item for item in old}
    new_keys = {item[merge_key] for item in new}
    changed: list[dict[str, Any]] = []
    for item in new:
        before = by_key.get(item[merge_key])
        if before is None:
            if not opts.ignore_changes_and_additions:
                changed.append(item)
            continue
        sub = diff_maps(before, item, item_schema, opts)
        if sub:
            changed.append({merge_key: item[merge_key], **sub})
    deleted = [] if opts.ignore_deletions else \
        [{"$patch": "delete", merge_key: item[merge_key]}
         for item in old if item[merge_key] not in new_keys]
    if changed or deleted:
        patch[key] = changed + deleted
    order_changed = [i[merge_key] for i in old if i[merge_key] in new_keys] != \
        [i[merge_key] for i in new if i[merge_key] in by_key]
    if opts.set_element_order and (
            (not opts.ignore_changes_and_additions and (changed or order_changed)) or
            (not opts.ignore_deletions and changed)):
        patch[f"$setElementOrder/{key}"] = [{merge_key: item[merge_key]} for item in new]


def _diff_primitive_lists(patch: dict[str, Any], key: str, old: list[Any], new: list[Any],
                          opts: DiffOptions) -> None:
    added = [] if opts.ignore_changes_and_additions else [v for v in new if v not in old]
    removed = [] if opts.ignore_deletions else [v for v in old if v not in new]
    if added:
        patch[key] = added
    if removed:
        patch[f"$deleteFromPrimitiveList/{key}"] = removed
    if opts.set_element_order and added:
        patch[f"$setElementOrder/{key}"] = list(new)


def merge_patches(first: dict[str, Any], second: dict[str, Any],
                  schema: PatchSchema | None) -> dict[str, Any]:
    """Both patches in one; where they overlap, `second` wins (kubectl's mergeMap)."""
    out = dict(first)
    for key, value in second.items():
        if key not in out:
            out[key] = value
            continue
        sub_schema, meta = (None, PatchMeta()) if schema is None or key.startswith("$") \
            else schema.field(key)
        if isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge_patches(out[key], value, sub_schema)
        elif isinstance(out[key], list) and isinstance(value, list) and meta.merge_key:
            out[key] = _merge_patch_lists(out[key], value, sub_schema, meta.merge_key)
        else:
            out[key] = value
    return out


def _merge_patch_lists(first: list[Any], second: list[Any], schema: PatchSchema | None,
                       merge_key: str) -> list[Any]:
    item_schema = schema.items() if schema is not None else None
    out = list(first)
    for item in second:
        match = next((i for i, x in enumerate(out) if isinstance(x, dict) and isinstance(item, dict)
                      and x.get(merge_key) == item.get(merge_key)), None)
        if match is None:
            out.append(item)
        else:
            out[match] = merge_patches(out[match], item, item_schema)
    return out


# --- the last-applied annotation -------------------------------------------------------------

def go_json(obj: Any) -> str:
    """json.Marshal of an unstructured object: compact, sorted keys, HTML-escaped."""
    from kubectl.printers.serialize import to_json
    return to_json(obj, indent=None)


def with_last_applied(obj: dict[str, Any]) -> dict[str, Any]:
    """The manifest annotated with itself (kubectl's GetModifiedConfiguration)."""
    bare = json.loads(json.dumps(obj))
    meta = bare.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    text = go_json(bare) + "\n"
    annotated = json.loads(json.dumps(bare))
    annotated["metadata"]["annotations"] = {**annotations, LAST_APPLIED: text}
    return annotated


def last_applied(live: dict[str, Any]) -> dict[str, Any] | None:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
