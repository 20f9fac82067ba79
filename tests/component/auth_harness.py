"""Identities for the authorization and admission tests: client certificates signed by the
test api-server's CA (CN = user, O = groups, as upstream reads them), a fresh namespace, and
the aggregation controller that fills admin/edit/view."""
from __future__ import annotations

import contextlib
import subprocess
import uuid
from pathlib import Path
from typing import Any, AsyncIterator

from apiserver.pki import Identity, Pki, issue_identity
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from tests.component.cm2_harness import running
from tests.helpers import async_eventually

NAMESPACES = resources.lookup("", "v1", "namespaces")
CLUSTER_ROLES = resources.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
ROLE_BINDINGS = resources.lookup("rbac.authorization.k8s.io", "v1", "rolebindings")
KUBECTL = "/usr/bin/kubectl"


def kubeconfig_for(api_server, user: str, groups: tuple[str, ...] = ()) -> str:
    safe = user.replace(":", "-")
    file = f"test-{safe}-{'-'.join(groups).replace(':', '-')}" if groups else f"test-{safe}"
    return str(issue_identity(Pki(Path(api_server.cert_dir)), Identity(file, user, groups),
                              api_server.url))


def client_for(api_server, user: str, groups: tuple[str, ...] = ()) -> ApiClient:
    return ApiClient.from_kubeconfig(kubeconfig_for(api_server, user, groups))


def kubectl(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KUBECTL, "--kubeconfig", kubeconfig, *args], capture_output=True,
                          text=True, timeout=60)


@contextlib.asynccontextmanager
async def namespace(client: ApiClient, prefix: str, labels: dict | None = None
                    ) -> AsyncIterator[str]:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    await client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": name, "labels": labels or {}}})
    try:
        yield name
    finally:
        with contextlib.suppress(NotFound):
            await client.delete(NAMESPACES, name)


async def aggregated(api_server) -> None:
    """Run the aggregation controller until admin, edit and view have their rules (they then
    stay in etcd for the whole session)."""
    async with running(api_server.kubeconfig, ["clusterrole-aggregation"]) as r:
        async def filled() -> bool:
            roles = [await r.client.get(CLUSTER_ROLES, n) for n in ("view", "edit", "admin")]
            return all(role.get("rules") for role in roles)
        await async_eventually(filled, timeout=20, message="aggregated admin/edit/view")


async def bind(client: ApiClient, namespace: str, name: str, cluster_role: str,
               user: str) -> dict[str, Any]:
    return await client.create(ROLE_BINDINGS, {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": cluster_role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]},
        namespace)
