"""Admission on the real api-server: ResourceQuota (403 and status.used, racing creates),
PodSecurity, the ServiceAccount token volume, LimitRanger and default tolerations."""
from __future__ import annotations

import asyncio

import pytest
import yaml

from machinery.api import resources
from machinery.api.errors import Forbidden
from tests.component.auth_harness import kubectl, namespace
from tests.component.cm2_harness import running
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
QUOTAS = resources.lookup("", "v1", "resourcequotas")
LIMITS = resources.lookup("", "v1", "limitranges")
SAS = resources.lookup("", "v1", "serviceaccounts")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")


def _pod(name: str, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "busybox"}], **spec}}


async def test_quota_exceeded_is_403_and_usage_is_recorded(api_client):
    async with namespace(api_client, "quota") as ns:
        await api_client.create(QUOTAS, {"metadata": {"name": "pods"},
                                         "spec": {"hard": {"pods": "2", "configmaps": "1"}}}, ns)
        await api_client.create(PODS, _pod("a"), ns)
        quota = await api_client.get(QUOTAS, "pods", ns)
        assert quota["status"]["used"]["pods"] == "1"
        await api_client.create(PODS, _pod("b"), ns)
        with pytest.raises(Forbidden) as e:
            await api_client.create(PODS, _pod("c"), ns)
        assert e.value.message == ('pods "c" is forbidden: exceeded quota: pods, requested: '
                                   'pods=1, used: pods=2, limited: pods=2')
        # racing creates: the compare-and-swap on the quota lets exactly one through
        results = await asyncio.gather(*[api_client.create(
            CONFIGMAPS, {"metadata": {"name": f"cm-{i}"}}, ns) for i in range(6)],
            return_exceptions=True)
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, Forbidden) for r in results if isinstance(r, Exception))


async def test_quota_controller_gives_back_what_deleted_objects_held(api_server, api_client):
    async with namespace(api_client, "quota-rc") as ns:
        await api_client.create(QUOTAS, {"metadata": {"name": "q"},
                                         "spec": {"hard": {"pods": "1"}}}, ns)
        await api_client.create(PODS, _pod("a"), ns)
        await api_client.delete(PODS, "a", ns)
        async with running(api_server.kubeconfig, ["resourcequota"]):
            async def released() -> bool:
                quota = await api_client.get(QUOTAS, "q", ns)
                return quota["status"]["used"]["pods"] == "0"
            await async_eventually(released, timeout=15)
        await api_client.create(PODS, _pod("b"), ns)


async def test_pod_security_restricted_rejects_a_privileged_pod(api_server, api_client, tmp_path):
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    async with namespace(api_client, "psa", labels) as ns:
        manifest = tmp_path / "pod.yaml"
        privileged = _pod("priv")
        privileged["spec"]["containers"][0]["securityContext"] = {"privileged": True}
        manifest.write_text(yaml.safe_dump(privileged))
        out = kubectl(api_server.kubeconfig, "apply", "-n", ns, "-f", str(manifest))
        assert out.returncode == 1
        assert (
            f'Error from server (Forbidden): error when creating "{manifest}": pods "priv" is '
            'forbidden: violates PodSecurity "restricted:latest": privileged (container "app" '
            'must not set securityContext.privileged=true), allowPrivilegeEscalation != false '
            '(container "app" must set securityContext.allowPrivilegeEscalation=false), '
            'unrestricted capabilities (container "app" must set '
            'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container '
            '"app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container '
            '"app" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
            '"Localhost")') in out.stderr
        ok = _pod("ok", securityContext={"runAsNonRoot": True,
                                         "seccompProfile": {"type": "RuntimeDefault"}})
        ok["spec"]["containers"][0]["securityContext"] = {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
        await api_client.create(PODS, ok, ns)


async def test_service_account_tolerations_and_limit_defaults(api_client):
    async with namespace(api_client, "sa") as ns:
        await api_client.create(SAS, {"metadata": {"name": "default"}}, ns)
        await api_client.create(LIMITS, {"metadata": {"name": "lr"}, "spec": {"limits": [
            {"type": "Container", "default": {"memory": "128Mi"},
             "defaultRequest": {"memory": "64Mi"}}]}}, ns)
        pod = await api_client.create(PODS, _pod("p"), ns)
        spec = pod["spec"]
        volume = spec["volumes"][0]
        assert volume["name"].startswith("kube-api-access-")
        assert volume["projected"]["sources"][0] == {
            "serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
        assert spec["containers"][0]["volumeMounts"] == [{
            "name": volume["name"], "readOnly": True,
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
        assert spec["serviceAccountName"] == "default"
        assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                "effect": "NoExecute", "tolerationSeconds": 300} in spec["tolerations"]
        assert spec["containers"][0]["resources"] == {"limits": {"memory": "128Mi"},
                                                      "requests": {"memory": "64Mi"}}
        with pytest.raises(Forbidden) as e:
            await api_client.create(PODS, _pod("q", serviceAccountName="ghost"), ns)
        assert "error looking up service account" in e.value.message


async def test_pod_security_warns_about_workloads_with_kubectl(api_server, api_client, tmp_path):
    async with namespace(api_client, "psa-warn",
                         {"pod-security.kubernetes.io/enforce": "baseline"}) as ns:
        manifest = tmp_path / "deploy.yaml"
        manifest.write_text(yaml.safe_dump({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"hostNetwork": True, "containers": [{"name": "app",
                                                              "image": "busybox"}]}}}}))
        out = kubectl(api_server.kubeconfig, "apply", "-n", ns, "-f", str(manifest))
        assert out.returncode == 0, out.stderr
        assert 'Warning: would violate PodSecurity "baseline:latest": host namespaces ' \
               '(hostNetwork=true)' in out.stderr
