"""Credentials and transport on the compose cluster: a pod's projected service-account token
works against the api-server from inside the pod (in-cluster config: token, ca.crt and
namespace files, $KUBERNETES_SERVICE_HOST) and dies with the pod; `kubectl create token`; the
kubelet's 10250 refuses callers without the api-server's client certificate while `kubectl
exec` (through the api-server) works; etcd refuses clients without a certificate."""
from __future__ import annotations

import json
import ssl
import uuid

import httpx
import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e

API = "https://127.0.0.1:6443"
WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
# What the official client's in-cluster config does, with the standard library only.
IN_CLUSTER = r"""
import json, os, signal, ssl, sys, time, urllib.request
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
d = "/var/run/secrets/kubernetes.io/serviceaccount"
token, ns = open(d + "/token").read(), open(d + "/namespace").read()
host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
req = urllib.request.Request(
    f"https://{host}:{port}/apis/authentication.k8s.io/v1/selfsubjectreviews",
    data=b'{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
answer = json.load(urllib.request.urlopen(req, context=ssl.create_default_context(cafile=d + "/ca.crt")))
print(json.dumps({"user": answer["status"]["userInfo"]["username"], "ns": ns, "token": token}), flush=True)
time.sleep(3600)
"""


def whoami(token: str) -> int:
    r = httpx.post(API + WHOAMI, json={}, headers={"Authorization": f"Bearer {token}"},
                   verify=False, timeout=10)
    return r.status_code


@pytest.fixture(scope="module")
def ns(cluster):
    name = f"sec-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name, check=True)
    eventually(lambda: cluster.kubectl("get", "sa", "default", "-n", name).returncode == 0, 30,
               message="the default service account")
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false")


def test_projected_token_in_a_pod(cluster, ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
           "spec": {"containers": [{"name": "c", "image": "tinykube:latest",
                                    "imagePullPolicy": "IfNotPresent",
                                    "command": ["python", "-c", IN_CLUSTER]}]}}
    cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(pod), check=True)

    def report():
        out = cluster.kubectl("logs", "client", "-n", ns).stdout.strip()
        return json.loads(out.splitlines()[0]) if out.startswith("{") else None
    seen = eventually(report, 120, interval=1, message="the pod's in-cluster call")
    assert seen["user"] == f"system:serviceaccount:{ns}:default" and seen["ns"] == ns
    assert whoami(seen["token"]) == 201

    # exec goes api-server -> kubelet with the api-server's client certificate
    out = cluster.kubectl("exec", "client", "-n", ns, "--", "cat",
                          "/var/run/secrets/kubernetes.io/serviceaccount/namespace", check=True)
    assert out.stdout == ns

    # straight to the kubelet, without that certificate: refused at the handshake
    node = json.loads(cluster.kubectl("get", "node", "node-1", "-o", "json", check=True).stdout)
    ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError,
                        ssl.SSLError)):
        httpx.get(f"https://{ip}:10250/pods", verify=False, timeout=5)

    cluster.kubectl("delete", "pod", "client", "-n", ns, "--grace-period=1", check=True,
                    timeout=90)
    eventually(lambda: whoami(seen["token"]) == 401, 30, message="token dead with its pod")


def test_kubectl_create_token(cluster, ns):
    token = cluster.kubectl("create", "token", "default", "-n", ns, check=True).stdout.strip()
    assert whoami(token) == 201
    assert whoami(token[:-4] + "AAAA") == 401


def test_etcd_refuses_clients_without_a_certificate(cluster):
    base = ["exec", "-T", "etcd", "etcdctl", "--endpoints=https://127.0.0.1:2379",
            "--cacert=/etc/etcd/pki/ca.crt", "--command-timeout=3s"]
    refused = cluster.compose(*base, "endpoint", "health", check=False)
    assert refused.returncode != 0
    ok = cluster.compose(*base, "--cert=/etc/etcd/pki/healthcheck-client.crt",
                         "--key=/etc/etcd/pki/healthcheck-client.key", "endpoint", "health",
                         check=False)
    assert ok.returncode == 0, ok.stderr
