"""ServiceAccount admission: every pod runs as a service account and, unless it opts out, gets
that account's API credentials mounted, exactly in upstream's shape:

    volumes: kube-api-access-<5 random>: projected (defaultMode 420) of a serviceAccountToken
             (expirationSeconds 3607, path token), the kube-root-ca.crt ConfigMap's ca.crt and
             the pod's namespace (downward API)
    every container: that volume read-only at /var/run/secrets/kubernetes.io/serviceaccount

`automountServiceAccountToken: false` on the pod (or else on the ServiceAccount) leaves it out;
the account's imagePullSecrets are copied to a pod that has none. A pod naming an account that
does not exist is refused in upstream's words. The implicit `default` account may not exist yet
(the controller-manager creates it moments after the namespace): such a pod is admitted without
credentials, where upstream refuses it until the account appears.
"""
from __future__ import annotations

import random

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import (Obj, containers, forbidden, is_pod, lookup,
                                                well_formed_pod)
from machinery.api import resources

SERVICE_ACCOUNTS = resources.lookup("", "v1", "serviceaccounts")
DEFAULT_ACCOUNT = "default"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access-"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
TOKEN_EXPIRATION_S = 3607          # upstream: an hour plus a little, so kubelets refresh in time
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def token_volume(name: str) -> Obj:
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_S, "path": "token"}},
        {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}


def should_automount(sa: Obj, pod_spec: Obj) -> bool:
    if pod_spec.get("automountServiceAccountToken") is not None:
        return bool(pod_spec["automountServiceAccountToken"])
    if sa.get("automountServiceAccountToken") is not None:
        return bool(sa["automountServiceAccountToken"])
    return True


def mount_token(spec: Obj) -> None:
    """Add the token volume (or reuse one already there) and mount it where it is missing."""
    volumes = spec["volumes"] = spec.get("volumes") or []
    existing = next((v["name"] for v in volumes if isinstance(v, dict) and
                     str(v.get("name", "")).startswith(VOLUME_PREFIX)), None)
    name = existing or VOLUME_PREFIX + "".join(random.choices(_SUFFIX_CHARS, k=5))
    if existing is None:
        volumes.append(token_volume(name))
    for c in containers(spec):
        mounts = c["volumeMounts"] = c.get("volumeMounts") or []
        if any(isinstance(m, dict) and m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
            continue
        mounts.append({"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH})


class ServiceAccount:
    name = "ServiceAccount"

    def handles(self, request: AdmissionRequest) -> bool:
        return request.operation == "CREATE" and is_pod(request) and request.obj is not None \
            and well_formed_pod(request.obj)

    async def admit(self, request: AdmissionRequest) -> None:
        pod = request.obj
        if MIRROR_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {}):
            return
        spec = pod.setdefault("spec", {})
        # `serviceAccount` is the deprecated alias; upstream's conversion keeps both equal
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or ""
        if not isinstance(name, str):
            return                              # validation refuses it
        explicit = bool(name)
        name = name or DEFAULT_ACCOUNT
        spec["serviceAccountName"] = spec["serviceAccount"] = name
        sa = await lookup(request.context, SERVICE_ACCOUNTS, request.namespace, name)
        if sa is None:
            if explicit:
                raise forbidden(request, f"error looking up service account "
                                         f"{request.namespace}/{name}: serviceaccount "
                                         f'"{name}" not found')
            return
        if should_automount(sa, spec):
            mount_token(spec)
        if not spec.get("imagePullSecrets") and sa.get("imagePullSecrets"):
            spec["imagePullSecrets"] = [{"name": s.get("name", "")}
                                        for s in sa["imagePullSecrets"] if isinstance(s, dict)]
