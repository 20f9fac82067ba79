"""Describing deployments and replica sets (with their ReplicaSets / pod counts)."""
from __future__ import annotations

import copy
from typing import Any

from machinery.api.errors import ApiError

from kubectl.commands.describe_format import (PrefixWriter, annotations_multiline,
                                              describe_events, labels_multiline, rfc1123z)
from kubectl.commands.describe_pod import controlled_by, describe_pod_template


def format_selector(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: `a=b,c in (x,y)`, `<none>` when empty."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or "<none>"


def _selector_query(selector: dict[str, Any] | None) -> str:
    text = format_selector(selector)
    return "" if text == "<none>" else text


def _conditions(w: PrefixWriter, conditions: list[dict[str, Any]] | None) -> None:
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def describe_deployment(inv: Any, d: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta, spec, st = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} "
               f"updated | {st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} "
               f"available | {st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '')} max unavailable, "
                   f"{ru.get('maxSurge', '')} max surge\n")
    describe_pod_template(spec.get("template"), w)
    _conditions(w, st.get("conditions"))
    old, new = _replica_sets(inv, d)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
    describe_events(w, events)
    return w.render()


def _rs_list(sets: list[dict[str, Any]]) -> str:
    if not sets:
        return "<none>"
    return ", ".join(f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
                     f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)"
                     for rs in sets)


def _replica_sets(inv: Any, d: dict[str, Any]) -> tuple[list[dict], dict | None]:
    """(every other set the deployment owns, the set matching the current template)."""
    meta = d["metadata"]
    path = f"/apis/apps/v1/namespaces/{meta.get('namespace')}/replicasets"
    try:
        items = inv.client.get(path, params={
            "labelSelector": _selector_query((d.get("spec") or {}).get("selector")),
            "limit": 500}).get("items") or []
    except ApiError:
        return [], None
    owned = [rs for rs in items if any(r.get("uid") == meta.get("uid") and r.get("controller")
                                       for r in rs["metadata"].get("ownerReferences") or [])]
    template = _without_hash(d["spec"].get("template") or {})
    new = next((rs for rs in owned
                if _without_hash(rs["spec"].get("template") or {}) == template), None)
    old = [rs for rs in owned if rs is not new]
    return old, new


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    t = copy.deepcopy(template)
    meta = t.setdefault("metadata", {})
    meta.pop("creationTimestamp", None)
    (meta.get("labels") or {}).pop("pod-template-hash", None)
    return t


def describe_replicaset(inv: Any, rs: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta, spec, st = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if controlled_by(meta):
        w.write(0, f"Controlled By:\t{controlled_by(meta)}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 0)} desired\n")
    running, waiting, succeeded, failed = _pod_phases(inv, rs)
    w.write(0, f"Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / "
               f"{failed} Failed\n")
    describe_pod_template(spec.get("template"), w)
    _conditions(w, st.get("conditions"))
    describe_events(w, events)
    return w.render()


def _pod_phases(inv: Any, owner: dict[str, Any]) -> tuple[int, int, int, int]:
    meta = owner["metadata"]
    try:
        pods = inv.client.get(f"/api/v1/namespaces/{meta.get('namespace')}/pods", params={
            "labelSelector": _selector_query((owner.get("spec") or {}).get("selector"))
        }).get("items") or []
    except ApiError:
        return 0, 0, 0, 0
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        refs = pod["metadata"].get("ownerReferences") or []
        if not any(r.get("uid") == meta.get("uid") for r in refs):
            continue
        phase = (pod.get("status") or {}).get("phase", "Pending")
        if phase in counts:
            counts[phase] += 1
    return counts["Running"], counts["Pending"], counts["Succeeded"], counts["Failed"]
