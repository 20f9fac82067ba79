"""The HorizontalPodAutoscaler controller, as upstream's runs in a cluster without metrics APIs.

Every HPA is reconciled when it changes and again every sync period (upstream's
--horizontal-pod-autoscaler-sync-period, 15 s): read the target's scale subresource, clamp its
replicas into [minReplicas, maxReplicas] through that subresource (a SuccessfulRescale event),
and report in status what upstream reports: currentReplicas, desiredReplicas, lastScaleTime when
it scaled, and the AbleToScale / ScalingActive conditions (ScalingActive is False with
FailedGet<Type>Metric while the count is within bounds, since no metric can be read).
The decisions are in controller_manager/hpa_util.py.
"""
from __future__ import annotations

import copy
import logging
from typing import Any

from controller_manager import hpa_util as hu
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import ApiError, Conflict, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING, rfc3339
from machinery.informer import object_key
from machinery.runtime import kv

log = logging.getLogger("controller_manager.horizontalpodautoscaling")

Obj = dict[str, Any]
HPAS = resources.lookup("autoscaling", "v2", "horizontalpodautoscalers")
GOT_SCALE = "the HPA controller was able to get the target's current scale"


def scale_target(hpa: Obj) -> tuple[resources.ResourceInfo | None, str]:
    """The resource of spec.scaleTargetRef that has a scale subresource, or None and why not."""
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
    info = resources.for_kind(api_version, kind)
    if info is None:
        group = api_version.rpartition("/")[0]
        return None, f'no matches for kind "{kind}" in group "{group}"'
    if info.subresource("scale") is None:
        return None, "the server could not find the requested resource"
    return info, ""


class HorizontalController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int, sync_period_s: float):
        super().__init__("horizontalpodautoscaling", ctx, workers, (HPAS,),
                         "horizontal-pod-autoscaler")
        self.sync_period_s = sync_period_s
        self.hpas = ctx.informers.informer(HPAS)
        self.hpas.add_key_handler(self.enqueue)

    async def reconcile(self, key: str) -> Result | None:
        hpa = self.hpas.get(key)
        if hpa is None:
            return None                   # deleted: nothing more to look after
        status = copy.deepcopy(hpa.get("status") or {})
        try:
            await self._sync(hpa, status)
        finally:
            await self._write_status(hpa, status)
        # level-triggered and periodic, as upstream: the target may drift at any time
        return Result(requeue_after_s=self.sync_period_s)

    async def _sync(self, hpa: Obj, status: Obj) -> None:
        now = rfc3339()
        meta, spec = hpa["metadata"], hpa.get("spec") or {}
        target, why = scale_target(hpa)
        scale = None
        if target is not None:
            try:
                scale = await self.client.get(target, spec["scaleTargetRef"]["name"],
                                              meta.get("namespace"), subresource="scale")
            except ApiError as e:
                why = e.message
        if scale is None:
            self.recorder.event(hpa, WARNING, "FailedGetScale", why)
            hu.set_condition(status, "AbleToScale", "False", "FailedGetScale",
                             f"the HPA controller was unable to get the target's current "
                             f"scale: {why}", now)
            return
        hu.set_condition(status, "AbleToScale", "True", "SucceededGetScale", GOT_SCALE, now)
        current = (scale.get("spec") or {}).get("replicas") or 0
        decision = hu.decide(current, spec.get("minReplicas"), spec.get("maxReplicas") or 0)
        if decision is None:
            self._metrics_failed(hpa, status, now)
            status["currentReplicas"] = current
            return
        if decision.disabled:
            hu.set_condition(status, "ScalingActive", "False", "ScalingDisabled",
                             "scaling is disabled since the replica count of the target is zero",
                             now)
        if decision.rescale and not await self._rescale(hpa, target, scale, decision, status,
                                                        now):
            status["currentReplicas"] = current
            return
        status.update(currentReplicas=current,
                      desiredReplicas=decision.desired if decision.rescale else current)
        status.pop("currentMetrics", None)        # no metric was read
        if decision.rescale:
            status["lastScaleTime"] = now

    def _metrics_failed(self, hpa: Obj, status: Obj, now: str) -> None:
        """Every metric fails without a metrics API: say so, as upstream does, and scale not."""
        failures = [hu.metric_failure(m) for m in (hpa.get("spec") or {}).get("metrics") or []]
        for reason, error in failures:
            self.recorder.event(hpa, WARNING, reason, error)
        if failures:
            reason, error = failures[0]
            hu.set_condition(status, "ScalingActive", "False", reason,
                             hu.unable_to_compute(error), now)
        self.recorder.event(hpa, WARNING, "FailedComputeMetricsReplicas",
                            hu.metrics_error(failures))

    async def _rescale(self, hpa: Obj, target, scale: Obj, decision: hu.Decision, status: Obj,
                       now: str) -> bool:
        scale = copy.deepcopy(scale)
        scale.setdefault("spec", {})["replicas"] = decision.desired
        try:
            await self.client.update(target, scale, subresource="scale")
        except ApiError as e:
            self.recorder.event(hpa, WARNING, "FailedRescale",
                                f"New size: {decision.desired}; reason: {decision.reason}; "
                                f"error: {e.message}")
            hu.set_condition(status, "AbleToScale", "False", "FailedUpdateScale",
                             f"the HPA controller was unable to update the target scale: "
                             f"{e.message}", now)
            return False
        hu.set_condition(status, "AbleToScale", "True", "SucceededRescale",
                         f"the HPA controller was able to update the target scale to "
                         f"{decision.desired}", now)
        self.recorder.event(hpa, NORMAL, "SuccessfulRescale",
                            f"New size: {decision.desired}; reason: {decision.reason}")
        log.info("rescaled", extra=kv(controller=self.name, key=object_key(hpa),
                                      replicas=decision.desired, reason=decision.reason))
        return True

    async def _write_status(self, hpa: Obj, status: Obj) -> None:
        """Write status only when it changed (never a no-op write)."""
        if status == (hpa.get("status") or {}):
            return
        try:
            await self.client.update_status(HPAS, {**hpa, "status": status})
        except (Conflict, NotFound):
            pass                          # a newer HPA (or none) is queued already


def new_horizontalpodautoscaling(ctx: ControllerContext) -> HorizontalController:
    return HorizontalController(ctx, ctx.settings.concurrent_horizontal_pod_autoscaler_syncs,
                                ctx.settings.horizontal_pod_autoscaler_sync_period_s)
