"""The server's OpenAPI v3 documents: patch metadata for strategic merge, schemas for explain.

`/openapi/v3` lists one document per group-version; each holds `components.schemas`, where a
kind's schema carries `x-kubernetes-group-version-kind` and its fields carry
`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` (as upstream's struct tags).
When a server has no document for a kind, strategic merge falls back to a small built-in table
of the merge keys that matter for workloads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from machinery.api.errors import ApiError

from kubectl.client import RestClient


@dataclass(frozen=True)
class PatchMeta:
    strategy: str = ""        # "merge", "retainKeys", "merge,retainKeys", "replace" or ""
    merge_key: str = ""

    @property
    def merges(self) -> bool:
        return "merge" in self.strategy.split(",")

    @property
    def retains_keys(self) -> bool:
        return "retainKeys" in self.strategy.split(",")


class OpenAPI:
    """Lazily fetched OpenAPI v3 documents of one server."""

    def __init__(self, client: RestClient):
        self.client = client
        self._root: dict[str, Any] | None = None
        self._docs: dict[str, dict[str, Any]] = {}

    def root(self) -> dict[str, Any]:
        if self._root is None:
            self._root = self.client.get("/openapi/v3").get("paths") or {}
        return self._root

    def document(self, group: str, version: str) -> dict[str, Any] | None:
        key = f"apis/{group}/{version}" if group else f"api/{version}"
        if key not in self._docs:
            entry = self.root().get(key)
            if not entry:
                return None
            try:
                self._docs[key] = self.client.get(entry.get("serverRelativeURL") or f"/openapi/v3/{key}")
            except ApiError:
                return None
        return self._docs[key]

    def kind_schema(self, group: str, version: str, kind: str
                    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(document, schema) of a kind, found by its x-kubernetes-group-version-kind."""
        try:
            doc = self.document(group, version)
        except ApiError:
            return None
        if not doc:
            return None
        for schema in ((doc.get("components") or {}).get("schemas") or {}).values():
            for gvk in schema.get("x-kubernetes-group-version-kind") or []:
                if gvk.get("group", "") == group and gvk.get("version") == version and \
                        gvk.get("kind") == kind:
                    return doc, schema
        return None

    def patch_schema(self, group: str, version: str, kind: str) -> "PatchSchema | None":
        found = self.kind_schema(group, version, kind)
        if found is None:
            return None
        return SchemaNode(found[0], found[1])


def resolve_ref(doc: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    """Follow `$ref` and single-element `allOf` wrappers to the schema they name."""
    seen = 0
    while schema and seen < 20:
        seen += 1
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = ((doc.get("components") or {}).get("schemas") or {}).get(name) or {}
        elif len(schema.get("allOf") or []) == 1 and not schema.get("properties"):
            schema = schema["allOf"][0]
        else:
            break
    return schema or {}


class PatchSchema:
    """Patch metadata along an object's fields; the interface the merge code walks."""

    def field(self, name: str) -> tuple["PatchSchema | None", PatchMeta]:
        raise NotImplementedError

    def items(self) -> "PatchSchema | None":
        raise NotImplementedError


class SchemaNode(PatchSchema):
    def __init__(self, doc: dict[str, Any], schema: dict[str, Any]):
        self.doc = doc
        self.schema = resolve_ref(doc, schema)

    def field(self, name: str) -> tuple[PatchSchema | None, PatchMeta]:
        prop = (self.schema.get("properties") or {}).get(name)
        if prop is None:
            extra = self.schema.get("additionalProperties")
            if isinstance(extra, dict):
                return SchemaNode(self.doc, extra), PatchMeta()
            return None, PatchMeta()
        meta = PatchMeta(prop.get("x-kubernetes-patch-strategy", ""),
                         prop.get("x-kubernetes-patch-merge-key", ""))
        return SchemaNode(self.doc, prop), meta

    def items(self) -> PatchSchema | None:
        items = self.schema.get("items")
        return SchemaNode(self.doc, items) if isinstance(items, dict) else None


# merge keys of the fields that matter most, for servers without OpenAPI v3 patch metadata
_FALLBACK_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "imagePullSecrets": "name", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "conditions": "type", "ownerReferences": "uid",
    "hostAliases": "ip", "taints": "key", "resourceClaims": "name",
}


class FallbackSchema(PatchSchema):
    """Field-name based patch metadata (kubectl's compiled-in struct tags, in miniature)."""

    def __init__(self, parent: str = ""):
        self.parent = parent

    def field(self, name: str) -> tuple[PatchSchema | None, PatchMeta]:
        if name == "ports":
            key = "containerPort" if self.parent == "containers" else "port"
            return FallbackSchema(name), PatchMeta("merge", key)
        if name == "finalizers":
            return FallbackSchema(name), PatchMeta("merge")
        if name in _FALLBACK_MERGE_KEYS:
            return FallbackSchema(name), PatchMeta("merge", _FALLBACK_MERGE_KEYS[name])
        return FallbackSchema(name), PatchMeta()

    def items(self) -> PatchSchema | None:
        return FallbackSchema(self.parent)
