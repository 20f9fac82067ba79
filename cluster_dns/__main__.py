"""`python -m cluster_dns`: the cluster's DNS server (what CoreDNS is in a kubeadm cluster)."""
from __future__ import annotations

import asyncio
import sys

from cluster_dns.app import ClusterDns
from cluster_dns.settings import DnsSettings
from machinery.client import ApiClient
from machinery.runtime import serve, setup_logging


async def run(settings: DnsSettings) -> int:
    config = settings.client_config()
    config.user_agent = "tinykube-cluster-dns"
    async with ApiClient(config) as client:
        app = ClusterDns(settings, client)
        await app.start()
        await serve(app)
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = DnsSettings.from_argv(argv, prog="cluster-dns")
    setup_logging("cluster-dns", settings.log_level)
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
