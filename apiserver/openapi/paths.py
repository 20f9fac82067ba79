"""The `paths` of one group-version document: every REST operation of every resource.

Operations carry what clients key on: `operationId` (upstream's names, e.g.
`patchAppsV1NamespacedDeployment`), `x-kubernetes-action`, `x-kubernetes-group-version-kind`,
the query parameters, and request/response bodies referring to the kind's schema.
"""
from __future__ import annotations

from typing import Any, Callable

from apiserver.openapi import parameters as params
from apiserver.openapi.schemas import META, REF_PREFIX
from machinery.api.resources import ResourceInfo, Subresource

Operation = dict[str, Any]
PathItem = dict[str, Any]
# Resolves a (group, version, kind) to its schema name, or None when no model describes it.
SchemaOf = Callable[[str, str, str], "str | None"]

MEDIA = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
WATCH_MEDIA = MEDIA + ("application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
PATCH_MEDIA = ("application/apply-patch+yaml", "application/json-patch+json",
               "application/merge-patch+json", "application/strategic-merge-patch+json")
STATUS = f"{META}.Status"
DELETE_OPTIONS = f"{META}.DeleteOptions"
WATCH_EVENT = f"{META}.WatchEvent"
PATCH = f"{META}.Patch"
# HTTP method and operationId verb of each Kubernetes verb.
_VERB = {"get": ("get", "read", "get"), "update": ("put", "replace", "put"),
         "patch": ("patch", "patch", "patch"), "create": ("post", "create", "post"),
         "delete": ("delete", "delete", "delete")}
_STRING = {"type": "string"}
_CONNECT_METHODS = {"get": "get", "create": "post", "update": "put", "patch": "patch",
                    "delete": "delete"}


def group_camel(group: str) -> str:
    """`apps` -> `Apps`, `rbac.authorization.k8s.io` -> `RbacAuthorization`, core -> `Core`."""
    if not group:
        return "Core"
    return "".join(part[:1].upper() + part[1:] for part in group.removesuffix(".k8s.io").split("."))


def tag(group: str, version: str) -> str:
    camel = group_camel(group)
    return f"{camel[:1].lower()}{camel[1:]}_{version}"


def gv_prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


class _Builder:
    """Accumulates the path items of one resource."""

    def __init__(self, info: ResourceInfo, schema_of: SchemaOf):
        self.info = info
        self.schema_of = schema_of
        self.ns = "Namespaced" if info.namespaced else ""
        self.prefix = gv_prefix(info.group, info.version)
        self.ids = f"{group_camel(info.group)}{info.version[:1].upper()}{info.version[1:]}"
        self.paths: dict[str, PathItem] = {}

    # --- helpers ------------------------------------------------------------------------------

    def _item(self, path: str, *, name: bool, namespace: bool) -> PathItem:
        item = self.paths.setdefault(path, {})
        if "parameters" not in item:
            common = []
            if name:
                common.append(params.path_param("name", f"name of the {self.info.kind}"))
            if namespace:
                common.append(params.NAMESPACE)
            item["parameters"] = common + [params.PRETTY]
        return item

    def _op(self, action: str, op_id: str, gvk: tuple[str, str, str], description: str,
            response: str | dict | None, *, body: str | None = None, media: tuple[str, ...] = MEDIA,
            codes: tuple[str, ...] = ("200",), extra: list[dict] | None = None) -> Operation:
        op: Operation = {
            "description": description, "operationId": op_id,
            "parameters": list(params.BY_ACTION[action]) + (extra or []),
            "responses": {code: _response(response, media) for code in codes},
            "tags": [tag(self.info.group, self.info.version)],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": gvk[0], "kind": gvk[2], "version": gvk[1]},
        }
        if action == "patch":
            op["requestBody"] = _body(REF_PREFIX + PATCH, PATCH_MEDIA)
        elif body:
            op["requestBody"] = _body(REF_PREFIX + body, ("application/json",) + MEDIA[1:],
                                      required=action != "delete" and action != "deletecollection")
        return op

    def _base(self, namespaced_path: bool) -> str:
        return (f"{self.prefix}/namespaces/{{namespace}}/{self.info.plural}" if namespaced_path
                else f"{self.prefix}/{self.info.plural}")

    # --- the resource itself ------------------------------------------------------------------

    def build(self) -> dict[str, PathItem]:
        info, verbs = self.info, set(self.info.verbs)
        gvk = (info.group, info.version, info.kind)
        kind_schema = self.schema_of(*gvk)
        list_schema = self.schema_of(info.group, info.version, info.list_kind)
        kind, ids, ns = info.kind, self.ids, self.ns
        collection = self._item(self._base(info.namespaced), name=False, namespace=info.namespaced)
        if "list" in verbs:
            collection["get"] = self._op("list", f"list{ids}{ns}{kind}", gvk,
                                         f"list or watch objects of kind {kind}", list_schema,
                                         media=WATCH_MEDIA)
        if "create" in verbs:
            collection["post"] = self._op("post", f"create{ids}{ns}{kind}", gvk,
                                          f"create a {kind}", kind_schema, body=kind_schema,
                                          codes=("200", "201", "202"))
        if "deletecollection" in verbs:
            collection["delete"] = self._op("deletecollection", f"delete{ids}Collection{ns}{kind}",
                                            gvk, f"delete collection of {kind}", STATUS,
                                            body=DELETE_OPTIONS)
        if verbs & {"get", "update", "patch", "delete"}:
            self._object_ops(gvk, kind_schema, verbs)
        if "watch" in verbs:
            self._watch_ops(gvk)
        if info.namespaced and "list" in verbs:
            every = self._item(self._base(False), name=False, namespace=False)
            every["get"] = self._op("list", f"list{ids}{kind}ForAllNamespaces", gvk,
                                    f"list or watch objects of kind {kind}", list_schema,
                                    media=WATCH_MEDIA)
        for sub in info.subresources:
            self._subresource(sub)
        return self.paths

    def _object_ops(self, gvk, kind_schema, verbs) -> None:
        kind, ids, ns = self.info.kind, self.ids, self.ns
        item = self._item(self._base(self.info.namespaced) + "/{name}", name=True,
                          namespace=self.info.namespaced)
        if "get" in verbs:
            item["get"] = self._op("get", f"read{ids}{ns}{kind}", gvk,
                                   f"read the specified {kind}", kind_schema)
        if "update" in verbs:
            item["put"] = self._op("put", f"replace{ids}{ns}{kind}", gvk,
                                   f"replace the specified {kind}", kind_schema, body=kind_schema,
                                   codes=("200", "201"))
        if "patch" in verbs:
            item["patch"] = self._op("patch", f"patch{ids}{ns}{kind}", gvk,
                                     f"partially update the specified {kind}", kind_schema,
                                     codes=("200", "201"))
        if "delete" in verbs:
            item["delete"] = self._op("delete", f"delete{ids}{ns}{kind}", gvk,
                                      f"delete a {kind}", STATUS, body=DELETE_OPTIONS,
                                      codes=("200", "202"))

    def _watch_ops(self, gvk) -> None:
        """The deprecated /watch/ paths, still listed by upstream."""
        info, kind, ids, ns = self.info, self.info.kind, self.ids, self.ns
        base = self._base(info.namespaced).replace(self.prefix, self.prefix + "/watch", 1)
        listed = self._item(base, name=False, namespace=info.namespaced)
        listed["get"] = self._op("watchlist", f"watch{ids}{ns}{kind}List", gvk,
                                 f"watch individual changes to a list of {kind}", WATCH_EVENT,
                                 media=WATCH_MEDIA)
        one = self._item(base + "/{name}", name=True, namespace=info.namespaced)
        one["get"] = self._op("watch", f"watch{ids}{ns}{kind}", gvk,
                              f"watch changes to an object of kind {kind}", WATCH_EVENT,
                              media=WATCH_MEDIA)
        if info.namespaced:
            every = self._item(f"{self.prefix}/watch/{info.plural}", name=False, namespace=False)
            every["get"] = self._op("watchlist", f"watch{ids}{kind}ListForAllNamespaces", gvk,
                                    f"watch individual changes to a list of {kind}", WATCH_EVENT,
                                    media=WATCH_MEDIA)

    # --- subresources -------------------------------------------------------------------------

    def _subresource(self, sub: Subresource) -> None:
        info = self.info
        gvk = (info.group if sub.group is None else sub.group,
               info.version if sub.version is None else sub.version, sub.kind or info.kind)
        item = self._item(f"{self._base(info.namespaced)}/{{name}}/{sub.name}", name=True,
                          namespace=info.namespaced)
        suffix = f"{info.kind}{sub.name[:1].upper()}{sub.name[1:]}"
        extra = params.BY_SUBRESOURCE.get(sub.name, [])
        if gvk[2].endswith("Options"):          # exec, attach, portforward, proxy: streams
            for verb in sub.verbs:
                method = _CONNECT_METHODS[verb]
                item[method] = self._op(
                    "connect", f"connect{self.ids}{method.capitalize()}{self.ns}{suffix}", gvk,
                    f"connect {method.upper()} requests to {sub.name} of {info.kind}", _STRING,
                    media=("*/*",), extra=extra)
            return
        schema = self.schema_of(*gvk)
        for verb in sub.verbs:
            method, op_verb, action = _VERB[verb]
            if sub.name == "log":
                item[method] = self._op(action, f"{op_verb}{self.ids}{self.ns}{suffix}", gvk,
                                        f"read log of the specified {info.kind}", _STRING,
                                        media=("text/plain", "application/json"), extra=extra)
                continue
            codes = {"post": ("200", "201", "202"), "put": ("200", "201"),
                     "patch": ("200", "201")}.get(method, ("200",))
            item[method] = self._op(
                action, f"{op_verb}{self.ids}{self.ns}{suffix}", gvk,
                f"{op_verb} {sub.name} of the specified {info.kind}", schema,
                body=schema if method in ("post", "put") else None, codes=codes, extra=extra)


def _response(schema: str | dict | None, media: tuple[str, ...]) -> dict[str, Any]:
    """A schema name becomes a $ref; a dict is inline; None (a kind without a model) is an object."""
    if isinstance(schema, str):
        content_schema: dict[str, Any] = {"$ref": REF_PREFIX + schema}
    else:
        content_schema = schema or {"type": "object"}
    return {"description": "OK", "content": {m: {"schema": content_schema} for m in media}}


def _body(ref: str, media: tuple[str, ...], required: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"content": {m: {"schema": {"$ref": ref}} for m in media}}
    if required:
        body["required"] = True
    return body


def resource_paths(info: ResourceInfo, schema_of: SchemaOf) -> dict[str, PathItem]:
    """Every path item of one resource and its subresources."""
    return _Builder(info, schema_of).build()
