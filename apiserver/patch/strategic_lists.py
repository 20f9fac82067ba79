"""List handling for strategic merge patch: merging on a merge key, primitive unions, `$patch`
elements in lists, and the element order upstream produces.

Order rule (upstream's): items named in the patch keep the patch's order; items only on the
server keep the server's order; the two runs are interleaved by where the patch items sat in
the server list, so an item the server had before a patched one stays before it.
"""
from __future__ import annotations

from typing import Any, Callable

from machinery.api.errors import BadRequest, Invalid

from .values import MISSING, json_equal, short, type_name

DIRECTIVE = "$patch"


def element_kind(*lists: list) -> str:
    """"map" or "scalar" for the items of `lists`, which must all share one JSON type."""
    types = {type_name(item) for items in lists for item in items}
    if "array" in types:
        raise Invalid("lists of lists are not supported")
    if len(types) > 1:
        raise BadRequest(f"list element types are not identical: {short(lists)}")
    if not types:
        raise BadRequest("no elements in any of the given lists")
    return "map" if types == {"object"} else "scalar"


def key_of(item: Any, merge_key: str) -> Any:
    """The merge-key value of a patch item (the item itself when there is no key)."""
    if not merge_key:
        return item
    if not isinstance(item, dict):
        raise BadRequest(f"expected a map, but received {short(item)}")
    if merge_key not in item:
        raise BadRequest(f"map: {short(item)} does not contain declared merge key: {merge_key}")
    return item[merge_key]


def _key_lenient(item: Any, merge_key: str) -> Any:
    """The key of a server-side item; a malformed live item simply matches nothing."""
    if not merge_key:
        return item
    return item.get(merge_key, MISSING) if isinstance(item, dict) else MISSING


def find(items: list, value: Any, merge_key: str) -> int:
    """Index of the item whose key equals `value`, or -1."""
    if value is MISSING:
        return -1
    for index, item in enumerate(items):
        current = _key_lenient(item, merge_key)
        if current is not MISSING and json_equal(current, value):
            return index
    return -1


def partition(merged: list, by: list, merge_key: str) -> tuple[list, list]:
    """Split `merged` into (items present in `by`, items that are not)."""
    present, server_only = [], []
    for item in merged:
        found = find(by, _key_lenient(item, merge_key), merge_key) >= 0
        target = present if found else server_only
        target.append(item)
    return present, server_only


def _sort_by(items: list, order: list, merge_key: str) -> list:
    """Stable sort of `items` by position in `order`; delete markers go last."""
    kept, deleted = [], []
    for item in items:
        is_delete = merge_key and isinstance(item, dict) and item.get(DIRECTIVE) == "delete"
        (deleted if is_delete else kept).append(item)

    def position(item: Any) -> int:
        index = find(order, _key_lenient(item, merge_key), merge_key)
        return index if index >= 0 else len(order)
    return sorted(kept, key=position) + deleted


def normalize_order(patch_items: list, server_only: list, patch_order: list,
                    server_order: list, merge_key: str) -> list:
    """Interleave patch items (in patch order) with server-only items (in server order)."""
    if merge_key:
        for item in (*patch_items, *patch_order):
            key_of(item, merge_key)
    left = _sort_by(server_only, server_order, merge_key)
    right = _sort_by(patch_items, patch_order, merge_key)
    out, i, j = [], 0, 0
    while i < len(left) or j < len(right):
        if j >= len(right) or (i < len(left) and
                               _before(left[i], right[j], server_order, merge_key)):
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out


def _before(a: Any, b: Any, server_order: list, merge_key: str) -> bool:
    """True when both items are on the server and `a` comes first there."""
    ia = find(server_order, _key_lenient(a, merge_key), merge_key)
    ib = find(server_order, _key_lenient(b, merge_key), merge_key)
    return ia >= 0 and ib >= 0 and ia < ib


def _dedupe(items: list) -> list:
    out: list = []
    for item in items:
        if not any(json_equal(item, seen) for seen in out):
            out.append(item)
    return out


def merge_primitives(original: list, patch: list, delete: bool) -> list:
    """A primitive list with merge strategy (finalizers): union, or removal for
    `$deleteFromPrimitiveList`."""
    if delete:
        return [item for item in original if not any(json_equal(item, d) for d in patch)]
    merged = _dedupe(original + patch)
    present, server_only = partition(merged, patch, "")
    return normalize_order(present, server_only, patch, original, "")


def apply_list_directives(original: list, patch: list, merge_key: str,
                          clean: Callable[[Any], Any]) -> tuple[list, list]:
    """Handle items carrying `$patch`: delete removes matching originals, replace makes the
    other patch items the whole list. Returns (original, patch) without directive items."""
    plain, replace = [], False
    for item in patch:
        directive = item.get(DIRECTIVE) if isinstance(item, dict) else None
        if directive is None:
            plain.append(item)
        elif directive == "delete":
            value = key_of(item, merge_key)
            original = [o for o in original
                        if not (isinstance(o, dict) and json_equal(o.get(merge_key), value))]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise BadRequest("merging lists cannot yet be specified in the patch")
        else:
            raise BadRequest(f"unknown patch type: {short(directive)} in map: {short(item)}")
    if replace:
        return [clean(item) for item in plain], []
    return original, plain


def merge_keyed(original: list, patch: list, merge_key: str,
                merge_map: Callable[[dict, dict], dict], clean: Callable[[Any], Any]) -> list:
    """Merge map items on `merge_key`: matching items merge, new ones are appended."""
    merged = list(original)
    for item in patch:
        index = find(merged, key_of(item, merge_key), merge_key)
        if index >= 0:
            merged[index] = merge_map(merged[index], item)
        else:
            merged.append(clean(item))
    return merged


def check_set_element_order(patch_list: list, order: list, merge_key: str) -> None:
    """Every non-directive patch item must appear in `$setElementOrder`, in the same order."""
    if not order or not patch_list:
        return
    items = [i for i in patch_list if not (isinstance(i, dict) and DIRECTIVE in i)]
    pi = oi = 0
    while pi < len(items) and oi < len(order):
        if json_equal(key_of(items[pi], merge_key), key_of(order[oi], merge_key)):
            pi += 1
        oi += 1
    if pi < len(items):
        raise BadRequest(f"The order in patch list: {short(patch_list)} doesn't match "
                         f"$setElementOrder list: {short(order)}")


def server_order_after_merge(original: list, patch: list, merge_key: str) -> list:
    """The server order upstream uses when `$setElementOrder` re-sorts a merged list.

    Upstream deletes `$patch: delete` items and appends new items *in place* in the original
    list's storage, so the order it consults afterwards is that storage: survivors shifted
    left, new items written into the freed tail, stale entries beyond. Reproduced here so
    server-only items land where upstream puts them.
    """
    if not merge_key or not all(isinstance(i, dict) for i in (*original, *patch)):
        return original
    if any(i.get(DIRECTIVE) == "replace" for i in patch):
        return original
    storage, length = list(original), len(original)
    for item in patch:
        if item.get(DIRECTIVE) == "delete" and merge_key in item:
            index = find(storage[:length], item[merge_key], merge_key)
            while index >= 0:
                storage[index:length - 1] = storage[index + 1:length]
                length -= 1
                index = find(storage[:length], item[merge_key], merge_key)
    for item in patch:
        if DIRECTIVE in item or find(storage[:length], item.get(merge_key), merge_key) >= 0:
            continue
        if length == len(storage):
            break
        storage[length] = item
        length += 1
    return storage
