"""The real kubectl v1.32 against the api-server on a real etcd: every command of
kubectl-contract.md that needs no kubelet, asserting on kubectl's output and on what was stored."""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
import uuid

import pytest

from tests.kubectl import KUBECTL, Kubectl

pytestmark = pytest.mark.component

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
          - name: nginx
            image: nginx:1.25
            ports:
            - containerPort: 80
            env:
            - {name: MODE, value: demo}
    """)


@pytest.fixture(scope="module")
def kubectl(api_server) -> Kubectl:
    return Kubectl.for_kubeconfig(api_server.kubeconfig)


@pytest.fixture
def ns(kubectl) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kubectl.ok("create", "namespace", name)
    return name


def test_version_reports_1_32(kubectl):
    out = kubectl.ok("version")
    assert "Server Version: v1.32" in out


def test_api_resources_lists_core_and_group_kinds(kubectl):
    out = kubectl.ok("api-resources")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "deploy" in lines["deployments"] and "apps/v1" in lines["deployments"]
    assert "po" in lines["pods"] and "true" in lines["pods"]
    assert "autoscaling/v2" in lines["horizontalpodautoscalers"]
    assert "false" in lines["nodes"]


def test_unauthenticated_requests_get_401(api_server):
    import ssl
    import urllib.error
    import urllib.request
    ctx = ssl.create_default_context(cafile=api_server.ca_file)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(api_server.url + "/api/v1/namespaces", context=ctx)
    assert e.value.code == 401
    assert json.loads(e.value.read())["kind"] == "Status"


def test_get_namespaces_shows_the_system_namespaces(kubectl):
    out = kubectl.ok("get", "ns")
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert name in out
    assert "Active" in out


def test_kubernetes_service_exists(kubectl):
    svc = kubectl.json("get", "svc", "kubernetes", "-n", "default")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"][0]["port"] == 443


def test_apply_create_update_unchanged_and_removed_field(kubectl, ns, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    assert kubectl.ok("apply", "-n", ns, "-f", str(f)).strip() == "deployment.apps/web created"
    live = kubectl.json("get", "deploy", "web", "-n", ns)
    assert live["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert live["spec"]["revisionHistoryLimit"] == 10
    assert live["metadata"]["generation"] == 1
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"][0]["protocol"] == "TCP"
    assert kubectl.ok("apply", "-n", ns, "-f", str(f)).strip() == "deployment.apps/web unchanged"
    f.write_text(DEPLOYMENT.replace("nginx:1.25", "nginx:1.26").replace(
        "        env:\n        - {name: MODE, value: demo}\n", ""))
    assert kubectl.ok("apply", "-n", ns, "-f", str(f)).strip() == "deployment.apps/web configured"
    live = kubectl.json("get", "deploy", "web", "-n", ns)
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26"
    assert "env" not in container
    assert live["metadata"]["generation"] == 2


def test_get_as_a_list_then_apply_the_list_back(kubectl, ns, tmp_path):
    """`kubectl get a b -o yaml` writes a `kind: List`; applying it reads /openapi/v2."""
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    kubectl.ok("apply", "-n", ns, "-f", str(f))
    kubectl.ok("create", "configmap", "settings", "-n", ns, "--from-literal=mode=demo")
    exported = kubectl.ok("get", "deploy/web", "configmap/settings", "-n", ns, "-o", "yaml")
    assert "kind: List" in exported
    kubectl.ok("delete", "deploy/web", "configmap/settings", "-n", ns)
    listed = tmp_path / "list.yaml"
    listed.write_text(exported)
    out = kubectl.ok("apply", "-n", ns, "-f", str(listed))
    assert out.split("\n")[:2] == ["deployment.apps/web created", "configmap/settings created"]
    assert kubectl.json("get", "configmap", "settings", "-n", ns)["data"] == {"mode": "demo"}
    # the export carries the deleted objects' resourceVersions: stale, as upstream says
    stale = kubectl.run("apply", "-n", ns, "-f", str(listed))
    assert stale.returncode == 1 and "Error from server (Conflict)" in stale.stderr
    listed.write_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
                      "  metadata: {name: other}\n  dataa: {a: b}\n")
    unknown = kubectl.run("apply", "-n", ns, "-f", str(listed))
    assert unknown.returncode == 1 and 'unknown field "dataa"' in unknown.stderr


def test_apply_server_side_removes_dropped_fields(kubectl, ns, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    out = kubectl.ok("apply", "--server-side", "-n", ns, "-f", str(f))
    assert out.strip() == "deployment.apps/web serverside-applied"
    f.write_text(DEPLOYMENT.replace("        env:\n        - {name: MODE, value: demo}\n", ""))
    kubectl.ok("apply", "--server-side", "-n", ns, "-f", str(f))
    live = kubectl.json("get", "deploy", "web", "-n", ns, "--show-managed-fields")
    assert "env" not in live["spec"]["template"]["spec"]["containers"][0]
    managers = {m["manager"] for m in live["metadata"]["managedFields"]}
    assert "kubectl" in managers


def test_server_side_apply_conflict_is_409_unless_forced(kubectl, ns, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    kubectl.ok("apply", "--server-side", "-n", ns, "-f", str(f))
    kubectl.ok("scale", "deploy/web", "-n", ns, "--replicas=5")
    proc = kubectl.run("apply", "--server-side", "-n", ns, "-f", str(f))
    assert proc.returncode != 0 and "conflict" in proc.stderr.lower()
    kubectl.ok("apply", "--server-side", "--force-conflicts", "-n", ns, "-f", str(f))
    assert kubectl.json("get", "deploy", "web", "-n", ns)["spec"]["replicas"] == 2


def test_create_generators_send_protobuf_and_are_stored(kubectl, ns):
    assert kubectl.ok("create", "deployment", "web2", "--image=nginx", "--replicas=2",
                      "--port=8080", "-n", ns).strip() == "deployment.apps/web2 created"
    d = kubectl.json("get", "deploy", "web2", "-n", ns)
    assert d["spec"]["replicas"] == 2
    assert d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 8080
    kubectl.ok("create", "configmap", "cfg", "--from-literal=a=1", "-n", ns)
    assert kubectl.json("get", "cm", "cfg", "-n", ns)["data"] == {"a": "1"}
    kubectl.ok("create", "secret", "generic", "s", "--from-literal=p=pw", "-n", ns)
    assert kubectl.json("get", "secret", "s", "-n", ns)["data"] == {"p": "cHc="}
    kubectl.ok("create", "service", "clusterip", "svc", "--tcp=80:8080", "-n", ns)
    svc = kubectl.json("get", "svc", "svc", "-n", ns)
    assert svc["spec"]["clusterIP"].startswith("10.96.")
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    kubectl.ok("create", "job", "j", "--image=busybox", "-n", ns, "--", "echo", "hi")
    job = kubectl.json("get", "job", "j", "-n", ns)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    kubectl.ok("create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *", "-n", ns)
    kubectl.ok("create", "serviceaccount", "robot", "-n", ns)


def test_create_from_file_and_already_exists(kubectl, ns, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    assert kubectl.ok("create", "-n", ns, "-f", str(f)).strip() == "deployment.apps/web created"
    proc = kubectl.run("create", "-n", ns, "-f", str(f))
    assert proc.returncode == 1
    assert 'Error from server (AlreadyExists): error when creating' in proc.stderr
    assert 'deployments.apps "web" already exists' in proc.stderr


def test_invalid_manifest_gets_422_with_the_field(kubectl, ns, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(DEPLOYMENT.replace("replicas: 2", "replicas: -1"))
    proc = kubectl.run("apply", "-n", ns, "-f", str(f))
    assert proc.returncode == 1
    assert "Invalid" in proc.stderr and "spec.replicas" in proc.stderr


def test_unknown_field_is_rejected_under_strict_validation(kubectl, ns, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(DEPLOYMENT.replace("  replicas: 2", "  replicas: 2\n  replicaz: 3"))
    proc = kubectl.run("apply", "-n", ns, "-f", str(f))
    assert proc.returncode == 1
    assert 'unknown field "spec.replicaz"' in proc.stderr


def test_run_expose_and_get_output_forms(kubectl, ns):
    assert kubectl.ok("run", "mypod", "--image=busybox", "-n", ns, "--", "sleep",
                      "3600").strip() == "pod/mypod created"
    pod = kubectl.json("get", "pod", "mypod", "-n", ns)
    assert pod["metadata"]["creationTimestamp"] is not None
    assert pod["spec"]["containers"][0]["args"] == ["sleep", "3600"]
    assert pod["spec"]["schedulerName"] == "default-scheduler"
    kubectl.ok("create", "deployment", "web", "--image=nginx", "-n", ns)
    assert kubectl.ok("expose", "deployment", "web", "--port=80", "-n", ns).strip() == \
        "service/web exposed"
    table = kubectl.ok("get", "pods", "-n", ns)
    assert table.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert "mypod" in table and "Pending" in table
    wide = kubectl.ok("get", "pods", "-n", ns, "-o", "wide")
    assert "NOMINATED NODE" in wide.splitlines()[0]
    assert kubectl.ok("get", "pods", "-n", ns, "-o", "name").strip() == "pod/mypod"
    assert kubectl.ok("get", "pod", "mypod", "-n", ns, "-o",
                      "jsonpath={.spec.containers[0].image}") == "busybox"
    cc = kubectl.ok("get", "pods", "-n", ns, "-o", "custom-columns=N:.metadata.name,I:.spec.containers[0].image")
    assert cc.split() == ["N", "I", "mypod", "busybox"]
    labels = kubectl.ok("get", "pods", "-n", ns, "--show-labels")
    assert "run=mypod" in labels
    col = kubectl.ok("get", "pods", "-n", ns, "-L", "run")
    assert col.splitlines()[0].split()[-1] == "RUN" and col.splitlines()[1].split()[-1] == "mypod"
    svc = kubectl.ok("get", "svc", "web", "-n", ns)
    assert "80/TCP" in svc and "ClusterIP" in svc
    everything = kubectl.ok("get", "all", "-n", ns)
    assert "pod/mypod" in everything and "deployment.apps/web" in everything


def test_get_all_namespaces_and_sort_by(kubectl, ns):
    for name in ("zeta", "alpha", "mid"):
        kubectl.ok("create", "configmap", name, "-n", ns)
    out = kubectl.ok("get", "cm", "-A")
    assert out.splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert any(line.split()[0] == ns for line in out.splitlines()[1:])
    names = [line.split()[0] for line in kubectl.ok(
        "get", "cm", "-n", ns, "--sort-by=.metadata.name", "--no-headers").splitlines()]
    assert names == sorted(names) and "alpha" in names


def test_get_watch_prints_new_objects(kubectl, ns):
    cmd = [KUBECTL, "--kubeconfig", kubectl.kubeconfig, "--cache-dir", kubectl.cache_dir,
           "get", "configmaps", "-n", ns, "-w", "--output-watch-events"]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        kubectl.ok("create", "configmap", "watched", "-n", ns)
        deadline = time.monotonic() + 10
        line = ""
        while time.monotonic() < deadline and "watched" not in line:
            line = watcher.stdout.readline()
        assert "ADDED" in line and "watched" in line
    finally:
        watcher.kill()
        watcher.wait()


def test_replace_and_stale_replace_conflicts(kubectl, ns, tmp_path):
    kubectl.ok("create", "configmap", "c", "--from-literal=a=1", "-n", ns)
    cm = kubectl.json("get", "cm", "c", "-n", ns)
    cm["data"]["a"] = "2"
    f = tmp_path / "c.json"
    f.write_text(json.dumps(cm))
    assert kubectl.ok("replace", "-f", str(f)).strip() == "configmap/c replaced"
    proc = kubectl.run("replace", "-f", str(f))          # the same, now stale, resourceVersion
    assert proc.returncode == 1
    assert "Error from server (Conflict)" in proc.stderr
    assert "the object has been modified" in proc.stderr


def test_edit_with_a_scripted_editor(kubectl, ns, tmp_path):
    kubectl.ok("create", "deployment", "web", "--image=nginx:1.25", "-n", ns)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/nginx:1.25/nginx:1.27/' \"$1\"\n")
    editor.chmod(0o755)
    out = kubectl.ok("edit", "deployment", "web", "-n", ns, env={"KUBE_EDITOR": str(editor)})
    assert out.strip() == "deployment.apps/web edited"
    d = kubectl.json("get", "deploy", "web", "-n", ns)
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_patch_label_annotate_and_scale(kubectl, ns):
    kubectl.ok("create", "deployment", "web", "--image=nginx", "-n", ns)
    kubectl.ok("patch", "deployment", "web", "-n", ns, "-p",
               '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}')
    d = kubectl.json("get", "deploy", "web", "-n", ns)
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    kubectl.ok("patch", "deployment", "web", "-n", ns, "--type=json", "-p",
               '[{"op":"replace","path":"/spec/replicas","value":4}]')
    kubectl.ok("patch", "deployment", "web", "-n", ns, "--type=merge", "-p",
               '{"metadata":{"labels":{"merged":"yes"}}}')
    assert kubectl.ok("label", "deployment", "web", "tier=frontend", "-n", ns).strip() == \
        "deployment.apps/web labeled"
    kubectl.ok("annotate", "deployment", "web", "note=hello", "-n", ns)
    d = kubectl.json("get", "deploy", "web", "-n", ns)
    assert d["spec"]["replicas"] == 4
    assert d["metadata"]["labels"]["tier"] == "frontend"
    assert d["metadata"]["labels"]["merged"] == "yes"
    assert d["metadata"]["annotations"]["note"] == "hello"
    kubectl.ok("label", "deployment", "web", "tier-", "-n", ns)
    assert "tier" not in kubectl.json("get", "deploy", "web", "-n", ns)["metadata"]["labels"]
    stale = kubectl.run("label", "deployment", "web", "x=y", "--resource-version=1", "-n", ns)
    assert stale.returncode == 1 and "Conflict" in stale.stderr
    assert kubectl.ok("scale", "deployment", "web", "--replicas=3", "-n", ns).strip() == \
        "deployment.apps/web scaled"
    assert kubectl.json("get", "deploy", "web", "-n", ns)["spec"]["replicas"] == 3
    bad = kubectl.run("scale", "deployment", "web", "--replicas=3", "--current-replicas=7",
                      "-n", ns)
    assert bad.returncode == 1 and "Expected replicas to be 7, was 3" in bad.stderr


def test_delete_waits_and_reports_not_found(kubectl, ns, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text(DEPLOYMENT)
    kubectl.ok("apply", "-n", ns, "-f", str(f))
    assert kubectl.ok("delete", "-n", ns, "-f", str(f), "--wait=true").strip() == \
        'deployment.apps "web" deleted'
    proc = kubectl.run("get", "deploy", "web", "-n", ns)
    assert proc.returncode == 1
    assert 'Error from server (NotFound): deployments.apps "web" not found' in proc.stderr
    proc = kubectl.run("delete", "-n", ns, "-f", str(f))
    assert proc.returncode == 1 and "NotFound" in proc.stderr


def test_namespace_delete_sets_terminating_and_blocks_new_content(kubectl, ns):
    kubectl.ok("delete", "namespace", ns, "--wait=false")
    assert kubectl.json("get", "ns", ns)["status"]["phase"] == "Terminating"
    proc = kubectl.run("create", "configmap", "late", "-n", ns)
    assert proc.returncode == 1 and "being terminated" in proc.stderr
    missing = kubectl.run("create", "configmap", "x", "-n", "does-not-exist")
    assert missing.returncode == 1 and 'namespaces "does-not-exist" not found' in missing.stderr


def test_explain_prints_fields_and_descriptions(kubectl):
    out = kubectl.ok("explain", "deployment.spec.strategy")
    assert "KIND:" in out and "Deployment" in out
    assert "rollingUpdate" in out and "type" in out
    out = kubectl.ok("explain", "pod.spec.containers.livenessProbe")
    assert "httpGet" in out


def test_cordon_and_uncordon_a_node(kubectl, tmp_path):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n-{uuid.uuid4().hex[:6]}"}}
    f = tmp_path / "node.json"
    f.write_text(json.dumps(node))
    kubectl.ok("create", "-f", str(f))
    name = node["metadata"]["name"]
    assert kubectl.ok("cordon", name).strip() == f"node/{name} cordoned"
    assert kubectl.json("get", "node", name)["spec"]["unschedulable"] is True
    assert "SchedulingDisabled" in kubectl.ok("get", "node", name)
    assert kubectl.ok("cordon", name).strip() == f"node/{name} already cordoned"
    assert kubectl.ok("uncordon", name).strip() == f"node/{name} uncordoned"
    assert "unschedulable" not in kubectl.json("get", "node", name).get("spec", {})
    kubectl.ok("delete", "node", name)


def test_get_events_lists_core_events(kubectl, ns, tmp_path):
    event = {"apiVersion": "v1", "kind": "Event",
             "metadata": {"name": "web.1", "namespace": ns},
             "involvedObject": {"kind": "Pod", "name": "web", "namespace": ns},
             "reason": "Scheduled", "message": "Successfully assigned", "type": "Normal",
             "source": {"component": "default-scheduler"},
             "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
             "count": 1}
    f = tmp_path / "ev.json"
    f.write_text(json.dumps(event))
    kubectl.ok("create", "-f", str(f))
    out = kubectl.ok("get", "events", "-n", ns)
    assert "Scheduled" in out and "pod/web" in out
    filtered = kubectl.ok("get", "events", "-n", ns, "--field-selector", "involvedObject.kind=Pod")
    assert "Scheduled" in filtered
    new_shape = kubectl.json("get", "events.events.k8s.io", "-n", ns)
    assert new_shape["items"][0]["note"] == "Successfully assigned"
