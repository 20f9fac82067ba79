"""Pod volumes on the node: directories under the kubelet's root dir, bind-mounted by the runtime.

  <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>     emptyDir (shared, removed with the pod)
  <root>/pods/<uid>/volumes/kubernetes.io~configmap/<name>     files written by the kubelet
  <root>/pods/<uid>/volumes/kubernetes.io~secret/<name>        (tmpfs upstream; a directory here)
  <root>/pods/<uid>/volumes/kubernetes.io~projected/<name>
  <root>/pods/<uid>/volumes/kubernetes.io~downward-api/<name>
hostPath and PVCs bound to hostPath/local PVs mount the host path itself. Paths are handed to
Docker as they are, so in a container the root dir must be bind-mounted at the same path.

`setup(pod)` runs on every sync, so ConfigMap and Secret changes reach the files (written
atomically, file by file) within a sync period, as upstream's AtomicWriter does.
"""
from __future__ import annotations

import base64
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

from kubelet.container_spec import ConfigError, field_value
from kubelet.runtime.base import Mount, RuntimeFailure
from machinery.runtime import kv

log = logging.getLogger("kubelet.volumes")
Obj = dict[str, Any]
SA_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


class VolumeError(RuntimeFailure):
    """A volume could not be set up (FailedMount)."""

    def __init__(self, message: str):
        super().__init__(message, "FailedMount")


class VolumeSources(Protocol):
    async def configmap(self, namespace: str, name: str) -> Obj | None: ...
    async def secret(self, namespace: str, name: str) -> Obj | None: ...
    async def pvc_host_path(self, namespace: str, claim: str) -> str: ...
    async def service_account_token(self, namespace: str, sa: str, audience: str | None,
                                    expiration_s: int, pod: Obj) -> str | None: ...


class VolumeManager:
    def __init__(self, root_dir: str, sources: VolumeSources):
        self.root = Path(root_dir)
        self.sources = sources

    def pod_dir(self, uid: str) -> Path:
        return self.root / "pods" / uid

    async def setup(self, pod: Obj) -> dict[str, str]:
        """Prepare every volume of the pod; {volume name: host path}. Raises VolumeError."""
        paths: dict[str, str] = {}
        for volume in pod["spec"].get("volumes") or []:
            try:
                paths[volume["name"]] = await self._setup_one(pod, volume)
            except ConfigError as e:
                raise VolumeError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : '
                                  f"{e.message}") from e
            except OSError as e:
                raise VolumeError(f'MountVolume.SetUp failed for volume "{volume["name"]}" : '
                                  f"{e}") from e
        return paths

    async def _setup_one(self, pod: Obj, volume: Obj) -> str:
        uid, ns = pod["metadata"]["uid"], pod["metadata"].get("namespace", "default")
        name = volume["name"]
        if "emptyDir" in volume:
            return str(self._dir(uid, "empty-dir", name, mode=0o777))
        if "hostPath" in volume:
            return volume["hostPath"]["path"]
        if "persistentVolumeClaim" in volume:
            return await self.sources.pvc_host_path(ns, volume["persistentVolumeClaim"]
                                                    ["claimName"])
        if src := volume.get("configMap"):
            obj = await self.sources.configmap(ns, src["name"])
            files = _files_of(obj, src, "configmap", decode=False)
            return self._write(uid, "configmap", name, files, src.get("defaultMode", 0o644))
        if src := volume.get("secret"):
            obj = await self.sources.secret(ns, src["secretName"])
            ref = {**src, "name": src["secretName"]}
            files = _files_of(obj, ref, "secret", decode=True)
            return self._write(uid, "secret", name, files, src.get("defaultMode", 0o644))
        if src := volume.get("downwardAPI"):
            files = _downward_files(pod, src.get("items") or [])
            return self._write(uid, "downward-api", name, files, src.get("defaultMode", 0o644))
        if src := volume.get("projected"):
            files = await self._projected_files(pod, src.get("sources") or [])
            return self._write(uid, "projected", name, files, src.get("defaultMode", 0o644))
        raise VolumeError(f'volume "{name}": unsupported volume type')

    async def _projected_files(self, pod: Obj, sources: list[Obj]) -> dict[str, bytes]:
        ns = pod["metadata"].get("namespace", "default")
        files: dict[str, bytes] = {}
        for src in sources:
            if ref := src.get("configMap"):
                obj = await self.sources.configmap(ns, ref["name"])
                files.update(_files_of(obj, ref, "configmap", decode=False))
            elif ref := src.get("secret"):
                obj = await self.sources.secret(ns, ref["name"])
                files.update(_files_of(obj, ref, "secret", decode=True))
            elif ref := src.get("downwardAPI"):
                files.update(_downward_files(pod, ref.get("items") or []))
            elif ref := src.get("serviceAccountToken"):
                sa = pod["spec"].get("serviceAccountName") or "default"
                token = await self.sources.service_account_token(
                    ns, sa, ref.get("audience"), int(ref.get("expirationSeconds", 3607)), pod)
                if token is not None:
                    files[ref.get("path", "token")] = token.encode()
        return files

    def _dir(self, uid: str, plugin: str, name: str, mode: int = 0o755) -> Path:
        path = self.pod_dir(uid) / "volumes" / f"kubernetes.io~{plugin}" / name
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(mode)
        return path

    def _write(self, uid: str, plugin: str, name: str, files: dict[str, bytes],
               mode: int) -> str:
        """Write changed files atomically (temp file + rename); remove files no longer there."""
        target = self._dir(uid, plugin, name)
        for rel, content in files.items():
            path = target / rel
            if path.is_file() and path.read_bytes() == content:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        for path in list(target.rglob("*")):
            rel = str(path.relative_to(target))
            if path.is_file() and rel not in files and not path.name.startswith(".tmp-"):
                path.unlink()
        return str(target)

    def cleanup(self, uid: str) -> None:
        """Remove everything the pod had on this node (emptyDirs included)."""
        shutil.rmtree(self.pod_dir(uid), ignore_errors=True)

    def known_pod_uids(self) -> set[str]:
        pods = self.root / "pods"
        return {p.name for p in pods.iterdir()} if pods.is_dir() else set()


def _files_of(obj: Obj | None, ref: Obj, what: str, decode: bool) -> dict[str, bytes]:
    if obj is None:
        if ref.get("optional"):
            return {}
        raise ConfigError(f'{what} "{ref["name"]}" not found')
    data: dict[str, bytes] = {}
    for key, value in (obj.get("data") or {}).items():
        data[key] = base64.b64decode(value) if decode else str(value).encode()
    for key, value in (obj.get("binaryData") or {}).items():
        data[key] = base64.b64decode(value)
    items = ref.get("items")
    if not items:
        return data
    picked = {}
    for item in items:
        if item["key"] not in data:
            if ref.get("optional"):
                continue
            raise ConfigError(f'configmap references non-existent config key: {item["key"]}'
                              if what == "configmap" else
                              f'references non-existent secret key: {item["key"]}')
        picked[item.get("path", item["key"])] = data[item["key"]]
    return picked


def _downward_files(pod: Obj, items: list[Obj]) -> dict[str, bytes]:
    files = {}
    for item in items:
        if ref := item.get("fieldRef"):
            files[item["path"]] = field_value(pod, ref["fieldPath"]).encode()
        else:
            log.debug("downward API item not supported", extra=kv(path=item.get("path")))
    return files


def volume_mounts(container: Obj, paths: dict[str, str]) -> list[Mount]:
    """The container's volumeMounts as host bind mounts (subPath joined on the host side)."""
    mounts = []
    for vm in container.get("volumeMounts") or []:
        host = paths.get(vm["name"])
        if host is None:
            raise VolumeError(f'volume "{vm["name"]}" of volumeMount is not defined')
        if sub := vm.get("subPath"):
            host = os.path.join(host, sub)
        mounts.append(Mount(host, vm["mountPath"], bool(vm.get("readOnly"))))
    return mounts
