"""Publishing this server as the `kube-dns` Service when it runs outside the cluster's pods.

In the compose cluster the DNS server is a compose service at a fixed address on the pods'
network (it has no service-account credentials to run as a pod yet). It keeps the Service
`kube-system/kube-dns` (10.96.0.10, no selector) and one EndpointSlice naming its own address,
so kube-proxy sends 10.96.0.10:53 to it, as it would to CoreDNS pods.
"""
from __future__ import annotations

import asyncio
import logging

from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, NotFound
from machinery.client import ApiClient
from machinery.runtime import kv

log = logging.getLogger("cluster_dns.publish")

SERVICES = resources.lookup("", "v1", "services")
ENDPOINT_SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
MANAGER = "cluster-dns.tinykube.io"
PORTS = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def service(name: str, namespace: str, cluster_ip: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
            "spec": {"clusterIP": cluster_ip,
                     "ports": [{"name": n, "port": p, "protocol": proto, "targetPort": p}
                               for n, p, proto in PORTS]}}


def endpoint_slice(service_name: str, namespace: str, address: str, host: str) -> dict:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{service_name}-{host}", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": service_name,
                                    "endpointslice.kubernetes.io/managed-by": MANAGER}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
            "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in PORTS]}


class ServicePublisher:
    def __init__(self, client: ApiClient, service_ref: str, cluster_ip: str, address: str,
                 host: str, interval_s: float = 30.0):
        self.client = client
        self.namespace, _, self.service_name = service_ref.rpartition("/")
        self.namespace = self.namespace or "kube-system"
        self.cluster_ip, self.address, self.host = cluster_ip, address, host
        self.interval_s = interval_s
        self.name = "dns-publisher"
        self._stop = asyncio.Event()

    async def ensure(self) -> None:
        await self._create_or_keep(SERVICES, service(self.service_name, self.namespace,
                                                     self.cluster_ip))
        want = endpoint_slice(self.service_name, self.namespace, self.address, self.host)
        try:
            live = await self.client.get(ENDPOINT_SLICES, want["metadata"]["name"],
                                         self.namespace)
        except NotFound:
            await self._create_or_keep(ENDPOINT_SLICES, want)
            return
        if live.get("endpoints") != want["endpoints"] or live.get("ports") != want["ports"]:
            live.update(endpoints=want["endpoints"], ports=want["ports"])
            await self.client.update(ENDPOINT_SLICES, live)
            log.info("updated endpoint slice", extra=kv(address=self.address))

    async def _create_or_keep(self, info, obj: dict) -> None:
        try:
            await self.client.create(info, obj, self.namespace)
            log.info("published", extra=kv(resource=info.plural, name=obj["metadata"]["name"]))
        except AlreadyExists:
            pass

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.ensure()
            except ApiError as e:
                log.warning("cannot publish the DNS service", extra=kv(error=e.message))
            except Exception as e:  # the api-server may be restarting: try again next round
                log.warning("cannot publish the DNS service", extra=kv(error=repr(e)))
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval_s)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()
