"""The PersistentVolume binder: claims meet volumes, and both say so in their status.

As upstream's persistentvolume-binder (pkg/controller/volume/persistentvolume), with two kinds
of key on one queue, `pvc:<ns>/<name>` and `pv:<name>`:

- An unbound claim gets the smallest Available volume that fits it (same storage class, every
  access mode, enough capacity, matching selector and volume mode); a volume pre-bound to the
  claim (its claimRef names it, e.g. one a provisioner made for it) wins. The volume is
  written first (claimRef, then status Bound), then the claim (spec.volumeName, the
  bind-completed annotation, then status Bound with the volume's capacity and access modes),
  so a crash between the steps is finished by the next sync.
- A claim nothing fits, whose class names a provisioner, is annotated
  `volume.kubernetes.io/storage-provisioner` for that provisioner to act on; a claim with no
  class at all gets the default class (upstream's retroactive default StorageClass).
- A volume whose claim is gone (or was replaced by another of the same name) is Released;
  what happens then is its reclaim policy's business (see hostpath_provisioner.py for Delete).
  A claim whose volume is gone is Lost.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import Conflict, Invalid, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING
from machinery.quota import quantity
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.pvbinder")

Obj = dict[str, Any]
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
PVS = resources.lookup("", "v1", "persistentvolumes")
CLASSES = resources.lookup("storage.k8s.io", "v1", "storageclasses")
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
NO_PROVISIONER = "kubernetes.io/no-provisioner"


# --- pure decisions ---------------------------------------------------------------------------

def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def class_of(obj: Obj) -> str:
    """The storage class of a claim or volume; "" means none (the beta annotation wins)."""
    beta = meta(obj).get("annotations", {}).get("volume.beta.kubernetes.io/storage-class")
    return beta if beta is not None else (obj.get("spec") or {}).get("storageClassName") or ""


def has_no_class(claim: Obj) -> bool:
    """A nil storageClassName (not ""): the claim is for the default class."""
    return ("storageClassName" not in claim["spec"] and "volume.beta.kubernetes.io/storage-class"
            not in (meta(claim).get("annotations") or {}))


def default_class(classes: list[Obj]) -> Obj | None:
    """The default StorageClass; of several, the newest (then by name), as upstream picks."""
    marked = [c for c in classes
              if any(meta(c).get("annotations", {}).get(a) == "true"
                     for a in DEFAULT_CLASS_ANNOTATIONS)]
    marked.sort(key=lambda c: (meta(c).get("creationTimestamp", ""), meta(c)["name"]))
    return marked[-1] if marked else None


def requested(claim: Obj) -> Decimal:
    storage = ((claim["spec"].get("resources") or {}).get("requests") or {}).get("storage")
    return quantity(storage or 0)


def is_bound_to(pv: Obj, claim: Obj) -> bool:
    """Whether the volume's claimRef names this claim (and this uid, once it has one)."""
    ref = pv["spec"].get("claimRef") or {}
    m = meta(claim)
    return (ref.get("name") == m["name"] and ref.get("namespace") == m["namespace"]
            and ref.get("uid") in (None, "", m.get("uid")))


def fits(pv: Obj, claim: Obj, claim_class: str) -> bool:
    """Whether the volume can serve the claim (of that class), ignoring who it is bound to."""
    spec, cspec = pv["spec"], claim["spec"]
    if class_of(pv) != claim_class:
        return False
    if (spec.get("volumeMode") or "Filesystem") != (cspec.get("volumeMode") or "Filesystem"):
        return False
    if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return False
    if quantity((spec.get("capacity") or {}).get("storage") or 0) < requested(claim):
        return False
    selector = cspec.get("selector")
    return selector is None or label_selector_from_dict(selector).matches(
        meta(pv).get("labels") or {})


def best_match(volumes: list[Obj], claim: Obj, claim_class: str) -> Obj | None:
    """The volume pre-bound to the claim, else the smallest free one that fits."""
    free: list[Obj] = []
    for pv in volumes:
        if meta(pv).get("deletionTimestamp") or not fits(pv, claim, claim_class):
            continue
        if pv["spec"].get("claimRef"):
            if is_bound_to(pv, claim):
                return pv
            continue
        if (pv.get("status") or {}).get("phase") in (None, "Pending", "Available"):
            free.append(pv)
    free.sort(key=lambda v: (quantity(v["spec"]["capacity"]["storage"]), meta(v)["name"]))
    return free[0] if free else None


def claim_ref(claim: Obj) -> Obj:
    m = meta(claim)
    return {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": m["namespace"],
            "name": m["name"], "uid": m["uid"], "resourceVersion": m.get("resourceVersion")}


# --- the controller ---------------------------------------------------------------------------

class PersistentVolumeBinder(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 1):
        super().__init__("persistentvolume-binder", ctx, workers, (PVCS, PVS, CLASSES),
                         "persistentvolume-controller")
        self.claims = ctx.informers.informer(PVCS)
        self.volumes = ctx.informers.informer(PVS)
        self.classes = ctx.informers.informer(CLASSES)
        self.claims.add_handler(self._claim_changed, lambda _, new: self._claim_changed(new),
                                self._claim_changed)
        self.volumes.add_handler(self._volume_changed, lambda _, new: self._volume_changed(new),
                                 self._volume_changed)
        self.classes.add_handler(self._class_changed, lambda _, new: self._class_changed(new))
        self._class_refused: set[str] = set()   # uids of claims the api-server kept classless

    def _claim_changed(self, claim: Obj) -> None:
        self.enqueue(f"pvc:{meta(claim)['namespace']}/{meta(claim)['name']}")
        if volume := (claim.get("spec") or {}).get("volumeName"):
            self.enqueue(f"pv:{volume}")

    def _volume_changed(self, pv: Obj) -> None:
        self.enqueue(f"pv:{meta(pv)['name']}")
        if ref := (pv.get("spec") or {}).get("claimRef"):
            self.enqueue(f"pvc:{ref.get('namespace')}/{ref.get('name')}")

    def _class_changed(self, _: Obj) -> None:
        for claim in self.claims.list(copy_=False):
            if not claim["spec"].get("volumeName"):
                self._claim_changed(claim)

    async def reconcile(self, key: str) -> Result | None:
        kind, _, name = key.partition(":")
        try:
            if kind == "pvc":
                await self._sync_claim(name)
            else:
                await self._sync_volume(name)
        except (Conflict, NotFound):
            return Result(requeue=True)   # raced with a writer: read again
        return None

    # --- claims ---------------------------------------------------------------------------------

    async def _sync_claim(self, key: str) -> None:
        claim = self.claims.get(key)
        if claim is None or meta(claim).get("deletionTimestamp"):
            return
        volume_name = claim["spec"].get("volumeName")
        if not volume_name:
            await self._sync_unbound_claim(claim)
            return
        pv = self.volumes.get(volume_name)
        if pv is None:
            if meta(claim).get("annotations", {}).get(ANN_BIND_COMPLETED):
                await self._set_claim_phase(claim, "Lost")
                self.recorder.event(claim, WARNING, "ClaimLost",
                                    "Bound claim has lost reference to PersistentVolume. "
                                    "Data on the volume is lost!")
            return
        if not pv["spec"].get("claimRef") or is_bound_to(pv, claim):
            await self._bind(pv, claim)   # pre-bound by the user, or finishing a bind
        elif claim.get("status", {}).get("phase") != "Bound":
            self.recorder.event(claim, WARNING, "FailedBinding",
                                f"volume \"{volume_name}\" already bound to a different claim.")

    async def _sync_unbound_claim(self, claim: Obj) -> None:
        claim_class = class_of(claim)
        if has_no_class(claim):
            if (default := default_class(self.classes.list(copy_=False))) is not None:
                claim_class = meta(default)["name"]
                if await self._assign_class(claim, claim_class):
                    return
        pv = best_match(self.volumes.list(copy_=False), claim, claim_class)
        if pv is not None:
            await self._bind(pv, claim)
            return
        await self._wait_for_volume(claim, claim_class)

    async def _assign_class(self, claim: Obj, name: str) -> bool:
        """Write the default class into a claim that has none (upstream's retroactive default
        StorageClass). An api-server that forbids it (as one without that rule does) is
        remembered per claim, and the claim is then read as if it named the class."""
        if meta(claim)["uid"] in self._class_refused:
            return False
        try:
            await self.client.update(PVCS, {**claim, "spec": {**claim["spec"],
                                                               "storageClassName": name}})
        except Invalid:
            self._class_refused.add(meta(claim)["uid"])
            log.debug("claim keeps no class", extra=kv(controller=self.name, pvc=_key(claim)))
            return False
        log.info("assigned default storage class", extra=kv(
            controller=self.name, pvc=_key(claim), storageclass=name))
        return True

    async def _wait_for_volume(self, claim: Obj, claim_class: str) -> None:
        """Nothing fits yet: hand the claim to its class's provisioner, stay Pending."""
        cls = self.classes.get(claim_class) if claim_class else None
        provisioner = (cls or {}).get("provisioner")
        annotations = meta(claim).get("annotations") or {}
        if provisioner and provisioner != NO_PROVISIONER:
            if annotations.get(ANN_PROVISIONER) != provisioner:
                claim["metadata"]["annotations"] = {**annotations, ANN_PROVISIONER: provisioner,
                                                    ANN_BETA_PROVISIONER: provisioner}
                claim = await self.client.update(PVCS, claim)
                self.recorder.event(claim, NORMAL, "ExternalProvisioning",
                                    f"Waiting for a volume to be created either by the external "
                                    f"provisioner '{provisioner}' or manually by the system "
                                    f"administrator. If volume creation is delayed, please "
                                    f"verify that the provisioner is running and correctly "
                                    f"registered.")
        else:   # as upstream, on every sync of the claim (the recorder counts repeats)
            self.recorder.event(claim, NORMAL, "FailedBinding",
                                "no persistent volumes available for this claim and no "
                                "storage class is set")
        await self._set_claim_phase(claim, "Pending")

    async def _bind(self, pv: Obj, claim: Obj) -> None:
        """Volume first, then claim; each step is skipped once done, so a retry resumes."""
        pv = {**pv, "spec": dict(pv["spec"]), "metadata": dict(meta(pv))}
        if not pv["spec"].get("claimRef") or not pv["spec"]["claimRef"].get("uid"):
            if not pv["spec"].get("claimRef"):
                pv["metadata"]["annotations"] = {**(meta(pv).get("annotations") or {}),
                                                 ANN_BOUND_BY_CONTROLLER: "yes"}
            pv["spec"]["claimRef"] = claim_ref(claim)
            pv = await self.client.update(PVS, pv)
        if (pv.get("status") or {}).get("phase") != "Bound":
            pv = await self.client.update_status(PVS, {**pv, "status": {"phase": "Bound"}})
        annotations = meta(claim).get("annotations") or {}
        if claim["spec"].get("volumeName") != meta(pv)["name"] or ANN_BIND_COMPLETED not in annotations:
            new = {ANN_BIND_COMPLETED: "yes"}
            if not claim["spec"].get("volumeName"):
                new[ANN_BOUND_BY_CONTROLLER] = "yes"
            claim["metadata"]["annotations"] = {**annotations, **new}
            claim["spec"]["volumeName"] = meta(pv)["name"]
            claim = await self.client.update(PVCS, claim)
        status = claim.get("status") or {}
        want = {"phase": "Bound", "accessModes": pv["spec"].get("accessModes") or [],
                "capacity": pv["spec"].get("capacity") or {}}
        if any(status.get(k) != v for k, v in want.items()):
            await self.client.update_status(PVCS, {**claim, "status": {**status, **want}})
            log.info("bound claim", extra=kv(controller=self.name, pvc=_key(claim),
                                             pv=meta(pv)["name"]))

    async def _set_claim_phase(self, claim: Obj, phase: str) -> None:
        status = claim.get("status") or {}
        if status.get("phase") != phase:
            await self.client.update_status(PVCS, {**claim, "status": {**status, "phase": phase}})
            log.info("claim phase changed", extra=kv(controller=self.name, pvc=_key(claim),
                                                     phase=phase))

    # --- volumes --------------------------------------------------------------------------------

    async def _sync_volume(self, name: str) -> None:
        pv = self.volumes.get(name)
        if pv is None or meta(pv).get("deletionTimestamp"):
            return
        ref = pv["spec"].get("claimRef")
        if not ref:
            await self._set_volume_phase(pv, "Available")
            return
        claim = await self._claim_for(ref)
        if claim is None or (ref.get("uid") and meta(claim).get("uid") != ref["uid"]):
            # a claimRef with a uid was bound (or provisioned) for a claim that is gone
            if ref.get("uid"):
                await self._set_volume_phase(pv, "Released")
            else:
                await self._set_volume_phase(pv, "Available")   # pre-bound, claim not yet made
            return
        volume_name = claim["spec"].get("volumeName")
        if volume_name == name:
            await self._set_volume_phase(pv, "Bound")
        elif volume_name and meta(pv).get("annotations", {}).get(ANN_BOUND_BY_CONTROLLER):
            # we bound it, but the claim went to another volume: give this one back
            pv["spec"].pop("claimRef")
            await self.client.update(PVS, pv)
            log.info("unbound volume", extra=kv(controller=self.name, pv=name))

    async def _claim_for(self, ref: Obj) -> Obj | None:
        """The claim a claimRef names: from the cache, else (it may lag) from the api-server."""
        key = f"{ref.get('namespace')}/{ref.get('name')}"
        claim = self.claims.get(key)
        if claim is not None and (not ref.get("uid") or meta(claim).get("uid") == ref["uid"]):
            return claim
        try:
            return await self.client.get(PVCS, ref.get("name"), ref.get("namespace"))
        except NotFound:
            return None

    async def _set_volume_phase(self, pv: Obj, phase: str) -> None:
        if (pv.get("status") or {}).get("phase") != phase:
            await self.client.update_status(PVS, {**pv, "status": {"phase": phase}})
            log.info("volume phase changed", extra=kv(controller=self.name,
                                                      pv=meta(pv)["name"], phase=phase))


def _key(obj: Obj) -> str:
    return f"{meta(obj).get('namespace')}/{meta(obj).get('name')}"


def new_persistentvolume_binder(ctx: ControllerContext) -> PersistentVolumeBinder:
    return PersistentVolumeBinder(ctx)
