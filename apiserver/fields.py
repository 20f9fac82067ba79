"""The fields each kind can be selected by (`?fieldSelector=`), as upstream's GetAttrs give them."""
from __future__ import annotations

from typing import Any

from machinery.api.errors import BadRequest
from machinery.api.resources import ResourceInfo


def _get(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


_EXTRA: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                  "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
                  "status.nominatedNodeName"),
    ("", "Event"): ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                    "involvedObject.uid", "involvedObject.apiVersion",
                    "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                    "reportingComponent", "source", "type"),
    ("events.k8s.io", "Event"): ("involvedObject.kind", "involvedObject.namespace",
                                 "involvedObject.name", "involvedObject.uid", "reason", "type",
                                 "regarding.kind", "regarding.name", "regarding.namespace",
                                 "regarding.uid", "reportingController"),
    ("", "Secret"): ("type",),
    ("", "Node"): ("spec.unschedulable",),
    ("", "Namespace"): ("status.phase",),
    ("", "Service"): ("spec.clusterIP", "spec.type"),
    ("", "ReplicationController"): ("status.replicas",),
    ("", "PersistentVolumeClaim"): ("spec.volumeName",),
    ("apps", "ReplicaSet"): ("status.replicas",),
    ("batch", "Job"): ("status.successful",),
    ("certificates.k8s.io", "CertificateSigningRequest"): ("spec.signerName",),
}


def supported_fields(info: ResourceInfo) -> tuple[str, ...]:
    base = ("metadata.name", "metadata.namespace") if info.namespaced else ("metadata.name",)
    return base + _EXTRA.get((info.group, info.kind), ())


def field_set(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, str]:
    fields = {f: _get(obj, f) for f in supported_fields(info)}
    if info.kind == "Event" and "source" in fields:
        fields["source"] = _get(obj, "source.component")
    return fields


def check_selector_fields(info: ResourceInfo, requirements) -> None:
    allowed = supported_fields(info)
    for field, _op, _value in requirements:
        if field not in allowed:
            raise BadRequest(f'field label not supported: {field}')
