"""What exists from the first start: the system namespaces and the `kubernetes` Service with
its Endpoints and EndpointSlice pointing at this api-server. Idempotent on every start."""
from __future__ import annotations

import logging
import socket

from apiserver.auth.policy_reconcile import ensure_policy
from apiserver.request_info import RequestInfo
from apiserver.rest.context import ServerContext, object_key
from apiserver.rest.params import WriteParams
from apiserver.rest.writes import Writer
from apiserver.storage import KeyNotFound
from apiserver.storage.maintenance import Maintenance
from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError

log = logging.getLogger("apiserver.bootstrap")

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def advertise_address(configured: str) -> str:
    if configured:
        return configured
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


async def _ensure(writer: Writer, group: str, version: str, plural: str, namespace: str | None,
                  obj: dict, replace: bool = False) -> None:
    info = resources.lookup(group, version, plural)
    ri = RequestInfo(info, namespace, None, None)
    obj.setdefault("metadata", {})
    if namespace:
        obj["metadata"]["namespace"] = namespace
    params = WriteParams(field_manager="kube-apiserver")
    try:
        await writer.create_object(ri, obj, params)
    except ApiError as e:
        if not isinstance(e, AlreadyExists):
            log.warning("bootstrap object rejected", extra={"resource": plural,
                                                             "error": e.message})
            return
        if not replace:
            return
        key = object_key(info, namespace, obj["metadata"]["name"])
        try:
            old = await writer.ctx.store.get(key)
        except KeyNotFound:
            return
        named = RequestInfo(info, namespace, obj["metadata"]["name"], None)
        new = {**old, **{k: v for k, v in obj.items() if k != "metadata"}}
        try:
            await writer.update_object(named, old, new, params, precondition_rv=None)
        except ApiError as e:
            log.warning("bootstrap object rejected", extra={"resource": plural,
                                                             "error": e.message})


async def bootstrap(ctx: ServerContext, writer: Writer) -> None:
    for ns in SYSTEM_NAMESPACES:
        await _ensure(writer, "", "v1", "namespaces", None, {"metadata": {"name": ns}})
    ip = advertise_address(ctx.settings.advertise_address)
    port = ctx.settings.secure_port
    await _ensure(writer, "", "v1", "services", "default", {
        "metadata": {"name": "kubernetes", "labels": {"component": "apiserver",
                                                      "provider": "kubernetes"}},
        "spec": {"type": "ClusterIP", "clusterIP": ctx.allocator.kubernetes_ip,
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                            "targetPort": port}], "sessionAffinity": "None"}})
    await _ensure(writer, "", "v1", "endpoints", "default", {
        "metadata": {"name": "kubernetes", "labels": {
            "endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": ip}],
                     "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]},
        replace=True)
    await _ensure(writer, "discovery.k8s.io", "v1", "endpointslices", "default", {
        "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}, replace=True)
    await ensure_policy(ctx, writer)
    log.info("bootstrap done", extra={"advertise": ip})


async def run_compactor(ctx: ServerContext) -> None:
    """etcd compaction (upstream's every 5 minutes) and defragmentation on a schedule; see
    apiserver/storage/maintenance.py."""
    await Maintenance(ctx.store, ctx.settings.compaction_interval_s).run()
