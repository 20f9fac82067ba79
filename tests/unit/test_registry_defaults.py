"""Defaults: a plain manifest comes back shaped as a real 1.32 cluster's `kubectl get -o yaml`."""
from __future__ import annotations

import base64

import pytest
import yaml

from apiserver.registry import strategy_for
from machinery.api.resources import for_kind

pytestmark = pytest.mark.unit


def created(api_version: str, kind: str, manifest: str, uid: str = "uid-1") -> dict:
    """What the api-server stores for a POSTed manifest (before clusterIP/nodePort allocation)."""
    obj = yaml.safe_load(manifest)
    meta = obj.setdefault("metadata", {})
    info = for_kind(api_version, kind)
    if info.namespaced:
        meta.setdefault("namespace", "default")
    meta["uid"] = uid
    strategy = strategy_for(info)
    strategy.prepare_create(obj)
    strategy.default(obj)
    assert strategy.validate(obj) == []
    return obj


POD_TEMPLATE_SPEC = """
containers:
- image: nginx:1.25
  imagePullPolicy: IfNotPresent
  name: nginx
  ports:
  - containerPort: 80
    protocol: TCP
  resources: {}
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: File
dnsPolicy: ClusterFirst
restartPolicy: Always
schedulerName: default-scheduler
securityContext: {}
terminationGracePeriodSeconds: 30
"""

APP_TEMPLATE = """
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
"""


def test_deployment_defaults_match_a_real_cluster():
    obj = created("apps/v1", "Deployment", """
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:""" + APP_TEMPLATE)
    assert obj["spec"] == yaml.safe_load(f"""
progressDeadlineSeconds: 600
replicas: 1
revisionHistoryLimit: 10
selector:
  matchLabels: {{app: web}}
strategy:
  rollingUpdate: {{maxSurge: 25%, maxUnavailable: 25%}}
  type: RollingUpdate
template:
  metadata:
    creationTimestamp: null
    labels: {{app: web}}
  spec: {yaml.safe_load(POD_TEMPLATE_SPEC)}
""")
    assert obj["status"] == {}
    assert obj["metadata"]["generation"] == 1


def test_pod_defaults_match_a_real_cluster():
    obj = created("v1", "Pod", """
metadata: {name: mypod, labels: {run: mypod}}
spec:
  containers:
  - name: mypod
    image: busybox
    args: [sleep, "3600"]
""")
    assert obj["spec"] == yaml.safe_load("""
containers:
- args: [sleep, "3600"]
  image: busybox
  imagePullPolicy: Always
  name: mypod
  resources: {}
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: File
dnsPolicy: ClusterFirst
enableServiceLinks: true
preemptionPolicy: PreemptLowerPriority
priority: 0
restartPolicy: Always
schedulerName: default-scheduler
securityContext: {}
terminationGracePeriodSeconds: 30
""")
    assert obj["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert "generation" not in obj["metadata"]


def test_pod_container_details_are_defaulted():
    obj = created("v1", "Pod", """
metadata: {name: p}
spec:
  volumes:
  - name: cfg
    configMap: {name: cm}
  - name: sec
    secret: {secretName: s}
  - name: scratch
  - name: host
    hostPath: {path: /tmp}
  containers:
  - name: app
    image: registry.local:5000/app@sha256:abc
    resources:
      limits: {cpu: "0.5", memory: 1024Mi}
    env:
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: CPU
      valueFrom: {resourceFieldRef: {resource: limits.cpu}}
    readinessProbe:
      httpGet: {port: 8080}
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 5
""")
    c = obj["spec"]["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"},
                              "requests": {"cpu": "500m", "memory": "1Gi"}}
    assert c["env"][0]["valueFrom"]["fieldRef"] == {"apiVersion": "v1",
                                                    "fieldPath": "metadata.name"}
    assert c["env"][1]["valueFrom"]["resourceFieldRef"] == {"divisor": "0",
                                                            "resource": "limits.cpu"}
    assert c["readinessProbe"] == {"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
                                   "timeoutSeconds": 1, "periodSeconds": 10,
                                   "successThreshold": 1, "failureThreshold": 3}
    assert c["livenessProbe"]["periodSeconds"] == 5
    volumes = {v["name"]: v for v in obj["spec"]["volumes"]}
    assert volumes["cfg"]["configMap"] == {"name": "cm", "defaultMode": 420}
    assert volumes["sec"]["secret"] == {"secretName": "s", "defaultMode": 420}
    assert volumes["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert volumes["host"]["hostPath"] == {"path": "/tmp", "type": ""}
    assert obj["status"]["qosClass"] == "Guaranteed"


def test_pod_tolerations_are_left_to_admission():
    obj = created("v1", "Pod", "metadata: {name: p}\nspec: {containers: [{name: a, image: x:1}]}")
    assert "tolerations" not in obj["spec"]


def test_service_defaults_match_a_real_cluster():
    obj = created("v1", "Service", """
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
""")
    assert obj["spec"] == yaml.safe_load("""
internalTrafficPolicy: Cluster
ipFamilies: [IPv4]
ipFamilyPolicy: SingleStack
ports:
- port: 80
  protocol: TCP
  targetPort: 80
selector: {app: web}
sessionAffinity: None
type: ClusterIP
""")
    assert obj["status"] == {"loadBalancer": {}}


def test_nodeport_service_gets_external_traffic_policy():
    obj = created("v1", "Service", """
metadata: {name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: http}]}
""")
    assert obj["spec"]["externalTrafficPolicy"] == "Cluster"
    assert obj["spec"]["ports"][0]["targetPort"] == "http"


def test_headless_service_keeps_none():
    obj = created("v1", "Service", """
metadata: {name: db}
spec: {clusterIP: None, ports: [{port: 5432}]}
""")
    assert obj["spec"]["clusterIP"] == "None"
    assert obj["spec"]["clusterIPs"] == ["None"]
    assert obj["spec"]["ipFamilyPolicy"] == "RequireDualStack"


def test_job_defaults_and_generated_selector():
    obj = created("batch/v1", "Job", """
metadata: {name: pi}
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34
        command: [perl, -e, print 1]
      restartPolicy: Never
""", uid="8a5f0c5c-0000-4000-8000-000000000001")
    uid = "8a5f0c5c-0000-4000-8000-000000000001"
    generated = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
                 "controller-uid": uid, "job-name": "pi"}
    spec = obj["spec"]
    assert {k: v for k, v in spec.items() if k != "template"} == {
        "backoffLimit": 6, "completionMode": "NonIndexed", "completions": 1,
        "manualSelector": False, "parallelism": 1, "podReplacementPolicy": "TerminatingOrFailed",
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
        "suspend": False}
    assert spec["template"]["metadata"] == {"creationTimestamp": None, "labels": generated}
    assert obj["metadata"]["labels"] == generated
    assert spec["template"]["spec"]["restartPolicy"] == "Never"


def test_parallel_job_keeps_completions_unset():
    obj = created("batch/v1", "Job", """
metadata: {name: work}
spec:
  parallelism: 3
  template:
    spec: {restartPolicy: OnFailure, containers: [{name: w, image: busybox:1}]}
""")
    assert "completions" not in obj["spec"]
    assert obj["spec"]["parallelism"] == 3


def test_cronjob_defaults_match_a_real_cluster():
    obj = created("batch/v1", "CronJob", """
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox:1.28
""")
    spec = obj["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "concurrencyPolicy": "Allow", "failedJobsHistoryLimit": 1, "schedule": "*/1 * * * *",
        "successfulJobsHistoryLimit": 3, "suspend": False}
    job_template = spec["jobTemplate"]
    assert job_template["metadata"] == {"creationTimestamp": None}
    assert set(job_template["spec"]) == {"template"}     # Job-level defaults are not applied
    pod_spec = job_template["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "OnFailure"
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert job_template["spec"]["template"]["metadata"] == {"creationTimestamp": None}


def test_statefulset_defaults_match_a_real_cluster():
    obj = created("apps/v1", "StatefulSet", """
metadata: {name: web}
spec:
  serviceName: nginx
  selector: {matchLabels: {app: web}}
  template:""" + APP_TEMPLATE + """
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
""")
    spec = obj["spec"]
    assert {k: v for k, v in spec.items() if k not in ("template", "volumeClaimTemplates")} == \
        yaml.safe_load("""
persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
podManagementPolicy: OrderedReady
replicas: 1
revisionHistoryLimit: 10
selector: {matchLabels: {app: web}}
serviceName: nginx
updateStrategy:
  rollingUpdate: {partition: 0}
  type: RollingUpdate
""")
    assert spec["volumeClaimTemplates"] == yaml.safe_load("""
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata: {creationTimestamp: null, name: www}
  spec:
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 1Gi}}
    volumeMode: Filesystem
  status: {phase: Pending}
""")
    assert spec["template"]["spec"] == yaml.safe_load(POD_TEMPLATE_SPEC)
    assert obj["status"] == {"replicas": 0, "availableReplicas": 0}


def test_daemonset_defaults_match_a_real_cluster():
    obj = created("apps/v1", "DaemonSet", """
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  template:""" + APP_TEMPLATE)
    spec = obj["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert "replicas" not in spec
    assert obj["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}
    assert obj["status"] == {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                             "numberMisscheduled": 0, "numberReady": 0}


def test_daemonset_template_generation_follows_template_edits():
    strategy = strategy_for(for_kind("apps/v1", "DaemonSet"))
    old = created("apps/v1", "DaemonSet", """
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  template:""" + APP_TEMPLATE)
    new = yaml.safe_load(yaml.safe_dump(old))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    strategy.prepare_update(new, old)
    assert new["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"


def test_replicaset_defaults():
    obj = created("apps/v1", "ReplicaSet", """
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:""" + APP_TEMPLATE)
    assert obj["spec"]["replicas"] == 1
    assert obj["status"] == {"replicas": 0}


def test_namespace_defaults_match_a_real_cluster():
    obj = created("v1", "Namespace", "metadata: {name: team-a}")
    assert obj["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert obj["spec"] == {"finalizers": ["kubernetes"]}
    assert obj["status"] == {"phase": "Active"}


def test_namespace_update_keeps_finalizers_and_name_label():
    strategy = strategy_for(for_kind("v1", "Namespace"))
    old = created("v1", "Namespace", "metadata: {name: team-a}")
    new = {"metadata": {"name": "team-a", "labels": {"x": "y"}}, "spec": {}}
    strategy.prepare_update(new, old)
    strategy.default(new)
    assert new["spec"]["finalizers"] == ["kubernetes"]
    assert new["metadata"]["labels"] == {"x": "y", "kubernetes.io/metadata.name": "team-a"}
    assert new["status"] == {"phase": "Active"}


def test_secret_defaults_type_and_folds_string_data():
    obj = created("v1", "Secret", """
metadata: {name: s}
stringData: {password: hunter2}
data: {user: YWRtaW4=}
""")
    assert obj["type"] == "Opaque"
    assert "stringData" not in obj
    assert obj["data"] == {"user": "YWRtaW4=",
                           "password": base64.b64encode(b"hunter2").decode()}


def test_storage_defaults():
    pvc = created("v1", "PersistentVolumeClaim", """
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1024Mi}}}
""")
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert pvc["status"] == {"phase": "Pending"}
    pv = created("v1", "PersistentVolume", """
metadata: {name: pv1}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data}
""")
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["spec"]["hostPath"]["type"] == ""
    assert pv["status"]["phase"] == "Pending"
    sc = created("storage.k8s.io/v1", "StorageClass",
                 "metadata: {name: fast}\nprovisioner: example.com/fast")
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")


def test_hpa_defaults():
    hpa = created("autoscaling/v2", "HorizontalPodAutoscaler", """
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
""")
    spec = hpa["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert spec["behavior"]["scaleDown"] == {
        "stabilizationWindowSeconds": 60, "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert spec["behavior"]["scaleUp"]["policies"][0] == {"type": "Pods", "value": 4,
                                                          "periodSeconds": 15}
    assert hpa["status"] == {"desiredReplicas": 0}


def test_rbac_binding_defaults_api_groups():
    binding = created("rbac.authorization.k8s.io/v1", "RoleBinding", """
metadata: {name: read}
roleRef: {kind: Role, name: reader}
subjects:
- {kind: User, name: jane}
- {kind: ServiceAccount, name: default, namespace: default}
""")
    assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert binding["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    assert "apiGroup" not in binding["subjects"][1]


def test_endpoints_and_slices_default_protocols():
    ep = created("v1", "Endpoints", """
metadata: {name: web}
subsets: [{addresses: [{ip: 10.244.1.5}], ports: [{port: 80}]}]
""")
    assert ep["subsets"][0]["ports"][0]["protocol"] == "TCP"
    eps = created("discovery.k8s.io/v1", "EndpointSlice", """
metadata: {name: web-abc}
addressType: IPv4
endpoints: [{addresses: [10.244.1.5]}]
ports: [{port: 80}]
""")
    assert eps["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]


def test_node_pod_cidrs_and_allocatable():
    node = created("v1", "Node", """
metadata: {name: node-1}
spec: {podCIDR: 10.244.1.0/24}
status: {capacity: {cpu: "2", memory: 2048Mi, pods: "110"}}
""")
    assert node["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    assert node["status"]["capacity"]["memory"] == "2Gi"
    assert node["status"]["allocatable"] == node["status"]["capacity"]


def test_service_update_keeps_allocated_values():
    strategy = strategy_for(for_kind("v1", "Service"))
    old = created("v1", "Service", """
metadata: {name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80}]}
""")
    old["spec"].update(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])
    old["spec"]["ports"][0]["nodePort"] = 30080
    new = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}}
    strategy.prepare_update(new, old)
    strategy.default(new)
    assert new["spec"]["clusterIP"] == "10.96.0.10"
    assert new["spec"]["ports"][0]["nodePort"] == 30080
    assert new["status"] == {"loadBalancer": {}}
    assert strategy.validate(new, old) == []


def test_update_cannot_change_status_of_kinds_with_status_subresource():
    strategy = strategy_for(for_kind("apps/v1", "Deployment"))
    old = {"metadata": {"name": "w"}, "spec": {"replicas": 1}, "status": {"replicas": 1}}
    new = {"metadata": {"name": "w"}, "spec": {"replicas": 2}, "status": {"replicas": 9}}
    strategy.prepare_update(new, old)
    assert new["status"] == {"replicas": 1}
    assert strategy.spec_changed(new, old)
    status_write = {"metadata": {"name": "w"}, "spec": {"replicas": 7}, "status": {"replicas": 2}}
    strategy.prepare_status_update(status_write, old)
    assert status_write["spec"] == {"replicas": 1}


def test_defaulting_leaves_wrong_types_for_validation():
    strategy = strategy_for(for_kind("apps/v1", "Deployment"))
    obj = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "web"}}, "strategy": "fast",
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": "nginx"}}}}
    strategy.default(obj)
    assert obj["spec"]["strategy"] == "fast"
    assert obj["spec"]["template"]["spec"]["containers"] == "nginx"
    fields = {c["field"]: c["message"] for c in strategy.validate(obj)}
    assert fields["spec.strategy"] == 'Invalid value: "fast": must be of type object'
    assert fields["spec.template.spec.containers"] == \
        'Invalid value: "nginx": must be of type array'
