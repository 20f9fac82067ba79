"""One sync of one Deployment: find or create the new ReplicaSet, scale, roll out, report.

`Rollout` holds the deployment and its ReplicaSets (private copies) for one reconcile and
follows upstream's deployment controller step by step: `rolling()`, `recreate()` and `sync()`
(pure scaling, also used while paused). The arithmetic lives in deployment_util, the status in
deployment_status; this module only sequences the writes. Each write replaces the local copy
with the server's answer, so later steps of the same sync see their effects.
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

from controller_manager import deployment_status as ds
from controller_manager import deployment_util as du
from controller_manager.controller_ref import controller_ref, meta
from controller_manager.pod_control import namespace_terminating
from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, NotFound
from machinery.client import ApiClient
from machinery.events import NORMAL, WARNING, EventRecorder
from machinery.runtime import kv

log = logging.getLogger("controller_manager.deployment")

Obj = dict[str, Any]
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")


class Rollout:
    def __init__(self, client: ApiClient, recorder: EventRecorder, deployment: Obj,
                 rss: list[Obj], now: datetime):
        self.client, self.recorder, self.now = client, recorder, now
        self.d = copy.deepcopy(deployment)
        self.rss = [copy.deepcopy(rs) for rs in rss]
        self.requeue_after_s: float | None = None

    # --- events and writes ---------------------------------------------------------------------

    def _event(self, type_: str, reason: str, message: str) -> None:
        self.recorder.event(self.d, type_, reason, message, kind="Deployment",
                            api_version="apps/v1")

    def _replace(self, updated: Obj) -> Obj:
        uid = meta(updated).get("uid")
        self.rss = [updated if meta(rs).get("uid") == uid else rs for rs in self.rss]
        return updated

    async def write_status(self, status: Obj) -> None:
        if ds.status_equal(self.d.get("status") or {}, status):
            return
        self.d = await self.client.update_status(DEPLOYMENTS, {**self.d, "status": status})

    async def _set_revision(self, revision: str) -> None:
        annotations = meta(self.d).get("annotations") or {}
        if annotations.get(du.REVISION) == revision:
            return
        patch = {"metadata": {"annotations": {du.REVISION: revision}}}
        updated = await self.client.patch(DEPLOYMENTS, meta(self.d)["name"], patch, "merge",
                                          meta(self.d)["namespace"])
        self.d["metadata"] = updated["metadata"]

    # --- the new replica set -------------------------------------------------------------------

    async def all_replica_sets(self, create: bool) -> tuple[Obj | None, list[Obj]]:
        """(new RS or None, old RSes), syncing the new RS's revision (getAllReplicaSetsAnd...)."""
        new_rs = du.find_new_rs(self.d, self.rss)
        old_rss = du.find_old_rss(self.d, self.rss, new_rs)
        new_revision = du.max_revision(old_rss) + 1
        if new_rs is not None:
            new_rs = await self._sync_existing(new_rs, new_revision)
        elif create:
            new_rs = await self._create_new(old_rss, new_revision)
        return new_rs, du.find_old_rss(self.d, self.rss, new_rs)

    async def _sync_existing(self, rs: Obj, new_revision: int) -> Obj:
        rs = copy.deepcopy(rs)
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = du.set_new_rs_annotations(self.d, annotations, new_revision, exists=True)
        min_ready = (self.d.get("spec") or {}).get("minReadySeconds") or 0
        if changed or (rs["spec"].get("minReadySeconds") or 0) != min_ready:
            rs["spec"]["minReadySeconds"] = min_ready
            rs = self._replace(await self.client.update(REPLICASETS, rs))
            log.info("new replica set revision", extra=kv(rs=meta(rs)["name"],
                                                          revision=annotations.get(du.REVISION)))
        await self._set_revision(annotations.get(du.REVISION, ""))
        status = copy.deepcopy(self.d.get("status") or {})
        if ds.has_progress_deadline(self.d) and ds.condition(status, ds.PROGRESSING) is None:
            ds.set_condition(status, ds.new_condition(
                ds.PROGRESSING, "True", ds.FOUND_NEW_RS,
                f'Found new replica set "{meta(rs)["name"]}"', self.now))
            await self.write_status(status)
        return rs

    def _new_rs_object(self, old_rss: list[Obj], new_revision: int) -> Obj:
        spec = self.d["spec"]
        status = self.d.get("status") or {}
        pod_hash = du.compute_hash(spec.get("template"), status.get("collisionCount"))
        template = copy.deepcopy(spec.get("template") or {})
        labels = {**((template.get("metadata") or {}).get("labels") or {}), du.HASH_LABEL: pod_hash}
        template.setdefault("metadata", {})["labels"] = labels
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), du.HASH_LABEL: pod_hash}
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": f"{meta(self.d)['name']}-{pod_hash}",
                           "namespace": meta(self.d)["namespace"], "labels": dict(labels),
                           "annotations": {},
                           "ownerReferences": [controller_ref(self.d, "apps/v1", "Deployment")]},
              "spec": {"replicas": 0, "minReadySeconds": spec.get("minReadySeconds") or 0,
                       "selector": selector, "template": template}}
        rs["spec"]["replicas"] = du.new_rs_new_replicas(self.d, [*old_rss, rs], rs)
        du.set_new_rs_annotations(self.d, rs["metadata"]["annotations"], new_revision,
                                  exists=False)
        return rs

    async def _create_new(self, old_rss: list[Obj], new_revision: int) -> Obj:
        rs = self._new_rs_object(old_rss, new_revision)
        name = rs["metadata"]["name"]
        try:
            created = await self.client.create(REPLICASETS, rs, rs["metadata"]["namespace"])
        except AlreadyExists:
            return await self._adopt_existing_or_collide(name)
        except ApiError as e:
            if not namespace_terminating(e):
                await self._record_create_failure(name, e)
            raise
        self.rss.append(created)
        replicas = du.replicas(created)
        log.info("created replica set", extra=kv(deployment=meta(self.d)["name"], rs=name,
                                                 replicas=replicas))
        if replicas > 0:
            self._event(NORMAL, "ScalingReplicaSet",
                        f"Scaled up replica set {name} from 0 to {replicas}")
        await self._set_revision(str(new_revision))
        if ds.has_progress_deadline(self.d):
            status = copy.deepcopy(self.d.get("status") or {})
            ds.set_condition(status, ds.new_condition(
                ds.PROGRESSING, "True", ds.NEW_RS_CREATED, f'Created new replica set "{name}"',
                self.now))
            await self.write_status(status)
        return created

    async def _adopt_existing_or_collide(self, name: str) -> Obj:
        """The name is taken: ours with this template (a lagging cache), or a hash collision."""
        existing = await self.client.get(REPLICASETS, name, meta(self.d)["namespace"])
        ref = next((r for r in meta(existing).get("ownerReferences") or [] if r.get("controller")),
                   None)
        if ref and ref.get("uid") == meta(self.d)["uid"] and du.templates_equal(
                existing["spec"].get("template"), self.d["spec"].get("template")):
            self.rss.append(existing)
            return existing
        status = copy.deepcopy(self.d.get("status") or {})
        status["collisionCount"] = (status.get("collisionCount") or 0) + 1
        await self.write_status(status)
        raise AlreadyExists(f"replica set {name} exists with another template: hash collision, "
                            f"collisionCount now {status['collisionCount']}")

    async def _record_create_failure(self, name: str, error: ApiError) -> None:
        msg = f'Failed to create new replica set "{name}": {error}'
        if ds.has_progress_deadline(self.d):
            status = copy.deepcopy(self.d.get("status") or {})
            ds.set_condition(status, ds.new_condition(ds.PROGRESSING, "False",
                                                      ds.FAILED_RS_CREATE, msg, self.now))
            try:
                await self.write_status(status)
            except ApiError:
                pass     # the create error is the one to report
        self._event(WARNING, ds.FAILED_RS_CREATE, msg)

    # --- scaling -------------------------------------------------------------------------------

    async def scale_rs(self, rs: Obj, size: int, operation: str | None = None) -> tuple[bool, Obj]:
        """Set an RS's size and replica annotations; a ScalingReplicaSet event if it resized."""
        old_size = du.replicas(rs)
        if operation is None:
            if old_size == size:
                return False, rs
            operation = "up" if old_size < size else "down"
        desired = du.deployment_replicas(self.d)
        max_total = desired + du.max_surge(self.d)
        annotations = meta(rs).get("annotations")
        if old_size == size and not du.replicas_annotations_need_update(annotations, desired,
                                                                       max_total):
            return False, rs
        updated = copy.deepcopy(rs)
        updated["spec"]["replicas"] = size
        du.set_replicas_annotations(updated["metadata"].setdefault("annotations", {}), desired,
                                    max_total)
        updated = self._replace(await self.client.update(REPLICASETS, updated))
        if old_size == size:
            return False, updated
        name = meta(rs)["name"]
        log.info("scaled replica set", extra=kv(deployment=meta(self.d)["name"], rs=name,
                                                replicas_from=old_size, replicas_to=size))
        self._event(NORMAL, "ScalingReplicaSet",
                    f"Scaled {operation} replica set {name} from {old_size} to {size}")
        return True, updated

    async def scale(self, new_rs: Obj | None, old_rss: list[Obj]) -> None:
        """Resize for a changed spec.replicas (upstream's scale), proportionally mid-rollout."""
        desired = du.deployment_replicas(self.d)
        only = _active_or_latest(new_rs, old_rss)
        if only is not None:
            if du.replicas(only) != desired:
                await self.scale_rs(only, desired)
            return
        if du.is_saturated(self.d, new_rs):
            for old in du.active(old_rss):
                await self.scale_rs(old, 0)
            return
        if not du.is_rolling(self.d):
            return
        active = du.active([*old_rss, new_rs])
        sizes = du.proportional_sizes(self.d, active)
        to_add = sum(sizes.values()) - du.sum_spec_replicas(active)
        operation = "up" if to_add > 0 else "down"
        for rs in active:
            await self.scale_rs(rs, sizes[meta(rs)["name"]], operation)

    def latest(self, rs: Obj | None) -> Obj | None:
        """The local copy of `rs` after any write of this sync."""
        if rs is None:
            return None
        uid = meta(rs).get("uid")
        return next((r for r in self.rss if meta(r).get("uid") == uid), rs)

    # --- status and cleanup --------------------------------------------------------------------

    async def sync_rollout_status(self, new_rs: Obj | None) -> None:
        new_rs = self.latest(new_rs)
        status = ds.rollout_status(self.d, self.rss, new_rs, self.now)
        await self.write_status(status)
        self.requeue_after_s = ds.stuck_requeue_s(self.d, status, self.now)

    async def sync_status(self, new_rs: Obj | None) -> None:
        status = ds.calculate_status(self.d, self.rss, self.latest(new_rs), self.now)
        await self.write_status(status)

    async def cleanup(self, old_rss: list[Obj]) -> None:
        """Delete the oldest idle RSes beyond revisionHistoryLimit."""
        limit = (self.d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in map(self.latest, old_rss) if not meta(rs).get("deletionTimestamp")]
        diff = len(alive) - limit
        if diff <= 0:
            return
        alive.sort(key=lambda rs: (du.revision(rs), meta(rs).get("creationTimestamp") or ""))
        for rs in alive[:diff]:
            status = rs.get("status") or {}
            if status.get("replicas") or du.replicas(rs) or \
                    (meta(rs).get("generation") or 0) > (status.get("observedGeneration") or 0):
                continue
            try:
                await self.client.delete(REPLICASETS, meta(rs)["name"], meta(rs)["namespace"])
                log.info("deleted old replica set", extra=kv(rs=meta(rs)["name"]))
            except NotFound:
                pass


def _active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    """The single active RS (or the newest when none is active); None if several are active."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=lambda rs: meta(rs).get("creationTimestamp") or "",
                          reverse=True)
    active = du.active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return active[0] if len(active) == 1 else None
