"""A dynamic provisioner of hostPath volumes, and the default StorageClass `standard`.

The cluster's nodes share one machine, so a directory on it serves a pod on any node: this is
upstream's hostpath provisioner (kube-controller-manager --enable-hostpath-provisioner, meant
for single-machine clusters) in the shape of an external provisioner:

- On start, and whenever it goes missing, the StorageClass `standard` is created, annotated as
  the default class, provisioner `tinykube.io/hostpath`, reclaim policy Delete, binding
  Immediate. (Created only when absent: a user's edits to it stay.)
- A claim that the binder handed to this provisioner (annotation
  `volume.kubernetes.io/storage-provisioner`) and that has no volume gets a PersistentVolume
  `pvc-<claim uid>`: hostPath `<root>/pvc-<uid>_<namespace>_<claim>` (DirectoryOrCreate, so
  the kubelet's runtime creates it on first mount), the claim's size and access modes, and a
  claimRef with the claim's uid; the binder then binds the two.
- A volume it provisioned that is Released with reclaim policy Delete has its directory removed
  (when the directory is reachable from this process; otherwise it stays on the machine until
  `make clean`) and is deleted.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.controllers.pvbinder import (ANN_BETA_PROVISIONER, ANN_PROVISIONER,
                                                     CLASSES, PVCS, PVS, class_of,
                                                     default_class, has_no_class, meta)
from machinery.api.errors import AlreadyExists, Conflict, NotFound
from machinery.controller import Result
from machinery.events import NORMAL
from machinery.runtime import kv

log = logging.getLogger("controller_manager.hostpath_provisioner")

Obj = dict[str, Any]
PROVISIONER = "tinykube.io/hostpath"
DEFAULT_CLASS = "standard"
DEFAULT_ROOT = "/var/lib/tinykube-kubelet/pv"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
CLASS_KEY = "class:" + DEFAULT_CLASS


def default_storage_class() -> Obj:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": DEFAULT_CLASS,
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": PROVISIONER, "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate"}


def wants_volume(claim: Obj) -> bool:
    """Whether the claim is waiting for this provisioner."""
    annotations = meta(claim).get("annotations") or {}
    asked = annotations.get(ANN_PROVISIONER) or annotations.get(ANN_BETA_PROVISIONER)
    return (asked == PROVISIONER and not claim["spec"].get("volumeName")
            and not meta(claim).get("deletionTimestamp"))


def volume_for(claim: Obj, storage_class: Obj, root: str) -> Obj:
    """The PersistentVolume that serves `claim`, pre-bound to it."""
    m, spec = meta(claim), claim["spec"]
    name = f"pvc-{m['uid']}"
    pv_spec: Obj = {
        "capacity": {"storage": spec["resources"]["requests"]["storage"]},
        "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
        "storageClassName": meta(storage_class)["name"],
        "volumeMode": spec.get("volumeMode") or "Filesystem",
        "hostPath": {"path": f"{root}/{name}_{m['namespace']}_{m['name']}",
                     "type": "DirectoryOrCreate"},
        "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                     "namespace": m["namespace"], "name": m["name"], "uid": m["uid"],
                     "resourceVersion": m.get("resourceVersion")},
    }
    if storage_class.get("mountOptions"):
        pv_spec["mountOptions"] = storage_class["mountOptions"]
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {ANN_PROVISIONED_BY: PROVISIONER}},
            "spec": pv_spec}


def to_delete(pv: Obj) -> bool:
    """Whether the volume is ours, released, and to be deleted."""
    return (meta(pv).get("annotations", {}).get(ANN_PROVISIONED_BY) == PROVISIONER
            and (pv.get("status") or {}).get("phase") == "Released"
            and pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete"
            and not meta(pv).get("deletionTimestamp"))


class HostPathProvisioner(QueueController):
    def __init__(self, ctx: ControllerContext, root: str = DEFAULT_ROOT, workers: int = 2):
        super().__init__("hostpath-provisioner", ctx, workers, (PVCS, PVS, CLASSES),
                         PROVISIONER)
        self.root = root.rstrip("/")
        self.claims = ctx.informers.informer(PVCS)
        self.volumes = ctx.informers.informer(PVS)
        self.classes = ctx.informers.informer(CLASSES)
        self.claims.add_key_handler(self.enqueue, lambda c: f"pvc:{meta(c)['namespace']}/"
                                                            f"{meta(c)['name']}")
        self.volumes.add_key_handler(self.enqueue, lambda v: f"pv:{meta(v)['name']}")
        self.classes.add_key_handler(self.enqueue, lambda c: f"class:{meta(c)['name']}")
        self.enqueue(CLASS_KEY)

    async def reconcile(self, key: str) -> Result | None:
        kind, _, name = key.partition(":")
        try:
            if kind == "class":
                await self._ensure_default_class(name)
            elif kind == "pvc":
                await self._provision(name)
            else:
                await self._reclaim(name)
        except Conflict:
            return Result(requeue=True)
        return None

    async def _ensure_default_class(self, name: str) -> None:
        if name != DEFAULT_CLASS or self.classes.get(name, copy_=False) is not None:
            return
        try:
            await self.client.create(CLASSES, default_storage_class())
        except AlreadyExists:
            return
        log.info("created storage class", extra=kv(controller=self.name, storageclass=name))

    async def _provision(self, key: str) -> None:
        claim = self.claims.get(key, copy_=False)
        if claim is None or not wants_volume(claim):
            return
        if has_no_class(claim):    # the binder read it as the default class's
            storage_class = default_class(self.classes.list(copy_=False))
        else:
            storage_class = self.classes.get(class_of(claim), copy_=False)
        if storage_class is None or storage_class.get("provisioner") != PROVISIONER:
            return
        pv = volume_for(claim, storage_class, self.root)
        if self.volumes.get(meta(pv)["name"], copy_=False) is not None:
            return      # made already; the binder binds it
        self.recorder.event(claim, NORMAL, "Provisioning",
                            f'External provisioner is provisioning volume for claim "{key}"')
        try:
            await self.client.create(PVS, pv)
        except AlreadyExists:
            return
        self._make_dir(pv["spec"]["hostPath"]["path"])
        self.recorder.event(claim, NORMAL, "ProvisioningSucceeded",
                            f"Successfully provisioned volume {meta(pv)['name']}")
        log.info("provisioned volume", extra=kv(controller=self.name, pvc=key,
                                                pv=meta(pv)["name"]))

    async def _reclaim(self, name: str) -> None:
        pv = self.volumes.get(name, copy_=False)
        if pv is None or not to_delete(pv):
            return
        removed = self._remove_dir(pv["spec"].get("hostPath", {}).get("path", ""))
        try:
            await self.client.delete(PVS, name, preconditions={"uid": meta(pv)["uid"]})
        except NotFound:
            return
        log.info("deleted released volume", extra=kv(controller=self.name, pv=name,
                                                     data_removed=removed))

    def _inside_root(self, path: str) -> Path | None:
        """The path, if it is a directory of ours under the root (never anything else)."""
        target = Path(os.path.realpath(path))
        root = Path(os.path.realpath(self.root))
        if target.parent != root or not target.name.startswith("pvc-"):
            return None
        return target

    def _make_dir(self, path: str) -> None:
        """World-writable, as upstream's, so pods running as any user can write; only where
        the root is reachable (else the runtime creates it on first mount)."""
        target = self._inside_root(path)
        if target is not None and target.parent.is_dir():
            target.mkdir(exist_ok=True)
            target.chmod(0o777)

    def _remove_dir(self, path: str) -> bool:
        target = self._inside_root(path)
        if target is None or not target.is_dir():
            return False
        shutil.rmtree(target, ignore_errors=True)
        return True


def new_hostpath_provisioner(ctx: ControllerContext) -> HostPathProvisioner:
    root = getattr(ctx.settings, "hostpath_provisioner_dir", None) or os.environ.get(
        "TINYKUBE_HOSTPATH_PROVISIONER_DIR", DEFAULT_ROOT)
    return HostPathProvisioner(ctx, root)
