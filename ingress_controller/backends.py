"""From a Backend (Service + port) to the addresses to send a request to, round robin.

The Service port is found by number or by name; the EndpointSlices of the Service (label
`kubernetes.io/service-name`) carry that port under the Service port's name, with the target
port number. Only ready endpoints count (a missing ready condition means ready, as the
EndpointSlice API says). An ExternalName Service proxies to its DNS name.
"""
from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass
from typing import Any, Protocol

from ingress_controller.routing import Backend

Obj = dict[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class Store(Protocol):
    def get(self, key: str, *, copy_: bool = True) -> Obj | None: ...
    def by_index(self, name: str, value: str, *, copy_: bool = True) -> list[Obj]: ...


def slice_service_key(es: Obj) -> str | None:
    """The index function for EndpointSlices: `ns/service`."""
    meta = es.get("metadata") or {}
    name = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return f"{meta.get('namespace')}/{name}" if name else None


class NoEndpoints(Exception):
    """The backend exists in the route table but has nothing to send to (answer 503)."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _service_port(svc: Obj, port: int | str | None) -> Obj | None:
    for p in (svc.get("spec") or {}).get("ports") or []:
        if (isinstance(port, int) and p.get("port") == port) or \
                (isinstance(port, str) and p.get("name") == port):
            return p
    return None


def targets(backend: Backend, services: Store, slices: Store) -> list[Target]:
    """Every ready address of the backend; raises NoEndpoints with a reason otherwise."""
    if backend.service is None:
        raise NoEndpoints("resource backends are not supported")
    svc = services.get(f"{backend.namespace}/{backend.service}", copy_=False)
    if svc is None:
        raise NoEndpoints(f"service {backend.namespace}/{backend.service} not found")
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        if not isinstance(backend.port, int):
            raise NoEndpoints("an ExternalName backend needs a port number")
        return [Target(spec.get("externalName", "").rstrip("."), backend.port)]
    svc_port = _service_port(svc, backend.port)
    if svc_port is None:
        raise NoEndpoints(f"service {backend.namespace}/{backend.service} has no port "
                          f"{backend.port}")
    found: dict[Target, None] = {}
    for es in slices.by_index("service", f"{backend.namespace}/{backend.service}", copy_=False):
        number = _slice_port(es, svc_port.get("name") or "")
        if number is None:
            continue
        for ep in es.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready") is False:
                continue
            for address in ep.get("addresses") or []:
                if _is_ip(address):
                    found[Target(address, number)] = None
    if not found:
        raise NoEndpoints(f"no ready endpoints for {backend.key}")
    return sorted(found, key=str)


def _slice_port(es: Obj, name: str) -> int | None:
    for p in es.get("ports") or []:
        if (p.get("name") or "") == name and (p.get("protocol") or "TCP") == "TCP":
            return p.get("port")
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class Balancer:
    """Round robin per backend; the rotation survives endpoint changes (it is a counter)."""

    def __init__(self, services: Store, slices: Store):
        self.services, self.slices = services, slices
        self._counters: dict[str, itertools.count] = {}

    def pick(self, backend: Backend) -> list[Target]:
        """The backend's targets, starting with the next one in turn (the rest for retries)."""
        found = targets(backend, self.services, self.slices)
        start = next(self._counters.setdefault(backend.key, itertools.count())) % len(found)
        return found[start:] + found[:start]
