"""Discovery documents: aggregated (`/api`, `/apis` as APIGroupDiscoveryList) and legacy
(`/api/v1`, `/apis/{group}/{version}` as APIResourceList), built once from the catalog."""
from __future__ import annotations

from typing import Any

from machinery.api.resources import GROUP_VERSIONS, RESOURCES, ResourceInfo, by_group_version

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def wants_aggregated(accept: str | None) -> str | None:
    """The aggregated media type the client accepts, if any."""
    for part in (accept or "").split(","):
        params = dict(p.strip().split("=", 1) for p in part.split(";")[1:] if "=" in p)
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            return AGGREGATED if params.get("v") == "v2" else AGGREGATED_V2BETA1
    return None


def _sub_kind(info: ResourceInfo, sub) -> dict[str, str]:
    return {"group": info.group if sub.group is None else sub.group,
            "version": info.version if sub.version is None else sub.version,
            "kind": sub.kind or info.kind}


def _aggregated_resource(info: ResourceInfo) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resource": info.plural, "singularResource": info.singular,
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
        "verbs": list(info.verbs)}
    if info.short_names:
        res["shortNames"] = list(info.short_names)
    if info.categories:
        res["categories"] = list(info.categories)
    if info.subresources:
        res["subresources"] = [{"subresource": s.name, "responseKind": _sub_kind(info, s),
                                "verbs": list(s.verbs)} for s in info.subresources]
    return res


def _group_versions() -> list[tuple[str, tuple[str, ...]]]:
    return [("", ("v1",))] + list(GROUP_VERSIONS)


def aggregated(core: bool) -> dict[str, Any]:
    items = []
    for group, versions in _group_versions():
        if (group == "") != core:
            continue
        items.append({"metadata": {"name": group, "creationTimestamp": None},
                      "versions": [{"version": v, "freshness": "Current",
                                    "resources": [_aggregated_resource(r)
                                                  for r in by_group_version(group, v)
                                                  if r.plural != "bindings" or group == ""]}
                                   for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group(group: str, versions: tuple[str, ...]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(g, v) for g, v in GROUP_VERSIONS]}


def api_group(group: str) -> dict[str, Any] | None:
    for g, versions in GROUP_VERSIONS:
        if g == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(g, versions)}
    return None


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    infos = by_group_version(group, version)
    if not infos:
        return None
    resources = []
    for info in infos:
        entry: dict[str, Any] = {"name": info.plural, "singularName": info.singular,
                                 "namespaced": info.namespaced, "kind": info.kind,
                                 "verbs": list(info.verbs)}
        if info.short_names:
            entry["shortNames"] = list(info.short_names)
        if info.categories:
            entry["categories"] = list(info.categories)
        resources.append(entry)
        for sub in info.subresources:
            kind = _sub_kind(info, sub)
            sub_entry: dict[str, Any] = {"name": f"{info.plural}/{sub.name}", "singularName": "",
                                         "namespaced": info.namespaced, "kind": kind["kind"],
                                         "verbs": list(sub.verbs)}
            if sub.group is not None:
                sub_entry["group"], sub_entry["version"] = kind["group"], kind["version"]
            resources.append(sub_entry)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": resources}


VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0+tinykube",
           "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
           "buildDate": "2026-11-28T00:00:00Z", "goVersion": "python3.11", "compiler": "cpython",
           "platform": "linux/amd64"}
