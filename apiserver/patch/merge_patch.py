"""RFC 7386 JSON merge patch (what `kubectl label/annotate/scale` send).

Maps merge recursively, `null` deletes a key, anything else (lists included) replaces.
"""
from __future__ import annotations

import copy
from typing import Any

from machinery.api.errors import BadRequest

from .guard import api_errors_only
from .values import type_name


def merge_values(target: Any, patch: Any) -> Any:
    """The RFC's MergePatch(Target, Patch) on plain JSON values; inputs are not mutated."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_values(result.get(key), value)
    return result


@api_errors_only("invalid merge patch")
def apply_merge_patch(doc: dict, patch: dict) -> dict:
    """Apply a merge patch to `doc`. A patch that is not an object would replace the whole
    object with a non-object, which no resource can be, so it is a 400."""
    if not isinstance(patch, dict):
        raise BadRequest(f"invalid merge patch: expected a JSON object, got {type_name(patch)}")
    return merge_values(copy.deepcopy(doc), patch)
