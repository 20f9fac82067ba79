"""Rollout progress as kubectl's status viewers word it, for deployments, daemon sets and
stateful sets: (message, done) for one version of the object."""
from __future__ import annotations

from typing import Any

from kubectl.errors import CLIError


def status(obj: dict[str, Any]) -> tuple[str, bool]:
    kind = obj.get("kind")
    if kind == "Deployment":
        return deployment_status(obj)
    if kind == "DaemonSet":
        return daemonset_status(obj)
    if kind == "StatefulSet":
        return statefulset_status(obj)
    raise CLIError(f"error: no status viewer has been implemented for {kind}")


def _gen(obj: dict[str, Any]) -> tuple[int, int]:
    return (obj.get("metadata") or {}).get("generation", 0), \
        (obj.get("status") or {}).get("observedGeneration", 0)


def deployment_status(d: dict[str, Any]) -> tuple[str, bool]:
    name = d["metadata"]["name"]
    generation, observed = _gen(d)
    if generation > observed:
        return "Waiting for deployment spec update to be observed...", False
    st, spec = d.get("status") or {}, d.get("spec") or {}
    for cond in st.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            raise CLIError(f'error: deployment "{name}" exceeded its progress deadline')
    updated, replicas = st.get("updatedReplicas", 0), st.get("replicas", 0)
    available = st.get("availableReplicas", 0)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if spec.get("replicas") is not None and updated < spec["replicas"]:
        return f"{prefix}{updated} out of {spec['replicas']} new replicas have been updated...", \
            False
    if replicas > updated:
        return f"{prefix}{replicas - updated} old replicas are pending termination...", False
    if available < updated:
        return f"{prefix}{available} of {updated} updated replicas are available...", False
    return f'deployment "{name}" successfully rolled out', True


def daemonset_status(ds: dict[str, Any]) -> tuple[str, bool]:
    name = ds["metadata"]["name"]
    strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type")
    if strategy != "RollingUpdate":
        raise CLIError("error: rollout status is only available for RollingUpdate strategy type")
    generation, observed = _gen(ds)
    if generation > observed:
        return "Waiting for daemon set spec update to be observed...", False
    st = ds.get("status") or {}
    desired = st.get("desiredNumberScheduled", 0)
    prefix = f'Waiting for daemon set "{name}" rollout to finish: '
    if st.get("updatedNumberScheduled", 0) < desired:
        return f"{prefix}{st.get('updatedNumberScheduled', 0)} out of {desired} new pods have " \
               "been updated...", False
    if st.get("numberAvailable", 0) < desired:
        return f"{prefix}{st.get('numberAvailable', 0)} of {desired} updated pods are " \
               "available...", False
    return f'daemon set "{name}" successfully rolled out', True


def statefulset_status(sts: dict[str, Any]) -> tuple[str, bool]:
    spec, st = sts.get("spec") or {}, sts.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type") != "RollingUpdate":
        raise CLIError("error: rollout status is only available for RollingUpdate strategy type")
    generation, observed = _gen(sts)
    if observed == 0 or generation > observed:
        return "Waiting for statefulset spec update to be observed...", False
    replicas = spec.get("replicas")
    if replicas is not None and st.get("readyReplicas", 0) < replicas:
        return f"Waiting for {replicas - st.get('readyReplicas', 0)} pods to be ready...", False
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        partition = rolling.get("partition")
        if replicas is not None and partition is not None and \
                st.get("updatedReplicas", 0) < replicas - partition:
            return ("Waiting for partitioned roll out to finish: "
                    f"{st.get('updatedReplicas', 0)} out of {replicas - partition} new pods have "
                    "been updated..."), False
        return f"partitioned roll out complete: {st.get('updatedReplicas', 0)} new pods have " \
               "been updated...", True
    if st.get("updateRevision") != st.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete "
                f"{st.get('updatedReplicas', 0)} pods at revision {st.get('updateRevision')}..."
                ), False
    return (f"statefulset rolling update complete {st.get('currentReplicas', 0)} pods at "
            f"revision {st.get('currentRevision')}..."), True
