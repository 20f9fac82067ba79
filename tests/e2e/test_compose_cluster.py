"""The compose stack itself: the control plane comes up, answers the real kubectl, is reachable
only where it should be, and keeps its state across an api-server restart."""
from __future__ import annotations

import re
import subprocess
import uuid

import pytest
import yaml

from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def test_server_version_is_1_32(cluster):
    out = cluster.kubectl("version", check=True).stdout
    assert re.search(r"^Server Version: v1\.32\.\d+", out, re.MULTILINE), out


def test_system_namespaces_exist(cluster):
    names = set(cluster.kubectl("get", "namespaces", "-o", "name", check=True).stdout.split())
    expected = {f"namespace/{ns}" for ns in ("default", "kube-system", "kube-public", "kube-node-lease")}
    assert expected <= names, names


def test_admin_kubeconfig_targets_loopback(cluster):
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    assert config["current-context"] == "tinykube"
    assert [c["cluster"]["server"] for c in config["clusters"]] == ["https://127.0.0.1:6443"]


def test_only_the_apiserver_is_published_and_only_on_loopback(cluster):
    assert cluster.compose("port", "apiserver", "6443").stdout.strip() == "127.0.0.1:6443"
    etcd = cluster.compose("port", "etcd", "2379", check=False)
    assert etcd.returncode != 0 or not etcd.stdout.strip(), etcd.stdout


def _started_at(cluster, service: str) -> str:
    """When the service's container last started, as Docker reports it."""
    container = cluster.compose("ps", "--quiet", service).stdout.strip()
    inspect = subprocess.run(["docker", "inspect", "--format", "{{.State.StartedAt}}", container],
                             capture_output=True, text=True, check=True)
    return inspect.stdout.strip()


def test_namespace_survives_apiserver_restart(cluster):
    name = f"e2e-restart-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name, check=True)
    before = _started_at(cluster, "apiserver")
    try:
        cluster.compose("restart", "apiserver")
        assert _started_at(cluster, "apiserver") != before, "the api-server was not restarted"
        got = eventually(lambda: cluster.kubectl("get", "namespace", name, "-o", "name", check=True),
                         timeout=60, message=f"namespace {name} served after the restart")
        assert got.stdout.strip() == f"namespace/{name}"
    finally:
        cluster.kubectl("delete", "namespace", name, "--wait=false")
