"""The pieces of a pod's API credentials: the root-CA publisher's ConfigMap, and the kubelet's
projected volume (token from TokenRequest, ca.crt, namespace) on a hollow node."""
from __future__ import annotations

from pathlib import Path

import pytest

from machinery.api import resources
from machinery.api.errors import NotFound
from tests.component.cm2_harness import eventually, namespace, running
from tests.component.test_authn import whoami
from tests.hollow import hollow_nodes

pytestmark = pytest.mark.component

CONFIGMAPS = resources.lookup("", "v1", "configmaps")
PODS = resources.lookup("", "v1", "pods")
SERVICEACCOUNTS = resources.lookup("", "v1", "serviceaccounts")
ROOT_CA = "kube-root-ca.crt"


async def test_root_ca_configmap_in_every_namespace(api_server):
    ca = Path(api_server.ca_file).read_text()
    async with running(api_server.kubeconfig, ["root-ca-cert-publisher"]) as r:
        c = r.client
        async with namespace(c, "rootca") as ns:
            cm = await eventually(lambda: c.get(CONFIGMAPS, ROOT_CA, ns), 10,
                                  what="kube-root-ca.crt")
            assert cm["data"] == {"ca.crt": ca}
            assert "kube-apiserver" in cm["metadata"]["annotations"]["kubernetes.io/description"]
            await c.update(CONFIGMAPS, {**cm, "data": {"ca.crt": "tampered"}})

            async def restored():
                return (await c.get(CONFIGMAPS, ROOT_CA, ns))["data"] == {"ca.crt": ca}
            await eventually(restored, 10, what="ca.crt restored")
            await c.delete(CONFIGMAPS, ROOT_CA, ns)
            await eventually(lambda: c.get(CONFIGMAPS, ROOT_CA, ns), 10, what="recreated")


def api_access_volume(name: str = "kube-api-access-test") -> dict:
    """The volume upstream's ServiceAccount admission plugin adds to pods."""
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": ROOT_CA, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}


async def test_projected_token_volume_on_a_node(api_server):
    async with running(api_server.kubeconfig, ["root-ca-cert-publisher"]) as r, \
            hollow_nodes(api_server.kubeconfig) as nodes:
        c = r.client
        await nodes.wait_ready()
        async with namespace(c, "projected") as ns:
            await c.create(SERVICEACCOUNTS, {"apiVersion": "v1", "kind": "ServiceAccount",
                                             "metadata": {"name": "app"}}, ns)
            await eventually(lambda: c.get(CONFIGMAPS, ROOT_CA, ns), 10, what="root CA")
            pod = await c.create(PODS, {
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"nodeName": nodes.names[0], "serviceAccountName": "app",
                         "automountServiceAccountToken": False,
                         "volumes": [api_access_volume()],
                         "containers": [{"name": "c", "image": "busybox", "volumeMounts": [{
                             "name": "kube-api-access-test", "readOnly": True,
                             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}]}},
                ns)
            root = Path(nodes[0].kubelet.settings.root_dir)
            volume = root / "pods" / pod["metadata"]["uid"] / "volumes" / \
                "kubernetes.io~projected" / "kube-api-access-test"
            await eventually(lambda: (volume / "token").is_file(), 20, what="token file")
            assert (volume / "ca.crt").read_text() == Path(api_server.ca_file).read_text()
            assert (volume / "namespace").read_text() == ns
            token = (volume / "token").read_text()
            code, user = whoami(api_server, token=token)
            assert code == 201 and user["username"] == f"system:serviceaccount:{ns}:app"
            await c.delete(PODS, "p", ns)

            async def gone():
                try:
                    await c.get(PODS, "p", ns)
                    return False
                except NotFound:
                    return True
            await eventually(gone, 20, what="pod deleted")
            assert whoami(api_server, token=token)[0] == 401
