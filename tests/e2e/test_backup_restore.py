"""etcd backup and restore on the running stack, with the documented scripts (make backup /
make restore): a snapshot taken while the cluster serves, changes made after it, a restore, and
every object of the snapshot found as it was; what came after it is gone (its containers too),
what it had is running again, and clients holding a resourceVersion from before get 410 Gone.

Leaves the shared stack healthy: the restore starts everything again and the test waits for
deploy/wait-ready.py.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - {{name: main, image: busybox:latest, imagePullPolicy: IfNotPresent,
       command: [sh, -c, "exec sleep 1000000"]}}
"""


def get(cluster, *args: str) -> dict:
    return json.loads(cluster.kubectl("get", *args, "-o", "json", check=True, timeout=30).stdout)


def run_script(*argv: str, timeout: float = 300) -> tuple[str, float]:
    began = time.monotonic()
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip(), time.monotonic() - began


def wait_ready(cluster) -> None:
    proc = subprocess.run([sys.executable, str(REPO / "deploy" / "wait-ready.py"), "--project",
                           cluster.project, "--timeout", "240"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"the stack is not ready:\n{proc.stdout}\n{proc.stderr}"


def pod_containers(ns: str, pod: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "--quiet", "--filter",
                          f"label=io.tinykube.pod.namespace={ns}", "--filter",
                          f"label=io.tinykube.pod.name={pod}"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def ready(cluster, ns: str, pod: str) -> bool:
    conditions = get(cluster, "pod", pod, "-n", ns)["status"].get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@pytest.fixture
def namespace(cluster):
    ns = f"backup-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", ns, check=True)
    yield ns
    cluster.kubectl("delete", "namespace", ns, "--wait=false")


def test_restore_brings_back_every_object_of_the_snapshot(cluster, namespace, tmp_path):
    ns, k = namespace, cluster.kubectl
    for i in range(8):
        k("create", "configmap", f"cm-{i}", f"--from-literal=n={i}", "-n", ns, check=True)
    k("create", "secret", "generic", "token", "--from-literal=key=s3cret", "-n", ns, check=True)
    k("create", "deployment", "web", "--image=busybox:latest", "--replicas=2", "-n", ns,
      "--", "sleep", "1000000", check=True)
    k("apply", "-n", ns, "-f", "-", input=POD.format(name="keep"), check=True)
    k("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s", check=True, timeout=150)
    k("wait", "--for=condition=Ready", "pod/keep", "-n", ns, "--timeout=90s", check=True,
      timeout=100)
    before = {ref: get(cluster, ref, "-n", ns) for ref in
              [f"configmap/cm-{i}" for i in range(8)] + ["secret/token", "deployment/web",
                                                         "pod/keep"]}
    listed = cluster.kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/configmaps", check=True)
    before_rv = json.loads(listed.stdout)["metadata"]["resourceVersion"]
    assert int(before_rv) > 0

    snapshot, backup_s = run_script("deploy/backup.sh", "-p", cluster.project, "-o",
                                    str(tmp_path))
    assert Path(snapshot).stat().st_size > 0

    # After the snapshot: deletions, changes, new objects (one with a running container).
    for i in range(4):
        k("delete", "configmap", f"cm-{i}", "-n", ns, check=True)
    k("patch", "configmap", "cm-5", "-n", ns, "-p", '{"data":{"n":"changed"}}', check=True)
    k("scale", "deployment/web", "--replicas=3", "-n", ns, check=True)
    k("delete", "pod", "keep", "-n", ns, "--wait=true", "--timeout=60s", check=True, timeout=90)
    k("create", "configmap", "after", "--from-literal=n=new", "-n", ns, check=True)
    k("apply", "-n", ns, "-f", "-", input=POD.format(name="after"), check=True)
    k("wait", "--for=condition=Ready", "pod/after", "-n", ns, "--timeout=90s", check=True,
      timeout=100)

    _, restore_s = run_script("deploy/restore.sh", "-p", cluster.project, snapshot)
    print(f"backup {backup_s:.1f} s, restore {restore_s:.1f} s")
    wait_ready(cluster)

    # Every object of the snapshot, as it was (same uid, same content).
    for ref, old in before.items():
        now = get(cluster, ref, "-n", ns)
        assert now["metadata"]["uid"] == old["metadata"]["uid"], ref
        for field in ("data", "spec"):
            if field in old and ref != "pod/keep":
                assert now.get(field) == old[field], f"{ref} {field}"
    assert get(cluster, "deployment/web", "-n", ns)["spec"]["replicas"] == 2
    # What came after the snapshot is gone, its container too.
    names = {c["metadata"]["name"] for c in get(cluster, "configmaps", "-n", ns)["items"]}
    assert {f"cm-{i}" for i in range(8)} <= names and "after" not in names
    assert k("get", "pod", "after", "-n", ns).returncode != 0
    eventually(lambda: not pod_containers(ns, "after"), timeout=60,
               message="the container of a pod unknown to the snapshot stopped")
    # The pod deleted after the snapshot runs again; the Deployment is back to 2 ready pods.
    eventually(lambda: ready(cluster, ns, "keep"), timeout=90, message="pod keep re-run")
    k("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s", check=True, timeout=150)
    web = get(cluster, "deployment/web", "-n", ns)["status"]
    assert web.get("readyReplicas") == 2 and web.get("replicas") == 2, web

    # A client holding a resourceVersion from before the restore must relist: 410 Gone.
    watched = k("get", "--raw", f"/api/v1/namespaces/{ns}/configmaps?watch=1&"
                f"resourceVersion={before_rv}&timeoutSeconds=2", timeout=30)
    assert '"code":410' in watched.stdout.replace(" ", ""), watched.stdout
    # And the cluster serves writes.
    k("create", "configmap", "post-restore", "--from-literal=ok=1", "-n", ns, check=True)
