"""The pure rules of the DaemonSet controller: which nodes run a daemon pod, and the pod itself.

As upstream: a daemon pod carries, on top of its template's tolerations, the tolerations every
DaemonSet gets (not-ready and unreachable NoExecute without limit; disk-, memory-, pid-pressure
and unschedulable NoSchedule; network-unavailable for host-network pods), so it runs on nodes
that are cordoned or under pressure. A node should run the pod when the pod's nodeSelector and
required node affinity match it and it tolerates the node's NoSchedule and NoExecute taints; a
pod already there may continue while only NoExecute taints are tolerated. The pod is created
unbound with required node affinity `metadata.name In [<node>]`: the scheduler binds it.
"""
from __future__ import annotations

import copy
from typing import Any

from controller_manager import nodelifecycle_taints as nt
from controller_manager.pod_control import pod_from_template

Obj = dict[str, Any]
HASH_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"


def daemon_tolerations(spec: Obj) -> list[Obj]:
    """The pod spec's tolerations plus the DaemonSet ones (upstream's AddOrUpdate...)."""
    tolerations = list(spec.get("tolerations") or [])
    extra = [(nt.NOT_READY, nt.NO_EXECUTE), (nt.UNREACHABLE, nt.NO_EXECUTE),
             (nt.DISK_PRESSURE, nt.NO_SCHEDULE), (nt.MEMORY_PRESSURE, nt.NO_SCHEDULE),
             (nt.PID_PRESSURE, nt.NO_SCHEDULE), (nt.UNSCHEDULABLE, nt.NO_SCHEDULE)]
    if spec.get("hostNetwork"):
        extra.append((nt.NETWORK_UNAVAILABLE, nt.NO_SCHEDULE))
    for key, effect in extra:
        tolerations = [t for t in tolerations
                       if not (t.get("key") == key and t.get("effect") == effect)]
        tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    return tolerations


def _term_matches(term: Obj, node: Obj) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    for expr in exprs:
        if not _expr_matches(expr, labels):
            return False
    name = (node.get("metadata") or {}).get("name") or ""
    for expr in fields:
        if expr.get("key") != "metadata.name" or not _expr_matches(expr, {"metadata.name": name}):
            return False
    return True


def _expr_matches(expr: Obj, labels: dict[str, str]) -> bool:
    """A NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist, Gt, Lt) against labels."""
    op = expr.get("operator")
    key, values = expr.get("key", ""), expr.get("values") or []
    has = key in labels
    if op == "In":
        return has and labels[key] in values
    if op == "NotIn":
        return not has or labels[key] not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and values:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def fits_node_affinity(pod_spec: Obj, node: Obj) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    for k, v in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(_term_matches(t, node) for t in terms)


def node_should_run(ds: Obj, node: Obj) -> tuple[bool, bool]:
    """(should run a daemon pod, may keep one already there) on this node."""
    spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
    if not fits_node_affinity(spec, node):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = daemon_tolerations(spec)
    run = not nt.untolerated(tolerations, taints, (nt.NO_SCHEDULE, nt.NO_EXECUTE))
    keep = not nt.untolerated(tolerations, taints, (nt.NO_EXECUTE,))
    return run, keep


def with_node_name_affinity(spec: Obj, node: str) -> Obj:
    """The pod spec with required node affinity replaced by `metadata.name In [node]`."""
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}
    return spec


def target_node(pod: Obj) -> str | None:
    """The node a daemon pod is for: its nodeName, else its node affinity's metadata.name."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for expr in term.get("matchFields") or []:
            if expr.get("key") == "metadata.name" and expr.get("operator") == "In" and \
                    len(expr.get("values") or []) == 1:
                return expr["values"][0]
    return None


def daemon_pod(ds: Obj, node: str, ref: Obj, revision_hash: str) -> Obj:
    template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
    pod = pod_from_template(template, ds, ref)
    labels = pod["metadata"].setdefault("labels", {})
    labels[HASH_LABEL] = revision_hash
    labels[GENERATION_LABEL] = str((ds.get("metadata") or {}).get("generation") or 1)
    spec = pod["spec"]
    spec["tolerations"] = daemon_tolerations(spec)
    with_node_name_affinity(spec, node)
    return pod


def max_unavailable(ds: Obj, desired: int) -> int:
    """rollingUpdate.maxUnavailable as a number (a percentage rounds up), at least 1 unless
    maxSurge is set, as upstream."""
    rolling = (((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate")) or {}
    value = rolling.get("maxUnavailable", 1)
    surge = rolling.get("maxSurge", 0)
    number = _scaled(value, desired)
    if number == 0 and _scaled(surge, desired) == 0:
        return 1
    return number


def _scaled(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        pct = int(value[:-1])
        return -(-pct * total // 100)
    return int(value or 0)
