"""Container spec -> runtime config: env (values, refs, downward API), resources, security."""
from __future__ import annotations

import base64

import pytest

from kubelet.container_spec import ConfigError, build_config, field_value
from kubelet.runtime.base import APP, Mount
from kubelet.runtime.docker import _container_body
from kubelet.runtime.docker_info import container_info, parse_time

pytestmark = pytest.mark.unit


class Lookup:
    async def configmap(self, namespace, name):
        return {"data": {"mode": "fast", "other": "x"}} if name == "cm" else None

    async def secret(self, namespace, name):
        return {"data": {"pw": base64.b64encode(b"s3cret").decode()}} if name == "sec" else None

    async def services(self, namespace):
        if namespace == "default":
            return [{"metadata": {"name": "kubernetes"}, "spec": {
                "clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443,
                                                    "protocol": "TCP"}]}}]
        return [{"metadata": {"name": "my-svc"}, "spec": {
            "clusterIP": "10.96.0.10", "ports": [{"name": "http", "port": 80}]}},
                {"metadata": {"name": "headless"}, "spec": {"clusterIP": "None",
                                                             "ports": [{"port": 80}]}}]


POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u1", "labels": {"app": "web"}},
       "spec": {"nodeName": "node-1", "serviceAccountName": "default",
                "securityContext": {"runAsUser": 1000, "fsGroup": 2000}},
       "status": {"podIP": "10.244.1.5", "hostIP": "192.0.2.1"}}


async def test_env_resolution_in_order_with_expansion():
    container = {"name": "c", "image": "busybox", "envFrom": [{"configMapRef": {"name": "cm"},
                                                               "prefix": "CM_"}],
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "$(A)-$$(A)-$(Z)"},
                         {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cm",
                                                                           "key": "mode"}}},
                         {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "sec",
                                                                       "key": "pw"}}},
                         {"name": "POD", "valueFrom": {"fieldRef": {
                             "fieldPath": "metadata.name"}}},
                         {"name": "IP", "valueFrom": {"fieldRef": {
                             "fieldPath": "status.podIP"}}},
                         {"name": "APP", "valueFrom": {"fieldRef": {
                             "fieldPath": "metadata.labels['app']"}}},
                         {"name": "MEM", "valueFrom": {"resourceFieldRef": {
                             "resource": "limits.memory", "divisor": "1Mi"}}}],
                 "resources": {"limits": {"memory": "64Mi", "cpu": "500m"},
                               "requests": {"cpu": "250m"}},
                 "command": ["sh", "-c"], "args": ["echo $(A)"]}
    config = await build_config(POD, container, APP, 2, [Mount("/h", "/c")], Lookup())
    env = config.env
    assert env["CM_mode"] == "fast" and env["B"] == "1-$(A)-$(Z)"
    assert env["MODE"] == "fast" and env["PW"] == "s3cret"
    assert env["POD"] == "p" and env["IP"] == "10.244.1.5" and env["APP"] == "web"
    assert env["MEM"] == "64"
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["MY_SVC_SERVICE_PORT_HTTP"] == "80"
    assert env["MY_SVC_PORT_80_TCP_ADDR"] == "10.96.0.10"
    assert env["MY_SVC_PORT"] == "tcp://10.96.0.10:80"
    assert not any(k.startswith("HEADLESS_") for k in env)
    assert config.args == ["echo 1"] and config.restart_count == 2
    assert config.nano_cpus == 500_000_000 and config.cpu_shares == 256
    assert config.memory_bytes == 64 * 2**20
    assert config.user == "1000" and config.group_add == ["2000"]


async def test_missing_configmap_is_a_config_error_unless_optional():
    container = {"name": "c", "image": "busybox", "env": [{"name": "X", "valueFrom": {
        "configMapKeyRef": {"name": "nope", "key": "k"}}}]}
    with pytest.raises(ConfigError) as err:
        await build_config(POD, container, APP, 0, [], Lookup())
    assert err.value.reason == "CreateContainerConfigError"
    container["env"][0]["valueFrom"]["configMapKeyRef"]["optional"] = True
    config = await build_config(POD, container, APP, 0, [], Lookup())
    assert "X" not in config.env


def test_field_value_rejects_unknown_paths():
    assert field_value(POD, "spec.nodeName") == "node-1"
    with pytest.raises(ConfigError):
        field_value(POD, "spec.nope")


async def test_docker_body_for_a_container():
    container = {"name": "c", "image": "busybox", "command": ["sleep"], "args": ["10"],
                 "workingDir": "/w", "securityContext": {"privileged": True,
                                                         "readOnlyRootFilesystem": True,
                                                         "capabilities": {"add": ["NET_ADMIN"],
                                                                          "drop": ["ALL"]}}}
    config = await build_config(POD, container, APP, 0, [Mount("/h", "/c", True)], Lookup())
    body = _container_body(config, "sandbox-id", {"l": "v"})
    host = body["HostConfig"]
    assert host["NetworkMode"] == "container:sandbox-id"
    assert host["Binds"] == ["/h:/c:ro"]
    assert host["Privileged"] and host["ReadonlyRootfs"]
    assert host["CapAdd"] == ["NET_ADMIN"] and host["CapDrop"] == ["ALL"]
    assert body["Entrypoint"] == ["sleep"] and body["Cmd"] == ["10"]
    assert body["WorkingDir"] == "/w" and body["User"] == "1000"


def test_docker_inspect_to_container_info():
    data = {"Id": "abc", "Image": "sha256:1", "Created": "2025-01-01T00:00:00.123456789Z",
            "Config": {"Image": "busybox", "Labels": {
                "io.tinykube.node": "n", "io.tinykube.pod.uid": "u", "io.tinykube.pod.name": "p",
                "io.tinykube.pod.namespace": "ns", "io.tinykube.container.name": "c",
                "io.tinykube.container.kind": "app",
                "io.tinykube.container.restart-count": "3"}},
            "State": {"Status": "exited", "ExitCode": 137, "OOMKilled": True,
                      "StartedAt": "2025-01-01T00:00:01Z",
                      "FinishedAt": "2025-01-01T00:00:02.5Z"}}
    info = container_info(data, "net")
    assert info.state == "exited" and info.exit_code == 137 and info.reason == "OOMKilled"
    assert info.restart_count == 3 and info.name == "c" and info.pod_uid == "u"
    assert info.finished_at == parse_time("2025-01-01T00:00:02.500Z")
    assert parse_time("0001-01-01T00:00:00Z") is None
