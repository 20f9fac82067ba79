"""A user's first session on the compose cluster, with the real kubectl: a Deployment comes up
on real Docker containers across both nodes, heals, rolls out and back, and its Service carries
traffic by ClusterIP, NodePort, DNS name and Ingress; logs, exec and port-forward work."""
from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
import uuid

import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e

IMAGE = "tinykube-echo:latest"


@pytest.fixture(scope="module")
def app(cluster):
    """A namespace with a 3-replica echo Deployment exposed as a NodePort Service."""
    ns = f"e2e-{uuid.uuid4().hex[:6]}"
    k = cluster.kubectl
    k("create", "namespace", ns, check=True)
    k("create", "deployment", "web", f"--image={IMAGE}", "--replicas=3", "--port=8080",
      "-n", ns, check=True)
    k("expose", "deployment", "web", "--port=80", "--target-port=8080", "--type=NodePort",
      "-n", ns, check=True)
    k("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s", check=True, timeout=150)
    yield ns
    k("delete", "namespace", ns, "--wait=false")


def pods(cluster, ns):
    out = cluster.kubectl("get", "pods", "-n", ns, "-l", "app=web", "-o", "json", check=True)
    return json.loads(out.stdout)["items"]


def running(cluster, ns):
    return [p for p in pods(cluster, ns) if p["status"].get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]


def http_get(url: str, host: str | None = None) -> dict:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(req, timeout=3) as resp:
        return json.loads(resp.read())


def test_deployment_spreads_over_both_nodes_with_real_containers(cluster, app):
    live = running(cluster, app)
    assert len(live) == 3
    assert {p["spec"]["nodeName"] for p in live} == {"node-1", "node-2"}
    for p in live:
        assert p["status"]["podIP"].startswith("10.244.")
        cid = p["status"]["containerStatuses"][0]["containerID"].removeprefix("docker://")
        state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", cid],
                               capture_output=True, text=True, check=True).stdout.strip()
        assert state == "true"


def test_deleted_pod_is_replaced(cluster, app):
    victim = running(cluster, app)[0]["metadata"]["name"]
    cluster.kubectl("delete", "pod", victim, "-n", app, check=True, timeout=90)
    eventually(lambda: len(running(cluster, app)) == 3 and
               victim not in {p["metadata"]["name"] for p in running(cluster, app)},
               timeout=60, message="a replacement pod running")


def test_service_by_cluster_ip_and_node_port_reaches_every_pod(cluster, app):
    svc = json.loads(cluster.kubectl("get", "svc", "web", "-n", app, "-o", "json",
                                     check=True).stdout)
    ip, node_port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"]
    want = {p["metadata"]["name"] for p in running(cluster, app)}
    seen: set[str] = set()

    def all_reached():
        for _ in range(10):
            seen.add(http_get(f"http://{ip}/")["hostname"])
            seen.add(http_get(f"http://127.0.0.1:{node_port}/")["hostname"])
        return want <= seen
    eventually(all_reached, timeout=60, message=f"every pod answers behind {ip}")


def test_unmatched_cluster_ip_never_leaves_the_machine(cluster):
    with socket.socket() as s:
        s.settimeout(2)
        with pytest.raises(OSError):
            s.connect(("10.96.254.254", 80))


def test_dns_names_resolve_inside_pods(cluster, app):
    pod = running(cluster, app)[0]["metadata"]["name"]
    script = ("import socket; print(socket.gethostbyname('web'), "
              "socket.gethostbyname('web.%s.svc.cluster.local'), "
              "socket.gethostbyname('kubernetes.default'))" % app)
    out = eventually(lambda: cluster.kubectl("exec", pod, "-n", app, "--", "python3", "-c",
                                             script, check=True).stdout.split(),
                     timeout=60, message="cluster DNS answers")
    svc_ip = cluster.kubectl("get", "svc", "web", "-n", app, "-o",
                             "jsonpath={.spec.clusterIP}", check=True).stdout
    assert out == [svc_ip, svc_ip, "10.96.0.1"]


def test_ingress_routes_by_host(cluster, app):
    cluster.kubectl("create", "ingress", "web", f"--rule=web-{app}.test/*=web:80", "-n", app,
                    check=True)
    got = eventually(lambda: http_get("http://127.0.0.1/path", host=f"web-{app}.test"),
                     timeout=60, message="the ingress routes")
    assert got["path"] == "/path"


def test_logs_exec_and_port_forward(cluster, app):
    pod = running(cluster, app)[0]["metadata"]["name"]
    out = cluster.kubectl("exec", pod, "-n", app, "--", "python3", "-c", "print(6*7)",
                          check=True).stdout
    assert out.strip() == "42"
    bad = cluster.kubectl("exec", pod, "-n", app, "--", "python3", "-c", "raise SystemExit(3)")
    assert bad.returncode == 3
    http_get(f"http://{running(cluster, app)[0]['status']['podIP']}:8080/logged")
    assert "listening" in cluster.kubectl("logs", pod, "-n", app, check=True).stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    forward = subprocess.Popen([*cluster.kubectl_command(), "port-forward", f"pod/{pod}",
                                f"{port}:8080", "-n", app], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        got = eventually(lambda: http_get(f"http://127.0.0.1:{port}/pf"), timeout=30,
                         message="port-forward answers")
        assert got["hostname"] == pod
    finally:
        forward.terminate()
        forward.wait(10)


def test_rollout_history_and_undo(cluster, app):
    k = cluster.kubectl
    k("set", "image", "deployment/web", f"tinykube-echo={IMAGE}", "-n", app, check=True)
    k("annotate", "deployment/web", "kubernetes.io/change-cause=second", "-n", app, check=True)
    k("rollout", "restart", "deployment/web", "-n", app, check=True)
    k("rollout", "status", "deployment/web", "-n", app, "--timeout=120s", check=True,
      timeout=150)
    history = k("rollout", "history", "deployment/web", "-n", app, check=True).stdout
    assert "REVISION" in history and "2" in history
    k("rollout", "undo", "deployment/web", "-n", app, check=True)
    k("rollout", "status", "deployment/web", "-n", app, "--timeout=120s", check=True,
      timeout=150)
    rs = json.loads(k("get", "rs", "-n", app, "-o", "json", check=True).stdout)["items"]
    assert len(rs) == 2, "undo reuses the first ReplicaSet instead of creating a third"
