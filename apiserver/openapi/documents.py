"""The `/openapi/v3` documents: one OpenAPI 3.0 document per served group-version, plus the index.

kubectl fetches the index, then each document by the `serverRelativeURL` it lists, and caches the
document under that URL; the `hash` query changes whenever the bytes change, so a cached copy is
never stale. Everything is computed once at startup.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from apiserver.openapi.paths import (
    DELETE_OPTIONS, PATCH, STATUS, WATCH_EVENT, gv_prefix, resource_paths,
)
from apiserver.openapi.schemas import all_schemas, referenced, schema_name
from machinery.api import models
from machinery.api.resources import ResourceInfo

OPENAPI_VERSION = "3.0.0"
KUBERNETES_VERSION = "v1.32.0"
_COMMON = (STATUS, DELETE_OPTIONS, WATCH_EVENT, PATCH)


@dataclass
class OpenApiDocuments:
    """The serialized documents, keyed by path (`api/v1`, `apis/apps/v1`)."""
    documents: dict[str, bytes] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    def index(self) -> dict[str, Any]:
        """The `/openapi/v3` root."""
        return {"paths": {path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={self.hashes[path]}"}
                          for path in self.documents}}

    def document(self, path: str) -> bytes | None:
        """The document of `api/v1`, `apis/apps/v1`, ...; None for an unknown path."""
        return self.documents.get(path.strip("/"))

    def etag(self, path: str) -> str | None:
        return self.hashes.get(path.strip("/"))


def schema_of(group: str, version: str, kind: str) -> str | None:
    """The schema name describing a kind, if a model exists and has a schema."""
    cls = models.model_for(group, version, kind)
    name = schema_name(cls) if cls is not None else None
    return name if name in all_schemas() else None


def build_documents(resources: Iterable[ResourceInfo]) -> OpenApiDocuments:
    """Build (once; the result is meant to be kept) the documents of every group-version."""
    by_gv: dict[tuple[str, str], list[ResourceInfo]] = {}
    for info in resources:
        by_gv.setdefault((info.group, info.version), []).append(info)
    docs = OpenApiDocuments()
    for (group, version), infos in by_gv.items():
        path = gv_prefix(group, version).lstrip("/")
        body = json.dumps(gv_document(group, version, infos), separators=(",", ":"),
                          sort_keys=True).encode()
        docs.documents[path] = body
        docs.hashes[path] = hashlib.sha512(body).hexdigest().upper()
    return docs


def gv_document(group: str, version: str, infos: list[ResourceInfo]) -> dict[str, Any]:
    """The OpenAPI document of one group-version, as a dict."""
    paths: dict[str, Any] = {}
    for info in infos:
        paths.update(resource_paths(info, schema_of))
    roots = list(_COMMON) + sorted(_schema_refs(paths))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {
            "schemas": referenced(roots, all_schemas()),
            "securitySchemes": {"BearerToken": {
                "type": "apiKey", "in": "header", "name": "authorization",
                "description": "Bearer Token authentication"}},
        },
        "security": [{"BearerToken": []}],
    }


def _schema_refs(value: Any) -> set[str]:
    """Schema names referenced anywhere in the paths."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                found.add(ref.rsplit("/", 1)[1])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
