"""Field paths and field sets, and their `FieldsV1` encoding (sigs.k8s.io/structured-merge-diff).

A path element is a tuple:
  ("f", "spec")                       a field of a map
  ("k", '{"name":"nginx"}')           an item of a keyed list (canonical JSON of its key fields)
  ("v", '"example.com/fin"')          an item of a set (canonical JSON of the value)
  ("i", 3)                            an item by index (only ever decoded, never produced)
A path is a tuple of elements; a field set is a Python `set` of paths, each one a field (or list
item) that is *owned*. FieldsV1 nests the elements as `f:`/`k:`/`v:`/`i:` keys; a `".": {}`
entry marks a node that is owned itself and also has owned children.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from .values import compact

PE = tuple[str, Any]
Path = tuple[PE, ...]
FieldSet = set[Path]


def f(*names: str) -> Path:
    """A path made of field names only: f("spec", "replicas")."""
    return tuple(("f", name) for name in names)


def key_element(fields: dict[str, Any]) -> PE:
    return ("k", compact(fields))


def value_element(value: Any) -> PE:
    return ("v", compact(value))


def element_text(pe: PE) -> str:
    kind, body = pe
    return f"{kind}:{body}"


def element_from_text(text: str) -> PE:
    """Parse one FieldsV1 key; raises ValueError on anything malformed."""
    kind, sep, body = text.partition(":")
    if not sep or kind not in ("f", "k", "v", "i"):
        raise ValueError(f"invalid path element {text!r}")
    if kind == "f":
        return ("f", body)
    if kind == "i":
        return ("i", int(body))
    value = json.loads(body)
    if kind == "k" and not isinstance(value, dict):
        raise ValueError(f"invalid key element {text!r}")
    return (kind, compact(value))


def _go_string(value: Any) -> str:
    """A scalar as upstream prints it in a path: strings quoted, numbers and bools bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False) if value is not None else "null"


def path_string(path: Path) -> str:
    """`.spec.template.spec.containers[name="nginx"].image`, as conflict messages print it."""
    parts = []
    for kind, body in path:
        if kind == "f":
            parts.append("." + body)
        elif kind == "k":
            fields = json.loads(body)
            parts.append("[" + ",".join(f"{k}={_go_string(v)}" for k, v in fields.items()) + "]")
        elif kind == "v":
            parts.append(f"[={_go_string(json.loads(body))}]")
        else:
            parts.append(f"[{body}]")
    return "".join(parts)


_VALUE_RANK = {"number": 0, "string": 1, "bool": 2, "list": 3, "map": 4, "null": 5}


def _value_order(value: Any) -> tuple:
    if isinstance(value, bool):
        return (_VALUE_RANK["bool"], value)
    if isinstance(value, (int, float)):
        return (_VALUE_RANK["number"], value)
    if isinstance(value, str):
        return (_VALUE_RANK["string"], value)
    if value is None:
        return (_VALUE_RANK["null"], 0)
    return (_VALUE_RANK["list" if isinstance(value, list) else "map"], compact(value))


def element_order(pe: PE) -> tuple:
    """Upstream's element order: fields by name, then keys, then values, then indexes."""
    kind, body = pe
    if kind == "f":
        return (0, body)
    if kind == "k":
        return (1, tuple((name, _value_order(v)) for name, v in json.loads(body).items()))
    if kind == "v":
        return (2, _value_order(json.loads(body)))
    return (3, body)


def to_fields_v1(paths: Iterable[Path]) -> dict:
    """Encode a field set as FieldsV1, children sorted as upstream sorts them."""
    tree: dict = {}
    for path in paths:
        node = tree
        for pe in path:
            node = node.setdefault(pe, {})
        node["."] = True
    return _emit(tree, root=True)


def _emit(node: dict, root: bool = False) -> dict:
    children = sorted((k for k in node if k != "."), key=element_order)
    out: dict = {}
    if "." in node and children and not root:
        out["."] = {}
    for pe in children:
        out[element_text(pe)] = _emit(node[pe])
    return out


def from_fields_v1(fields: Any, prefix: Path = ()) -> FieldSet:
    """Decode FieldsV1 into a field set; raises ValueError when it is malformed."""
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be an object")
    out: FieldSet = set()
    for text, child in fields.items():
        if text == ".":
            if prefix:
                out.add(prefix)
            continue
        path = prefix + (element_from_text(text),)
        if not isinstance(child, dict):
            raise ValueError(f"fieldsV1 entry {text!r} must be an object")
        if child:
            out |= from_fields_v1(child, path)
        else:
            out.add(path)
    return out


def with_named_parents(paths: Iterable[Path]) -> FieldSet:
    """Add every ancestor that ends in a field name, so that owning `.spec.replicas` also
    counts as owning `.spec` when deciding what a re-apply may remove."""
    out = set(paths)
    for path in list(out):
        for end in range(1, len(path)):
            if path[end - 1][0] == "f":
                out.add(path[:end])
    return out


def under_any(path: Path, prefixes: Iterable[Path]) -> bool:
    return any(path[:len(p)] == p for p in prefixes)
