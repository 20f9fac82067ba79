"""Parse a REST path into what it addresses, as upstream's RequestInfoFactory does.

    /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}/{resource}[/{name}[/{subresource}]]     (cluster-scoped or all-namespaces)
"""
from __future__ import annotations

from dataclasses import dataclass

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.api.resources import ResourceInfo


@dataclass(frozen=True)
class RequestInfo:
    info: ResourceInfo
    namespace: str | None          # None: cluster-scoped, or a list/watch across namespaces
    name: str | None
    subresource: str | None

    @property
    def group(self) -> str:
        return self.info.group


def parse_resource_path(path: str) -> RequestInfo:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"]:
        group, rest = "", parts[1:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[2:]
    else:
        raise NotFound.path()
    if not rest:
        raise NotFound.path()
    version, rest = rest[0], rest[1:]
    namespace = None
    # /namespaces/{ns}/{resource}... addresses a namespaced resource, unless the third segment
    # is a subresource of the Namespace itself (status, finalize).
    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = resources.lookup(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise NotFound.path()
    info = resources.lookup(group, version, rest[0])
    if info is None:
        raise NotFound.path()
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and info.subresource(sub) is None:
        raise NotFound.path()
    if info.namespaced and namespace is None and name is not None:
        raise NotFound.path()
    if not info.namespaced and namespace is not None:
        raise NotFound.path()
    return RequestInfo(info, namespace, name, sub)
