"""VolumeBinding and VolumeZone, the basics: a pod's PVCs must exist, immediate-binding claims
must be bound, and a node must satisfy the nodeAffinity and zone/region labels of every bound PV.
(Provisioning for WaitForFirstConsumer claims is left to the PVC binder controller.)"""
from __future__ import annotations

from typing import Any

from scheduler.framework import (SKIP, SUCCESS, BasePlugin, Rejected, Snapshot, Status, namespace_of,
                                 spec, unresolvable)
from scheduler.nodeinfo import NodeInfo, Obj
from scheduler.plugins.node_affinity import term_matches

NODE_CONFLICT = "node(s) had volume node affinity conflict"
ZONE_CONFLICT = "node(s) had no available volume zone"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ZONE_LABELS = ("topology.kubernetes.io/zone", "topology.kubernetes.io/region",
               "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region")


def claim_names(pod: Obj) -> list[str]:
    """PVC names of the pod's volumes (generic ephemeral volumes name theirs `<pod>-<volume>`)."""
    pod_name = (pod.get("metadata") or {}).get("name", "")
    names = []
    for volume in spec(pod).get("volumes") or []:
        if claim := volume.get("persistentVolumeClaim"):
            names.append(claim.get("claimName", ""))
        elif volume.get("ephemeral"):
            names.append(f"{pod_name}-{volume.get('name', '')}")
    return names


def bound_volumes(pod: Obj, snapshot: Snapshot) -> list[Obj]:
    """The PVs bound to the pod's claims; Rejected when a claim is missing or cannot bind."""
    listers, namespace = snapshot.listers, namespace_of(pod)
    volumes = []
    for name in claim_names(pod):
        pvc = listers.pvc(namespace, name)
        if pvc is None:
            raise Rejected(unresolvable(f'persistentvolumeclaim "{name}" not found'))
        if (pvc.get("metadata") or {}).get("deletionTimestamp"):
            raise Rejected(unresolvable(f'persistentvolumeclaim "{name}" is being deleted'))
        volume_name = (pvc.get("spec") or {}).get("volumeName")
        if not volume_name:
            if not _waits_for_consumer(pvc, snapshot):
                raise Rejected(unresolvable(UNBOUND_IMMEDIATE))
            continue
        pv = listers.pv(volume_name)
        if pv is None:
            raise Rejected(unresolvable(f'persistentvolume "{volume_name}" not found'))
        volumes.append(pv)
    return volumes


def _waits_for_consumer(pvc: Obj, snapshot: Snapshot) -> bool:
    class_name = (pvc.get("spec") or {}).get("storageClassName")
    storage_class = snapshot.listers.storage_class(class_name) if class_name else None
    return bool(storage_class) and storage_class.get("volumeBindingMode") == "WaitForFirstConsumer"


class VolumeBinding(BasePlugin):
    name = "VolumeBinding"

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any:
        return bound_volumes(pod, snapshot) or SKIP

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        for pv in data or []:
            required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
            if not required:
                continue
            terms = required.get("nodeSelectorTerms") or []
            if not any(term_matches(t, node) for t in terms):
                return unresolvable(NODE_CONFLICT)
        return SUCCESS


class VolumeZone(BasePlugin):
    name = "VolumeZone"

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any:
        try:
            return bound_volumes(pod, snapshot) or SKIP
        except Rejected:
            return SKIP        # VolumeBinding reports it

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        for pv in data or []:
            pv_labels = (pv.get("metadata") or {}).get("labels") or {}
            for key in ZONE_LABELS:
                if key not in pv_labels:
                    continue
                allowed = set(pv_labels[key].split("__"))   # multi-zone volumes: "a__b"
                if node.labels.get(key) not in allowed:
                    return unresolvable(ZONE_CONFLICT)
        return SUCCESS
