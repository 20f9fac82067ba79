"""LoadBalancer addresses for a cluster on one machine, as cloud-provider-kind or ServiceLB give.

Each Service of type LoadBalancer (without a `loadBalancerClass`, which names another
implementation) gets one IP from `--load-balancer-cidr` in `status.loadBalancer.ingress`
(written through the services/status subresource, `ipMode: VIP`). The default range is on
loopback (127.0.100.0/24): the whole of 127.0.0.0/8 is local, so the machine reaches the address
with no interface to configure, and the proxy's DNAT from OUTPUT (with route_localnet and
masquerading) carries it to the pods. The rules themselves come from the status, like any
load balancer's: see rules.py.

State lives in the Services' status only (crash-only): the addresses in use are read back from
the informer's cache, plus the ones this process wrote that the cache may not show yet.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Iterable

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from machinery.informer import Informer, object_key, split_key
from machinery.runtime import kv

log = logging.getLogger("kube_proxy.loadbalancer")

SERVICES = resources.lookup("", "v1", "services")
Obj = dict[str, Any]


def is_ours(svc: Obj) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass")


def ingress_ips(svc: Obj) -> list[str]:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [i["ip"] for i in ingress if i.get("ip")]


def in_range(ip: str, cidr: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.ip_address(ip) in cidr
    except ValueError:
        return False


def pick_ip(cidr: ipaddress.IPv4Network, used: set[str], current: Iterable[str] = (),
            requested: str | None = None) -> str | None:
    """The address a Service should have: the one it has, else the one it asks for
    (`spec.loadBalancerIP`), else the lowest free one; None when the range is full."""
    for ip in (*current, requested):
        if ip and in_range(ip, cidr) and ip not in used:
            return ip
    for host in cidr.hosts():
        if str(host) not in used:
            return str(host)
    return None


class LoadBalancerAllocator:
    """`reconcile(key)` for a machinery Controller keyed by Service `namespace/name`."""

    def __init__(self, client: ApiClient, services: Informer, cidr: str):
        self.client, self.services = client, services
        self.cidr = ipaddress.IPv4Network(cidr)
        self._assigned: dict[str, str] = {}     # written by us, maybe not in the cache yet

    def _used_by_others(self, key: str) -> set[str]:
        used = {ip for k, ip in self._assigned.items() if k != key}
        for svc in self.services.list(copy_=False):
            if object_key(svc) != key and is_ours(svc):
                used.update(ip for ip in ingress_ips(svc) if in_range(ip, self.cidr))
        return used

    async def reconcile(self, key: str) -> None:
        svc = self.services.get(key, copy_=False)
        if svc is None:
            self._assigned.pop(key, None)
            return
        current = [ip for ip in ingress_ips(svc) if in_range(ip, self.cidr)]
        if not is_ours(svc):
            self._assigned.pop(key, None)
            # no longer a LoadBalancer at all: take our address back (another class's status
            # belongs to its own controller)
            if current and (svc.get("spec") or {}).get("type") != "LoadBalancer":
                await self._write(key, None)
            return
        requested = (svc.get("spec") or {}).get("loadBalancerIP")
        ip = pick_ip(self.cidr, self._used_by_others(key), current, requested)
        if ip is None:
            log.warning("no free load-balancer address", extra=kv(service=key, cidr=self.cidr))
            return
        self._assigned[key] = ip
        if ingress_ips(svc) != [ip]:
            await self._write(key, ip)

    async def _write(self, key: str, ip: str | None) -> None:
        namespace, name = split_key(key)
        ingress = [{"ip": ip, "ipMode": "VIP"}] if ip else None
        try:
            await self.client.patch(SERVICES, name, {"status": {"loadBalancer": {
                "ingress": ingress}}}, "merge", namespace, subresource="status")
        except NotFound:
            self._assigned.pop(key, None)
            return
        log.info("load-balancer address set" if ip else "load-balancer address released",
                 extra=kv(service=key, ip=ip))
