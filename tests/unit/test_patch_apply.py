"""Server-side apply: ownership, pruning, conflicts, force, and the managedFields it writes."""
import copy
import json

import pytest

from apiserver.patch import server_side_apply, update_managed_fields
from machinery.api.errors import BadRequest, Conflict

pytestmark = pytest.mark.unit

T0, T1, T2 = "2024-05-01T10:00:00Z", "2024-05-01T10:01:00Z", "2024-05-01T10:02:00Z"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def manifest(replicas=2, image="nginx:1.25", labels=None, **container):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default",
                         **({"labels": labels} if labels else {})},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                         "containers": [{"name": "nginx", "image": image, **container}]}}}}


def apply(live, applied, manager="kubectl", force=False, now=T1):
    return server_side_apply(live, applied, manager, force, "Deployment", "apps/v1", now)


def entries(obj):
    return {(e["manager"], e["operation"], e.get("subresource", "")): e
            for e in obj["metadata"].get("managedFields", [])}


def fields(obj, manager, operation="Apply", subresource=""):
    return entries(obj)[(manager, operation, subresource)]["fieldsV1"]


def container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


def test_create_records_upstream_shaped_managed_fields():
    obj = apply(None, manifest(labels={"app": "web"}, ports=[{"containerPort": 80}]), now=T0)
    assert obj["metadata"]["managedFields"] == [{
        "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T0,
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {}, "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {'k:{"name":"nginx"}': {
                        ".": {}, "f:image": {}, "f:name": {},
                        "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {
                            ".": {}, "f:containerPort": {}}}}}}}}}}]
    assert obj["spec"]["replicas"] == 2 and container(obj)["image"] == "nginx:1.25"
    assert json.dumps(list(fields(obj, "kubectl"))) == '["f:metadata", "f:spec"]'


def test_reapply_without_a_field_removes_it():
    live = apply(None, manifest(labels={"app": "web", "tier": "fe"},
                                env=[{"name": "A", "value": "1"}]), now=T0)
    out = apply(live, manifest(labels={"app": "web"}))
    assert out["metadata"]["labels"] == {"app": "web"}
    assert "env" not in container(out)
    assert "f:tier" not in fields(out, "kubectl")["f:metadata"]["f:labels"]


def test_dropping_every_label_removes_the_map_but_keeps_metadata():
    live = apply(None, manifest(labels={"app": "web"}), now=T0)
    live["metadata"]["uid"] = "u-1"
    out = apply(live, manifest())
    assert "labels" not in out["metadata"]
    assert out["metadata"]["uid"] == "u-1" and out["metadata"]["name"] == "web"


def test_removed_container_takes_its_defaults_along():
    live = apply(None, manifest(), now=T0)
    container(live)["terminationMessagePath"] = "/dev/termination-log"   # defaulted, unowned
    second = copy.deepcopy(manifest())
    second["spec"]["template"]["spec"]["containers"] = [{"name": "other", "image": "busybox"}]
    out = apply(live, second)
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "other", "image": "busybox"}]


def test_unowned_fields_survive_reapply():
    live = apply(None, manifest(), now=T0)
    live["spec"]["progressDeadlineSeconds"] = 600           # a default nobody applied
    out = apply(live, manifest(image="nginx:1.26"))
    assert out["spec"]["progressDeadlineSeconds"] == 600
    assert container(out)["image"] == "nginx:1.26"


def test_two_managers_sharing_a_field_keep_it():
    live = apply(None, manifest(labels={"app": "web", "team": "a"}), manager="alice", now=T0)
    live = apply(live, manifest(labels={"team": "a"}), manager="bob")
    out = apply(live, manifest(labels={"app": "web"}), manager="alice", now=T2)
    assert out["metadata"]["labels"] == {"app": "web", "team": "a"}
    assert fields(out, "bob")["f:metadata"] == {"f:labels": {"f:team": {}}}
    assert fields(out, "alice")["f:metadata"] == {"f:labels": {"f:app": {}}}


def csa_created():
    obj = manifest()
    obj["metadata"]["annotations"] = {LAST_APPLIED: json.dumps(manifest()) + "\n"}
    update_managed_fields(None, obj, "kubectl-client-side-apply", now=T0, api_version="apps/v1")
    return obj


def test_conflict_with_client_side_apply_is_409_with_causes():
    with pytest.raises(Conflict) as err:
        apply(csa_created(), manifest(replicas=3), manager="mgr")
    assert err.value.code == 409 and err.value.reason == "Conflict"
    assert err.value.message == ('Apply failed with 1 conflict: conflict with '
                                 '"kubectl-client-side-apply" using apps/v1: .spec.replicas')
    assert err.value.details == {"causes": [{
        "reason": "FieldManagerConflict",
        "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
        "field": ".spec.replicas"}]}


def test_several_conflicts_are_listed_per_manager():
    with pytest.raises(Conflict) as err:
        apply(csa_created(), manifest(replicas=3, image="nginx:2"), manager="mgr")
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using '
        'apps/v1:\n- .spec.replicas\n'
        '- .spec.template.spec.containers[name="nginx"].image')
    assert [c["field"] for c in err.value.details["causes"]] == [
        ".spec.replicas", '.spec.template.spec.containers[name="nginx"].image']


def test_same_value_is_not_a_conflict():
    out = apply(csa_created(), manifest(), manager="mgr")
    assert "f:replicas" in fields(out, "mgr")["f:spec"]
    assert "f:replicas" in fields(out, "kubectl-client-side-apply", "Update")["f:spec"]


def test_force_takes_ownership():
    out = apply(csa_created(), manifest(replicas=3), manager="mgr", force=True)
    assert out["spec"]["replicas"] == 3
    assert "f:replicas" in fields(out, "mgr")["f:spec"]
    assert "f:replicas" not in fields(out, "kubectl-client-side-apply", "Update")["f:spec"]


def test_conflict_with_scale_subresource_owner():
    live = apply(None, manifest(), manager="mgr", now=T0)
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    update_managed_fields(live, scaled, "kubectl", subresource="scale", now=T1,
                          api_version="apps/v1")
    with pytest.raises(Conflict) as err:
        apply(scaled, manifest(replicas=2), manager="mgr", now=T2)
    assert err.value.details["causes"][0]["message"] == \
        'conflict with "kubectl" with subresource "scale" using apps/v1'


def test_kubectl_upgrading_from_client_side_apply_is_not_a_conflict():
    """kubectl apply --server-side over a CSA object: values equal to last-applied may move."""
    live = csa_created()
    out = apply(live, manifest(replicas=4), manager="kubectl")
    assert out["spec"]["replicas"] == 4
    assert "f:replicas" not in fields(out, "kubectl-client-side-apply", "Update")["f:spec"]
    assert json.loads(out["metadata"]["annotations"][LAST_APPLIED])["spec"]["replicas"] == 4


def test_upgrade_allowance_only_for_unchanged_fields():
    live = csa_created()
    live["spec"]["replicas"] = 7                   # drifted from last-applied
    with pytest.raises(Conflict):
        apply(live, manifest(replicas=4), manager="kubectl")


def test_set_and_atomic_ownership():
    obj = manifest()
    obj["metadata"]["finalizers"] = ["example.com/a"]
    container_ = obj["spec"]["template"]["spec"]["containers"][0]
    container_["args"] = ["--x", "--y"]
    out = apply(None, obj, now=T0)
    managed = fields(out, "kubectl")
    assert managed["f:metadata"]["f:finalizers"] == {'v:"example.com/a"': {}}
    assert managed["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}'][
        "f:args"] == {}


def test_status_and_server_metadata_are_never_owned():
    obj = manifest()
    obj["metadata"].update(uid="x", resourceVersion="5", generation=3)
    obj["status"] = {"replicas": 2}
    managed = fields(apply(None, obj, now=T0), "kubectl")
    assert "f:status" not in managed and "f:metadata" not in managed


def test_applied_nulls_are_not_owned():
    obj = manifest()
    obj["spec"]["paused"] = None
    out = apply(None, obj, now=T0)
    assert "paused" not in out["spec"] and "f:paused" not in fields(out, "kubectl")["f:spec"]


def test_noop_apply_keeps_time():
    live = apply(None, manifest(), now=T0)
    out = apply(live, manifest(), now=T2)
    assert entries(out)[("kubectl", "Apply", "")]["time"] == T0


def test_changing_apply_updates_time():
    live = apply(None, manifest(), now=T0)
    out = apply(live, manifest(replicas=5), now=T2)
    assert entries(out)[("kubectl", "Apply", "")]["time"] == T2


def test_inputs_are_not_mutated():
    live, config = apply(None, manifest(), now=T0), manifest(replicas=9, labels={"a": "b"})
    before = json.dumps([live, config])
    apply(live, config)
    assert json.dumps([live, config]) == before


@pytest.mark.parametrize("mutate, manager", [
    (lambda o: o.update(apiVersion="apps/v2"), "kubectl"),
    (lambda o: o.update(kind="StatefulSet"), "kubectl"),
    (lambda o: o.pop("apiVersion"), "kubectl"),
    (lambda o: o["metadata"].update(managedFields=[{"manager": "x"}]), "kubectl"),
    (lambda o: o.update(metadata=[]), "kubectl"),
    (lambda o: None, ""),
    (lambda o: o["spec"]["template"]["spec"].update(containers=[{"image": "x"}]), "kubectl"),
    (lambda o: o["spec"]["template"]["spec"].update(containers=["x"]), "kubectl"),
    (lambda o: o["spec"]["template"]["spec"].update(
        containers=[{"name": "a"}, {"name": "a"}]), "kubectl"),
    (lambda o: o["metadata"].update(finalizers=[{"a": 1}]), "kubectl"),
])
def test_malformed_apply_is_bad_request(mutate, manager):
    config = manifest()
    mutate(config)
    with pytest.raises(BadRequest):
        apply(apply(None, manifest(), now=T0), config, manager=manager)


def test_non_object_config_is_bad_request():
    with pytest.raises(BadRequest):
        apply(None, ["not", "an", "object"])
