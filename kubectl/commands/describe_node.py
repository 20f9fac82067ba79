"""Describing a node: conditions, addresses, capacity, system info, its pods and the resources
they request."""
from __future__ import annotations

from typing import Any

from machinery.api.errors import ApiError

from kubectl.commands.describe_format import (PrefixWriter, age, annotations_multiline,
                                              describe_events, labels_multiline, rfc1123z)
from kubectl.printers.sorting import parse_quantity


def describe_node(inv: Any, node: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta, spec, st = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{meta['name']}\n")
    roles = sorted(k.split("/", 1)[1] for k in (meta.get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/"))
    w.write(0, f"Roles:\t{','.join(roles) or '<none>'}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    _taints(w, spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    _lease(inv, w, meta["name"])
    _node_conditions(w, st.get("conditions"))
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for title, field in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        if st.get(field):
            w.write(0, f"{title}:\n")
            for key in sorted(st[field]):
                w.write(1, f"{key}:\t{st[field][key]}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"),
                       ("Boot ID", "bootID"), ("Kernel Version", "kernelVersion"),
                       ("OS Image", "osImage"), ("Operating System", "operatingSystem"),
                       ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion"),
                       ("Kube-Proxy Version", "kubeProxyVersion")):
        w.write(1, f"{title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    _pods(inv, w, meta["name"], st.get("allocatable") or {})
    describe_events(w, events)
    return w.render()


def _taints(w: PrefixWriter, taints: list[dict[str, Any]] | None) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.write(0, "<none>\n")
        return
    for i, t in enumerate(taints):
        text = t.get("key", "") + (f"={t['value']}" if t.get("value") else "") + \
            f":{t.get('effect', '')}"
        w.write(0, f"\t{text}\n" if i else f"{text}\n")


def _lease(inv: Any, w: PrefixWriter, name: str) -> None:
    try:
        lease = inv.client.get(
            f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}")
    except ApiError as e:
        w.write(0, f"Lease:\tFailed to get lease: {e.message}\n")
        return
    w.write(0, "Lease:\n")
    spec = lease.get("spec") or {}
    w.write(1, f"HolderIdentity:\t{spec.get('holderIdentity', '<unset>')}\n")
    w.write(1, f"AcquireTime:\t{rfc1123z(spec.get('acquireTime'))}\n")
    w.write(1, f"RenewTime:\t{rfc1123z(spec.get('renewTime'))}\n")


def _node_conditions(w: PrefixWriter, conditions: list[dict[str, Any]] | None) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\t"
               "Message\n")
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
    for c in conditions:
        w.write(1, f"{c.get('type')} \t{c.get('status')} \t"
                   f"{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                   f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                   f"{c.get('message', '')}\n")


def _pods(inv: Any, w: PrefixWriter, node: str, allocatable: dict[str, str]) -> None:
    try:
        pods = inv.client.get("/api/v1/pods", params={
            "fieldSelector": f"spec.nodeName={node},status.phase!=Failed,status.phase!=Succeeded",
            "limit": 500}).get("items") or []
    except ApiError:
        pods = []
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\t"
               "Age\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t"
               "---\n")
    hugepages = sorted(k for k in allocatable if k.startswith("hugepages-"))
    extended = sorted(k for k in allocatable if not k.startswith("hugepages-") and
                      k not in ("cpu", "memory", "ephemeral-storage", "storage", "pods"))
    totals = {key: [0.0, 0.0] for key in ("cpu", "memory", "ephemeral-storage", *hugepages,
                                          *extended)}
    for pod in pods:
        req, lim = _pod_resources(pod)
        for key in totals:
            totals[key][0] += req.get(key, 0.0)
            totals[key][1] += lim.get(key, 0.0)
        w.write(1, f"{pod['metadata'].get('namespace')}\t{pod['metadata']['name']}\t\t"
                   f"{_fraction('cpu', req, allocatable, True)}\t"
                   f"{_fraction('cpu', lim, allocatable, True)}\t"
                   f"{_fraction('memory', req, allocatable, True)}\t"
                   f"{_fraction('memory', lim, allocatable, True)}\t"
                   f"{age(pod['metadata'].get('creationTimestamp'))}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., "
               "overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for key in ("cpu", "memory", "ephemeral-storage", *hugepages):
        req = {key: totals[key][0]}
        lim = {key: totals[key][1]}
        w.write(1, f"{key}\t{_fraction(key, req, allocatable)}\t{_fraction(key, lim, allocatable)}\n")
    for key in extended:
        w.write(1, f"{key}\t{_quantity(key, totals[key][0])}\t{_quantity(key, totals[key][1])}\n")


def _pod_resources(pod: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    req: dict[str, float] = {}
    lim: dict[str, float] = {}
    for c in (pod.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        for target, field in ((req, "requests"), (lim, "limits")):
            for key, value in (res.get(field) or {}).items():
                q = parse_quantity(str(value))
                if q is not None:
                    target[key] = target.get(key, 0.0) + float(q)
    return req, lim


# Go's int64(NaN or Inf) on amd64: what kubectl prints per pod when nothing is allocatable
_GO_NAN_INT = -9223372036854775808


def _fraction(key: str, values: dict[str, float], allocatable: dict[str, str],
              per_pod: bool = False) -> str:
    value = values.get(key, 0.0)
    total = parse_quantity(str(allocatable.get(key, "0"))) or 0
    if not total:
        percent = _GO_NAN_INT if per_pod else 0
    else:
        percent = int(value / float(total) * 100)
    return f"{_quantity(key, value)} ({percent}%)"


def _quantity(key: str, value: float) -> str:
    if value == 0:
        return "0"
    if key == "cpu":
        milli = round(value * 1000)
        return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= factor and value % factor == 0:
            return f"{int(value // factor)}{suffix}"
    return str(int(value))
