"""DefaultIngressClass: an Ingress that names no class gets the cluster's default IngressClass
(annotated `ingressclass.kubernetes.io/is-default-class: "true"`; the newest when several are),
as upstream's plugin. The legacy `kubernetes.io/ingress.class` annotation counts as naming one."""
from __future__ import annotations

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import Obj
from machinery.api import resources

INGRESS_CLASSES = resources.lookup("networking.k8s.io", "v1", "ingressclasses")
DEFAULT_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_ANNOTATION = "kubernetes.io/ingress.class"


def default_class(classes: list[Obj]) -> str | None:
    defaults = [c for c in classes
                if ((c.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_ANNOTATION)
                == "true"]
    if not defaults:
        return None
    newest = max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp") or "",
                                          c["metadata"]["name"]))
    return newest["metadata"]["name"]


class DefaultIngressClass:
    name = "DefaultIngressClass"

    def handles(self, request: AdmissionRequest) -> bool:
        return request.operation == "CREATE" and request.info.group == "networking.k8s.io" and \
            request.info.plural == "ingresses" and not request.subresource and \
            request.obj is not None

    async def admit(self, request: AdmissionRequest) -> None:
        spec = request.obj.setdefault("spec", {})
        annotations = (request.obj.get("metadata") or {}).get("annotations") or {}
        if not isinstance(spec, dict) or not isinstance(annotations, dict):
            return                              # malformed: validation refuses it
        if spec.get("ingressClassName") or LEGACY_ANNOTATION in annotations:
            return
        name = default_class(list(request.context.cache_for(INGRESS_CLASSES).objects.values()))
        if name:
            spec["ingressClassName"] = name
