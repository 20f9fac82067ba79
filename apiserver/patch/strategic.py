"""Strategic merge patch (what `kubectl apply` (client-side), `edit`, `cordon` send).

Maps merge recursively and `null` deletes. Lists follow the field's tags from `schema.py`:
merge on a key, union of primitives, or replace. Directives: `$patch` (replace / delete /
merge), `$retainKeys`, `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`.
Semantics follow k8s.io/apimachinery's strategicpatch as the api-server applies it (nulls in
new subtrees are dropped). Two deliberate differences: `$patch: merge` on a map is accepted
as the no-op it is documented to be (upstream rejects it), and a new value carrying
`$patch: replace` is kept (minus the directive) rather than silently dropped.
"""
from __future__ import annotations

import copy
from typing import Any

from machinery.api.errors import BadRequest

from . import strategic_lists as lists
from .guard import api_errors_only
from .schema import Schema, schema_for
from .values import MISSING, kind_of, short, type_name

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ORDER = "$setElementOrder"
DELETE_PRIMITIVES = "$deleteFromPrimitiveList"
_PREFIXED = (SET_ORDER, DELETE_PRIMITIVES)


@api_errors_only("invalid strategic merge patch")
def apply_strategic_merge_patch(doc: dict, patch: dict, kind: str, api_version: str) -> dict:
    """Apply `patch` to a copy of `doc` with the merge keys and strategies of `kind`."""
    if not isinstance(patch, dict):
        raise BadRequest(f"invalid strategic merge patch: expected a JSON object, "
                         f"got {type_name(patch)}")
    schema = schema_for(kind, api_version)
    return _Merger(schema).merge_map(copy.deepcopy(doc), copy.deepcopy(patch), ())


def clean(value: Any) -> Any:
    """A patch value entering the object as-is: drop nulls in maps and every directive."""
    if isinstance(value, dict):
        if value.get(DIRECTIVE) == "delete":
            return MISSING
        out = {}
        for key, child in value.items():
            if key in (DIRECTIVE, RETAIN_KEYS) or key.startswith(_PREFIXED) or child is None:
                continue
            child = clean(child)
            if child is not MISSING:
                out[key] = child
        return out
    if isinstance(value, list):
        return [c for c in (clean(item) for item in value) if c is not MISSING]
    return value


def _field_name(key: str, prefix: str) -> str:
    """`$setElementOrder/containers` -> `containers`; a malformed directive key is a 400."""
    head, sep, name = key.partition("/")
    if head != prefix or not sep:
        what = "primitive list" if prefix == DELETE_PRIMITIVES else "setElementOrder list"
        raise BadRequest(f"invalid patch format of {what}: {key}")
    return name


class _Merger:
    def __init__(self, schema: Schema):
        self.schema = schema

    def merge_map(self, original: dict, patch: dict, path: tuple[str, ...]) -> dict:
        if DIRECTIVE in patch and patch[DIRECTIVE] != "merge":
            return self._map_directive(patch)
        patch.pop(DIRECTIVE, None)        # `$patch: merge` is the default behaviour
        self._retain_keys(original, patch)
        self._set_element_orders(original, patch, path)
        for key, value in patch.items():
            self._merge_key(original, key, value, path)
        return original

    def _map_directive(self, patch: dict) -> dict:
        directive = patch.pop(DIRECTIVE)
        if directive == "replace":
            return clean(patch)
        if directive == "delete":
            return {}
        raise BadRequest(f"unknown patch type: {short(directive)} in map: {short(patch)}")

    def _merge_key(self, original: dict, key: str, value: Any, path: tuple[str, ...]) -> None:
        delete_list = key.startswith(DELETE_PRIMITIVES)
        if delete_list:
            key = _field_name(key, DELETE_PRIMITIVES)
        if value is None:
            original.pop(key, None)
            return
        current = original.get(key, MISSING)
        if current is MISSING or kind_of(current) != kind_of(value) or kind_of(value) == "scalar":
            if not delete_list:
                self._set(original, key, clean(value))
            return
        sub = path + (key,)
        meta = self.schema.at(sub)
        if isinstance(value, dict):
            replace = meta.patch_strategy == "replace"
            original[key] = clean(value) if replace else self.merge_map(current, value, sub)
        elif meta.patch_strategy == "merge" or delete_list:
            original[key] = self._merge_list(current, value, sub, delete_list)
        else:
            original[key] = clean(value)

    @staticmethod
    def _set(original: dict, key: str, value: Any) -> None:
        if value is MISSING:
            original.pop(key, None)
        else:
            original[key] = value

    def _merge_list(self, original: list, patch: list, path: tuple[str, ...],
                    delete_list: bool = False) -> list:
        if not original and not patch:
            return original
        merge_key = self.schema.at(path).merge_key
        if lists.element_kind(original, patch) != "map":
            return lists.merge_primitives(original, patch, delete_list)
        if not merge_key:
            raise BadRequest(f"cannot merge lists without merge key for {'.'.join(path)}")
        original, patch = lists.apply_list_directives(original, patch, merge_key, clean)
        merged = lists.merge_keyed(original, patch, merge_key,
                                   lambda o, p: self.merge_map(o, p, path), clean)
        present, server_only = lists.partition(merged, patch, merge_key)
        return lists.normalize_order(present, server_only, patch, original, merge_key)

    def _retain_keys(self, original: dict, patch: dict) -> None:
        """`$retainKeys`: drop every original key not listed (the union-type switch)."""
        keep = patch.pop(RETAIN_KEYS, MISSING)
        if keep is MISSING:
            return
        if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
            raise BadRequest("invalid patch format of retainKeys")
        for key, value in patch.items():
            if value is not None and not key.startswith(_PREFIXED) and key not in keep:
                raise BadRequest(f"invalid patch format of retainKeys: {key} is not in the "
                                 f"$retainKeys list")
        for key in [k for k in original if k not in keep]:
            del original[key]

    def _set_element_orders(self, original: dict, patch: dict, path: tuple[str, ...]) -> None:
        for key in [k for k in patch if k.startswith(SET_ORDER)]:
            order = patch.pop(key)
            name = _field_name(key, SET_ORDER)
            if not isinstance(order, list):
                raise BadRequest(f"invalid patch format of setElementOrder list: {key}")
            merged = self._ordered_list(original, patch, name, order, path + (name,))
            if merged is not MISSING:
                original[name] = merged
                patch.pop(name, None)

    def _ordered_list(self, original: dict, patch: dict, name: str, order: list,
                      path: tuple[str, ...]) -> Any:
        current, incoming = original.get(name, MISSING), patch.get(name, MISSING)
        for value in (current, incoming):
            if value is not MISSING and not isinstance(value, list):
                raise BadRequest(f"expected a list for {name}, but received {short(value)}")
        meta = self.schema.at(path)
        lists.check_set_element_order(incoming if incoming is not MISSING else [], order,
                                      meta.merge_key)
        if current is MISSING and incoming is MISSING:
            return MISSING
        if incoming is MISSING:
            merged = current
        elif current is MISSING:
            merged = clean(incoming)
        elif meta.patch_strategy == "merge":
            merged = self._merge_list(current, incoming, path)
        else:
            merged = clean(incoming)
        base = current if current is not MISSING else []
        lists.element_kind(base, incoming if incoming is not MISSING else [])
        if incoming is not MISSING and meta.patch_strategy == "merge":
            base = lists.server_order_after_merge(base, incoming, meta.merge_key)
        present, server_only = lists.partition(merged, order, meta.merge_key)
        return lists.normalize_order(present, server_only, order, base, meta.merge_key)
