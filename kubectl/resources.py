"""Discovery and name resolution: which REST resource does `po`, `deploy.apps` or `Pod` mean?

The api-server's aggregated discovery (`/api`, `/apis`, APIGroupDiscoveryList) lists every
resource with its kind, scope, short names, categories and subresources; servers that only speak
legacy discovery are read group-version by group-version. Resolution follows kubectl's REST
mapper: plural, singular, short name or kind, optionally qualified with `.group` or
`.version.group`; the core group comes first, then the groups in the server's order, and the
preferred (first listed) version of a group wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl.client import DISCOVERY_ACCEPT, RestClient
from kubectl.errors import CLIError


@dataclass(frozen=True)
class Mapping:
    group: str
    version: str
    kind: str
    resource: str                 # the plural, as in the URL
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    subresources: dict[str, tuple[str, str, str]] = field(default_factory=dict, compare=False,
                                                          hash=False)
    preferred: bool = True        # in the group's preferred version

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def kind_group(self) -> str:
        """`deployment.apps` / `pod`: how kubectl names a kind in its messages."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()

    @property
    def group_resource(self) -> str:
        """`deployments.apps` / `pods`: how the server names a resource in its messages."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def path(self, namespace: str | None = None, name: str | None = None,
             subresource: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else "/api/v1"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.resource}"
        if name:
            base += f"/{name}"
        if subresource:
            base += f"/{subresource}"
        return base


class Discovery:
    """The server's resources, fetched once per invocation."""

    def __init__(self, client: RestClient):
        self.client = client
        self._mappings: list[Mapping] | None = None

    @property
    def mappings(self) -> list[Mapping]:
        if self._mappings is None:
            self._mappings = self._fetch()
        return self._mappings

    def _fetch(self) -> list[Mapping]:
        out: list[Mapping] = []
        for path in ("/api", "/apis"):
            response = self.client._http.get(path, headers={"Accept": DISCOVERY_ACCEPT})
            if response.is_error:
                continue
            body = response.json()
            if body.get("kind") == "APIGroupDiscoveryList":
                out.extend(_from_aggregated(body))
            else:
                out.extend(self._from_legacy(path, body))
        return out

    def _from_legacy(self, path: str, body: dict[str, Any]) -> list[Mapping]:
        out: list[Mapping] = []
        if path == "/api":
            gvs = [("", v) for v in body.get("versions") or []]
        else:
            gvs = []
            for g in body.get("groups") or []:
                preferred = (g.get("preferredVersion") or {}).get("version")
                versions = [v["version"] for v in g.get("versions") or []]
                versions.sort(key=lambda v: v != preferred)
                gvs.extend((g["name"], v) for v in versions)
        seen_groups: set[str] = set()
        for group, version in gvs:
            gv_path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            preferred = group not in seen_groups
            seen_groups.add(group)
            listing = self.client.get(gv_path)
            out.extend(_from_resource_list(group, version, listing, preferred))
        return out

    # --- resolution -------------------------------------------------------------------------

    def resolve(self, name: str) -> Mapping:
        """The mapping for a resource argument (`po`, `deployments.apps`, `Deployment`)."""
        found = self.find(name)
        if found is None:
            raise CLIError(f'error: the server doesn\'t have a resource type "{name}"')
        return found

    def find(self, name: str) -> Mapping | None:
        lowered = name.lower()
        candidates = [(lowered, None, None)]
        parts = lowered.split(".")
        if len(parts) >= 2:
            candidates.append((parts[0], None, ".".join(parts[1:])))
        if len(parts) >= 3:
            candidates.append((parts[0], parts[1], ".".join(parts[2:])))
        for resource, version, group in candidates:
            for matcher in (_by_resource, _by_short_name, _by_kind):
                for m in self.mappings:
                    if group is not None and m.group != group:
                        continue
                    if version is not None and m.version != version:
                        continue
                    if version is None and not m.preferred:
                        continue
                    if matcher(m, resource):
                        return m
        return None

    def for_kind(self, api_version: str, kind: str) -> Mapping | None:
        group, _, version = api_version.rpartition("/")
        for m in self.mappings:
            if m.group == group and m.version == version and m.kind == kind:
                return m
        return None

    def category(self, name: str) -> list[Mapping]:
        return [m for m in self.mappings if m.preferred and name in m.categories]


def _by_resource(m: Mapping, name: str) -> bool:
    return name in (m.resource, m.singular)


def _by_short_name(m: Mapping, name: str) -> bool:
    return name in m.short_names


def _by_kind(m: Mapping, name: str) -> bool:
    return name == m.kind.lower()


def _from_aggregated(body: dict[str, Any]) -> list[Mapping]:
    out: list[Mapping] = []
    for item in body.get("items") or []:
        group = (item.get("metadata") or {}).get("name", "")
        for index, version in enumerate(item.get("versions") or []):
            for r in version.get("resources") or []:
                kind = (r.get("responseKind") or {}).get("kind", "")
                subs = {s["subresource"]: _gvk(s.get("responseKind") or {})
                        for s in r.get("subresources") or []}
                out.append(Mapping(
                    group=group, version=version["version"], kind=kind,
                    resource=r["resource"],
                    singular=r.get("singularResource") or kind.lower(),
                    namespaced=r.get("scope") == "Namespaced",
                    short_names=tuple(r.get("shortNames") or ()),
                    categories=tuple(r.get("categories") or ()),
                    verbs=tuple(r.get("verbs") or ()), subresources=subs,
                    preferred=index == 0))
    return out


def _gvk(kind: dict[str, str]) -> tuple[str, str, str]:
    return kind.get("group", ""), kind.get("version", ""), kind.get("kind", "")


def _from_resource_list(group: str, version: str, listing: dict[str, Any],
                        preferred: bool) -> list[Mapping]:
    resources = listing.get("resources") or []
    subs: dict[str, dict[str, tuple[str, str, str]]] = {}
    for r in resources:
        if "/" in r["name"]:
            parent, sub = r["name"].split("/", 1)
            subs.setdefault(parent, {})[sub] = (r.get("group", group), r.get("version", version),
                                                r.get("kind", ""))
    return [Mapping(group=group, version=version, kind=r["kind"], resource=r["name"],
                    singular=r.get("singularName") or r["kind"].lower(),
                    namespaced=bool(r.get("namespaced")),
                    short_names=tuple(r.get("shortNames") or ()),
                    categories=tuple(r.get("categories") or ()),
                    verbs=tuple(r.get("verbs") or ()), subresources=subs.get(r["name"], {}),
                    preferred=preferred)
            for r in resources if "/" not in r["name"]]
