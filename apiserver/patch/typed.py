"""Schema-aware walks over objects for server-side apply: the owned field set of an object,
the comparison of two objects, the apply merge, and removal of owned paths.

Position in the schema is a field path (names only) plus whether the value is an item of the
list at that path. A value is walked granularly ("map" or "list") or is a leaf: scalars,
atomic maps/structs, atomic lists, and items of atomic-element lists.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from machinery.api.errors import BadRequest

from .fieldpath import PE, FieldSet, Path, key_element, value_element
from .schema import FieldMeta, Schema
from .values import MISSING, json_equal, short

Pos = tuple[tuple[str, ...], bool]          # (field path, is a list item)


@dataclass
class Comparison:
    added: FieldSet = field(default_factory=set)
    modified: FieldSet = field(default_factory=set)
    removed: FieldSet = field(default_factory=set)

    def changed(self) -> FieldSet:
        return self.added | self.modified


class Typed:
    def __init__(self, schema: Schema):
        self.schema = schema

    # --- classification --------------------------------------------------------------
    def kind(self, value: Any, pos: Pos) -> str:
        fpath, item = pos
        meta = self.schema.at(fpath)
        if item:
            granular = meta.list_type == "map" and not meta.element_atomic
            return "map" if isinstance(value, dict) and granular else "leaf"
        if isinstance(value, dict):
            return "leaf" if meta.atomic else "map"
        if isinstance(value, list):
            return "list" if meta.list_type in ("map", "set") else "leaf"
        return "leaf"

    @staticmethod
    def child(pos: Pos, name: str) -> Pos:
        return (pos[0] + (name,), False)

    def item_element(self, meta: FieldMeta, item: Any, where: Path) -> PE:
        """The path element naming one item of a keyed list or a set."""
        if meta.list_type == "set":
            if isinstance(item, (dict, list)):
                raise BadRequest(f"{_where(where)}: a set may only hold scalars, "
                                 f"got {short(item)}")
            return value_element(item)
        if not isinstance(item, dict):
            raise BadRequest(f"{_where(where)}: associative list with keys may not have "
                             f"non-map elements, got {short(item)}")
        key = {}
        for name in meta.map_keys:
            value = item.get(name, MISSING)
            if value is MISSING:
                value = meta.key_default(name)
            if value is None:
                raise BadRequest(f"{_where(where)}: associative list with keys has an element "
                                 f'that omits key field "{name}" (and doesn\'t have default '
                                 f"value)")
            key[name] = value
        return key_element(key)

    def elements(self, items: list, pos: Pos, where: Path) -> list[PE]:
        meta = self.schema.at(pos[0])
        return [self.item_element(meta, item, where) for item in items]

    # --- field sets ---------------------------------------------------------------------
    def field_set(self, obj: dict) -> FieldSet:
        """The fields an applied configuration sets (upstream's ToFieldSet)."""
        out: FieldSet = set()
        self._collect(obj, ((), False), (), out)
        return out

    def _collect(self, value: Any, pos: Pos, path: Path, out: FieldSet) -> None:
        kind = self.kind(value, pos)
        if kind == "map":
            for name, child in value.items():
                cpath = path + (("f", name),)
                self._collect(child, self.child(pos, name), cpath, out)
                if child is None or child == {}:
                    out.add(cpath)
        elif kind == "list":
            pes = self.elements(value, pos, path)
            dupes = {pe for pe in pes if pes.count(pe) > 1}
            out.update(path + (pe,) for pe in dupes)
            for pe, item in zip(pes, value):
                if pe not in dupes:
                    self._collect(item, (pos[0], True), path + (pe,), out)
                    out.add(path + (pe,))
        else:
            out.add(path)

    def all_paths(self, value: Any, pos: Pos, path: Path, out: FieldSet) -> None:
        """Every node of a subtree (what appears or disappears with it)."""
        out.add(path)
        kind = self.kind(value, pos)
        if kind == "map":
            for name, child in value.items():
                self.all_paths(child, self.child(pos, name), path + (("f", name),), out)
        elif kind == "list":
            for pe, item in zip(self.elements(value, pos, path), value):
                self.all_paths(item, (pos[0], True), path + (pe,), out)

    # --- comparison -----------------------------------------------------------------------
    def compare(self, old: dict, new: dict) -> Comparison:
        result = Comparison()
        self._compare(old, new, ((), False), (), result)
        result.added.discard(())
        result.removed.discard(())
        return result

    def _compare(self, old: Any, new: Any, pos: Pos, path: Path, out: Comparison) -> None:
        if old is MISSING:
            self.all_paths(new, pos, path, out.added)
            return
        if new is MISSING:
            self.all_paths(old, pos, path, out.removed)
            return
        kind = _shared_kind(self.kind(old, pos), self.kind(new, pos), old, new)
        if kind == "map":
            old, new = old or {}, new or {}
            for name in [*old, *(k for k in new if k not in old)]:
                self._compare(old.get(name, MISSING), new.get(name, MISSING),
                              self.child(pos, name), path + (("f", name),), out)
        elif kind == "list":
            self._compare_items(old or [], new or [], pos, path, out)
        elif not json_equal(old, new):
            out.modified.add(path)

    def _compare_items(self, old: list, new: list, pos: Pos, path: Path,
                       out: Comparison) -> None:
        olds, news = _group(self.elements(old, pos, path), old), \
            _group(self.elements(new, pos, path), new)
        for pe in [*olds, *(p for p in news if p not in olds)]:
            a, b = olds.get(pe, []), news.get(pe, [])
            if len(a) <= 1 and len(b) <= 1:
                self._compare(a[0] if a else MISSING, b[0] if b else MISSING,
                              (pos[0], True), path + (pe,), out)
            elif not json_equal(a, b):
                out.modified.add(path + (pe,))

    # --- apply merge ----------------------------------------------------------------------
    def merge(self, live: dict, applied: dict) -> dict:
        """The live object with the applied configuration laid over it (applied wins)."""
        return self._merge(live, applied, ((), False), ())

    def _merge(self, old: Any, new: Any, pos: Pos, path: Path) -> Any:
        if new is MISSING:
            return old
        if old is MISSING:
            return copy.deepcopy(new)
        kind = self.kind(old, pos)
        if kind != self.kind(new, pos) or kind == "leaf" or (not old and not new):
            return copy.deepcopy(new)
        if kind == "map":
            out = {name: self._merge(value, new.get(name, MISSING), self.child(pos, name),
                                     path + (("f", name),)) for name, value in old.items()}
            out.update({k: copy.deepcopy(v) for k, v in new.items() if k not in old})
            return out
        return self._merge_items(old, new, pos, path)

    def _merge_items(self, old: list, new: list, pos: Pos, path: Path) -> list:
        """Upstream's list merge order: live order, applied items placed as they come."""
        old_pes, new_pes = self.elements(old, pos, path), self.elements(new, pos, path)
        if len(set(new_pes)) != len(new_pes):
            raise BadRequest(f"{_where(path)}: duplicate entries for key in the applied list")
        old_by, new_by = {}, dict(zip(new_pes, new))
        for pe, item in zip(old_pes, old):
            old_by.setdefault(pe, item)
        shared = iter([pe for pe in new_pes if pe in old_by])
        next_shared = next(shared, None)
        item_pos = (pos[0], True)
        out, done, li, ri = [], set(), 0, 0
        while li < len(old) or ri < len(new):
            if li < len(old) and ri < len(new):
                pe = old_pes[li]
                if pe == new_pes[ri]:
                    out.append(self._merge(old_by[pe], new_by[pe], item_pos, path + (pe,)))
                    done.add(pe)
                    li, ri, next_shared = li + 1, ri + 1, next(shared, None)
                    continue
                if pe in new_by and next_shared is not None and next_shared != pe:
                    li += 1
                    continue
            if li < len(old):
                pe = old_pes[li]
                if pe not in new_by:
                    out.append(old[li])
                    li += 1
                    continue
                if pe in done:
                    li += 1
            if ri < len(new):
                pe = new_pes[ri]
                done.add(pe)
                out.append(self._merge(old_by.get(pe, MISSING), new_by[pe], item_pos,
                                       path + (pe,)))
                ri += 1
                if next_shared == pe:
                    next_shared = next(shared, None)
        return out

    # --- removal --------------------------------------------------------------------------
    def remove(self, obj: dict, paths: FieldSet) -> dict:
        """Remove each owned path (a field or a list item, with everything under it)."""
        for path in sorted(paths, key=len):
            if path:
                self._remove(obj, ((), False), path)
        return obj

    def _remove(self, node: Any, pos: Pos, path: Path) -> None:
        pe, rest = path[0], path[1:]
        if isinstance(node, dict) and pe[0] == "f":
            if not rest:
                node.pop(pe[1], None)
            elif pe[1] in node:
                self._remove(node[pe[1]], self.child(pos, pe[1]), rest)
        elif isinstance(node, list) and self.kind(node, pos) == "list" and pe[0] in "kv":
            indexes = [i for i, e in enumerate(self.elements(node, pos, ())) if e == pe]
            if not rest:
                node[:] = [item for i, item in enumerate(node) if i not in indexes]
            for i in indexes if rest else ():
                self._remove(node[i], (pos[0], True), rest)


def _shared_kind(a: str, b: str, old: Any, new: Any) -> str:
    """Walk granularly when both sides are the same non-empty container, or one is null."""
    if a == b and a != "leaf":
        return a if (old or new) else "leaf"
    if old is None and b != "leaf" and new:
        return b
    if new is None and a != "leaf" and old:
        return a
    return "leaf"


def _group(pes: list[PE], items: list) -> dict[PE, list]:
    out: dict[PE, list] = {}
    for pe, item in zip(pes, items):
        out.setdefault(pe, []).append(item)
    return out


def _where(path: Path) -> str:
    from .fieldpath import path_string
    return path_string(path) or "."
