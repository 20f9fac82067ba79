"""`python -m kubelet`: settings from flags/env, the runtime, the kubelet and its servers."""
from __future__ import annotations

import asyncio
import logging
import sys

from kubelet.healthz import healthz_server
from kubelet.kubelet import Kubelet
from kubelet.runtime.base import RUNNING, Runtime
from kubelet.settings import KubeletSettings
from machinery.client.api_client import ApiClient
from machinery.runtime import kv, serve, setup_logging

log = logging.getLogger("kubelet")


def build_runtime(settings: KubeletSettings) -> Runtime:
    if settings.runtime == "fake":
        from kubelet.runtime.fake import FakeRuntime
        return FakeRuntime()
    from kubelet.runtime.docker import DockerRuntime
    return DockerRuntime.from_settings(settings)


def metrics(kubelet: Kubelet) -> dict[str, float]:
    containers = [c for cs in kubelet.pleg.cache.values() for c in cs]
    return {"kubelet_running_pods": sum(1 for cs in kubelet.pleg.cache.values()
                                        if any(c.state == RUNNING for c in cs)),
            "kubelet_running_containers": sum(1 for c in containers if c.state == RUNNING),
            "kubelet_pleg_last_relist_ok": float(kubelet.pleg.last_relist_ok),
            "kubelet_node_lease_renewals_total": float(kubelet.lease.renewals)}


def streaming_server(settings: KubeletSettings, kubelet: Kubelet):
    """The 10250 HTTPS server (logs, exec, attach, port-forward) of kubelet/server/."""
    from kubelet.server import serve_kubelet_api
    cert_dir = settings.tls_cert_dir or f"{settings.root_dir}/pki"
    return serve_kubelet_api(kubelet.runtime, settings.node_name, kubelet.pods,
                             settings.address, settings.port, cert_dir,
                             settings.client_ca_file or None)


async def amain(settings: KubeletSettings) -> None:
    client = ApiClient(settings.client_config())
    kubelet = Kubelet(settings, client, build_runtime(settings))
    runnables: list = [kubelet]
    if settings.healthz_port:
        runnables.append(healthz_server(settings.healthz_bind_address, settings.healthz_port,
                                        lambda: kubelet.pleg.last_relist_ok,
                                        lambda: metrics(kubelet)))
    if settings.port:
        runnables.append(streaming_server(settings, kubelet))
    try:
        await serve(*runnables)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    settings = KubeletSettings.from_argv(argv, prog="kubelet")
    setup_logging("kubelet", settings.log_level)
    log.info("starting", extra=kv(node=settings.node_name, runtime=settings.runtime,
                                  root_dir=settings.root_dir))
    try:
        asyncio.run(amain(settings))
    except KeyboardInterrupt:
        sys.exit(130)
