"""What the DNS answers are computed from: Services, EndpointSlices and Pods, behind one view.

The server reads informer caches; the unit tests read `StaticStore`s built from plain dicts.
Both expose `get(key)` and `by_index(name, value)`, and both carry the indexes below, so
`ClusterView` works the same on either. Objects are the caches' own: never mutated here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

Obj = dict[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _service_ips(svc: Obj) -> list[str]:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [ip for ip in ips if ip and ip != "None"]


def _slice_service(es: Obj) -> str | None:
    name = (_meta(es).get("labels") or {}).get(SERVICE_NAME_LABEL)
    return f"{_meta(es).get('namespace')}/{name}" if name else None


def _slice_addresses(es: Obj) -> list[str]:
    return [a for ep in es.get("endpoints") or [] for a in ep.get("addresses") or []]


def _pod_ips(pod: Obj) -> list[str]:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or []] or [status.get("podIP")]
    return [ip for ip in ips if ip]


# index name -> function, per kind; the app adds these to its informers
SERVICE_INDEXES: dict[str, Callable[[Obj], Any]] = {
    "namespace": lambda o: _meta(o).get("namespace"),
    "clusterIP": _service_ips,
}
SLICE_INDEXES: dict[str, Callable[[Obj], Any]] = {
    "service": _slice_service,
    "address": _slice_addresses,
}
POD_INDEXES: dict[str, Callable[[Obj], Any]] = {"ip": _pod_ips}


class Store(Protocol):
    def get(self, key: str, *, copy_: bool = True) -> Obj | None: ...
    def by_index(self, name: str, value: str, *, copy_: bool = True) -> list[Obj]: ...


class StaticStore:
    """A fixed set of objects with the same read interface as an Informer (for tests)."""

    def __init__(self, objects: Iterable[Obj], indexes: dict[str, Callable[[Obj], Any]]):
        self._objects = {f"{_meta(o).get('namespace')}/{_meta(o).get('name')}": o
                         for o in objects}
        self._indexes = indexes

    def get(self, key: str, *, copy_: bool = True) -> Obj | None:
        return self._objects.get(key)

    def by_index(self, name: str, value: str, *, copy_: bool = True) -> list[Obj]:
        out = []
        for obj in self._objects.values():
            values = self._indexes[name](obj)
            values = [values] if isinstance(values, str) or values is None else values
            if value in values:
                out.append(obj)
        return out


@dataclass(frozen=True)
class Endpoint:
    address: str
    hostname: str | None
    ready: bool
    ports: tuple[tuple[str, int, str], ...]     # (name, port, protocol)


class ClusterView:
    def __init__(self, services: Store, slices: Store, pods: Store | None = None):
        self.services, self.slices, self.pods = services, slices, pods

    def service(self, namespace: str, name: str) -> Obj | None:
        return self.services.get(f"{namespace}/{name}", copy_=False)

    def namespace_has_services(self, namespace: str) -> bool:
        return bool(self.services.by_index("namespace", namespace, copy_=False))

    def endpoints(self, namespace: str, name: str) -> list[Endpoint]:
        """Every endpoint of the Service, over all its slices, deduplicated by address."""
        seen: dict[str, Endpoint] = {}
        slices = self.slices.by_index("service", f"{namespace}/{name}", copy_=False)
        for es in sorted(slices, key=lambda o: _meta(o).get("name", "")):
            ports = tuple((p.get("name") or "", p.get("port") or 0, p.get("protocol") or "TCP")
                          for p in es.get("ports") or [] if p.get("port"))
            for ep in es.get("endpoints") or []:
                # a nil ready condition means unknown, which consumers treat as ready
                ready = (ep.get("conditions") or {}).get("ready") is not False
                for address in ep.get("addresses") or []:
                    if address not in seen or (ready and not seen[address].ready):
                        seen[address] = Endpoint(address, ep.get("hostname"), ready, ports)
        return list(seen.values())

    def pod_with_ip(self, namespace: str, ip: str) -> bool:
        if self.pods is None:
            return True
        return any(_meta(p).get("namespace") == namespace and not _meta(p).get("deletionTimestamp")
                   for p in self.pods.by_index("ip", ip, copy_=False))

    def services_with_ip(self, ip: str) -> list[Obj]:
        return self.services.by_index("clusterIP", ip, copy_=False)

    def slices_with_address(self, ip: str) -> list[Obj]:
        return self.slices.by_index("address", ip, copy_=False)


def service_ips(svc: Obj) -> list[str]:
    return _service_ips(svc)


def slice_service(es: Obj) -> tuple[str, str] | None:
    key = _slice_service(es)
    if key is None:
        return None
    ns, _, name = key.partition("/")
    return ns, name
