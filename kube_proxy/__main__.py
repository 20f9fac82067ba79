"""`python -m kube_proxy`: program this machine's iptables from Services and EndpointSlices.

`--cleanup` removes the proxy's hooks, chains and routes, then exits (as upstream's
`kube-proxy --cleanup`).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys

from kube_proxy.chains import ChainNames
from kube_proxy.iptables import CommandError, Iptables
from kube_proxy.proxier import Proxier
from kube_proxy.settings import ProxySettings
from machinery.client import ApiClient
from machinery.runtime import kv, serve, setup_logging

log = logging.getLogger("kube_proxy")


async def cleanup(settings: ProxySettings) -> int:
    iptables = Iptables(ChainNames(settings.chain_prefix), settings.command_prefix_argv(),
                        proc_sys_dir=settings.proc_sys_dir)
    try:
        removed = await iptables.cleanup()
    except CommandError as e:
        log.error("cleanup failed", extra=kv(error=str(e)))
        return 1
    for cidr in settings.routed_cidrs():
        await iptables.delete_route(cidr, settings.pods_bridge)
    log.info("cleanup done", extra=kv(chains=removed))
    return 0


async def run(settings: ProxySettings) -> int:
    config = settings.client_config()
    if settings.master:
        config = dataclasses.replace(config, server=settings.master)
    config.user_agent = "tinykube-kube-proxy"
    async with ApiClient(config) as client:
        await serve(Proxier(settings, client))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    # `--cleanup` alone, as upstream's flag, means `--cleanup=true`
    args = ["--cleanup=true" if a == "--cleanup" else a for a in args]
    settings = ProxySettings.from_argv(args, prog="kube-proxy")
    setup_logging("kube-proxy", settings.log_level)
    if settings.cleanup:
        return asyncio.run(cleanup(settings))
    log.info("starting", extra=kv(node=settings.node_name, prefix=settings.chain_prefix,
                                  cluster_cidr=settings.cluster_cidr,
                                  service_cidr=settings.service_cidr,
                                  local_nodes=settings.local_nodes or "*"))
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
