"""Component-tier fixtures: an ApiClient on the session's real api-server."""
from __future__ import annotations

import pytest

from machinery.client import ApiClient


@pytest.fixture
async def api_client(api_server):
    client = ApiClient.from_kubeconfig(api_server.kubeconfig)
    yield client
    await client.close()
