"""Rows and columns of every kind but Pod, checked cell by cell against upstream's printers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from apiserver.tables import column_definitions, row_for
from machinery.api.resources import lookup

pytestmark = pytest.mark.unit

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = "default", age=None, **extra) -> dict:
    out = {"name": name, "creationTimestamp": age or ago(days=5), **extra}
    if namespace:
        out["namespace"] = namespace
    return out


def cells(group: str, version: str, plural: str, obj: dict) -> list:
    return row_for(lookup(group, version, plural), obj, NOW)["cells"]


def names(group: str, version: str, plural: str) -> list[str]:
    return [c["name"] for c in column_definitions(lookup(group, version, plural))]


TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                    {"name": "log", "image": "busybox"}]}}
SELECTOR = {"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}


# --- workloads ------------------------------------------------------------------------------

def test_deployment_mid_rollout():
    obj = {"metadata": meta("web"), "spec": {"replicas": 3, "selector": SELECTOR,
                                             "template": TEMPLATE},
           "status": {"replicas": 4, "updatedReplicas": 1, "readyReplicas": 2,
                      "availableReplicas": 2, "unavailableReplicas": 2}}
    assert names("apps", "v1", "deployments") == [
        "Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]
    assert cells("apps", "v1", "deployments", obj) == [
        "web", "2/3", 1, 2, "5d", "web,log", "nginx:1.27,busybox", "app=web,tier in (a,b)"]


def test_deployment_with_invalid_selector():
    obj = {"metadata": meta("web"), "spec": {"selector": {"matchExpressions": [
        {"key": "tier", "operator": "Near", "values": ["x"]}]}}}
    assert cells("apps", "v1", "deployments", obj)[-1] == "<invalid>"


def test_replica_set_and_replication_controller():
    rs = {"metadata": meta("web-5d4f"), "spec": {"replicas": 3, "template": TEMPLATE,
                                                 "selector": {"matchLabels": {"app": "web"}}},
          "status": {"replicas": 3, "readyReplicas": 1}}
    assert cells("apps", "v1", "replicasets", rs) == [
        "web-5d4f", 3, 3, 1, "5d", "web,log", "nginx:1.27,busybox", "app=web"]
    rc = {"metadata": meta("old"), "spec": {"replicas": 2, "selector": {"app": "old"},
                                            "template": TEMPLATE}, "status": {"replicas": 2}}
    assert cells("", "v1", "replicationcontrollers", rc)[1:5] == [2, 2, 0, "5d"]
    assert cells("", "v1", "replicationcontrollers", rc)[-1] == "app=old"
    cols = column_definitions(lookup("apps", "v1", "replicasets"))
    assert [c["type"] for c in cols[1:4]] == ["integer"] * 3


def test_stateful_set_and_daemon_set():
    sts = {"metadata": meta("db"), "spec": {"replicas": 3, "template": TEMPLATE},
           "status": {"readyReplicas": 3}}
    assert names("apps", "v1", "statefulsets") == ["Name", "Ready", "Age", "Containers", "Images"]
    assert cells("apps", "v1", "statefulsets", sts) == [
        "db", "3/3", "5d", "web,log", "nginx:1.27,busybox"]
    tmpl = {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                     "containers": [{"name": "proxy", "image": "kp"}]}}
    ds = {"metadata": meta("kube-proxy", "kube-system"),
          "spec": {"template": tmpl, "selector": {"matchLabels": {"k8s-app": "kube-proxy"}}},
          "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2,
                     "numberReady": 1, "updatedNumberScheduled": 2, "numberAvailable": 1}}
    assert cells("apps", "v1", "daemonsets", ds) == [
        "kube-proxy", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "5d", "proxy", "kp",
        "k8s-app=kube-proxy"]


@pytest.mark.parametrize("conditions, extra, expected", [
    ([{"type": "Complete", "status": "True"}], {}, "Complete"),
    ([{"type": "Failed", "status": "True"}], {}, "Failed"),
    ([{"type": "Suspended", "status": "True"}], {}, "Suspended"),
    ([{"type": "FailureTarget", "status": "True"}], {}, "FailureTarget"),
    ([], {"deletionTimestamp": "2025-01-01T11:59:00Z"}, "Terminating"),
    ([{"type": "Complete", "status": "False"}], {}, "Running"),
])
def test_job_status(conditions, extra, expected):
    obj = {"metadata": meta("pi", **extra), "spec": {"template": TEMPLATE},
           "status": {"conditions": conditions}}
    assert cells("batch", "v1", "jobs", obj)[1] == expected


def test_job_row():
    obj = {"metadata": meta("pi", age=ago(minutes=3)),
           "spec": {"completions": 1, "parallelism": 1, "template": TEMPLATE,
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}},
           "status": {"succeeded": 1, "startTime": ago(minutes=3),
                      "completionTime": ago(minutes=2, seconds=48),
                      "conditions": [{"type": "Complete", "status": "True"}]}}
    assert names("batch", "v1", "jobs") == ["Name", "Status", "Completions", "Duration", "Age",
                                            "Containers", "Images", "Selector"]
    assert cells("batch", "v1", "jobs", obj) == [
        "pi", "Complete", "1/1", "12s", "3m", "web,log", "nginx:1.27,busybox",
        "batch.kubernetes.io/controller-uid=u1"]


def test_job_completions_without_completions_and_running_duration():
    obj = {"metadata": meta("work"), "spec": {"parallelism": 3},
           "status": {"succeeded": 1, "startTime": ago(minutes=5, seconds=10)}}
    row = cells("batch", "v1", "jobs", obj)
    assert row[2:4] == ["1/1 of 3", "5m10s"]
    obj["status"].pop("startTime")
    assert cells("batch", "v1", "jobs", obj)[3] == ""


def test_cron_job_row():
    obj = {"metadata": meta("nightly"),
           "spec": {"schedule": "0 3 * * *", "suspend": False,
                    "jobTemplate": {"spec": {"template": TEMPLATE}}},
           "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": ago(hours=9)}}
    assert names("batch", "v1", "cronjobs") == [
        "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age",
        "Containers", "Images", "Selector"]
    assert cells("batch", "v1", "cronjobs", obj) == [
        "nightly", "0 3 * * *", "<none>", "False", 1, "9h", "5d", "web,log",
        "nginx:1.27,busybox", "<none>"]
    obj["spec"].update(timeZone="Europe/Paris", suspend=True)
    obj["status"] = {}
    assert cells("batch", "v1", "cronjobs", obj)[2:6] == ["Europe/Paris", "True", 0, "<none>"]


def test_pod_template_and_controller_revision():
    pt = {"metadata": meta("tmpl"), "template": TEMPLATE}
    assert cells("", "v1", "podtemplates", pt) == ["tmpl", "web,log", "nginx:1.27,busybox",
                                                   "app=web"]
    owner = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u",
             "controller": True}
    cr = {"metadata": meta("db-7b9", ownerReferences=[owner]), "revision": 2}
    assert cells("apps", "v1", "controllerrevisions", cr) == [
        "db-7b9", "statefulset.apps/db", 2, "5d"]


# --- networking -----------------------------------------------------------------------------

def service(svc_type: str, ports: list[dict], **status) -> dict:
    return {"metadata": meta("web", age=ago(minutes=7)),
            "spec": {"type": svc_type, "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"],
                     "ports": ports, "selector": {"app": "web"}},
            "status": status}


def test_node_port_service():
    obj = service("NodePort", [{"port": 80, "nodePort": 30080, "protocol": "TCP",
                                "targetPort": 8080}])
    assert names("", "v1", "services") == ["Name", "Type", "Cluster-IP", "External-IP",
                                           "Port(s)", "Age", "Selector"]
    assert cells("", "v1", "services", obj) == [
        "web", "NodePort", "10.96.12.34", "<none>", "80:30080/TCP", "7m", "app=web"]


def test_load_balancer_service_pending_then_assigned():
    obj = service("LoadBalancer", [{"port": 443, "nodePort": 31443, "protocol": "TCP"},
                                   {"port": 53, "nodePort": 31053, "protocol": "UDP"}],
                  loadBalancer={})
    assert cells("", "v1", "services", obj)[3:5] == ["<pending>", "443:31443/TCP,53:31053/UDP"]
    obj["status"]["loadBalancer"] = {"ingress": [{"ip": "172.18.0.9"}, {"hostname": "lb.x"},
                                                 {"ip": "172.18.0.9"}]}
    assert cells("", "v1", "services", obj)[3] == "172.18.0.9,lb.x"
    obj["spec"]["externalIPs"] = ["1.2.3.4"]
    assert cells("", "v1", "services", obj)[3] == "172.18.0.9,lb.x,1.2.3.4"


def test_cluster_ip_headless_and_external_name_services():
    obj = service("ClusterIP", [{"port": 80, "protocol": "TCP"}])
    assert cells("", "v1", "services", obj)[1:5] == ["ClusterIP", "10.96.12.34", "<none>",
                                                     "80/TCP"]
    obj["spec"].update(clusterIP="None", clusterIPs=["None"], ports=[], selector={})
    assert cells("", "v1", "services", obj)[2:] == ["None", "<none>", "<none>", "7m", "<none>"]
    ext = {"metadata": meta("db"), "spec": {"type": "ExternalName",
                                            "externalName": "db.example.com"}}
    assert cells("", "v1", "services", ext)[1:5] == ["ExternalName", "<none>", "db.example.com",
                                                     "<none>"]


def test_endpoints_lists_three_then_counts_the_rest():
    obj = {"metadata": meta("web"), "subsets": [
        {"addresses": [{"ip": f"10.244.1.{i}"} for i in range(1, 5)],
         "ports": [{"port": 80, "protocol": "TCP"}]}]}
    assert cells("", "v1", "endpoints", obj) == [
        "web", "10.244.1.1:80,10.244.1.2:80,10.244.1.3:80 + 1 more...", "5d"]
    headless = {"metadata": meta("h"), "subsets": [{"addresses": [{"ip": "fd00::1"}]}]}
    assert cells("", "v1", "endpoints", headless)[1] == "fd00::1"
    assert cells("", "v1", "endpoints", {"metadata": meta("e")})[1] == "<none>"


def test_endpoint_slice():
    obj = {"metadata": meta("web-abc"), "addressType": "IPv4",
           "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
           "endpoints": [{"addresses": ["10.244.1.5"]}, {"addresses": ["10.244.2.7"]}]}
    assert names("discovery.k8s.io", "v1", "endpointslices") == [
        "Name", "AddressType", "Ports", "Endpoints", "Age"]
    assert cells("discovery.k8s.io", "v1", "endpointslices", obj) == [
        "web-abc", "IPv4", "80", "10.244.1.5,10.244.2.7", "5d"]
    obj["endpoints"] = []
    obj["ports"] = [{"name": "a"}, {}, {"port": 1}, {"port": 2}]
    assert cells("discovery.k8s.io", "v1", "endpointslices", obj)[2:4] == [
        "a,*,1 + 1 more...", "<unset>"]


def test_ingress_and_ingress_class():
    obj = {"metadata": meta("web"),
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                    "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.5"}]}}}
    assert names("networking.k8s.io", "v1", "ingresses") == [
        "Name", "Class", "Hosts", "Address", "Ports", "Age"]
    assert cells("networking.k8s.io", "v1", "ingresses", obj) == [
        "web", "nginx", "a.example.com,b.example.com", "172.18.0.5", "80, 443", "5d"]
    bare = {"metadata": meta("any"), "spec": {"defaultBackend": {}}}
    assert cells("networking.k8s.io", "v1beta1", "ingresses", bare)[1:5] == ["<none>", "*", "",
                                                                             "80"]
    cls = {"metadata": meta("nginx", None), "spec": {
        "controller": "k8s.io/ingress-nginx",
        "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters",
                       "name": "external-lb"}}}
    assert cells("networking.k8s.io", "v1", "ingressclasses", cls) == [
        "nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "5d"]


# --- cluster --------------------------------------------------------------------------------

def node(ready: str | None = "True", unschedulable: bool = False, labels=None) -> dict:
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready})
    return {"metadata": meta("node-1", None, age=ago(days=3),
                             labels=labels or {"node-role.kubernetes.io/control-plane": ""}),
            "spec": {"unschedulable": unschedulable, "podCIDR": "10.244.1.0/24"},
            "status": {"conditions": conditions,
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                                     {"type": "Hostname", "address": "node-1"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0",
                                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                                    "kernelVersion": "6.1.0-18-amd64",
                                    "containerRuntimeVersion": "docker://20.10.24"}}}


def test_ready_node():
    assert names("", "v1", "nodes") == [
        "Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image",
        "Kernel-Version", "Container-Runtime"]
    assert cells("", "v1", "nodes", node()) == [
        "node-1", "Ready", "control-plane", "3d", "v1.32.0", "172.18.0.2", "<none>",
        "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "docker://20.10.24"]


@pytest.mark.parametrize("ready, unschedulable, expected", [
    ("True", True, "Ready,SchedulingDisabled"),
    ("False", False, "NotReady"),
    ("Unknown", False, "NotReady"),
    (None, False, "Unknown"),
    (None, True, "Unknown,SchedulingDisabled"),
])
def test_node_status(ready, unschedulable, expected):
    assert cells("", "v1", "nodes", node(ready, unschedulable))[1] == expected


def test_node_roles():
    labels = {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": "",
              "kubernetes.io/role": "edge", "node-role.kubernetes.io/": ""}
    assert cells("", "v1", "nodes", node(labels=labels))[2] == "edge,infra,worker"
    assert cells("", "v1", "nodes", node(labels={"app": "x"}))[2] == "<none>"


def test_namespace_terminating():
    obj = {"metadata": meta("old", None, age=ago(seconds=45),
                            deletionTimestamp=ago(seconds=3)),
           "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Terminating"}}
    assert names("", "v1", "namespaces") == ["Name", "Status", "Age"]
    assert cells("", "v1", "namespaces", obj) == ["old", "Terminating", "45s"]


def test_core_event():
    obj = {"metadata": meta("web-1.17a2b"), "type": "Warning", "reason": "BackOff",
           "message": "Back-off restarting failed container app\n", "count": 3,
           "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default",
                              "fieldPath": "spec.containers{app}"},
           "source": {"component": "kubelet", "host": "node-1"},
           "firstTimestamp": ago(minutes=10), "lastTimestamp": ago(minutes=2)}
    cols = column_definitions(lookup("", "v1", "events"))
    assert [(c["name"], c["priority"]) for c in cols] == [
        ("Last Seen", 0), ("Type", 0), ("Reason", 0), ("Object", 0), ("Subobject", 1),
        ("Source", 1), ("Message", 0), ("First Seen", 1), ("Count", 1), ("Name", 1)]
    assert cells("", "v1", "events", obj) == [
        "2m", "Warning", "BackOff", "pod/web-1", "spec.containers{app}", "kubelet, node-1",
        "Back-off restarting failed container app", "10m", 3, "web-1.17a2b"]


def test_new_style_events_in_both_shapes():
    core = {"metadata": meta("sched.1"), "type": "Normal", "reason": "Scheduled",
            "message": "Successfully assigned default/web-1 to node-1",
            "involvedObject": {"kind": "Pod", "name": "web-1"},
            "eventTime": "2025-01-01T11:59:29.900000Z", "reportingComponent": "",
            "reportingController": "default-scheduler", "reportingInstance": "sched-1"}
    expected = ["30s", "Normal", "Scheduled", "pod/web-1", "", "default-scheduler, sched-1",
                "Successfully assigned default/web-1 to node-1", "30s", 1, "sched.1"]
    assert cells("", "v1", "events", core) == expected
    v1 = {"metadata": meta("sched.1"), "type": "Normal", "reason": "Scheduled",
          "note": core["message"], "regarding": core["involvedObject"],
          "eventTime": core["eventTime"], "reportingController": "default-scheduler",
          "reportingInstance": "sched-1"}
    assert cells("events.k8s.io", "v1", "events", v1) == expected
    v1["series"] = {"count": 4, "lastObservedTime": "2025-01-01T11:59:55.000000Z"}
    assert cells("events.k8s.io", "v1", "events", v1)[0] == "5s"
    assert cells("events.k8s.io", "v1", "events", v1)[8] == 4


def test_lease():
    obj = {"metadata": meta("node-1", "kube-node-lease"),
           "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}}
    assert cells("coordination.k8s.io", "v1", "leases", obj) == ["node-1", "node-1", "5d"]


# --- config, RBAC, storage, autoscaling -----------------------------------------------------

def test_config_map_secret_service_account():
    cm = {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert cells("", "v1", "configmaps", cm) == ["cfg", 3, "5d"]
    secret = {"metadata": meta("tls"), "type": "kubernetes.io/tls",
              "data": {"tls.crt": "x", "tls.key": "y"}}
    assert names("", "v1", "secrets") == ["Name", "Type", "Data", "Age"]
    assert cells("", "v1", "secrets", secret) == ["tls", "kubernetes.io/tls", 2, "5d"]
    sa = {"metadata": meta("default")}
    assert names("", "v1", "serviceaccounts") == ["Name", "Secrets", "Age"]
    assert cells("", "v1", "serviceaccounts", sa) == ["default", 0, "5d"]


def test_resource_quota_and_limit_range():
    obj = {"metadata": meta("q"), "status": {
        "hard": {"pods": "10", "requests.cpu": "2", "limits.memory": "2Gi", "limits.cpu": "4"},
        "used": {"pods": "2", "requests.cpu": "500m", "limits.cpu": "1"}}}
    assert names("", "v1", "resourcequotas") == ["Name", "Request", "Limit", "Age"]
    assert cells("", "v1", "resourcequotas", obj) == [
        "q", "pods: 2/10, requests.cpu: 500m/2", "limits.cpu: 1/4, limits.memory: 0/2Gi", "5d"]
    lr = {"metadata": meta("limits", age="2024-12-27T12:00:00Z"), "spec": {"limits": []}}
    assert names("", "v1", "limitranges") == ["Name", "Created At"]
    assert column_definitions(lookup("", "v1", "limitranges"))[1]["type"] == "date"
    assert cells("", "v1", "limitranges", lr) == ["limits", "2024-12-27T12:00:00Z"]


def test_roles_use_the_default_columns_and_bindings_list_subjects():
    role = {"metadata": meta("reader", age="2024-12-31T23:00:00+01:00")}
    assert cells("rbac.authorization.k8s.io", "v1", "roles", role) == [
        "reader", "2024-12-31T22:00:00Z"]
    assert names("rbac.authorization.k8s.io", "v1", "clusterroles") == ["Name", "Created At"]
    binding = {"metadata": meta("read"), "roleRef": {"kind": "ClusterRole", "name": "view",
                                                     "apiGroup": "rbac.authorization.k8s.io"},
               "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                            {"kind": "Group", "name": "devs"},
                            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]}
    assert names("rbac.authorization.k8s.io", "v1", "rolebindings") == [
        "Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"]
    assert cells("rbac.authorization.k8s.io", "v1", "clusterrolebindings", binding) == [
        "read", "ClusterRole/view", "5d", "alice, bob", "devs", "tools/ci"]


def test_persistent_volume_and_claim():
    pv = {"metadata": meta("pv-1", None),
          "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany",
                                                                    "ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
                   "claimRef": {"namespace": "default", "name": "data"}},
          "status": {"phase": "Bound"}}
    assert cells("", "v1", "persistentvolumes", pv) == [
        "pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "local", "<unset>", "",
        "5d", "<unset>"]
    pvc = {"metadata": meta("data"), "spec": {"storageClassName": "local",
                                              "resources": {"requests": {"storage": "1Gi"}},
                                              "volumeMode": "Filesystem"},
           "status": {"phase": "Pending"}}
    assert cells("", "v1", "persistentvolumeclaims", pvc) == [
        "data", "Pending", "", "", "", "local", "<unset>", "5d", "Filesystem"]
    pvc["spec"]["volumeName"] = "pv-1"
    pvc["status"] = {"phase": "Bound", "capacity": {"storage": "10Gi"},
                     "accessModes": ["ReadWriteOnce"]}
    assert cells("", "v1", "persistentvolumeclaims", pvc)[1:5] == ["Bound", "pv-1", "10Gi",
                                                                   "RWO"]


def test_storage_class_default_suffix():
    obj = {"metadata": meta("standard", None, annotations={
        "storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}
    assert names("storage.k8s.io", "v1", "storageclasses") == [
        "Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion",
        "Age"]
    assert cells("storage.k8s.io", "v1", "storageclasses", obj) == [
        "standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", False,
        "5d"]


def test_horizontal_pod_autoscaler():
    obj = {"metadata": meta("web"),
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                    "minReplicas": 1, "maxReplicas": 10,
                    "metrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "target": {
                            "type": "Utilization", "averageUtilization": 80}}},
                        {"type": "Resource", "resource": {"name": "memory", "target": {
                            "type": "AverageValue", "averageValue": "200Mi"}}},
                        {"type": "Pods", "pods": {"target": {"averageValue": "1k"}}}]},
           "status": {"currentReplicas": 2, "currentMetrics": [
               {"type": "Resource", "resource": {"name": "cpu", "current": {
                   "averageUtilization": 40}}}]}}
    assert cells("autoscaling", "v2", "horizontalpodautoscalers", obj) == [
        "web", "Deployment/web", "cpu: 40%/80%, memory: <unknown>/200Mi + 1 more...", "1", 10,
        2, "5d"]
    obj["spec"]["metrics"] = obj["spec"]["metrics"][:1]
    obj["status"]["currentMetrics"] = []
    del obj["spec"]["minReplicas"]
    assert cells("autoscaling", "v2", "horizontalpodautoscalers", obj)[2:4] == [
        "cpu: <unknown>/80%", "<unset>"]


def test_pod_disruption_budget():
    obj = {"metadata": meta("web"), "spec": {"minAvailable": "50%"},
           "status": {"disruptionsAllowed": 1}}
    assert names("policy", "v1", "poddisruptionbudgets") == [
        "Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"]
    assert cells("policy", "v1", "poddisruptionbudgets", obj) == ["web", "50%", "N/A", 1, "5d"]
    obj["spec"] = {"maxUnavailable": 1}
    assert cells("policy", "v1", "poddisruptionbudgets", obj)[1:3] == ["N/A", "1"]
