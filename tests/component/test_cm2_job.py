"""The Job and TTL-after-finished controllers against the real api-server, with one hollow
kubelet running the pods (created bound to it); the fake runtime's annotations make the
containers exit with a chosen code after a chosen time."""
from __future__ import annotations

import re

import pytest

from machinery.api import resources
from tests.component.cm2_harness import eventually, namespace, running
from tests.hollow import hollow_nodes

pytestmark = pytest.mark.component

JOBS = resources.lookup("batch", "v1", "jobs")
PODS = resources.lookup("", "v1", "pods")
EVENTS = resources.lookup("", "v1", "events")
FINALIZER = "batch.kubernetes.io/job-tracking"


@pytest.fixture(scope="module")
async def env(api_server):
    async with hollow_nodes(api_server.kubeconfig, 1, prefix="job") as nodes, \
            running(api_server.kubeconfig, ["job", "ttl-after-finished-controller",
                                            "garbagecollector"],
                    job_pod_failure_backoff_s=0.1) as r:
        await nodes.wait_ready()
        yield r, nodes[0].name


@pytest.fixture
async def ns(env):
    async with namespace(env[0].client, "job") as name:
        yield name


def job(name, node, exit_code=0, run_s=0.2, restart="Never", **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {
                "metadata": {"annotations": {"fake.tinykube.io/exit-code": str(exit_code),
                                             "fake.tinykube.io/run-seconds": str(run_s)}},
                "spec": {"nodeName": node, "restartPolicy": restart,
                         "containers": [{"name": "work", "image": "busybox"}]}}, **spec}}


def cond(j, type_):
    return next((c for c in (j.get("status") or {}).get("conditions") or []
                 if c["type"] == type_ and c["status"] == "True"), None)


async def wait_condition(client, ns, name, type_, timeout=20):
    async def check():
        j = await client.get(JOBS, name, ns)
        return j if cond(j, type_) else None
    return await eventually(check, timeout, what=f"job {name} {type_}")


async def test_completions_with_parallelism(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("pi", node, completions=3, parallelism=2), ns)
    j = await wait_condition(c, ns, "pi", "Complete")
    status = j["status"]
    assert status["succeeded"] == 3 and "failed" not in status and "active" not in status
    assert status["ready"] == 0 and status["terminating"] == 0
    assert status["uncountedTerminatedPods"] == {}
    assert status["startTime"] and status["completionTime"]
    assert cond(j, "SuccessCriteriaMet")["reason"] == "CompletionsReached"
    assert cond(j, "Complete")["reason"] == "CompletionsReached"
    pods = (await c.list(PODS, ns))["items"]
    assert len(pods) == 3
    for p in pods:
        assert re.fullmatch(r"pi-[a-z0-9]{5}", p["metadata"]["name"])
        assert p["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
        assert p["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == \
            j["metadata"]["uid"]
        assert FINALIZER not in (p["metadata"].get("finalizers") or [])
        assert p["status"]["phase"] == "Succeeded"
    await r.flush_events()
    events = [(e["reason"], e["message"]) for e in (await c.list(EVENTS, ns))["items"]
              if e["involvedObject"]["name"] == "pi"]
    assert sum(1 for reason, _ in events if reason == "SuccessfulCreate") == 3
    assert ("Completed", "Job completed") in events


async def test_backoff_limit_exceeded(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("fail", node, exit_code=1, run_s=0.1, backoffLimit=1), ns)
    j = await wait_condition(c, ns, "fail", "Failed")
    assert j["status"]["failed"] == 2
    assert cond(j, "FailureTarget")["reason"] == "BackoffLimitExceeded"
    assert cond(j, "Failed")["message"] == "Job has reached the specified backoff limit"
    assert "completionTime" not in j["status"]
    pods = (await c.list(PODS, ns))["items"]
    assert len(pods) == 2 and all(p["status"]["phase"] == "Failed" for p in pods)
    assert all(FINALIZER not in (p["metadata"].get("finalizers") or []) for p in pods)


async def test_active_deadline_kills_running_pods(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("slow", node, run_s=60, parallelism=2, completions=2,
                             activeDeadlineSeconds=1), ns)
    j = await wait_condition(c, ns, "slow", "Failed")
    assert cond(j, "Failed")["reason"] == "DeadlineExceeded"
    assert j["status"]["failed"] == 2 and "active" not in j["status"]

    async def pods_gone():
        pods = (await c.list(PODS, ns))["items"]
        return all(p["metadata"].get("deletionTimestamp") or
                   p["status"].get("phase") in ("Failed", "Succeeded") for p in pods) \
            or not pods
    await eventually(pods_gone, 10, what="pods stopped")


async def test_indexed_job(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("idx", node, completions=3, parallelism=3,
                             completionMode="Indexed"), ns)
    j = await wait_condition(c, ns, "idx", "Complete")
    assert j["status"]["completedIndexes"] == "0-2" and j["status"]["succeeded"] == 3
    pods = (await c.list(PODS, ns))["items"]
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                     for p in pods)
    assert indexes == ["0", "1", "2"]
    for p in pods:
        ix = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        assert p["metadata"]["name"].startswith(f"idx-{ix}-")
        assert p["spec"]["hostname"] == f"idx-{ix}"
        assert p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == ix
        env_vars = p["spec"]["containers"][0]["env"]
        assert env_vars[-1]["name"] == "JOB_COMPLETION_INDEX"


async def test_ttl_after_finished_deletes_job(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("ttl", node, ttlSecondsAfterFinished=0), ns)

    async def gone():
        return not (await c.list(JOBS, ns))["items"] and not (await c.list(PODS, ns))["items"]
    await eventually(gone, 20, what="job and pods deleted")


async def test_suspend_and_resume(ns, env):
    r, node = env
    c = r.client
    await c.create(JOBS, job("sus", node, run_s=60, suspend=True), ns)
    j = await wait_condition(c, ns, "sus", "Suspended", 10)
    assert not (await c.list(PODS, ns))["items"]
    assert "startTime" not in j["status"]
    await c.patch(JOBS, "sus", {"spec": {"suspend": False}}, "merge", ns)

    async def started():
        j = await c.get(JOBS, "sus", ns)
        return j if j["status"].get("active") == 1 else None
    j = await eventually(started, 10, what="job resumed")
    suspended = next(x for x in j["status"]["conditions"] if x["type"] == "Suspended")
    assert suspended["status"] == "False" and suspended["reason"] == "JobResumed"
