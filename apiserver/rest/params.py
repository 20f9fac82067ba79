"""Query parameters of writes and reads, parsed once with 400s for bad values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from apiserver.auth.tokens import ANONYMOUS, User
from machinery.api.errors import BadRequest

FIELD_VALIDATION = ("Ignore", "Warn", "Strict")


def _bool(value: str | None, name: str) -> bool:
    if value in (None, "", "false", "False", "0"):
        return False
    if value in ("true", "True", "1"):
        return True
    raise BadRequest(f"invalid value for {name}: {value!r} (must be true or false)")


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"invalid value for {name}: {value!r} (must be an integer)") from None


@dataclass
class WriteParams:
    field_manager: str = ""
    field_validation: str = "Warn"
    dry_run: bool = False
    force: bool = False
    user_agent: str = ""
    warnings: list[str] = field(default_factory=list)
    user: User = ANONYMOUS

    @property
    def manager(self) -> str:
        """Upstream names an unnamed manager after the client's user agent."""
        if self.field_manager:
            return self.field_manager
        return (self.user_agent.split("/", 1)[0] or "unknown")[:128]

    @classmethod
    def parse(cls, query: Mapping[str, str], user_agent: str = "",
              user: User = ANONYMOUS) -> "WriteParams":
        fv = query.get("fieldValidation") or "Warn"
        if fv not in FIELD_VALIDATION:
            raise BadRequest(f'fieldValidation must be one of "Ignore", "Warn", "Strict": {fv!r}')
        dry = query.get("dryRun")
        if dry not in (None, "", "All"):
            raise BadRequest(f'dryRun must be "All": {dry!r}')
        manager = query.get("fieldManager") or ""
        if len(manager) > 128:
            raise BadRequest("fieldManager must not be longer than 128 characters")
        return cls(manager, fv, dry == "All", _bool(query.get("force"), "force"), user_agent,
                   user=user)


@dataclass
class ListParams:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str | None = None
    watch: bool = False
    allow_bookmarks: bool = False
    timeout_s: int | None = None
    include_object: str = "Metadata"

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> "ListParams":
        limit = _int(query.get("limit"), "limit") or 0
        if limit < 0 or limit > 2**62:
            raise BadRequest(f"limit must be between 0 and {2**62}")
        include = query.get("includeObject") or "Metadata"
        if include not in ("None", "Metadata", "Object"):
            raise BadRequest(f"includeObject must be None, Metadata or Object: {include!r}")
        timeout = _int(query.get("timeoutSeconds"), "timeoutSeconds")
        return cls(query.get("labelSelector") or "", query.get("fieldSelector") or "", limit,
                   query.get("continue") or "", query.get("resourceVersion"),
                   _bool(query.get("watch"), "watch"),
                   _bool(query.get("allowWatchBookmarks"), "allowWatchBookmarks"),
                   timeout, include)
