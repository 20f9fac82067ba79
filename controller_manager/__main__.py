"""`python -m controller_manager [--kubeconfig ...] [--controllers '*'] [--leader-elect true]`.

Every flag is also a TINYKUBE_<FLAG> environment variable (see settings.py).
"""
from __future__ import annotations

import asyncio
import logging
import sys

from controller_manager.app import ControllerManager
from controller_manager.settings import ControllerManagerSettings
from machinery.leaderelection import LeaderElectionLost
from machinery.runtime import kv, setup_logging

log = logging.getLogger("controller_manager")


def main(argv: list[str] | None = None) -> int:
    settings = ControllerManagerSettings.from_argv(argv, prog="controller-manager")
    setup_logging("controller-manager", settings.log_level)
    try:
        asyncio.run(ControllerManager(settings).run())
    except LeaderElectionLost as e:
        log.error("leader election lost, exiting", extra=kv(error=str(e)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
