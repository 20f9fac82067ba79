"""Fixtures shared by every tier: a real etcd and a real api-server, started once per session."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


@pytest.fixture(scope="session")
def etcd():
    from tests.cluster import Etcd
    server = Etcd.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def api_server(etcd):
    from tests.cluster import ApiServer
    server = ApiServer.start(etcd.url)
    yield server
    server.stop()
