"""The service account controller against the real api-server."""
from __future__ import annotations

import pytest

from machinery.api import resources
from tests.component.cm2_harness import eventually, namespace, running

pytestmark = pytest.mark.component

SERVICEACCOUNTS = resources.lookup("", "v1", "serviceaccounts")


async def test_default_service_account_created_and_recreated(api_server):
    async with running(api_server.kubeconfig, ["serviceaccount"]) as r:
        c = r.client
        # namespaces that existed before the controller started got theirs too
        await eventually(lambda: c.get(SERVICEACCOUNTS, "default", "kube-system"), 10,
                         what="default SA in kube-system")
        async with namespace(c, "sa") as ns:
            first = await eventually(lambda: c.get(SERVICEACCOUNTS, "default", ns), 10,
                                     what="default SA")
            await c.delete(SERVICEACCOUNTS, "default", ns)

            async def recreated():
                sa = await c.get(SERVICEACCOUNTS, "default", ns)
                return sa["metadata"]["uid"] != first["metadata"]["uid"]
            await eventually(recreated, 10, what="default SA recreated")
            assert [s["metadata"]["name"] for s in
                    (await c.list(SERVICEACCOUNTS, ns))["items"]] == ["default"]
