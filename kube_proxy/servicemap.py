"""What the proxy needs from Services and EndpointSlices, as upstream's ServicePort and Endpoint.

A Service becomes one `ServicePort` per port; its EndpointSlices become, per port, a list of
`Endpoint`s (the slice ports carry the resolved numbers of named targetPorts). `categorize()`
picks which endpoints each traffic policy uses, as upstream's CategorizeEndpoints: ready ones,
or serving-and-terminating ones when none is ready; "Local" policies use endpoints on the local
nodes only.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Iterable

Obj = dict[str, Any]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_AFFINITY_TIMEOUT_S = 10800     # upstream's DefaultClientIPServiceAffinitySeconds


@dataclass(frozen=True)
class ServicePort:
    namespace: str
    name: str
    port_name: str
    protocol: str                  # lower case, as upstream writes it: tcp, udp, sctp
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    lb_ips: tuple[str, ...] = ()
    lb_source_ranges: tuple[str, ...] = ()
    affinity_timeout_s: int | None = None   # None: no ClientIP session affinity
    external_local: bool = False   # externalTrafficPolicy Local (and externally reachable)
    internal_local: bool = False   # internalTrafficPolicy Local

    @property
    def service_key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def name_string(self) -> str:
        """upstream's ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port."""
        suffix = f":{self.port_name}" if self.port_name else ""
        return f"{self.namespace}/{self.name}{suffix}"

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.lb_ips or self.external_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        # external Local still needs the cluster endpoints to short-circuit local traffic
        return not self.internal_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.external_local and self.externally_accessible)


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    local: bool = True

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


def _is_ipv4(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv4Address)
    except ValueError:
        return False


def service_ports(svc: Obj) -> list[ServicePort]:
    """The proxied ports of a Service; none for headless and ExternalName Services."""
    spec, meta = svc.get("spec") or {}, svc.get("metadata") or {}
    cluster_ip = spec.get("clusterIP") or ""
    if spec.get("type") == "ExternalName" or not _is_ipv4(cluster_ip):
        return []
    svc_type = spec.get("type") or "ClusterIP"
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    # "Proxy" mode ingress IPs are reached through the load balancer, not captured here
    lb_ips = tuple(i["ip"] for i in ingress
                   if _is_ipv4(i.get("ip") or "") and i.get("ipMode") != "Proxy"
                   ) if svc_type == "LoadBalancer" else ()
    external_ips = tuple(ip for ip in spec.get("externalIPs") or () if _is_ipv4(ip))
    reachable = svc_type in ("NodePort", "LoadBalancer") or bool(external_ips)
    affinity = None
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
        affinity = int(cfg.get("timeoutSeconds") or DEFAULT_AFFINITY_TIMEOUT_S)
    common = dict(
        namespace=meta.get("namespace", ""), name=meta.get("name", ""), cluster_ip=cluster_ip,
        external_ips=external_ips, lb_ips=lb_ips,
        lb_source_ranges=tuple(spec.get("loadBalancerSourceRanges") or ()),
        affinity_timeout_s=affinity,
        external_local=reachable and spec.get("externalTrafficPolicy") == "Local",
        internal_local=spec.get("internalTrafficPolicy") == "Local")
    return [ServicePort(port_name=p.get("name") or "",
                        protocol=(p.get("protocol") or "TCP").lower(), port=int(p["port"]),
                        node_port=int(p.get("nodePort") or 0)
                        if svc_type in ("NodePort", "LoadBalancer") else 0, **common)
            for p in spec.get("ports") or () if p.get("port")]


def slice_service_key(eps: Obj) -> str | None:
    """`ns/name` of the Service an EndpointSlice belongs to (its service-name label)."""
    meta = eps.get("metadata") or {}
    name = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return f"{meta.get('namespace', '')}/{name}" if name else None


def endpoints_by_port(slices: Iterable[Obj], is_local: Callable[[str | None], bool]
                      ) -> dict[tuple[str, str], list[Endpoint]]:
    """(port name, protocol) -> the endpoints of one Service's slices, deduplicated, sorted."""
    found: dict[tuple[str, str], dict[str, Endpoint]] = {}
    for eps in slices:
        if eps.get("addressType", "IPv4") != "IPv4":
            continue
        for port in eps.get("ports") or ():
            if not port.get("port"):
                continue
            key = (port.get("name") or "", (port.get("protocol") or "TCP").lower())
            bucket = found.setdefault(key, {})
            for ep in eps.get("endpoints") or ():
                endpoint = _endpoint(ep, int(port["port"]), is_local)
                if endpoint is not None and str(endpoint) not in bucket:
                    bucket[str(endpoint)] = endpoint
    return {key: sorted(eps.values(), key=str) for key, eps in found.items()}


def _endpoint(ep: Obj, port: int, is_local: Callable[[str | None], bool]) -> Endpoint | None:
    addresses = [a for a in ep.get("addresses") or () if _is_ipv4(a)]
    if not addresses:
        return None
    cond = ep.get("conditions") or {}
    ready = cond.get("ready") is not False          # unset means ready
    return Endpoint(ip=addresses[0], port=port, ready=ready,
                    serving=cond.get("serving", ready) is not False,
                    terminating=cond.get("terminating") is True,
                    local=is_local(ep.get("nodeName")))


@dataclass(frozen=True)
class Categorized:
    cluster: list[Endpoint]       # for "Cluster" policy
    local: list[Endpoint]         # for "Local" policy
    reachable: list[Endpoint]     # every endpoint some chain of this port jumps to
    has_any: bool                 # usable endpoints anywhere, not only here


def categorize(endpoints: list[Endpoint], sp: ServicePort) -> Categorized:
    cluster: list[Endpoint] = []
    has_any = False
    if sp.uses_cluster_endpoints:
        cluster = [e for e in endpoints if e.ready] or \
                  [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not sp.uses_local_endpoints:
        return Categorized(cluster, [], cluster, has_any)
    usable = [e for e in endpoints if e.ready or (e.serving and e.terminating)]
    has_any = has_any or bool(usable)
    local = [e for e in endpoints if e.local and e.ready] or \
            [e for e in endpoints if e.local and e.serving and e.terminating]
    if not sp.uses_cluster_endpoints:
        return Categorized([], local, local, has_any)
    seen = {str(e) for e in cluster}
    reachable = cluster + [e for e in local if str(e) not in seen]
    return Categorized(cluster, local, reachable, has_any)
