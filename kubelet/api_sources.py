"""What pod syncs read from the api-server besides pods: ConfigMaps, Secrets, PVCs, tokens."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from kubelet.volumes import VolumeError
from kubelet.volumes_tokens import TokenCache
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client.api_client import ApiClient

log = logging.getLogger("kubelet.sources")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
SECRETS = resources.lookup("", "v1", "secrets")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
PVS = resources.lookup("", "v1", "persistentvolumes")
SERVICE_ACCOUNTS = resources.lookup("", "v1", "serviceaccounts")
SERVICES = resources.lookup("", "v1", "services")
Obj = dict[str, Any]


class ApiSources:
    def __init__(self, client: ApiClient):
        self.client = client
        self.tokens = TokenCache(self._request_token)

    async def _get(self, info, namespace: str, name: str) -> Obj | None:
        try:
            return await self.client.get(info, name, namespace)
        except NotFound:
            return None

    async def configmap(self, namespace: str, name: str) -> Obj | None:
        return await self._get(CONFIGMAPS, namespace, name)

    async def secret(self, namespace: str, name: str) -> Obj | None:
        return await self._get(SECRETS, namespace, name)

    async def services(self, namespace: str) -> list[Obj]:
        return (await self.client.list(SERVICES, namespace)).get("items") or []

    async def pvc_host_path(self, namespace: str, claim: str) -> str:
        pvc = await self._get(PVCS, namespace, claim)
        if pvc is None:
            raise VolumeError(f'persistentvolumeclaim "{claim}" not found')
        volume = (pvc.get("spec") or {}).get("volumeName")
        if not volume or (pvc.get("status") or {}).get("phase") not in (None, "Bound"):
            raise VolumeError(f'persistentvolumeclaim "{claim}" is not bound')
        pv = await self._get(PVS, "", volume)
        if pv is None:
            raise VolumeError(f'persistentvolume "{volume}" not found')
        spec = pv.get("spec") or {}
        path = (spec.get("hostPath") or {}).get("path") or (spec.get("local") or {}).get("path")
        if not path:
            raise VolumeError(f'persistentvolume "{volume}" is neither hostPath nor local')
        return path

    async def service_account_token(self, namespace: str, sa: str, audience: str | None,
                                    expiration_s: int, pod: Obj) -> str | None:
        """A bound token from the TokenRequest API, cached and refreshed at 80% of its life
        (kubelet/volumes_tokens.py); a token that cannot be had fails the mount."""
        try:
            return await self.tokens.get(namespace, sa, audience, expiration_s, pod)
        except Exception as e:          # an API error, a transport error, a bad answer
            raise VolumeError(f'failed to fetch token: serviceaccounts "{sa}" token: '
                              f"{e}") from e

    async def _request_token(self, namespace: str, sa: str, audience: str | None,
                             expiration_s: int, pod: Obj) -> tuple[str, float]:
        meta = pod["metadata"]
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {"audiences": [audience] if audience else [],
                         "expirationSeconds": expiration_s,
                         "boundObjectRef": {"apiVersion": "v1", "kind": "Pod",
                                            "name": meta["name"], "uid": meta["uid"]}}}
        answer = await self.client.create_subresource(SERVICE_ACCOUNTS, sa, "token", body,
                                                      namespace)
        status = answer.get("status") or {}
        expires = dt.datetime.strptime(status["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        return status["token"], expires.replace(tzinfo=dt.timezone.utc).timestamp()
