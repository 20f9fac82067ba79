"""Decoding a watch stream: newline-delimited JSON events, as the api-server sends them.

Each line is `{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": {...}}`. An ERROR
event carries a Status; it is raised as the typed error (410 Expired -> `Gone`, which tells an
informer to relist), since the server closes the stream after it anyway.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncIterator

from machinery.api.errors import ApiError

ADDED, MODIFIED, DELETED, BOOKMARK, ERROR = "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"


@dataclass(frozen=True)
class WatchEvent:
    type: str
    object: dict[str, Any]

    @property
    def resource_version(self) -> str | None:
        return (self.object.get("metadata") or {}).get("resourceVersion")


def decode_event(line: str | bytes) -> WatchEvent | None:
    """One line of the stream -> an event; None for a blank keep-alive line.

    Raises the typed ApiError for an ERROR event, and ValueError for a line that is not an event.
    """
    if not line.strip():
        return None
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"malformed watch event: {line[:200]!r}") from e
    if not isinstance(raw, dict) or "type" not in raw or not isinstance(raw.get("object"), dict):
        raise ValueError(f"malformed watch event: {line[:200]!r}")
    if raw["type"] == ERROR:
        status = raw["object"]
        raise ApiError.from_status(status, status.get("code") or 500)
    return WatchEvent(raw["type"], raw["object"])


async def decode_stream(lines: AsyncIterator[str]) -> AsyncIterator[WatchEvent]:
    async for line in lines:
        event = decode_event(line)
        if event is not None:
            yield event
