"""The example manifests in deploy/examples/, applied with the real kubectl as a user would,
each doing what its comment promises: the web app answers through the Ingress, the log
collector runs once per node, the Job completes, the CronJob makes a Job, and the StatefulSet's
pods get their own Bound volumes whose data outlives the pod.

Every example is applied up front into one namespace, so the CronJob's first minute passes
while the others are checked (its test comes last)."""
from __future__ import annotations

import json
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"
FILES = ("cronjob.yaml", "web.yaml", "log-collector-daemonset.yaml", "job.yaml",
         "statefulset.yaml")


@pytest.fixture(scope="module")
def examples(cluster):
    ns = f"examples-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", ns, check=True)
    applied_at = time.monotonic()
    for name in FILES:
        out = cluster.kubectl("apply", "-n", ns, "-f", str(EXAMPLES / name), check=True).stdout
        assert "created" in out, out
    yield ns, applied_at
    cluster.kubectl("delete", "namespace", ns, "--wait=false")


def get_json(cluster, ns: str, *args: str) -> dict:
    return json.loads(cluster.kubectl("get", *args, "-n", ns, "-o", "json", check=True).stdout)


def http_get(url: str, host: str | None = None) -> dict:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(req, timeout=3) as resp:
        return json.loads(resp.read())


def test_web_answers_through_the_ingress(cluster, examples):
    ns, _ = examples
    cluster.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s",
                    check=True, timeout=150)
    pods = {p["metadata"]["name"] for p in get_json(cluster, ns, "pods", "-l", "app=web")["items"]}
    seen = set()

    def both_replicas_answer():
        seen.add(http_get("http://127.0.0.1/", host="web.localtest.me")["pod"])
        return seen == pods
    eventually(both_replicas_answer, timeout=60, interval=0.2,
               message=f"both replicas answer through the Ingress (seen {seen})")
    ingress = get_json(cluster, ns, "ingress/web")
    assert ingress["status"]["loadBalancer"]["ingress"] == [{"ip": "127.0.0.1"}]


def test_log_collector_runs_once_per_node(cluster, examples):
    ns, _ = examples
    nodes = {n["metadata"]["name"] for n in json.loads(
        cluster.kubectl("get", "nodes", "-o", "json", check=True).stdout)["items"]}

    def one_ready_pod_per_node():
        ds = get_json(cluster, ns, "daemonset/fluentd-elasticsearch")
        st = ds.get("status") or {}
        return (st.get("desiredNumberScheduled") == len(nodes)
                and st.get("numberReady") == len(nodes))
    eventually(one_ready_pod_per_node, timeout=120, interval=1, message="DaemonSet ready")
    pods = get_json(cluster, ns, "pods", "-l", "name=fluentd-elasticsearch")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(nodes)
    logs = eventually(lambda: cluster.kubectl("logs", pods[0]["metadata"]["name"], "-n", ns,
                                              check=True).stdout, timeout=30)
    assert f"node={pods[0]['spec']['nodeName']} files=" in logs


def test_job_completes(cluster, examples):
    ns, _ = examples
    cluster.kubectl("wait", "--for=condition=complete", "job/squares", "-n", ns,
                    "--timeout=120s", check=True, timeout=150)
    job = get_json(cluster, ns, "job/squares")
    assert job["status"]["succeeded"] == 3
    logs = cluster.kubectl("logs", "job/squares", "-n", ns, check=True).stdout
    assert "squared is" in logs


def test_statefulset_pods_keep_their_volumes(cluster, examples):
    ns, _ = examples
    cluster.kubectl("rollout", "status", "statefulset/web", "-n", ns, "--timeout=180s",
                    check=True, timeout=210)
    pods = get_json(cluster, ns, "pods", "-l", "app=nginx")["items"]
    assert sorted(p["metadata"]["name"] for p in pods) == ["web-0", "web-1"]
    claims = {c["metadata"]["name"]: c for c in get_json(cluster, ns, "pvc")["items"]}
    assert set(claims) == {"www-web-0", "www-web-1"}
    for claim in claims.values():
        assert claim["status"]["phase"] == "Bound"
        pv = json.loads(cluster.kubectl("get", "pv", claim["spec"]["volumeName"], "-o", "json",
                                        check=True).stdout)
        assert pv["status"]["phase"] == "Bound"
        assert pv["spec"]["storageClassName"] == "standard"

    text = f"hello from web-0 {uuid.uuid4().hex[:6]}"
    cluster.kubectl("exec", "web-0", "-n", ns, "--", "sh", "-c",
                    f"echo '{text}' > /data/index.html", check=True)
    old_uid = pods[0]["metadata"]["uid"] if pods[0]["metadata"]["name"] == "web-0" \
        else pods[1]["metadata"]["uid"]
    cluster.kubectl("delete", "pod", "web-0", "-n", ns, "--timeout=60s", check=True, timeout=90)

    def replaced_and_ready():
        pod = get_json(cluster, ns, "pod/web-0")
        ready = any(c["type"] == "Ready" and c["status"] == "True"
                    for c in pod["status"].get("conditions") or [])
        return pod["metadata"]["uid"] != old_uid and ready and pod
    pod = eventually(replaced_and_ready, timeout=120, interval=1, message="web-0 back, Ready")
    assert cluster.kubectl("exec", "web-0", "-n", ns, "--", "cat", "/data/index.html",
                           check=True).stdout.strip() == text
    # and httpd serves it from the volume, straight from the pod's IP
    with urllib.request.urlopen(f"http://{pod['status']['podIP']}:8080/index.html",
                                timeout=3) as resp:
        assert resp.read().decode().strip() == text


def test_cronjob_creates_a_job(cluster, examples):
    ns, applied_at = examples
    cron = get_json(cluster, ns, "cronjob/hello")
    assert cron["spec"]["schedule"] == "* * * * *"
    # the first run is at the next whole minute after the apply: at most ~60 s away
    left = max(10.0, 75 - (time.monotonic() - applied_at))

    def a_job_of_the_cronjob():
        jobs = get_json(cluster, ns, "jobs")["items"]
        return [j for j in jobs if any(r.get("kind") == "CronJob" and r.get("name") == "hello"
                                       for r in j["metadata"].get("ownerReferences") or [])]
    jobs = eventually(a_job_of_the_cronjob, timeout=left, interval=1,
                      message="the CronJob's first Job")
    assert jobs[0]["metadata"]["name"].startswith("hello-")
    cron = get_json(cluster, ns, "cronjob/hello")
    assert cron["status"].get("lastScheduleTime")
