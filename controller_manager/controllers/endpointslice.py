"""The endpointslice controller: discovery.k8s.io/v1 EndpointSlices for every selecting Service.

As upstream's EndpointSliceController. The slices of a Service are named `<service>-<random>`
(generateName), labelled `kubernetes.io/service-name` and
`endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, owned by the
Service (the garbage collector deletes them with it), IPv4, one slice per set of ports with at
most 100 endpoints each; the plan is endpointslice_util.plan.

Slices are created with generateName, so a cache that has not yet seen our own create would
make the next sync create a duplicate. As upstream's EndpointSliceTracker, the controller
remembers the resourceVersion of every slice it wrote (or that it deleted one) and does not
sync a Service until the informer has caught up with those writes.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from controller_manager import endpoints_util as eu
from controller_manager import endpointslice_util as esu
from controller_manager.controllers.context import ControllerContext
from controller_manager.controllers.endpoints import ServicePodsController
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.controller import Result
from machinery.informer import split_key
from machinery.runtime import kv

log = logging.getLogger("controller_manager.endpointslice")

Obj = dict[str, Any]
ENDPOINTSLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
DELETED = "deleted"
TRACK_TTL_S = 30.0        # a write never observed is given up after this long
STALE_RECHECK_S = 0.05


class SliceTracker:
    """Per Service: the slices we wrote, with the resourceVersion we expect the cache to reach."""

    def __init__(self, ttl_s: float = TRACK_TTL_S):
        self.ttl_s = ttl_s
        self._written: dict[str, dict[str, tuple[str, float]]] = {}

    def wrote(self, service_key: str, slice_name: str, rv: str) -> None:
        self._written.setdefault(service_key, {})[slice_name] = (rv, time.monotonic())

    def deleted_elsewhere(self, service_key: str, slice_name: str) -> None:
        """A slice we wrote was deleted (by us or anyone): nothing more to wait for."""
        self._written.get(service_key, {}).pop(slice_name, None)

    def stale(self, service_key: str, cached: Callable[[str], Obj | None]) -> bool:
        """Whether the cache (`cached(name)`) still lags one of our writes."""
        tracked = self._written.get(service_key, {})
        now = time.monotonic()
        for name, (rv, at) in list(tracked.items()):
            obj = cached(name)
            caught_up = obj is None if rv == DELETED else \
                obj is not None and _rv_at_least(obj, rv)
            if caught_up or now - at > self.ttl_s:
                del tracked[name]
        return bool(tracked)

    def forget(self, service_key: str) -> None:
        self._written.pop(service_key, None)


def _rv_at_least(obj: Obj, rv: str) -> bool:
    try:
        return int(eu.meta(obj).get("resourceVersion") or 0) >= int(rv)
    except ValueError:
        return eu.meta(obj).get("resourceVersion") == rv


def _service_key_of(slice_: Obj) -> str | None:
    m = eu.meta(slice_)
    labels = m.get("labels") or {}
    if labels.get(esu.MANAGED_BY_LABEL) != esu.CONTROLLER_NAME:
        return None
    name = labels.get(esu.SERVICE_NAME_LABEL)
    return f"{m.get('namespace')}/{name}" if name else None


class EndpointSliceController(ServicePodsController):
    def __init__(self, ctx: ControllerContext, workers: int = 5):
        super().__init__("endpointslice", ctx, workers, (ENDPOINTSLICES,),
                         "endpoint-slice-controller")
        self.tracker = SliceTracker()
        self.slices = ctx.informers.informer(ENDPOINTSLICES)
        self.slices.add_handler(self._slice_added, self._slice_updated, self._slice_deleted)

    def _slice_added(self, s: Obj) -> None:
        if (key := _service_key_of(s)) is not None:
            self.enqueue(key)

    def _slice_updated(self, old: Obj, cur: Obj) -> None:
        self._slice_added(cur)

    def _slice_deleted(self, s: Obj) -> None:
        if (key := _service_key_of(s)) is not None:
            self.tracker.deleted_elsewhere(key, eu.meta(s)["name"])
            self.enqueue(key)

    async def reconcile(self, key: str) -> Result | None:
        service = self.services.get(key, copy_=False)
        if service is None:
            self.tracker.forget(key)    # the garbage collector deletes the owned slices
            return None
        if not eu.managed_service(service):
            return None
        ns, _ = split_key(key)
        if self.tracker.stale(key, lambda name: self.slices.get_by_name(name, ns, copy_=False)):
            return Result(requeue_after_s=STALE_RECHECK_S)
        existing = [s for s in self.ctx.informers.in_namespace(ENDPOINTSLICES, ns or "")
                    if esu.owned_by(s, service)]
        groups = esu.desired_groups(service, self.selected_pods(service))
        todo = esu.plan(service, groups, existing)
        if todo.empty:
            return None
        await self._apply(key, todo)
        return None

    async def _apply(self, key: str, todo: esu.SlicePlan) -> None:
        # creates first, deletes last: the Service never has fewer endpoints than needed
        for body in todo.create:
            created = await self.client.create(ENDPOINTSLICES, body)
            self.tracker.wrote(key, eu.meta(created)["name"],
                               eu.meta(created)["resourceVersion"])
        for body in todo.update:
            body["metadata"].pop("managedFields", None)
            updated = await self.client.update(ENDPOINTSLICES, body)
            self.tracker.wrote(key, eu.meta(updated)["name"],
                               eu.meta(updated)["resourceVersion"])
        for s in todo.delete:
            m = eu.meta(s)
            try:
                await self.client.delete(ENDPOINTSLICES, m["name"], m["namespace"],
                                         preconditions={"uid": m["uid"]})
                self.tracker.wrote(key, m["name"], DELETED)
            except NotFound:
                pass
        log.info("synced endpoint slices",
                 extra=kv(controller=self.name, key=key, created=len(todo.create),
                          updated=len(todo.update), deleted=len(todo.delete)))


def new_endpointslice(ctx: ControllerContext) -> EndpointSliceController:
    return EndpointSliceController(ctx, ctx.settings.concurrent_service_endpoint_syncs)
