"""The pure half of the StatefulSet controller: pod identity, claims, revisions, status.

A StatefulSet's pod of ordinal i is named `<set>-<i>`, labelled
`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
`controller-revision-hash`, has hostname `<set>-<i>` and subdomain `serviceName`, and mounts
one PVC per volumeClaimTemplate, named `<template>-<set>-<i>`. A pod is built from the
revision it should run: with RollingUpdate, ordinals below the partition keep the current
revision; everything else gets the update revision (upstream's newVersionedStatefulSetPod).
"""
from __future__ import annotations

import copy
from typing import Any

from controller_manager import podutil
from controller_manager.controller_ref import controller_ref, meta

Obj = dict[str, Any]
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
HASH_LABEL = "controller-revision-hash"
KIND, API_VERSION = "StatefulSet", "apps/v1"


def spec(sts: Obj) -> Obj:
    return sts.get("spec") or {}


def start_ordinal(sts: Obj) -> int:
    return int((spec(sts).get("ordinals") or {}).get("start") or 0)


def ordinal_of(sts: Obj, pod: Obj) -> int | None:
    """The ordinal in the pod's name `<set>-<i>`, None if it is not such a name."""
    prefix = f"{meta(sts)['name']}-"
    name = meta(pod).get("name") or ""
    if not name.startswith(prefix) or not name[len(prefix):].isdigit():
        return None
    return int(name[len(prefix):])


def pod_name(sts: Obj, ordinal: int) -> str:
    return f"{meta(sts)['name']}-{ordinal}"


def claim_name(template: Obj, sts: Obj, ordinal: int) -> str:
    return f"{meta(template)['name']}-{pod_name(sts, ordinal)}"


def partition(sts: Obj) -> int:
    strategy = spec(sts).get("updateStrategy") or {}
    return int((strategy.get("rollingUpdate") or {}).get("partition") or 0)


def strategy_type(sts: Obj) -> str:
    return (spec(sts).get("updateStrategy") or {}).get("type") or "RollingUpdate"


def set_at_revision(sts: Obj, revision: Obj) -> Obj:
    """The set with the template stored in `revision` (upstream's ApplyRevision)."""
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {}).get("template")
                             or {})
    template.pop("$patch", None)
    return {**sts, "spec": {**spec(sts), "template": template}}


def revision_for(sts: Obj, ordinal: int) -> str:
    """"current" or "update": which revision a new pod of this ordinal runs."""
    if strategy_type(sts) != "RollingUpdate":
        return "update"
    if ordinal < start_ordinal(sts) + partition(sts):
        return "current"
    return "update"


def new_pod(sts: Obj, owner: Obj, ordinal: int, rev_hash: str) -> Obj:
    """The pod of `ordinal` from `sts`'s template (sts may be at an older revision); owned
    by `owner` (the live set)."""
    template = copy.deepcopy(spec(sts).get("template") or {})
    tmeta = template.get("metadata") or {}
    name = pod_name(owner, ordinal)
    labels = dict(tmeta.get("labels") or {})
    labels.update({POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), HASH_LABEL: rev_hash})
    pod_meta: Obj = {"name": name, "namespace": meta(owner)["namespace"], "labels": labels,
                     "ownerReferences": [controller_ref(owner, API_VERSION, KIND)]}
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    pod_spec = template.get("spec") or {}
    pod_spec["hostname"] = name
    if spec(owner).get("serviceName"):
        pod_spec["subdomain"] = spec(owner)["serviceName"]
    _mount_claims(owner, pod_spec, ordinal)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}


def _mount_claims(sts: Obj, pod_spec: Obj, ordinal: int) -> None:
    templates = spec(sts).get("volumeClaimTemplates") or []
    names = {meta(t)["name"] for t in templates}
    volumes = [v for v in pod_spec.get("volumes") or [] if v.get("name") not in names]
    for t in templates:
        volumes.append({"name": meta(t)["name"], "persistentVolumeClaim": {
            "claimName": claim_name(t, sts, ordinal)}})
    if volumes:
        pod_spec["volumes"] = volumes


def claims_for(sts: Obj, ordinal: int) -> list[Obj]:
    """The PVCs the pod of `ordinal` needs."""
    selector_labels = (spec(sts).get("selector") or {}).get("matchLabels") or {}
    policy = spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    claims = []
    for t in spec(sts).get("volumeClaimTemplates") or []:
        labels = {**(meta(t).get("labels") or {}), **selector_labels}
        claim_meta: Obj = {"name": claim_name(t, sts, ordinal),
                           "namespace": meta(sts)["namespace"], "labels": labels}
        if meta(t).get("annotations"):
            claim_meta["annotations"] = dict(meta(t)["annotations"])
        if policy.get("whenDeleted") == "Delete":
            claim_meta["ownerReferences"] = [controller_ref(sts, API_VERSION, KIND)]
        claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": claim_meta, "spec": copy.deepcopy(t.get("spec") or {})})
    return claims


def delete_claims_on_scale_down(sts: Obj) -> bool:
    policy = spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenScaled") == "Delete"


def pod_hash(pod: Obj | None) -> str | None:
    return (meta(pod).get("labels") or {}).get(HASH_LABEL) if pod else None


def terminating(pod: Obj) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def healthy(pod: Obj | None) -> bool:
    """Running, Ready and not going away (upstream's isHealthy)."""
    return pod is not None and (pod.get("status") or {}).get("phase") == "Running" and \
        podutil.is_ready(pod) and not terminating(pod)


def compute_status(sts: Obj, pods: list[Obj], current_rev: str, update_rev: str) -> Obj:
    now = podutil.now_utc()
    min_ready = spec(sts).get("minReadySeconds") or 0
    live = [p for p in pods if not terminating(p)]
    status: Obj = {
        "observedGeneration": meta(sts).get("generation"),
        "replicas": len(live),
        "readyReplicas": sum(1 for p in live if podutil.is_ready(p)),
        "availableReplicas": sum(1 for p in live if podutil.is_available(p, min_ready, now)),
        "currentReplicas": sum(1 for p in live if pod_hash(p) == current_rev),
        "updatedReplicas": sum(1 for p in live if pod_hash(p) == update_rev),
        "currentRevision": current_rev, "updateRevision": update_rev}
    replicas = spec(sts).get("replicas", 1)
    if strategy_type(sts) == "RollingUpdate" and status["updatedReplicas"] == replicas and \
            status["readyReplicas"] == replicas and status["replicas"] == replicas:
        status["currentRevision"] = update_rev       # the rollout is complete
        status["currentReplicas"] = status["updatedReplicas"]
    return status
