"""Which of the four PATCH flavours a request's Content-Type names."""
from __future__ import annotations

from machinery.api.errors import UnsupportedMediaType

PATCH_TYPES: dict[str, str] = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def patch_type(content_type: str) -> str:
    """Map a Content-Type (parameters such as `; charset=utf-8` allowed) to
    "json" | "merge" | "strategic" | "apply"; anything else is a 415, worded as upstream."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        return PATCH_TYPES[media]
    except KeyError:
        accepted = ", ".join(PATCH_TYPES)
        raise UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {accepted}") from None
