"""The controller's own IngressClass, created at start when missing (`--ensure-class`), so a
fresh cluster routes class-less Ingresses without a manual `kubectl apply`, as k3s's bundled
Traefik does. An existing class is never changed: the user owns it from then on."""
from __future__ import annotations

import logging

from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError
from machinery.client import ApiClient
from machinery.runtime import kv

log = logging.getLogger("ingress_controller.default_class")

INGRESS_CLASSES = resources.lookup("networking.k8s.io", "v1", "ingressclasses")
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


def ingress_class(name: str, controller: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": name, "annotations": {DEFAULT_CLASS_ANNOTATION: "true"},
                         "labels": {"app.kubernetes.io/name": "tinykube-ingress"}},
            "spec": {"controller": controller}}


async def ensure_default_class(client: ApiClient, name: str, controller: str) -> None:
    try:
        await client.create(INGRESS_CLASSES, ingress_class(name, controller))
        log.info("created the default IngressClass", extra=kv(ingress_class=name))
    except AlreadyExists:
        pass
    except ApiError as e:
        log.warning("cannot create the IngressClass", extra=kv(ingress_class=name,
                                                                error=e.message))
