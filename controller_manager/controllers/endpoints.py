"""The endpoints controller: one Endpoints object per Service with a selector.

As upstream's EndpointController. For each Service that has a selector, the addresses of the
pods it selects, grouped into subsets by the set of ports they serve (a named targetPort is
resolved per pod): ready pods in `addresses`, the others in `notReadyAddresses`, every
address with its targetRef, nodeName (and hostname for pods in the Service's subdomain).
`publishNotReadyAddresses` puts every pod with an IP, even terminating ones, in `addresses`.
The Endpoints carry the Service's labels; nothing is written when nothing changed; the
Endpoints of a deleted Service are deleted. Services without a selector (and the api-server's
own `default/kubernetes`) are left alone: someone else writes their Endpoints.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager import endpoints_util as eu
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import AlreadyExists, NotFound
from machinery.controller import Result
from machinery.informer import object_key, split_key
from machinery.runtime import kv

log = logging.getLogger("controller_manager.endpoints")

Obj = dict[str, Any]
SERVICES = resources.lookup("", "v1", "services")
PODS = resources.lookup("", "v1", "pods")
ENDPOINTS = resources.lookup("", "v1", "endpoints")


class ServicePodsController(QueueController):
    """A controller keyed by Service: pods enqueue the Services that select them."""

    def __init__(self, name: str, ctx: ControllerContext, workers: int, extra=(),
                 component: str | None = None):
        super().__init__(name, ctx, workers, (SERVICES, PODS, *extra), component)
        self.services = ctx.informers.informer(SERVICES)
        self.pods = ctx.informers.informer(PODS)
        self.services.add_key_handler(self.enqueue)
        self.pods.add_handler(self._pod_changed, self._pod_updated, self._pod_changed)

    def _services_selecting(self, pod: Obj) -> list[str]:
        ns = eu.meta(pod).get("namespace") or ""
        return [object_key(s) for s in self.ctx.informers.in_namespace(SERVICES, ns)
                if eu.selects(s, pod)]

    def _pod_changed(self, pod: Obj) -> None:
        for key in self._services_selecting(pod):
            self.enqueue(key)

    def _pod_updated(self, old: Obj, cur: Obj) -> None:
        if eu.pod_endpoint_view(old) == eu.pod_endpoint_view(cur):
            return
        keys = set(self._services_selecting(cur))
        if eu.meta(old).get("labels") != eu.meta(cur).get("labels"):
            keys |= set(self._services_selecting(old))
        for key in keys:
            self.enqueue(key)

    def selected_pods(self, service: Obj) -> list[Obj]:
        ns = eu.meta(service).get("namespace") or ""
        return [p for p in self.ctx.informers.in_namespace(PODS, ns) if eu.selects(service, p)]


def _address(pod: Obj, service: Obj) -> Obj:
    address: Obj = {"ip": eu.pod_ip(pod), "targetRef": eu.target_ref(pod)}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        address["nodeName"] = node
    if eu.should_set_hostname(pod, service):
        address["hostname"] = pod["spec"]["hostname"]
    return address


def _ports_key(ports: list[Obj]) -> tuple:
    return tuple(sorted((p["name"], p["port"], p["protocol"], p.get("appProtocol") or "")
                        for p in ports))


def compute_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """The subsets of a Service's Endpoints (upstream's syncService + RepackSubsets)."""
    spec = service.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    groups: dict[tuple, tuple[list[Obj], list[Obj], list[Obj]]] = {}
    for pod in pods:
        if not eu.should_be_endpoint(pod, include_terminating=publish_not_ready):
            continue
        if not spec.get("ports") and not eu.is_headless(service):
            continue     # a portless Service only has endpoints when headless
        ports = eu.endpoint_ports(pod, service)
        if spec.get("ports") and not ports:
            continue     # serves none of the Service's ports
        key = _ports_key(ports)
        ready, not_ready, _ = groups.setdefault(key, ([], [], ports))
        if publish_not_ready or eu.is_ready(pod):
            ready.append(_address(pod, service))
        else:
            not_ready.append(_address(pod, service))
    return [_subset(ready, not_ready, ports) for _, (ready, not_ready, ports)
            in sorted(groups.items())]


def _subset(ready: list[Obj], not_ready: list[Obj], ports: list[Obj]) -> Obj:
    def by_ip(a: Obj) -> tuple:
        return tuple(int(x) for x in a["ip"].split(".")), a["targetRef"]["name"]
    subset: Obj = {}
    if ready:
        subset["addresses"] = sorted(ready, key=by_ip)
    if not_ready:
        subset["notReadyAddresses"] = sorted(not_ready, key=by_ip)
    if ports:
        subset["ports"] = sorted(ports, key=lambda p: (p["name"], p["port"], p["protocol"]))
    return subset


def _normalized(subsets: list[Obj] | None) -> list[Obj]:
    """Subsets as the api-server may return them (defaults filled) compared by content."""
    out = []
    for s in subsets or []:
        out.append({
            "addresses": [_norm_address(a) for a in s.get("addresses") or []],
            "notReadyAddresses": [_norm_address(a) for a in s.get("notReadyAddresses") or []],
            "ports": sorted(_ports_key([{"name": p.get("name") or "", "port": p.get("port"),
                                         "protocol": p.get("protocol") or "TCP",
                                         "appProtocol": p.get("appProtocol")}
                                        for p in s.get("ports") or []]))})
    return out


def _norm_address(a: Obj) -> tuple:
    ref = a.get("targetRef") or {}
    return (a.get("ip"), a.get("nodeName"), a.get("hostname"), ref.get("name"), ref.get("uid"))


class EndpointsController(ServicePodsController):
    def __init__(self, ctx: ControllerContext, workers: int = 5):
        super().__init__("endpoints", ctx, workers, (ENDPOINTS,), "endpoint-controller")
        self.endpoints = ctx.informers.informer(ENDPOINTS)
        # an Endpoints left behind by a Service deleted while we were down
        self.endpoints.add_handler(on_add=lambda ep: self.enqueue(object_key(ep)))

    async def reconcile(self, key: str) -> Result | None:
        ns, name = split_key(key)
        service = self.services.get(key, copy_=False)
        current = self.endpoints.get(key, copy_=False)
        if service is None:
            if current is not None and not self._foreign(current):
                await self._delete(ns, name)
            return None
        if not eu.managed_service(service):
            return None
        subsets = compute_subsets(service, self.selected_pods(service))
        labels = eu.service_labels(service)
        if current is not None and _normalized(current.get("subsets")) == _normalized(subsets) \
                and (eu.meta(current).get("labels") or {}) == labels:
            return None
        await self._write(service, current, subsets, labels)
        return None

    @staticmethod
    def _foreign(endpoints: Obj) -> bool:
        # leader-election records kept in Endpoints by old components are not ours to delete
        annotations = eu.meta(endpoints).get("annotations") or {}
        return "control-plane.alpha.kubernetes.io/leader" in annotations

    async def _delete(self, ns: str | None, name: str) -> None:
        try:
            await self.client.delete(ENDPOINTS, name, ns)
            log.info("deleted endpoints", extra=kv(controller=self.name, key=f"{ns}/{name}"))
        except NotFound:
            pass

    async def _write(self, service: Obj, current: Obj | None, subsets: list[Obj],
                     labels: dict[str, str]) -> None:
        m = eu.meta(service)
        body: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                     "metadata": {"name": m["name"], "namespace": m["namespace"],
                                  "labels": labels}}
        if subsets:
            body["subsets"] = subsets
        key = object_key(service)
        if current is None:
            try:
                await self.client.create(ENDPOINTS, body, m["namespace"])
            except AlreadyExists:
                raise   # the cache lags: retried with back-off on fresh data
            log.info("created endpoints", extra=kv(controller=self.name, key=key,
                                                   subsets=len(subsets)))
            return
        cm = eu.meta(current)
        body["metadata"] = {**cm, "labels": labels}
        body["metadata"].pop("managedFields", None)
        await self.client.update(ENDPOINTS, body)
        log.info("updated endpoints", extra=kv(controller=self.name, key=key,
                                               subsets=len(subsets)))


def new_endpoints(ctx: ControllerContext) -> EndpointsController:
    return EndpointsController(ctx, ctx.settings.concurrent_endpoint_syncs)
