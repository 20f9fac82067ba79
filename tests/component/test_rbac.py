"""RBAC and the Node authorizer on the real api-server: every default identity can do what its
role allows and gets upstream's 403 for the rest; the real kubectl as a `view` user, `auth can-i`,
`--as`, access reviews, non-resource paths and aggregation."""
from __future__ import annotations

import uuid

import pytest

from machinery.api import resources
from machinery.api.errors import Forbidden
from tests.component.auth_harness import (CLUSTER_ROLES, aggregated, bind, client_for, kubectl,
                                          kubeconfig_for, namespace)
from tests.component.cm2_harness import running
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
SECRETS = resources.lookup("", "v1", "secrets")
SERVICES = resources.lookup("", "v1", "services")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
SARS = resources.lookup("authorization.k8s.io", "v1", "subjectaccessreviews")


def _pod(name: str, node: str | None = None, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "busybox"}],
                     **({"nodeName": node} if node else {}), **spec}}


async def _forbidden(call) -> str:
    with pytest.raises(Forbidden) as e:
        await call
    return e.value.message


async def test_scheduler_proxy_and_controller_manager_identities(api_server, api_client):
    async with namespace(api_client, "rbac-comp") as ns:
        scheduler = client_for(api_server, "system:kube-scheduler")
        proxy = client_for(api_server, "system:kube-proxy")
        cm = client_for(api_server, "system:kube-controller-manager")
        try:
            await scheduler.list(NODES)
            await scheduler.list(PODS)
            assert await _forbidden(scheduler.list(SECRETS, ns)) == (
                f'secrets is forbidden: User "system:kube-scheduler" cannot list resource '
                f'"secrets" in API group "" in the namespace "{ns}"')
            await proxy.list(SERVICES)
            await proxy.list(SLICES)
            assert "cannot create resource \"configmaps\"" in await _forbidden(proxy.create(
                CONFIGMAPS, {"metadata": {"name": "x"}}, ns))
            await cm.create(DEPLOYMENTS, {"metadata": {"name": "web"}, "spec": {
                "selector": {"matchLabels": {"a": "b"}}, "template": {
                    "metadata": {"labels": {"a": "b"}}, "spec": _pod("x")["spec"]}}}, ns)
            resp = await cm._http.get("/api/v1/namespaces", headers={"Impersonate-User": "x"})
            assert resp.status_code == 403
        finally:
            for c in (scheduler, proxy, cm):
                await c.close()


async def test_kubelet_reads_only_what_its_pods_use(api_server, api_client):
    node = f"n-{uuid.uuid4().hex[:6]}"
    await api_client.create(NODES, {"metadata": {"name": node}})
    kubelet = client_for(api_server, f"system:node:{node}", ("system:nodes",))
    try:
        async with namespace(api_client, "rbac-node") as ns:
            for name in ("mine", "theirs"):
                await api_client.create(SECRETS, {"metadata": {"name": name}}, ns)
            await api_client.create(PODS, _pod("p", node, volumes=[
                {"name": "s", "secret": {"secretName": "mine"}}]), ns)
            await kubelet.get(NODES, node)
            await kubelet.patch(NODES, node, {"status": {"phase": "Running"}}, "merge",
                                subresource="status")
            await async_eventually(lambda: kubelet.get(SECRETS, "mine", ns), timeout=10)
            assert await _forbidden(kubelet.get(SECRETS, "theirs", ns)) == (
                f'secrets "theirs" is forbidden: User "system:node:{node}" cannot get resource '
                f'"secrets" in API group "" in the namespace "{ns}": no relationship found '
                f"between node '{node}' and this object")
            other = f"{node}-other"
            await api_client.create(NODES, {"metadata": {"name": other}})
            assert "is not allowed to modify node" in await _forbidden(kubelet.patch(
                NODES, other, {"metadata": {"labels": {"x": "y"}}}, "merge"))
            await api_client.delete(NODES, other)
            await kubelet.create(LEASES, {"metadata": {"name": node},
                                          "spec": {"holderIdentity": node}}, "kube-node-lease")
            assert "can only access node lease" in await _forbidden(kubelet.create(
                LEASES, {"metadata": {"name": other}}, "kube-node-lease"))
            await api_client.create(PODS, _pod("elsewhere", other), ns)
            assert "can only update pod status" in await _forbidden(kubelet.patch(
                PODS, "elsewhere", {"status": {"phase": "Running"}}, "merge", ns,
                subresource="status"))
            await api_client.delete(LEASES, node, "kube-node-lease")
    finally:
        await kubelet.close()
        await api_client.delete(NODES, node)


async def test_view_user_with_the_real_kubectl(api_server, api_client):
    await aggregated(api_server)
    viewer = kubeconfig_for(api_server, "viewer")
    async with namespace(api_client, "rbac-view") as ns:
        await api_client.create(PODS, _pod("web"), ns)
        denied = kubectl(viewer, "get", "pods", "-n", ns)
        assert denied.returncode == 1 and denied.stderr.strip() == (
            f'Error from server (Forbidden): pods is forbidden: User "viewer" cannot list '
            f'resource "pods" in API group "" in the namespace "{ns}"')
        await bind(api_client, ns, "viewer-view", "view", "viewer")

        async def can_list() -> bool:
            return kubectl(viewer, "get", "pods", "-n", ns).returncode == 0
        await async_eventually(can_list, timeout=10)
        assert "web" in kubectl(viewer, "get", "pods", "-n", ns).stdout
        deleted = kubectl(viewer, "delete", "pod", "web", "-n", ns)
        assert deleted.returncode == 1
        assert deleted.stderr.strip() == (
            f'Error from server (Forbidden): pods "web" is forbidden: User "viewer" cannot '
            f'delete resource "pods" in API group "" in the namespace "{ns}"')
        assert kubectl(viewer, "auth", "can-i", "list", "pods", "-n", ns).stdout.strip() == "yes"
        no = kubectl(viewer, "auth", "can-i", "delete", "pods", "-n", ns)
        assert (no.returncode, no.stdout.strip()) == (1, "no")
        assert kubectl(viewer, "auth", "can-i", "get", "secrets", "-n", ns).stdout.strip() == "no"
        rules = kubectl(viewer, "auth", "can-i", "--list", "-n", ns)
        assert rules.returncode == 0 and "pods" in rules.stdout
        # an admin acts as the viewer; the viewer may not act as anyone
        as_viewer = kubectl(api_server.kubeconfig, "--as=viewer", "get", "pods", "-n", ns)
        assert as_viewer.returncode == 0 and "web" in as_viewer.stdout
        assert kubectl(api_server.kubeconfig, "--as=viewer", "delete", "pod", "web", "-n",
                       ns).returncode == 1
        escalate = kubectl(viewer, "--as=admin", "get", "pods", "-n", ns)
        assert escalate.stderr.strip() == (
            'Error from server (Forbidden): users "admin" is forbidden: User "viewer" cannot '
            'impersonate resource "users" in API group "" at the cluster scope')


async def test_non_resource_paths_are_authorized(api_server):
    nobody = client_for(api_server, "nobody")
    try:
        assert (await nobody._http.get("/apis")).status_code == 200
        assert (await nobody._http.get("/version")).status_code == 200
        metrics = await nobody._http.get("/metrics")
        assert metrics.status_code == 403
        assert metrics.json()["message"] == 'forbidden: User "nobody" cannot get path "/metrics"'
    finally:
        await nobody.close()
    monitor = client_for(api_server, "prom", ("system:monitoring",))
    try:
        assert (await monitor._http.get("/metrics")).status_code == 200
    finally:
        await monitor.close()


async def test_subject_access_review(api_client):
    async def review(user: str, verb: str, resource: str, ns: str = "default") -> dict:
        return await api_client.create(SARS, {
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "resourceAttributes": {"verb": verb, "resource": resource,
                                                          "namespace": ns}}})
    assert (await review("system:kube-scheduler", "list", "nodes"))["status"]["allowed"] is True
    assert (await review("system:kube-scheduler", "get", "secrets"))["status"]["allowed"] \
        is False


async def test_aggregation_picks_up_new_roles(api_server, api_client):
    name = f"extra-{uuid.uuid4().hex[:6]}"
    rule = {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}
    await api_client.create(CLUSTER_ROLES, {"metadata": {"name": name, "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}}, "rules": [rule]})
    try:
        async with running(api_server.kubeconfig, ["clusterrole-aggregation"]):
            async def in_roles() -> bool:
                roles = [await api_client.get(CLUSTER_ROLES, r) for r in ("view", "edit", "admin")]
                return all(rule in (r.get("rules") or []) for r in roles)
            await async_eventually(in_roles, timeout=20)
    finally:
        await api_client.delete(CLUSTER_ROLES, name)


async def test_namespace_admin_cannot_escalate(api_server, api_client):
    await aggregated(api_server)
    async with namespace(api_client, "rbac-esc") as ns:
        await bind(api_client, ns, "lead-admin", "admin", "lead")
        lead = client_for(api_server, "lead")
        try:
            async def granted() -> bool:
                await bind(lead, ns, "dev-view", "view", "dev")     # admin holds view: fine
                return True
            await async_eventually(granted, timeout=10)
            message = await _forbidden(bind(lead, ns, "dev-root", "cluster-admin", "dev"))
            assert message.startswith(
                'rolebindings.rbac.authorization.k8s.io "dev-root" is forbidden: user "lead" '
                '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
                'currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}')
        finally:
            await lead.close()
