"""The pods of a Job: how they are built, and how their tracking finalizer comes off.

`job_pod(job, index)` is the pod the Job controller creates: the template's labels and spec,
`generateName: <job>-` (`<job>-<index>-` for Indexed Jobs), the Job's controllerRef and the
`batch.kubernetes.io/job-tracking` finalizer; an Indexed pod also gets the completion index
as an annotation and a label, the hostname `<job>-<index>` and the JOB_COMPLETION_INDEX
variable in every container, as upstream. `remove_tracking_finalizer` takes the finalizer
off with a JSON patch that first tests it is where we saw it (no read-modify-write race).
"""
from __future__ import annotations

from typing import Any

from controller_manager import job_util as ju
from controller_manager.controller_ref import controller_ref
from controller_manager.pod_control import PODS, pod_from_template
from machinery.api.errors import NotFound
from machinery.client import ApiClient

Obj = dict[str, Any]
API_VERSION, KIND = "batch/v1", "Job"


def job_pod(job: Obj, index: int | None = None) -> Obj:
    template = ju.spec(job).get("template") or {}
    pod = pod_from_template(template, job, controller_ref(job, API_VERSION, KIND))
    meta = pod["metadata"]
    meta["finalizers"] = [*(meta.get("finalizers") or []), ju.TRACKING_FINALIZER]
    if index is not None:
        _set_index(pod, job["metadata"]["name"], index)
    return pod


def _set_index(pod: Obj, job_name: str, index: int) -> None:
    meta, spec = pod["metadata"], pod["spec"]
    meta["generateName"] = f"{job_name}-{index}-"
    meta.setdefault("annotations", {})[ju.INDEX_ANNOTATION] = str(index)
    meta.setdefault("labels", {})[ju.INDEX_LABEL] = str(index)
    spec["hostname"] = f"{job_name}-{index}"
    env_var = {"name": ju.INDEX_ENV, "valueFrom": {"fieldRef": {
        "fieldPath": f"metadata.annotations['{ju.INDEX_ANNOTATION}']"}}}
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        env = [e for e in container.get("env") or [] if e.get("name") != ju.INDEX_ENV]
        container["env"] = [*env, env_var]


async def remove_tracking_finalizer(client: ApiClient, pod: Obj) -> bool:
    """True once the pod no longer has the finalizer (or is gone)."""
    meta = pod.get("metadata") or {}
    finalizers = meta.get("finalizers") or []
    if ju.TRACKING_FINALIZER not in finalizers:
        return True
    i = finalizers.index(ju.TRACKING_FINALIZER)
    path = f"/metadata/finalizers/{i}"
    patch = [{"op": "test", "path": "/metadata/uid", "value": meta.get("uid")},
             {"op": "test", "path": path, "value": ju.TRACKING_FINALIZER},
             {"op": "remove", "path": path}]
    try:
        await client.patch(PODS, meta["name"], patch, "json", meta.get("namespace"))
    except NotFound:
        pass            # gone: nothing holds it any more
    return True
