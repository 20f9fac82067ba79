"""The pure half of the endpointslice controller: desired endpoints and the slice plan.

`desired_groups(service, pods)` gives, per set of ports, the endpoints the Service should have
(upstream's podToEndpoint: ready = publishNotReadyAddresses or (ready and not terminating),
serving = ready, terminating = deletionTimestamp set). `plan(service, groups, existing)`
places them into slices of at most 100 endpoints, as upstream's reconciler does in spirit:
an endpoint stays in the slice it is already in, new endpoints fill slices with room before
new slices are made, emptied slices are deleted, and a Service with no endpoints keeps one
empty placeholder slice. Only slices whose content or labels changed are updated.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from controller_manager import endpoints_util as eu

Obj = dict[str, Any]
MAX_ENDPOINTS_PER_SLICE = 100
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ADDRESS_TYPE = "IPv4"


def ports_key(ports: list[Obj] | None) -> tuple:
    return tuple(sorted((p.get("name") or "", p.get("port"), p.get("protocol") or "TCP",
                         p.get("appProtocol") or "") for p in ports or []))


def pod_to_endpoint(pod: Obj, service: Obj) -> Obj:
    serving = eu.is_ready(pod)
    terminating = bool(eu.meta(pod).get("deletionTimestamp"))
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    endpoint: Obj = {"addresses": [eu.pod_ip(pod)],
                     "conditions": {"ready": publish or (serving and not terminating),
                                    "serving": serving, "terminating": terminating},
                     "targetRef": eu.target_ref(pod)}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        endpoint["nodeName"] = node
    if eu.should_set_hostname(pod, service):
        endpoint["hostname"] = pod["spec"]["hostname"]
    return endpoint


def desired_groups(service: Obj, pods: list[Obj]) -> dict[tuple, tuple[list[Obj], list[Obj]]]:
    """ports key -> (ports, endpoints) for the pods that belong in the Service's slices."""
    spec = service.get("spec") or {}
    groups: dict[tuple, tuple[list[Obj], list[Obj]]] = {}
    for pod in pods:
        if not eu.should_be_endpoint(pod, include_terminating=True):
            continue
        ports = eu.endpoint_ports(pod, service)
        if spec.get("ports") and not ports:
            continue
        key = ports_key(ports)
        groups.setdefault(key, (ports, []))[1].append(pod_to_endpoint(pod, service))
    return groups


def endpoint_id(endpoint: Obj) -> str:
    ref = endpoint.get("targetRef") or {}
    return ref.get("uid") or ",".join(endpoint.get("addresses") or [])


def endpoint_view(endpoint: Obj) -> tuple:
    """An endpoint as compared for changes (defaults the api-server may add ignored)."""
    cond = endpoint.get("conditions") or {}
    ref = endpoint.get("targetRef") or {}
    return (tuple(endpoint.get("addresses") or ()), cond.get("ready"), cond.get("serving"),
            cond.get("terminating"), endpoint.get("nodeName"), endpoint.get("hostname"),
            endpoint.get("zone"), ref.get("name"), ref.get("uid"))


def slice_labels(service: Obj) -> dict[str, str]:
    labels = {k: v for k, v in eu.service_labels(service).items()
              if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)}
    labels[SERVICE_NAME_LABEL] = eu.meta(service)["name"]
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return labels


def owned_by(slice_: Obj, service: Obj) -> bool:
    labels = eu.meta(slice_).get("labels") or {}
    return labels.get(SERVICE_NAME_LABEL) == eu.meta(service).get("name") and \
        labels.get(MANAGED_BY_LABEL) == CONTROLLER_NAME and \
        slice_.get("addressType") == ADDRESS_TYPE


def new_slice(service: Obj, ports: list[Obj], endpoints: list[Obj]) -> Obj:
    m = eu.meta(service)
    owner = {"apiVersion": "v1", "kind": "Service", "name": m["name"], "uid": m.get("uid"),
             "controller": True, "blockOwnerDeletion": True}
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": f"{m['name'][:55]}-", "namespace": m["namespace"],
                         "labels": slice_labels(service), "ownerReferences": [owner]},
            "addressType": ADDRESS_TYPE, "endpoints": _sorted(endpoints),
            "ports": copy.deepcopy(ports)}


def _sorted(endpoints: list[Obj]) -> list[Obj]:
    return sorted(endpoints, key=lambda e: (e.get("targetRef") or {}).get("name") or "")


@dataclass
class SlicePlan:
    create: list[Obj] = field(default_factory=list)
    update: list[Obj] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def plan(service: Obj, groups: dict[tuple, tuple[list[Obj], list[Obj]]],
         existing: list[Obj], max_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> SlicePlan:
    result = SlicePlan()
    labels = slice_labels(service)
    by_key: dict[tuple, list[Obj]] = {}
    for s in sorted(existing, key=lambda s: eu.meta(s).get("name") or ""):
        by_key.setdefault(ports_key(s.get("ports")), []).append(s)
    for key, slices in by_key.items():
        if key not in groups:
            result.delete.extend(slices)
    for key, (ports, endpoints) in groups.items():
        _plan_group(service, labels, ports, endpoints, by_key.get(key, []), max_per_slice,
                    result)
    if len(result.delete) == len(existing) and not result.create:
        _keep_placeholder(service, result)
    return result


def _plan_group(service: Obj, labels: dict[str, str], ports: list[Obj], endpoints: list[Obj],
                slices: list[Obj], max_per_slice: int, result: SlicePlan) -> None:
    wanted = {endpoint_id(e): e for e in endpoints}
    placed: set[str] = set()
    contents: list[tuple[Obj, list[Obj]]] = []
    for s in slices:
        kept = []
        for e in s.get("endpoints") or []:
            eid = endpoint_id(e)
            if eid in wanted and eid not in placed and len(kept) < max_per_slice:
                kept.append(wanted[eid])
                placed.add(eid)
        contents.append((s, kept))
    fresh = [e for eid, e in wanted.items() if eid not in placed]
    for s, kept in contents:            # fill slices with room first
        while fresh and len(kept) < max_per_slice:
            kept.append(fresh.pop(0))
    for s, kept in contents:
        if not kept:
            result.delete.append(s)
        elif _changed(s, kept, labels):
            result.update.append({**s, "metadata": {**eu.meta(s), "labels": labels},
                                  "endpoints": _sorted(kept)})
    while fresh:
        chunk, fresh = fresh[:max_per_slice], fresh[max_per_slice:]
        result.create.append(new_slice(service, ports, chunk))


def _changed(s: Obj, endpoints: list[Obj], labels: dict[str, str]) -> bool:
    if (eu.meta(s).get("labels") or {}) != labels:
        return True
    old = sorted(endpoint_view(e) for e in s.get("endpoints") or [])
    return old != sorted(endpoint_view(e) for e in endpoints)


def _keep_placeholder(service: Obj, result: SlicePlan) -> None:
    """No endpoints at all: one empty slice stays (upstream's placeholder)."""
    for i, s in enumerate(result.delete):
        if not s.get("endpoints") and not s.get("ports"):
            del result.delete[i]
            return
    result.create.append(new_slice(service, [], []))
