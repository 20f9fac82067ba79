"""The ClusterRole aggregation controller: a ClusterRole with an `aggregationRule` holds the
union of the rules of every ClusterRole its selectors match (how admin, edit and view pick up
the `rbac.authorization.k8s.io/aggregate-to-*` roles, including ones added later for custom
resources), as upstream's clusterrole-aggregation controller.

Rules are gathered selector by selector, matching roles in name order, each rule once; the
aggregated role itself is never a source. Any ClusterRole change re-queues every aggregated
role (they are few). Keyed by ClusterRole name.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import ApiError, Conflict, NotFound
from machinery.controller import Result
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.clusterrole_aggregation")

Obj = dict[str, Any]
CLUSTER_ROLES = resources.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")


def aggregate_rules(role: Obj, roles: list[Obj]) -> list[Obj]:
    """The rules an aggregated role should have, given every ClusterRole."""
    name = role["metadata"]["name"]
    rules: list[Obj] = []
    for sel in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        try:
            selector = label_selector_from_dict(sel)
        except ApiError:
            continue
        for other in sorted(roles, key=lambda r: r["metadata"]["name"]):
            if other["metadata"]["name"] == name or \
                    not selector.matches(other["metadata"].get("labels") or {}):
                continue
            rules.extend(r for r in other.get("rules") or [] if r not in rules)
    return rules


class ClusterRoleAggregationController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 1):
        super().__init__("clusterrole-aggregation", ctx, workers, (CLUSTER_ROLES,),
                         "clusterrole-aggregation-controller")
        self.roles = ctx.informers.informer(CLUSTER_ROLES)
        self.roles.add_handler(self._changed, lambda old, new: self._changed(new), self._changed)

    def _changed(self, _role: Obj) -> None:
        for role in self.roles.list(copy_=False):
            if role.get("aggregationRule"):
                self.enqueue(role["metadata"]["name"])

    async def reconcile(self, key: str) -> Result | None:
        role = self.roles.get(key)
        if role is None or not role.get("aggregationRule"):
            return None
        wanted = aggregate_rules(role, self.roles.list(copy_=False))
        if wanted == (role.get("rules") or []):
            return None
        role["rules"] = wanted
        try:
            await self.client.update(CLUSTER_ROLES, role,
                                     field_manager="clusterrole-aggregation-controller")
        except NotFound:
            return None
        except Conflict:
            return Result(requeue=True)         # our cache was behind; try again with it
        log.info("aggregated cluster role", extra=kv(controller=self.name, clusterrole=key,
                                                     rules=len(wanted)))
        return None


def new_clusterrole_aggregation(ctx: ControllerContext) -> ClusterRoleAggregationController:
    return ClusterRoleAggregationController(ctx)
