"""Wire models of meta/v1 and core/v1: real objects round-trip, acronyms keep upstream's spelling,
unknown fields survive, and every kind carries what the OpenAPI generator needs."""
from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest

from machinery.api import core_v1, meta_v1
from machinery.api.base import KubeModel
from machinery.api.core_v1 import Container, Node, Pod, PodSpec, Service
from machinery.api.meta_v1 import ObjectMeta, Status
from machinery.api.resources import RESOURCES

pytestmark = pytest.mark.unit

# A Deployment's pod as a v1.32 cluster returns it (trimmed of nothing but the long fieldsV1 tree).
POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web-7d4b9c8f6d-x2k9p",
        "generateName": "web-7d4b9c8f6d-",
        "namespace": "default",
        "uid": "5f1c2b9e-8a51-4c3e-9d7a-0b6f2f3c1a11",
        "resourceVersion": "48213",
        "creationTimestamp": "2025-01-14T09:12:33Z",
        "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6d"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-14T09:12:30Z"},
        "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f6d",
            "uid": "0c7e1d55-3f9a-4b2e-8c61-2d9a7e4b5f60", "controller": True,
            "blockOwnerDeletion": True,
        }],
        "finalizers": ["example.com/cleanup"],
        "managedFields": [{
            "manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
            "time": "2025-01-14T09:12:33Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
        }, {
            "manager": "kubelet", "operation": "Update", "apiVersion": "v1",
            "time": "2025-01-14T09:12:41Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:podIP": {}}}, "subresource": "status",
        }],
    },
    "spec": {
        "volumes": [
            {"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
            {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420,
                                             "items": [{"key": "nginx.conf", "path": "nginx.conf"}]}},
            {"name": "certs", "secret": {"secretName": "web-tls", "defaultMode": 256, "optional": True}},
            {"name": "host-logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
            {"name": "podinfo", "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}},
                {"path": "cpu", "resourceFieldRef": {"containerName": "nginx", "resource": "limits.cpu",
                                                     "divisor": "1m"}},
            ]}},
            {"name": "kube-api-access-8xw2c", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                    "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            ]}},
        ],
        "initContainers": [{
            "name": "log-shipper", "image": "busybox:1.36", "restartPolicy": "Always",
            "command": ["sh", "-c", "tail -F /logs/access.log"],
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
        }],
        "containers": [{
            "name": "nginx", "image": "nginx:1.27", "args": ["-g", "daemon off;"],
            "workingDir": "/usr/share/nginx",
            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                      {"containerPort": 9113, "hostPort": 9113, "hostIP": "0.0.0.0", "protocol": "TCP"}],
            "envFrom": [{"configMapRef": {"name": "web-env"}, "prefix": "CFG_"},
                        {"secretRef": {"name": "web-secret-env", "optional": True}}],
            "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                "fieldPath": "metadata.name"}}},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                              "fieldPath": "status.podIP"}}},
                {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                                   "divisor": "0"}}},
                {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "web-config", "key": "level"}}},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "web-secret", "key": "token",
                                                                 "optional": False}}},
            ],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                          "requests": {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": 1073741824}},
            "volumeMounts": [
                {"name": "cache", "mountPath": "/var/cache/nginx"},
                {"name": "config", "mountPath": "/etc/nginx/nginx.conf", "subPath": "nginx.conf",
                 "readOnly": True},
                {"name": "kube-api-access-8xw2c", "readOnly": True,
                 "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
            ],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                          "httpHeaders": [{"name": "X-Probe", "value": "1"}]},
                              "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                              "successThreshold": 1, "failureThreshold": 3},
            "readinessProbe": {"tcpSocket": {"port": 80}, "timeoutSeconds": 1, "periodSeconds": 5,
                               "successThreshold": 1, "failureThreshold": 3},
            "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "failureThreshold": 30,
                             "periodSeconds": 2, "terminationGracePeriodSeconds": 10},
            "lifecycle": {"postStart": {"exec": {"command": ["touch", "/tmp/ready"]}},
                          "preStop": {"sleep": {"seconds": 5}}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {
                "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                "privileged": False, "runAsUser": 101, "runAsGroup": 101, "runAsNonRoot": True,
                "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                "seccompProfile": {"type": "RuntimeDefault"},
                "seLinuxOptions": {"level": "s0:c123,c456"},
            },
            "stdin": False, "tty": False,
        }],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "activeDeadlineSeconds": 86400,
        "dnsPolicy": "ClusterFirst",
        "dnsConfig": {"nameservers": ["1.1.1.1"], "searches": ["corp.example"],
                      "options": [{"name": "ndots", "value": "2"}]},
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "web",
        "serviceAccount": "web",
        "automountServiceAccountToken": True,
        "nodeName": "node-1",
        "hostNetwork": False, "hostPID": False, "hostIPC": False,
        "shareProcessNamespace": False,
        "setHostnameAsFQDN": False,
        "hostname": "web-0", "subdomain": "web-headless",
        "securityContext": {"fsGroup": 101, "fsGroupChangePolicy": "OnRootMismatch",
                            "supplementalGroups": [4000], "sysctls": [{"name": "net.core.somaxconn",
                                                                       "value": "1024"}]},
        "imagePullSecrets": [{"name": "regcred"}],
        "hostAliases": [{"ip": "10.1.2.3", "hostnames": ["db.local"]}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
                    "matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}],
                    "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-9"]}],
                }]},
                "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "preference": {
                    "matchExpressions": [{"key": "zone", "operator": "Exists"}]}}],
            },
            "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
                "labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname",
                "namespaceSelector": {}, "namespaces": ["default"]}]},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100, "podAffinityTerm": {
                    "labelSelector": {"matchExpressions": [
                        {"key": "app", "operator": "In", "values": ["web"]}]},
                    "topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["pod-template-hash"]}}]},
        },
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
            {"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"},
        ],
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "web"}},
            "minDomains": 2, "nodeAffinityPolicy": "Honor", "nodeTaintsPolicy": "Ignore"}],
        "priorityClassName": "high", "priority": 1000, "preemptionPolicy": "PreemptLowerPriority",
        "readinessGates": [{"conditionType": "example.com/lb-ready"}],
        "schedulingGates": [{"name": "example.com/quota"}],
        "enableServiceLinks": True,
        "runtimeClassName": "runc",
        "overhead": {"cpu": "10m"},
        "os": {"name": "linux"},
    },
    "status": {
        "phase": "Running",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": "2025-01-14T09:12:36Z"},
            {"type": "Ready", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": "2025-01-14T09:12:41Z"},
        ],
        "hostIP": "172.18.0.3", "hostIPs": [{"ip": "172.18.0.3"}],
        "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
        "startTime": "2025-01-14T09:12:33Z",
        "initContainerStatuses": [{
            "name": "log-shipper", "state": {"running": {"startedAt": "2025-01-14T09:12:35Z"}},
            "lastState": {}, "ready": True, "restartCount": 0, "started": True,
            "image": "docker.io/library/busybox:1.36",
            "imageID": "docker.io/library/busybox@sha256:"
                       "9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7",
            "containerID": "docker://4c1f3b0e9a2d", "volumeMounts": [
                {"name": "kube-api-access-8xw2c",
                 "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True,
                 "recursiveReadOnly": "Disabled"}],
        }],
        "containerStatuses": [{
            "name": "nginx",
            "state": {"running": {"startedAt": "2025-01-14T09:12:37Z"}},
            "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "OOMKilled",
                                         "startedAt": "2025-01-14T09:10:00Z",
                                         "finishedAt": "2025-01-14T09:12:30Z",
                                         "containerID": "docker://77aa0b"}},
            "ready": True, "restartCount": 1, "started": True,
            "image": "docker.io/library/nginx:1.27",
            "imageID": "docker.io/library/nginx@sha256:"
                       "0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a",
            "containerID": "docker://9b2e5d1c7f3a",
            "allocatedResources": {"cpu": "100m", "memory": "128Mi"},
        }],
        "qosClass": "Burstable",
    },
}

SERVICE: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "default", "uid": "a3f5c7d9-1b2c-4d5e-8f90-123456789abc",
                 "resourceVersion": "48100", "creationTimestamp": "2025-01-14T09:10:00Z",
                 "labels": {"app": "web"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}},
    "spec": {
        "ports": [{"name": "http", "protocol": "TCP", "appProtocol": "http", "port": 80,
                   "targetPort": "http", "nodePort": 31080},
                  {"name": "metrics", "protocol": "TCP", "port": 9113, "targetPort": 9113,
                   "nodePort": 31113}],
        "selector": {"app": "web"},
        "clusterIP": "10.96.45.12", "clusterIPs": ["10.96.45.12"],
        "type": "LoadBalancer",
        "externalIPs": ["192.0.2.10"],
        "sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
        "loadBalancerIP": "192.0.2.20", "loadBalancerSourceRanges": ["192.0.2.0/24"],
        "externalTrafficPolicy": "Local", "healthCheckNodePort": 32000,
        "publishNotReadyAddresses": False,
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "allocateLoadBalancerNodePorts": True, "loadBalancerClass": "example.com/lb",
        "internalTrafficPolicy": "Cluster",
    },
    "status": {
        "loadBalancer": {"ingress": [{"ip": "192.0.2.20", "ipMode": "VIP",
                                      "ports": [{"port": 80, "protocol": "TCP"}]}]},
        "conditions": [{"type": "LoadBalancerReady", "status": "True", "observedGeneration": 1,
                        "lastTransitionTime": "2025-01-14T09:10:05Z", "reason": "Provisioned",
                        "message": ""}],
    },
}

NODE: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "node-1", "uid": "e0b6f3a2-77c1-4f0d-9a3e-5c2d1b0a9f88", "resourceVersion": "48300",
                 "creationTimestamp": "2025-01-14T08:00:00Z",
                 "labels": {"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux",
                            "kubernetes.io/arch": "amd64"},
                 "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
    "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "providerID": "tinykube://node-1",
             "unschedulable": True,
             "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                         "timeAdded": "2025-01-14T09:00:00Z"}]},
    "status": {
        "capacity": {"cpu": "2", "ephemeral-storage": "61255492Ki", "hugepages-2Mi": "0",
                     "memory": "8148300Ki", "pods": "110"},
        "allocatable": {"cpu": "2", "ephemeral-storage": "61255492Ki", "memory": "8045900Ki", "pods": "110"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "2025-01-14T09:20:00Z",
             "lastTransitionTime": "2025-01-14T08:00:00Z", "reason": "KubeletHasSufficientMemory",
             "message": "kubelet has sufficient memory available"},
            {"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-14T09:20:00Z",
             "lastTransitionTime": "2025-01-14T08:00:20Z", "reason": "KubeletReady",
             "message": "kubelet is posting ready status"},
        ],
        "addresses": [{"type": "InternalIP", "address": "172.18.0.3"},
                      {"type": "Hostname", "address": "node-1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {"machineID": "a1b2c3", "systemUUID": "4C4C4544-0042", "bootID": "f00d-beef",
                     "kernelVersion": "6.1.0-18-amd64", "osImage": "Debian GNU/Linux 12 (bookworm)",
                     "containerRuntimeVersion": "docker://20.10.24", "kubeletVersion": "v1.32.0",
                     "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
        "images": [{"names": ["docker.io/library/nginx@sha256:0a39", "docker.io/library/nginx:1.27"],
                    "sizeBytes": 72955450}],
        "volumesInUse": ["kubernetes.io/csi/example^vol-1"],
        "volumesAttached": [{"name": "kubernetes.io/csi/example^vol-1", "devicePath": ""}],
        "runtimeHandlers": [{"name": "runc", "features": {"recursiveReadOnlyMounts": True,
                                                          "userNamespaces": False}}],
        "features": {"supplementalGroupsPolicy": True},
    },
}


@pytest.mark.parametrize("model, wire", [(Pod, POD), (Service, SERVICE), (Node, NODE)],
                         ids=["pod", "service", "node"])
def test_real_objects_round_trip(model: type[KubeModel], wire: dict[str, Any]) -> None:
    # Upstream writes `lastProbeTime: null`; to_dict() leaves every unset (None) field out.
    expected = copy.deepcopy(wire)
    for cond in expected.get("status", {}).get("conditions", []):
        cond.pop("lastProbeTime", None)
    assert model.from_dict(wire).to_dict() == expected


def test_acronym_fields_are_read_into_snake_case_attributes() -> None:
    pod = Pod.from_dict(POD)
    assert pod.status.pod_ip == "10.244.1.7"
    assert pod.status.pod_ips[0].ip == "10.244.1.7"
    assert pod.status.host_ips[0].ip == "172.18.0.3"
    assert pod.status.container_statuses[0].image_id.startswith("docker.io/library/nginx@")
    assert pod.status.container_statuses[0].last_state.terminated.container_id == "docker://77aa0b"
    assert pod.spec.host_pid is False and pod.spec.set_hostname_as_fqdn is False
    assert pod.spec.containers[0].security_context.se_linux_options.level == "s0:c123,c456"
    assert pod.spec.containers[0].liveness_probe.http_get.port == "http"
    assert pod.spec.containers[0].ports[1].host_ip == "0.0.0.0"
    assert pod.spec.volumes[5].downward_api.items[0].path == "labels"
    node = Node.from_dict(NODE)
    assert node.spec.pod_cidrs == ["10.244.1.0/24"]
    assert node.status.daemon_endpoints.kubelet_endpoint.port == 10250
    assert node.status.node_info.system_uuid == "4C4C4544-0042"
    svc = Service.from_dict(SERVICE)
    assert svc.spec.cluster_ips == ["10.96.45.12"]
    assert svc.spec.session_affinity_config.client_ip.timeout_seconds == 10800


def test_models_built_in_python_serialise_with_upstream_names() -> None:
    spec = PodSpec(containers=[Container(name="c", image="busybox")], host_ipc=True, host_pid=True)
    pod = Pod(api_version="v1", kind="Pod", metadata=ObjectMeta(name="p", generate_name="p-"), spec=spec)
    pod.status = core_v1.PodStatus(pod_ip="10.244.1.2", pod_ips=[core_v1.PodIP(ip="10.244.1.2")])
    assert pod.to_dict() == {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "generateName": "p-"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], "hostIPC": True, "hostPID": True},
        "status": {"podIP": "10.244.1.2", "podIPs": [{"ip": "10.244.1.2"}]},
    }
    meta = meta_v1.ListMeta(continue_="abc", remaining_item_count=3)
    assert meta.to_dict() == {"continue": "abc", "remainingItemCount": 3}


def _property_names(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for def_name, definition in [("<root>", schema), *schema.get("$defs", {}).items()]:
        for prop in definition.get("properties", {}):
            yield def_name, prop


# Upstream's JSON names that a plain camelCase generator would get wrong.
BAD_SPELLINGS = ("Ip", "Id", "Cidr", "Pid", "Ipc", "Fqdn", "Uuid", "Api", "Http", "Tcp")


@pytest.mark.parametrize("model", sorted(set(core_v1.KINDS.values()), key=lambda m: m.__name__)
                         + [meta_v1.Status, meta_v1.DeleteOptions], ids=lambda m: m.__name__)
def test_no_property_has_a_wrongly_cased_acronym(model: type[KubeModel]) -> None:
    schema = model.model_json_schema(by_alias=True)
    # A correct name starts lowercase ("ipFamilies", "apiVersion"), so any of these is a mistake.
    wrong = [f"{def_name}.{prop}" for def_name, prop in _property_names(schema)
             if any(bad in prop for bad in BAD_SPELLINGS)]
    assert not wrong


def test_acronym_aliases_match_upstream_spelling() -> None:
    pod_props = {p for _, p in _property_names(Pod.model_json_schema(by_alias=True))}
    assert {"podIP", "podIPs", "hostIP", "hostIPs", "imageID", "containerID", "hostPID", "hostIPC",
            "setHostnameAsFQDN", "seLinuxOptions", "httpGet", "tcpSocket", "postStart", "preStop",
            "fsGroup", "runAsUser", "readOnlyRootFilesystem", "downwardAPI",
            "targetContainerName"} <= pod_props
    svc_props = {p for _, p in _property_names(Service.model_json_schema(by_alias=True))}
    assert {"clusterIP", "clusterIPs", "externalIPs", "loadBalancerIP", "clientIP", "ipFamilies",
            "ipFamilyPolicy", "ipMode", "targetPort"} <= svc_props
    node_props = {p for _, p in _property_names(Node.model_json_schema(by_alias=True))}
    assert {"podCIDR", "podCIDRs", "providerID", "machineID", "systemUUID", "bootID", "Port"} <= node_props


def test_unknown_fields_are_kept_at_every_level() -> None:
    wire = copy.deepcopy(POD)
    wire["futureTopLevel"] = {"a": 1}
    wire["metadata"]["futureMeta"] = "x"
    wire["spec"]["containers"][0]["futureContainerField"] = [1, 2]
    wire["spec"]["volumes"].append({"name": "legacy",
                                    "gcePersistentDisk": {"pdName": "d1", "fsType": "ext4"}})
    wire["spec"]["volumes"].append({"name": "newer", "someFutureSource": {"x": True}})
    wire["status"].pop("conditions")
    out = Pod.from_dict(wire).to_dict()
    assert out == wire


def test_quantities_and_int_or_string_keep_their_wire_type() -> None:
    pod = Pod.from_dict(POD)
    requests = pod.spec.containers[0].resources.requests
    assert requests["cpu"] == "100m" and requests["ephemeral-storage"] == 1073741824
    assert pod.spec.containers[0].readiness_probe.tcp_socket.port == 80
    svc = Service.from_dict(SERVICE)
    assert [p.target_port for p in svc.spec.ports] == ["http", 9113]


def test_every_core_kind_of_the_catalog_has_a_model_with_gvk_and_docstring() -> None:
    core_kinds = {r.kind for r in RESOURCES if r.group == "" and r.version == "v1"}
    by_kind = {gvk[2]: model for gvk, model in core_v1.KINDS.items()}
    assert core_kinds <= set(by_kind)
    for kind, model in by_kind.items():
        assert model.GVK == ("", "v1", kind)
        assert model.__doc__ and model.model_json_schema()["description"]
        if kind.endswith("List"):
            assert kind[:-4] in by_kind
            assert "items" in model.model_fields
        elif kind != "Binding":
            assert f"{kind}List" in by_kind


def test_every_field_is_optional_and_described() -> None:
    undocumented = []
    for model in _all_models():
        for name, field in model.model_fields.items():
            assert not field.is_required(), f"{model.__name__}.{name} is required"
            if not field.description:
                undocumented.append(f"{model.__name__}.{name}")
        assert model.__doc__, model.__name__
    assert not undocumented


def _all_models() -> list[type[KubeModel]]:
    found = [obj for mod in (core_v1, meta_v1) for obj in vars(mod).values()
             if isinstance(obj, type) and issubclass(obj, KubeModel) and obj is not KubeModel]
    return sorted(set(found), key=lambda m: m.__name__)


def test_patch_metadata_matches_upstream_for_merged_lists() -> None:
    def props(model: type[KubeModel], def_name: str) -> dict[str, Any]:
        schema = model.model_json_schema(by_alias=True)
        return (schema["$defs"].get(def_name) or schema)["properties"]

    containers = props(Pod, "PodSpec")["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    volumes = props(Pod, "PodSpec")["volumes"]
    assert volumes["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    ports = props(Pod, "Container")["ports"]
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    assert ports["x-kubernetes-patch-merge-key"] == "containerPort"
    svc_ports = props(Service, "ServiceSpec")["ports"]
    assert svc_ports["x-kubernetes-list-map-keys"] == ["port", "protocol"]
    owners = props(Pod, "ObjectMeta")["ownerReferences"]
    assert owners["x-kubernetes-patch-merge-key"] == "uid"
    assert props(Pod, "PodSpec")["tolerations"]["x-kubernetes-list-type"] == "atomic"
    assert "x-kubernetes-patch-strategy" not in props(Pod, "PodSpec")["tolerations"]


def test_status_body_parses_field_causes() -> None:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'Pod "p" is invalid: spec.containers[0].image: Required value',
            "reason": "Invalid", "code": 422,
            "details": {"name": "p", "kind": "Pod", "causes": [
                {"reason": "FieldValueRequired", "message": "Required value",
                 "field": "spec.containers[0].image"}]}}
    status = Status.from_dict(body)
    assert status.details.causes[0].field == "spec.containers[0].image"
    assert status.to_dict() == body


def test_pod_template_spec_accepts_null_creation_timestamp() -> None:
    # Deployments from real clusters carry `creationTimestamp: null` inside the template.
    template = core_v1.PodTemplateSpec.from_dict(
        {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert template.metadata.creation_timestamp is None
    assert template.to_dict() == {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
