"""The four PATCH types and field ownership, as pure functions on JSON dicts.

    patch_type(content_type)                       -> "json" | "merge" | "strategic" | "apply"
    apply_json_patch(doc, ops)                     RFC 6902
    apply_merge_patch(doc, patch)                  RFC 7386
    apply_strategic_merge_patch(doc, patch, kind, api_version)
    server_side_apply(live, applied, manager, force, kind, api_version, now)
    update_managed_fields(old, new, manager, operation, subresource, now=, api_version=)

Every malformed input raises a `machinery.api.errors.ApiError` subclass, never anything else.
"""
from .apply import server_side_apply
from .content_type import patch_type
from .json_patch import apply_json_patch
from .managed_fields import update_managed_fields
from .merge_patch import apply_merge_patch
from .strategic import apply_strategic_merge_patch

__all__ = ["patch_type", "apply_json_patch", "apply_merge_patch", "apply_strategic_merge_patch",
           "server_side_apply", "update_managed_fields"]
