"""Validation: invalid objects produce upstream's field causes, word for word."""
from __future__ import annotations

import copy

import pytest
import yaml

from apiserver.registry import strategy_for
from machinery.api.resources import for_kind

pytestmark = pytest.mark.unit

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
               "start with an alphabetic character, and end with an alphanumeric character "
               "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
               "'[a-z]([-a-z0-9]*[a-z0-9])?')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                   "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
QUALIFIED_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                 "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                 "or '123-abc', regex used for validation is "
                 "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def causes(api_version: str, kind: str, manifest: str | dict, old: dict | None = None,
           uid: str = "uid-1") -> list[dict]:
    obj = yaml.safe_load(manifest) if isinstance(manifest, str) else manifest
    info = for_kind(api_version, kind)
    meta = obj.setdefault("metadata", {})
    if info.namespaced:
        meta.setdefault("namespace", "default")
    strategy = strategy_for(info)
    if old is None:
        meta["uid"] = uid
        strategy.prepare_create(obj)
    else:
        strategy.prepare_update(obj, old)
    strategy.default(obj)
    return strategy.validate(obj, old)


def c(field: str, message: str, reason: str = "FieldValueInvalid") -> dict:
    return {"field": field, "message": message, "reason": reason}


def stored(api_version: str, kind: str, manifest: str, uid: str = "uid-1") -> dict:
    obj = yaml.safe_load(manifest)
    info = for_kind(api_version, kind)
    obj.setdefault("metadata", {}).update(uid=uid)
    if info.namespaced:
        obj["metadata"].setdefault("namespace", "default")
    strategy = strategy_for(info)
    strategy.prepare_create(obj)
    strategy.default(obj)
    assert strategy.validate(obj) == []
    return obj


def deployment(**spec_overrides) -> dict:
    obj = yaml.safe_load("""
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.25}]
""")
    obj["spec"].update(spec_overrides)
    return obj


def pod(**spec_overrides) -> dict:
    obj = {"metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}
    obj["spec"].update(spec_overrides)
    return obj


# ---- metadata -----------------------------------------------------------------------------------

def test_name_must_be_a_dns_subdomain():
    assert causes("v1", "ConfigMap", {"metadata": {"name": "Web_1"}}) == [
        c("metadata.name", f'Invalid value: "Web_1": {SUBDOMAIN_MSG}')]


def test_namespace_and_statefulset_names_are_dns_labels():
    assert causes("v1", "Namespace", {"metadata": {"name": "a.b"}}) == [
        c("metadata.name", f'Invalid value: "a.b": {LABEL_MSG}')]
    sts = deployment()
    sts["metadata"]["name"] = "db.x"
    assert c("metadata.name", f'Invalid value: "db.x": {LABEL_MSG}') in \
        causes("apps/v1", "StatefulSet", sts)


def test_service_names_are_dns1035_labels():
    svc = {"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}}
    assert causes("v1", "Service", svc) == [
        c("metadata.name", f'Invalid value: "1web": {DNS1035_MSG}')]


def test_rbac_names_are_path_segments():
    assert causes("rbac.authorization.k8s.io/v1", "ClusterRole",
                  {"metadata": {"name": "a/b"}}) == [
        c("metadata.name", "Invalid value: \"a/b\": may not contain '/'")]
    assert causes("rbac.authorization.k8s.io/v1", "ClusterRole",
                  {"metadata": {"name": "system:Admin"}}) == []


def test_name_or_generate_name_required():
    assert causes("v1", "ConfigMap", {"metadata": {}}) == [
        c("metadata.name", "Required value: name or generateName is required",
          "FieldValueRequired")]


def test_generate_name_may_end_with_a_dash():
    assert causes("v1", "ConfigMap", {"metadata": {"name": "web-x1", "generateName": "web-"}}) \
        == []
    assert causes("v1", "ConfigMap", {"metadata": {"name": "x", "generateName": "Web-"}}) == [
        c("metadata.generateName", f'Invalid value: "Web-": {SUBDOMAIN_MSG}')]


def test_label_keys_and_values():
    got = causes("v1", "ConfigMap", {"metadata": {"name": "x", "labels": {
        "app/x/y": "ok", "bad key": "ok", "ok": "-bad-", "example.com/": "v"}}})
    assert c("metadata.labels", 'Invalid value: "bad key": ' + QUALIFIED_MSG) in got
    assert c("metadata.labels", 'Invalid value: "-bad-": ' + LABEL_VALUE_MSG) in got
    assert c("metadata.labels", 'Invalid value: "example.com/": name part must be non-empty') \
        in got
    assert any(x["message"].startswith('Invalid value: "app/x/y": a qualified name must consist')
               for x in got)
    too_long = causes("v1", "ConfigMap", {"metadata": {"name": "x", "labels": {"a": "v" * 64}}})
    assert c("metadata.labels", f'Invalid value: "{"v" * 64}": must be no more than 63 '
                                "characters") in too_long


def test_annotations_size_limit():
    got = causes("v1", "ConfigMap", {"metadata": {"name": "x", "annotations": {
        "big": "x" * (256 * 1024)}}})
    assert got == [c("metadata.annotations", "Too long: may not be more than 262144 bytes",
                     "FieldValueTooLong")]


def test_metadata_identity_is_immutable_on_update():
    old = stored("v1", "ConfigMap", "metadata: {name: x}")
    new = copy.deepcopy(old)
    new["metadata"]["uid"] = "other"
    assert causes("v1", "ConfigMap", new, old=old) == [
        c("metadata.uid", 'Invalid value: "other": field is immutable')]


def test_no_new_finalizers_while_deleting():
    old = stored("v1", "ConfigMap", "metadata: {name: x}")
    old["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["example.com/f"]
    assert causes("v1", "ConfigMap", new, old=old) == [
        c("metadata.finalizers", "Forbidden: no new finalizers can be added if the object is "
                                 'being deleted, found new finalizers []string{"example.com/f"}',
          "FieldValueForbidden")]


# ---- label selectors ----------------------------------------------------------------------------

@pytest.mark.parametrize("expr,expected", [
    ({"key": "tier", "operator": "In", "values": []},
     c("spec.selector.matchExpressions[0].values",
       "Required value: must be specified when `operator` is 'In' or 'NotIn'",
       "FieldValueRequired")),
    ({"key": "tier", "operator": "Exists", "values": ["a"]},
     c("spec.selector.matchExpressions[0].values",
       "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
       "FieldValueForbidden")),
    ({"key": "tier", "operator": "Near", "values": ["a"]},
     c("spec.selector.matchExpressions[0].operator",
       'Invalid value: "Near": not a valid selector operator')),
    ({"key": "tier", "operator": "In", "values": ["a b"]},
     c("spec.selector.matchExpressions[0].values[0]",
       f'Invalid value: "a b": {LABEL_VALUE_MSG}')),
])
def test_selector_expressions(expr, expected):
    obj = deployment(selector={"matchLabels": {"app": "web"}, "matchExpressions": [expr]})
    assert expected in causes("apps/v1", "Deployment", obj)


# ---- pods ---------------------------------------------------------------------------------------

def test_pod_requires_containers():
    assert causes("v1", "Pod", pod(containers=[])) == [
        c("spec.containers", "Required value", "FieldValueRequired")]


def test_container_names_unique_and_dns_labels():
    got = causes("v1", "Pod", pod(containers=[{"name": "app", "image": "a:1"},
                                              {"name": "app", "image": "b:1"},
                                              {"name": "App_2", "image": "c:1"}]))
    assert got == [c("spec.containers[1].name", 'Duplicate value: "app"', "FieldValueDuplicate"),
                   c("spec.containers[2].name", f'Invalid value: "App_2": {LABEL_MSG}')]


def test_init_and_app_container_names_share_one_namespace():
    got = causes("v1", "Pod", pod(initContainers=[{"name": "app", "image": "a:1"}]))
    assert got == [c("spec.containers[0].name", 'Duplicate value: "app"', "FieldValueDuplicate")]


def test_container_image_required():
    assert causes("v1", "Pod", pod(containers=[{"name": "app"}])) == [
        c("spec.containers[0].image", "Required value", "FieldValueRequired")]


def test_container_ports():
    got = causes("v1", "Pod", pod(containers=[{"name": "app", "image": "a:1", "ports": [
        {"containerPort": 70000}, {"containerPort": 80, "protocol": "HTTP"},
        {"containerPort": 81, "name": "web"}, {"containerPort": 82, "name": "web"},
        {"containerPort": 83, "name": "Web_Port_Name_Too_Long"}]}]))
    p = "spec.containers[0].ports"
    assert got == [
        c(f"{p}[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
        c(f"{p}[1].protocol", 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
          "FieldValueNotSupported"),
        c(f"{p}[3].name", 'Duplicate value: "web"', "FieldValueDuplicate"),
        c(f"{p}[4].name", 'Invalid value: "Web_Port_Name_Too_Long": must be no more than 15 '
                          "characters"),
        c(f"{p}[4].name", 'Invalid value: "Web_Port_Name_Too_Long": must contain only '
                          "alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
    ]


def test_probes():
    got = causes("v1", "Pod", pod(containers=[{
        "name": "app", "image": "a:1",
        "livenessProbe": {"successThreshold": 2, "exec": {"command": ["true"]}},
        "readinessProbe": {"periodSeconds": -1, "httpGet": {"port": 0}},
        "startupProbe": {}}]))
    p = "spec.containers[0]"
    assert got == [
        c(f"{p}.livenessProbe.successThreshold", "Invalid value: 2: must be 1"),
        c(f"{p}.readinessProbe.httpGet.port",
          "Invalid value: 0: must be between 1 and 65535, inclusive"),
        c(f"{p}.readinessProbe.periodSeconds",
          "Invalid value: -1: must be greater than or equal to 0"),
        c(f"{p}.startupProbe", "Required value: must specify a handler type",
          "FieldValueRequired"),
    ]


def test_restart_policy_values():
    assert causes("v1", "Pod", pod(restartPolicy="Sometimes")) == [
        c("spec.restartPolicy",
          'Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
          "FieldValueNotSupported")]


def test_volumes_unique_and_mounts_refer_to_them():
    got = causes("v1", "Pod", pod(
        volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
        containers=[{"name": "app", "image": "a:1", "volumeMounts": [
            {"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/data"},
            {"name": "data"}]}]))
    m = "spec.containers[0].volumeMounts"
    assert got == [
        c("spec.volumes[1].name", 'Duplicate value: "data"', "FieldValueDuplicate"),
        c(f"{m}[1].name", 'Not found: "cache"', "FieldValueNotFound"),
        c(f"{m}[1].mountPath", 'Invalid value: "/data": must be unique'),
        c(f"{m}[2].mountPath", "Required value", "FieldValueRequired"),
    ]


def test_volume_sources():
    got = causes("v1", "Pod", pod(volumes=[
        {"name": "a", "emptyDir": {}, "hostPath": {"path": "/x"}},
        {"name": "b", "configMap": {"defaultMode": 1000}},
        {"name": "c", "hostPath": {"path": "/x", "type": "Dir"}}]))
    assert c("spec.volumes[0].emptyDir", "Forbidden: may not specify more than 1 volume type",
             "FieldValueForbidden") in got
    assert c("spec.volumes[1].configMap.name", "Required value", "FieldValueRequired") in got
    assert c("spec.volumes[1].configMap.defaultMode", "Invalid value: 1000: must be a number "
             "between 0 and 0777 (octal), both inclusive") in got
    assert any(x["field"] == "spec.volumes[2].hostPath.type" and
               x["reason"] == "FieldValueNotSupported" for x in got)


def test_requests_must_not_exceed_limits():
    got = causes("v1", "Pod", pod(containers=[{"name": "app", "image": "a:1", "resources": {
        "requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}]))
    assert got == [c("spec.containers[0].resources.requests",
                     'Invalid value: "2": must be less than or equal to cpu limit of 1')]


def test_resource_quantities_and_names():
    got = causes("v1", "Pod", pod(containers=[{"name": "app", "image": "a:1", "resources": {
        "limits": {"cpu": "lots", "gpu": "1"}, "requests": {"memory": "-1"}}}]))
    r = "spec.containers[0].resources"
    gpu = 'Invalid value: "gpu": must be a standard resource for containers'
    assert got == [
        c(f"{r}.limits[cpu]", "Invalid value: \"lots\": quantities must match the regular "
                              "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
        c(f"{r}.limits[gpu]", gpu),
        c(f"{r}.requests[memory]", 'Invalid value: "-1": must be greater than or equal to 0'),
        c(f"{r}.requests[gpu]", gpu),    # requests were defaulted from limits, as upstream does
    ]


def test_env_names_and_sources():
    got = causes("v1", "Pod", pod(containers=[{"name": "app", "image": "a:1", "env": [
        {"name": "A=B", "value": "x"}, {"value": "x"},
        {"name": "C", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "spec.magic"}}}]}]))
    e = "spec.containers[0].env"
    assert got[0] == c(f"{e}[0].name", 'Invalid value: "A=B": a valid environment variable name '
                                       "must consist only of printable ASCII characters other "
                                       "than '='")
    assert got[1] == c(f"{e}[1].name", "Required value", "FieldValueRequired")
    assert got[2] == c(f"{e}[2].valueFrom",
                       'Invalid value: "": may not be specified when `value` is not empty')
    assert got[3]["field"] == f"{e}[3].valueFrom.fieldRef.fieldPath"
    assert got[3]["message"].startswith('Unsupported value: "spec.magic": supported values: ')


def test_tolerations():
    got = causes("v1", "Pod", pod(tolerations=[
        {"operator": "Equal", "value": "x"},
        {"key": "k", "operator": "Exists", "value": "v"},
        {"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}]))
    t = "spec.tolerations"
    assert got[0] == c(f"{t}[0].operator", 'Invalid value: "Equal": operator must be Exists when '
                       '`key` is empty, which means "match all values and all keys"')
    assert got[1]["field"] == f"{t}[1].operator"
    assert got[1]["message"].endswith("value must be empty when `operator` is 'Exists'")
    assert got[2] == c(f"{t}[2].effect", "Invalid value: \"NoSchedule\": effect must be "
                                         "'NoExecute' when `tolerationSeconds` is set")


def test_pod_spec_is_mostly_immutable():
    old = stored("v1", "Pod", "metadata: {name: p}\nspec: {containers: [{name: a, image: a:1}]}")
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "a:2"
    assert causes("v1", "Pod", new, old=old) == []
    new["spec"]["restartPolicy"] = "Never"
    got = causes("v1", "Pod", new, old=old)
    assert len(got) == 1 and got[0]["field"] == "spec"
    assert got[0]["message"].startswith("Forbidden: pod updates may not change fields other than "
                                        "`spec.containers[*].image`")


# ---- workloads ----------------------------------------------------------------------------------

def test_deployment_selector_required():
    assert causes("apps/v1", "Deployment", deployment(selector=None)) == [
        c("spec.selector", "Required value", "FieldValueRequired")]


def test_deployment_empty_selector_invalid():
    assert causes("apps/v1", "Deployment", deployment(selector={})) == [
        c("spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                           "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector "
                           "is invalid for deployment")]


def test_selector_must_match_template_labels():
    assert causes("apps/v1", "Deployment", deployment(selector={"matchLabels": {"app": "api"}})) \
        == [c("spec.template.metadata.labels", 'Invalid value: map[string]string{"app":"web"}: '
                                               "`selector` does not match template `labels`")]


def test_negative_replicas():
    assert causes("apps/v1", "Deployment", deployment(replicas=-1)) == [
        c("spec.replicas", "Invalid value: -1: must be greater than or equal to 0")]


def test_max_surge_and_max_unavailable_not_both_zero():
    got = causes("apps/v1", "Deployment", deployment(strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}))
    assert got == [c("spec.strategy.rollingUpdate.maxUnavailable",
                     'Invalid value: "0%": may not be 0 when `maxSurge` is 0')]


def test_deployment_strategy_fields():
    got = causes("apps/v1", "Deployment", deployment(strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "x", "maxUnavailable": "101%"}}))
    r = "spec.strategy.rollingUpdate"
    assert c(f"{r}.maxUnavailable", 'Invalid value: "101%": must not be greater than 100%') in got
    assert c(f"{r}.maxSurge", "Invalid value: \"x\": a valid percent string must be a numeric "
             "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation "
             "is '[0-9]+%')") in got
    assert causes("apps/v1", "Deployment", deployment(strategy={
        "type": "Recreate", "rollingUpdate": {}})) == [
        c("spec.strategy.rollingUpdate",
          "Forbidden: may not be specified when strategy `type` is 'Recreate'",
          "FieldValueForbidden")]
    assert causes("apps/v1", "Deployment", deployment(strategy={"type": "Canary"})) == [
        c("spec.strategy.type",
          'Unsupported value: "Canary": supported values: "Recreate", "RollingUpdate"',
          "FieldValueNotSupported")]


def test_progress_deadline_must_exceed_min_ready():
    assert causes("apps/v1", "Deployment", deployment(minReadySeconds=600)) == [
        c("spec.progressDeadlineSeconds", "Invalid value: 600: must be greater than "
                                          "minReadySeconds")]


def test_deployment_selector_is_immutable():
    old = stored("apps/v1", "Deployment", yaml.safe_dump(deployment()))
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "x"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    assert causes("apps/v1", "Deployment", new, old=old) == [
        c("spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{'
                           '"app":"web", "tier":"x"}, MatchExpressions:'
                           '[]v1.LabelSelectorRequirement(nil)}: field is immutable')]


def test_replicaset_template_must_restart_always():
    rs = deployment()
    rs["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert causes("apps/v1", "ReplicaSet", rs) == [
        c("spec.template.spec.restartPolicy",
          'Unsupported value: "OnFailure": supported values: "Always"', "FieldValueNotSupported")]


def test_daemonset_rolling_update_rules():
    ds = deployment(updateStrategy={"type": "RollingUpdate",
                                    "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}})
    del ds["spec"]["replicas"]
    assert causes("apps/v1", "DaemonSet", ds) == [
        c("spec.updateStrategy.rollingUpdate.maxUnavailable",
          "Required value: cannot be 0 when maxSurge is 0", "FieldValueRequired")]


def test_statefulset_rules():
    sts = deployment(podManagementPolicy="Random")
    sts["metadata"]["name"] = "db"
    assert causes("apps/v1", "StatefulSet", sts) == [
        c("spec.podManagementPolicy",
          "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'")]
    old = stored("apps/v1", "StatefulSet", yaml.safe_dump(deployment() | {
        "metadata": {"name": "db"}}))
    new = copy.deepcopy(old)
    new["spec"]["serviceName"] = "other"
    got = causes("apps/v1", "StatefulSet", new, old=old)
    assert got == [c("spec", "Forbidden: updates to statefulset spec for fields other than "
                             "'replicas', 'ordinals', 'template', 'updateStrategy', "
                             "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                             "forbidden", "FieldValueForbidden")]


# ---- batch --------------------------------------------------------------------------------------

JOB = """
metadata: {name: pi}
spec:
  template:
    spec:
      containers: [{name: pi, image: perl:5.34}]
"""


def test_job_restart_policy_must_be_on_failure_or_never():
    assert causes("batch/v1", "Job", JOB) == [
        c("spec.template.spec.restartPolicy",
          'Unsupported value: "Always": supported values: "OnFailure", "Never"',
          "FieldValueNotSupported")]


def test_job_negative_counts():
    job = yaml.safe_load(JOB)
    job["spec"].update(parallelism=-1, backoffLimit=-2)
    job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert causes("batch/v1", "Job", job) == [
        c("spec.parallelism", "Invalid value: -1: must be greater than or equal to 0"),
        c("spec.backoffLimit", "Invalid value: -2: must be greater than or equal to 0")]


def test_job_selector_must_be_generated_unless_manual():
    job = yaml.safe_load(JOB)
    job["spec"]["selector"] = {"matchLabels": {"app": "pi"}}
    job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    got = causes("batch/v1", "Job", job)
    assert any(x["field"] == "spec.selector" and x["message"].endswith(
        ": `selector` not auto-generated") for x in got)


def test_job_template_is_immutable():
    old = stored("batch/v1", "Job", JOB.replace("containers:", "restartPolicy: Never\n"
                                                             "      containers:"))
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:5.36"
    got = causes("batch/v1", "Job", new, old=old)
    assert [(x["field"], x["message"].endswith("field is immutable")) for x in got] == \
        [("spec.template", True)]


def cronjob(schedule: str) -> dict:
    return yaml.safe_load(f"""
metadata: {{name: hello}}
spec:
  schedule: "{schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{{name: hello, image: busybox:1.28}}]
""")


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 0 * * MON-FRI", "@hourly", "@daily",
                                      "15 3 1 jan *", "@every 1h30m"])
def test_cron_schedules_accepted(schedule):
    assert causes("batch/v1", "CronJob", cronjob(schedule)) == []


@pytest.mark.parametrize("schedule,detail", [
    ("every minute", "expected exactly 5 fields, found 2: [every minute]"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
])
def test_cron_schedules_rejected(schedule, detail):
    assert causes("batch/v1", "CronJob", cronjob(schedule)) == [
        c("spec.schedule", f'Invalid value: "{schedule}": {detail}')]


def test_cronjob_other_rules():
    obj = cronjob("* * * * *")
    obj["spec"].update(concurrencyPolicy="Sometimes", timeZone="Mars/Olympus")
    obj["metadata"]["name"] = "c" * 53
    got = causes("batch/v1", "CronJob", obj)
    assert c("metadata.name", f'Invalid value: "{"c" * 53}": must be no more than 52 '
                              "characters") in got
    assert c("spec.concurrencyPolicy", 'Unsupported value: "Sometimes": supported values: '
             '"Allow", "Forbid", "Replace"', "FieldValueNotSupported") in got
    assert c("spec.timeZone", 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus') \
        in got
    assert causes("batch/v1", "CronJob", cronjob("TZ=UTC 0 0 * * *")) == [
        c("spec.schedule", 'Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in '
                           "schedule, use timeZone field instead")]


# ---- services -----------------------------------------------------------------------------------

def svc(**spec) -> dict:
    return {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, **spec}}


def test_service_ports_required_unless_headless_or_external_name():
    assert causes("v1", "Service", svc()) == [c("spec.ports", "Required value",
                                                "FieldValueRequired")]
    assert causes("v1", "Service", svc(clusterIP="None")) == []
    assert causes("v1", "Service", svc(type="ExternalName", externalName="db.example.com")) == []


def test_service_port_rules():
    got = causes("v1", "Service", svc(ports=[{"port": 0, "name": "a"}, {"port": 80},
                                             {"port": 81, "name": "a"}]))
    assert got == [
        c("spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
        c("spec.ports[0].targetPort", "Invalid value: 0: must be between 1 and 65535, inclusive"),
        c("spec.ports[1].name", "Required value", "FieldValueRequired"),
        c("spec.ports[2].name", 'Duplicate value: "a"', "FieldValueDuplicate"),
    ]


def test_service_type_and_node_ports():
    assert causes("v1", "Service", svc(type="Internal", ports=[{"port": 80}])) == [
        c("spec.type", 'Unsupported value: "Internal": supported values: "ClusterIP", '
                       '"ExternalName", "LoadBalancer", "NodePort"', "FieldValueNotSupported")]
    got = causes("v1", "Service", svc(type="NodePort", ports=[{"port": 80, "nodePort": 80}]))
    assert got == [c("spec.ports[0].nodePort", "Invalid value: 80: provided port is not in the "
                                               "valid range. The range of valid ports is "
                                               "30000-32767")]
    assert causes("v1", "Service", svc(ports=[{"port": 80, "nodePort": 30080}])) == [
        c("spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'",
          "FieldValueForbidden")]


def test_service_selector_labels_and_cluster_ip():
    got = causes("v1", "Service", {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "a b"}, "ports": [{"port": 80}], "clusterIP": "10.96.0.300"}})
    assert c("spec.selector", f'Invalid value: "a b": {LABEL_VALUE_MSG}') in got
    assert c("spec.clusterIPs[0]", 'Invalid value: "10.96.0.300": must be a valid IP address, '
                                   "(e.g. 10.9.8.7 or 2001:db8::ffff)") in got


def test_service_cluster_ip_may_not_change():
    old = stored("v1", "Service", yaml.safe_dump(svc(ports=[{"port": 80}])))
    old["spec"].update(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])
    new = copy.deepcopy(old)
    new["spec"].update(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"])
    assert causes("v1", "Service", new, old=old) == [
        c("spec.clusterIPs[0]", 'Invalid value: []string{"10.96.0.11"}: may not change once set')]


# ---- config, namespaces, nodes ------------------------------------------------------------------

def test_config_map_keys_and_size():
    got = causes("v1", "ConfigMap", {"metadata": {"name": "x"},
                                     "data": {"ok.key": "v", "bad/key": "v", "..": "v"}})
    assert c("data[bad/key]", "Invalid value: \"bad/key\": a valid config key must consist of "
             "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
             "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')") in got
    assert c("data[..]", "Invalid value: \"..\": must not be '..'") in got
    big = causes("v1", "ConfigMap", {"metadata": {"name": "x"}, "data": {"a": "x" * 1048577}})
    assert big == [c("[]", "Too long: may not be more than 1048576 bytes", "FieldValueTooLong")]


def test_immutable_config_map():
    old = stored("v1", "ConfigMap", "metadata: {name: x}\ndata: {a: b}\nimmutable: true")
    new = copy.deepcopy(old)
    new["data"]["a"] = "c"
    assert causes("v1", "ConfigMap", new, old=old) == [
        c("data", "Forbidden: field is immutable when `immutable` is set", "FieldValueForbidden")]


def test_secret_rules():
    got = causes("v1", "Secret", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls",
                                  "data": {"bad key": "eA=="}})
    assert c("data[tls.crt]", "Required value", "FieldValueRequired") in got
    assert c("data[tls.key]", "Required value", "FieldValueRequired") in got
    assert any(x["field"] == "data[bad key]" for x in got)
    old = stored("v1", "Secret", "metadata: {name: s}\ndata: {a: eA==}")
    new = copy.deepcopy(old)
    new["type"] = "kubernetes.io/basic-auth"
    new["data"] = {"username": "eA=="}
    assert causes("v1", "Secret", new, old=old) == [
        c("type", 'Invalid value: "kubernetes.io/basic-auth": field is immutable')]


def test_namespace_finalizers():
    got = causes("v1", "Namespace", {"metadata": {"name": "ns"}, "spec": {
        "finalizers": ["kubernetes", "custom"]}})
    assert got == [c("spec.finalizers[1]", 'Invalid value: "custom": name is neither a standard '
                                           "finalizer name nor is it fully qualified")]


def test_node_taints_and_cidrs():
    got = causes("v1", "Node", {"metadata": {"name": "node-1"}, "spec": {
        "podCIDR": "10.244.1.0", "taints": [{"key": "k", "effect": "Sometimes"}]}})
    assert c("spec.podCIDRs[0]", 'Invalid value: "10.244.1.0": must be a valid CIDR') in got
    assert c("spec.taints[0].effect", 'Unsupported value: "Sometimes": supported values: '
             '"NoSchedule", "PreferNoSchedule", "NoExecute"', "FieldValueNotSupported") in got


# ---- networking, rbac, policy, autoscaling, discovery, events, storage -------------------------

def ingress(path: dict) -> dict:
    return {"metadata": {"name": "web"}, "spec": {"rules": [{"host": "example.com", "http": {
        "paths": [path]}}]}}


BACKEND = {"service": {"name": "web", "port": {"number": 80}}}


def test_ingress_rules():
    assert causes("networking.k8s.io/v1", "Ingress", ingress({"path": "/", "backend": BACKEND})) \
        == [c("spec.rules[0].http.paths[0].pathType",
              "Required value: pathType must be specified", "FieldValueRequired")]
    got = causes("networking.k8s.io/v1", "Ingress", ingress(
        {"path": "/", "pathType": "Regex", "backend": BACKEND}))
    assert got == [c("spec.rules[0].http.paths[0].pathType", 'Unsupported value: "Regex": '
                     'supported values: "Exact", "ImplementationSpecific", "Prefix"',
                     "FieldValueNotSupported")]
    got = causes("networking.k8s.io/v1", "Ingress", ingress(
        {"path": "api", "pathType": "Prefix", "backend": {"service": {"name": "web",
                                                                      "port": {}}}}))
    assert got == [
        c("spec.rules[0].http.paths[0].path", 'Invalid value: "api": must be an absolute path'),
        c("spec.rules[0].http.paths[0].backend.service.port",
          "Required value: port name or number is required", "FieldValueRequired")]
    assert causes("networking.k8s.io/v1", "Ingress", {"metadata": {"name": "x"}, "spec": {}}) \
        == [c("spec", "Invalid value: null: either `defaultBackend` or `rules` must be specified")]


def test_rbac_rules_need_verbs():
    got = causes("rbac.authorization.k8s.io/v1", "Role", {"metadata": {"name": "r"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"]}]})
    assert got == [c("rules[0].verbs", "Required value: verbs must contain at least one value",
                     "FieldValueRequired")]


def test_rbac_binding_role_ref():
    got = causes("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", {
        "metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"},
        "subjects": [{"kind": "ServiceAccount", "name": "default"}]})
    assert got == [
        c("roleRef.kind", 'Unsupported value: "Role": supported values: "ClusterRole"',
          "FieldValueNotSupported"),
        c("subjects[0].namespace", "Required value", "FieldValueRequired")]


def test_pdb_rules():
    got = causes("policy/v1", "PodDisruptionBudget", {"metadata": {"name": "p"}, "spec": {
        "minAvailable": 1, "maxUnavailable": "150%", "selector": {"matchLabels": {"app": "x"}}}})
    assert got[0]["field"] == "spec"
    assert got[0]["message"].endswith("minAvailable and maxUnavailable cannot be both set")
    assert got[1] == c("spec.maxUnavailable",
                       'Invalid value: "150%": must not be greater than 100%')


def test_hpa_rules():
    got = causes("autoscaling/v2", "HorizontalPodAutoscaler", {"metadata": {"name": "h"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 3,
        "maxReplicas": 2}})
    assert got == [c("spec.maxReplicas", "Invalid value: 2: must be greater than or equal to "
                                         "`minReplicas`")]


def test_endpoint_slice_address_type():
    got = causes("discovery.k8s.io/v1", "EndpointSlice", {"metadata": {"name": "e"},
                                                          "addressType": "IPv5"})
    assert got == [c("addressType", 'Unsupported value: "IPv5": supported values: "FQDN", '
                                    '"IPv4", "IPv6"', "FieldValueNotSupported")]
    got = causes("discovery.k8s.io/v1", "EndpointSlice", {"metadata": {"name": "e"},
                                                          "addressType": "IPv4", "endpoints": [
                                                              {"addresses": ["fe80::1"]}]})
    assert got == [c("endpoints[0].addresses[0]",
                     'Invalid value: "fe80::1": must be a valid IPv4 address')]


def test_event_involved_object_namespace():
    got = causes("v1", "Event", {"metadata": {"name": "e.1", "namespace": "team"},
                                 "involvedObject": {"kind": "Pod", "name": "p",
                                                    "namespace": "other"}})
    assert got == [c("involvedObject.namespace",
                     'Invalid value: "other": does not match event.namespace')]


def test_lease_duration():
    got = causes("coordination.k8s.io/v1", "Lease", {"metadata": {"name": "node-1"},
                                                     "spec": {"leaseDurationSeconds": 0}})
    assert got == [c("spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0")]


def test_pv_and_pvc_rules():
    got = causes("v1", "PersistentVolumeClaim", {"metadata": {"name": "c"}, "spec": {
        "accessModes": ["ReadWriteSometimes"], "resources": {}}})
    assert got == [
        c("spec.accessModes", 'Unsupported value: "ReadWriteSometimes": supported values: '
          '"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
          "FieldValueNotSupported"),
        c("spec.resources.requests[storage]", "Required value", "FieldValueRequired")]
    got = causes("v1", "PersistentVolume", {"metadata": {"name": "v"}, "spec": {
        "hostPath": {"path": "/d"}}})
    assert got == [c("spec.accessModes", "Required value", "FieldValueRequired"),
                   c("spec.capacity", "Required value", "FieldValueRequired")]


def test_pvc_spec_is_immutable_except_requests():
    old = stored("v1", "PersistentVolumeClaim", """
metadata: {name: c}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
""")
    grow = copy.deepcopy(old)
    grow["spec"]["resources"]["requests"]["storage"] = "2Gi"
    grow["spec"]["volumeName"] = "pv-1"
    assert causes("v1", "PersistentVolumeClaim", grow, old=old) == []
    change = copy.deepcopy(old)
    change["spec"]["accessModes"] = ["ReadWriteMany"]
    assert causes("v1", "PersistentVolumeClaim", change, old=old) == [
        c("spec", "Forbidden: spec is immutable after creation except resources.requests and "
                  "volumeAttributesClassName for bound claims", "FieldValueForbidden")]


def test_storage_class_updates_forbidden():
    old = stored("storage.k8s.io/v1", "StorageClass",
                 "metadata: {name: fast}\nprovisioner: example.com/fast")
    new = copy.deepcopy(old)
    new["provisioner"] = "example.com/slow"
    assert causes("storage.k8s.io/v1", "StorageClass", new, old=old) == [
        c("provisioner", "Forbidden: updates to provisioner are forbidden.",
          "FieldValueForbidden")]


def test_wrong_types_are_reported_not_raised():
    got = causes("apps/v1", "Deployment", deployment(replicas="two"))
    assert c("spec.replicas", 'Invalid value: "two": must be of type integer') in got
