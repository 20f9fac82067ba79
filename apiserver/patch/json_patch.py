"""RFC 6902 JSON Patch (what `kubectl rollout undo` and the managedFields upgrade send).

Errors follow the api-server: a body that is not a list of operation objects is a 400
BadRequest; an operation that cannot be applied (missing path, failed `test`, unknown op) is a
422 Invalid, as upstream answers when its JSON-patch library rejects the patch.
"""
from __future__ import annotations

import copy
from typing import Any

from machinery.api.errors import BadRequest, Invalid, RequestEntityTooLarge

from .guard import api_errors_only
from .values import MISSING, json_equal, short, type_name

MAX_OPERATIONS = 10000   # upstream's maxJSONPatchOperations
_OPS = ("add", "remove", "replace", "move", "copy", "test")


def parse_pointer(pointer: Any) -> list[str]:
    """Split an RFC 6901 pointer into unescaped reference tokens ("" is the whole document)."""
    if not isinstance(pointer, str):
        raise Invalid(f"invalid JSON pointer {short(pointer)}: must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise Invalid(f'invalid JSON pointer "{pointer}": must start with "/"')
    tokens = []
    for raw in pointer[1:].split("/"):
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise Invalid(f'invalid JSON pointer "{pointer}": bad escape in "{raw}"')
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def _index(token: str, length: int, pointer: str, allow_end: bool) -> int:
    """An array index token: decimal without leading zeros, or "-" (one past the end) for add."""
    if token == "-" and allow_end:
        return length
    if not token.isdigit() or (len(token) > 1 and token[0] == "0") or not token.isascii():
        raise Invalid(f'invalid array index "{token}" in path "{pointer}"')
    index = int(token)
    if index > length or (index == length and not allow_end):
        raise Invalid(f'array index {index} out of bounds in path "{pointer}"')
    return index


def _parent(doc: Any, tokens: list[str], pointer: str) -> Any:
    """The container that holds the last token of `pointer`."""
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token, pointer)
    return node


def _child(node: Any, token: str, pointer: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise Invalid(f'doc is missing path "{pointer}": no key "{token}"')
        return node[token]
    if isinstance(node, list):
        return node[_index(token, len(node), pointer, allow_end=False)]
    raise Invalid(f'doc is missing path "{pointer}": "{token}" is inside a {type_name(node)}')


def _get(doc: Any, pointer: str) -> Any:
    node = doc
    for token in parse_pointer(pointer):
        node = _child(node, token, pointer)
    return node


def _add(doc: Any, pointer: str, value: Any) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, pointer), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), pointer, allow_end=True), value)
    else:
        raise Invalid(f'add operation does not apply: doc is missing path "{pointer}"')
    return doc


def _remove(doc: Any, pointer: str, op: str = "remove") -> tuple[Any, Any]:
    """Remove the value at `pointer`; return (document, removed value)."""
    tokens = parse_pointer(pointer)
    if not tokens:
        raise Invalid(f"{op} operation does not apply: cannot remove the whole document")
    parent, last = _parent(doc, tokens, pointer), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Invalid(f'{op} operation does not apply: doc is missing path "{pointer}"')
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), pointer, allow_end=False))
    raise Invalid(f'{op} operation does not apply: doc is missing path "{pointer}"')


def _replace(doc: Any, pointer: str, value: Any) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, pointer), tokens[-1]
    if isinstance(parent, dict) and last in parent:
        parent[last] = value
    elif isinstance(parent, list):
        parent[_index(last, len(parent), pointer, allow_end=False)] = value
    else:
        raise Invalid(f'replace operation does not apply: doc is missing key "{pointer}"')
    return doc


def _field(operation: dict, name: str, index: int) -> Any:
    value = operation.get(name, MISSING)
    if value is MISSING:
        raise Invalid(f'operation {index}: "{name}" is missing')
    return value


def _apply_one(doc: Any, operation: dict, index: int) -> Any:
    op = operation.get("op")
    if op not in _OPS:
        raise Invalid(f"operation {index}: unexpected op {short(op)}")
    path = _field(operation, "path", index)
    if op == "add":
        return _add(doc, path, copy.deepcopy(_field(operation, "value", index)))
    if op == "remove":
        return _remove(doc, path)[0]
    if op == "replace":
        return _replace(doc, path, copy.deepcopy(_field(operation, "value", index)))
    if op == "test":
        expected = _field(operation, "value", index)
        if not json_equal(_get(doc, path), expected):
            raise Invalid(f'testing value "{path}" failed: test failed')
        return doc
    source = _field(operation, "from", index)
    if op == "move":
        if source != path and (path + "/").startswith(source + "/"):
            raise Invalid(f'operation {index}: cannot move "{source}" into its own child "{path}"')
        doc, value = _remove(doc, source, "move")
        return _add(doc, path, value)
    return _add(doc, path, copy.deepcopy(_get(doc, source)))     # copy


@api_errors_only("invalid JSON patch")
def apply_json_patch(doc: dict, ops: list) -> dict:
    """Apply RFC 6902 operations to a copy of `doc`; the result must still be an object."""
    if not isinstance(ops, list):
        raise BadRequest(f"invalid JSON patch: expected an array of operations, "
                         f"got {type_name(ops)}")
    if len(ops) > MAX_OPERATIONS:
        raise RequestEntityTooLarge(f"The allowed maximum operations in a JSON patch is "
                                    f"{MAX_OPERATIONS}, got {len(ops)}")
    for index, operation in enumerate(ops):
        if not isinstance(operation, dict):
            raise BadRequest(f"invalid JSON patch: operation {index} is a "
                             f"{type_name(operation)}, not an object")
    result: Any = copy.deepcopy(doc)
    for index, operation in enumerate(ops):
        result = _apply_one(result, operation, index)
    if not isinstance(result, dict):
        raise Invalid(f"the patched document is a {type_name(result)}, not an object")
    return result
