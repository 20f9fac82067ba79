"""A kubelet cut off from the api-server: its node goes Unknown, its pods are evicted and come
back on the other node, and when the network returns the kubelet stops the pods that moved.

The cut is made with iptables rules inside node-2's own network namespace (a throw-away
container sharing it, with NET_ADMIN), against the api-server's addresses only: node-2 keeps
its addresses and its pods, nothing on the machine's own tables changes. Its open connections
to the api-server are destroyed at the cut (`ss -K`), as a real partition would break them.
The rules go and node-2 is Ready again before the test returns, pass or fail.
"""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.helpers import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

NODE, OTHER = "node-2", "node-1"
BASE_IMAGE = "tinykube-base:bookworm"
IMAGE = "tinykube-pause:latest"
# Evicted soon after the node goes unreachable, whatever default tolerations admission adds
# (upstream's DefaultTolerationSeconds leaves a pod's own tolerations for these keys alone).
TOLERATIONS = [{"key": f"node.kubernetes.io/{key}", "operator": "Exists",
                "effect": "NoExecute", "tolerationSeconds": 1}
               for key in ("unreachable", "not-ready")]


def _container(cluster, service: str) -> str:
    return cluster.compose("ps", "--quiet", service).stdout.strip()


def _addresses(container: str) -> list[str]:
    out = subprocess.run(["docker", "inspect", "--format",
                          "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def _in_netns(container: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command in `container`'s network namespace, with NET_ADMIN there only."""
    return subprocess.run(["docker", "run", "--rm", "--network", f"container:{container}",
                           "--cap-add", "NET_ADMIN", "--entrypoint", argv[0], BASE_IMAGE,
                           *argv[1:]], capture_output=True, text=True, check=check, timeout=60)


def _rules(api_ips: list[str]) -> list[list[str]]:
    rules = []
    for ip in api_ips:
        rules.append(["OUTPUT", "-d", ip, "-p", "tcp", "--dport", "6443", "-j", "REJECT",
                      "--reject-with", "tcp-reset"])
        rules.append(["INPUT", "-s", ip, "-p", "tcp", "--sport", "6443", "-j", "DROP"])
    return rules


def cut(node: str, api_ips: list[str]) -> None:
    for rule in _rules(api_ips):
        _in_netns(node, "iptables", "-I", *rule)
    for ip in api_ips:       # break the connections already open (watches, keep-alive)
        _in_netns(node, "ss", "-K", "dst", ip, check=False)


def heal(node: str, api_ips: list[str]) -> None:
    for rule in _rules(api_ips):
        while _in_netns(node, "iptables", "-D", *rule, check=False).returncode == 0:
            pass


def kubectl_json(cluster, *args: str) -> dict:
    return json.loads(cluster.kubectl(*args, "-o", "json", check=True).stdout)


def ready_status(cluster, node: str) -> str:
    conditions = kubectl_json(cluster, "get", "node", node)["status"].get("conditions") or []
    return next((c["status"] for c in conditions if c["type"] == "Ready"), "")


def pods(cluster, ns: str) -> list[dict]:
    return kubectl_json(cluster, "get", "pods", "-n", ns, "-l", "app=moved")["items"]


def live_on(cluster, ns: str, node: str) -> list[dict]:
    return [p for p in pods(cluster, ns) if p["spec"].get("nodeName") == node
            and not p["metadata"].get("deletionTimestamp")
            and p["status"].get("phase") == "Running"]


def containers_of(uids: set[str]) -> list[str]:
    out = subprocess.run(["docker", "ps", "--all", "--filter", "label=io.tinykube.pod.uid",
                          "--format", '{{.ID}} {{.Label "io.tinykube.pod.uid"}}'],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.split()[1] in uids]


def manifest(ns: str) -> str:
    labels = {"app": "moved"}
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "moved", "namespace": ns},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "terminationGracePeriodSeconds": 2, "tolerations": TOLERATIONS,
                     "containers": [{"name": "pause", "image": IMAGE,
                                     "imagePullPolicy": "IfNotPresent"}]}}}})


@pytest.fixture
def on_node_2(cluster):
    """A 2-replica Deployment whose pods all run on node-2 (node-1 cordoned meanwhile)."""
    ns = f"netfault-{uuid.uuid4().hex[:6]}"
    k = cluster.kubectl
    k("create", "namespace", ns, check=True)
    k("cordon", OTHER, check=True)
    try:
        k("apply", "-f", "-", input=manifest(ns), check=True)
        eventually(lambda: len(live_on(cluster, ns, NODE)) == 2, timeout=90,
                   message="both pods running on node-2")
    finally:
        k("uncordon", OTHER, check=True)
    yield ns
    k("delete", "namespace", ns, "--wait=false")


def test_partitioned_kubelet_loses_its_pods_and_stops_them_on_return(cluster, on_node_2):
    ns = on_node_2
    node = _container(cluster, NODE)
    api_ips = _addresses(_container(cluster, "apiserver"))
    moved = {p["metadata"]["uid"]: p["metadata"]["name"] for p in live_on(cluster, ns, NODE)}
    assert len(containers_of(set(moved))) >= 2, "the pods' containers are not on this machine"
    try:
        cut(node, api_ips)
        eventually(lambda: ready_status(cluster, NODE) == "Unknown", timeout=90,
                   message="node-2 goes Unknown")
        eventually(lambda: len(live_on(cluster, ns, OTHER)) == 2, timeout=90,
                   message="the pods recreated on node-1")
        left = {p["metadata"]["uid"] for p in pods(cluster, ns)} & set(moved)
        terminating = [p for p in pods(cluster, ns) if p["metadata"]["uid"] in left]
        assert all(p["metadata"].get("deletionTimestamp") for p in terminating), terminating
        # an operator force-deletes one: only the returning kubelet can stop its containers
        victim = terminating[0]["metadata"]["name"]
        cluster.kubectl("delete", "pod", victim, "-n", ns, "--force", "--grace-period=0",
                        check=True)
        assert containers_of(set(moved)), "the partitioned node's containers stopped by magic"
    finally:
        heal(node, api_ips)
    eventually(lambda: ready_status(cluster, NODE) == "True", timeout=90,
               message="node-2 Ready again")
    eventually(lambda: not {p["metadata"]["uid"] for p in pods(cluster, ns)} & set(moved),
               timeout=90, message="the moved pods gone from the api-server")
    eventually(lambda: not containers_of(set(moved)), timeout=90,
               message="node-2 removed the containers of the pods that moved")
    assert len(live_on(cluster, ns, OTHER)) == 2
