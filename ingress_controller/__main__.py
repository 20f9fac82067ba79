"""`python -m ingress_controller`: the cluster's Ingress controller (HTTP/HTTPS reverse proxy)."""
from __future__ import annotations

import asyncio
import dataclasses
import sys

from ingress_controller.app import IngressController
from ingress_controller.settings import IngressSettings
from machinery.client import ApiClient
from machinery.runtime import serve, setup_logging


async def run(settings: IngressSettings) -> int:
    config = settings.client_config()
    if settings.master:
        config = dataclasses.replace(config, server=settings.master)
    config.user_agent = "tinykube-ingress-controller"
    async with ApiClient(config) as client:
        app = IngressController(settings, client)
        await app.start()
        await serve(app)
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = IngressSettings.from_argv(argv, prog="ingress-controller")
    setup_logging("ingress-controller", settings.log_level)
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
