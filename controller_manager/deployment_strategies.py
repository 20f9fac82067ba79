"""The rollout strategies: RollingUpdate, Recreate, and plain scaling (also used when paused).

Each is one pass of upstream's algorithm over a `Rollout`; the deployment controller calls one
per sync, and every ReplicaSet or pod change triggers the next pass, so a rollout advances in
small steps that always respect maxSurge and maxUnavailable:

- scale the new RS up while total spec replicas stay <= desired + maxSurge;
- scale old RSes down while available pods stay >= desired - maxUnavailable (old RSes with
  unavailable pods go first, since removing those costs no availability).
"""
from __future__ import annotations

from typing import Any

from controller_manager import deployment_status as ds
from controller_manager import deployment_util as du
from controller_manager.deployment_sync import Rollout

Obj = dict[str, Any]


async def rolling(r: Rollout) -> None:
    new_rs, old_rss = await r.all_replica_sets(create=True)
    if await _reconcile_new(r, new_rs):
        await r.sync_rollout_status(new_rs)
        return
    if await _reconcile_old(r, new_rs, du.active(old_rss)):
        await r.sync_rollout_status(new_rs)
        return
    if ds.is_complete(r.d, r.d.get("status") or {}):
        await r.cleanup(old_rss)
    await r.sync_rollout_status(new_rs)


async def _reconcile_new(r: Rollout, new_rs: Obj | None) -> bool:
    desired = du.deployment_replicas(r.d)
    if new_rs is None or du.replicas(new_rs) == desired:
        return False
    if du.replicas(new_rs) > desired:
        return (await r.scale_rs(new_rs, desired))[0]
    size = du.new_rs_new_replicas(r.d, r.rss, new_rs)
    return (await r.scale_rs(new_rs, size))[0]


def _available(rs: Obj | None) -> int:
    """Available pods of an RS, never more than its spec: a status that lags a scale-down must
    not count pods that are about to go."""
    if rs is None:
        return 0
    return min((rs.get("status") or {}).get("availableReplicas") or 0, du.replicas(rs))


async def _reconcile_old(r: Rollout, new_rs: Obj | None, old_rss: list[Obj]) -> bool:
    if du.sum_spec_replicas(old_rss) == 0:
        return False
    all_pods = du.sum_spec_replicas(r.rss)
    min_available = du.deployment_replicas(r.d) - du.max_unavailable(r.d)
    new_unavailable = 0
    if new_rs is not None:
        new_unavailable = du.replicas(new_rs) - ((new_rs.get("status") or {}).get(
            "availableReplicas") or 0)
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    cleaned = await _cleanup_unhealthy(r, old_rss, max_scaled_down)
    old_rss = [r.latest(rs) for rs in old_rss]
    scaled = await _scale_down_old(r, old_rss, r.latest(new_rs), min_available)
    return cleaned + scaled > 0


async def _cleanup_unhealthy(r: Rollout, old_rss: list[Obj], max_cleanup: int) -> int:
    """Scale down old RSes' unavailable pods first: they cost no availability."""
    total = 0
    for rs in du.by_creation(old_rss):
        if total >= max_cleanup:
            break
        size, available = du.replicas(rs), _available(rs)
        if size == 0 or size == available:
            continue
        count = min(max_cleanup - total, size - available)
        await r.scale_rs(rs, size - count)
        total += count
    return total


async def _scale_down_old(r: Rollout, old_rss: list[Obj], new_rs: Obj | None,
                          min_available: int) -> int:
    available = sum(_available(rs) for rs in old_rss) + _available(new_rs)
    if available <= min_available:
        return 0
    budget, total = available - min_available, 0
    for rs in du.by_creation(old_rss):
        if total >= budget:
            break
        size = du.replicas(rs)
        if size == 0:
            continue
        count = min(size, budget - total)
        await r.scale_rs(rs, size - count)
        total += count
    return total


async def recreate(r: Rollout, pods_by_rs: dict[str, list[Obj]]) -> None:
    """Kill every old pod first; only when none runs, bring up the new RS."""
    new_rs, old_rss = await r.all_replica_sets(create=False)
    scaled_down = False
    for rs in du.active(old_rss):
        scaled_down |= (await r.scale_rs(rs, 0))[0]
    if scaled_down or _old_pods_running(new_rs, [r.latest(rs) for rs in old_rss], pods_by_rs):
        await r.sync_rollout_status(new_rs)
        return
    if new_rs is None:
        new_rs, old_rss = await r.all_replica_sets(create=True)
    if new_rs is not None:
        await r.scale_rs(new_rs, du.deployment_replicas(r.d))
    if ds.is_complete(r.d, r.d.get("status") or {}):
        await r.cleanup(old_rss)
    await r.sync_rollout_status(new_rs)


def _old_pods_running(new_rs: Obj | None, old_rss: list[Obj],
                      pods_by_rs: dict[str, list[Obj]]) -> bool:
    if du.sum_status(old_rss, "replicas") > 0:
        return True
    new_uid = ((new_rs or {}).get("metadata") or {}).get("uid")
    for uid, pods in pods_by_rs.items():
        if uid == new_uid:
            continue
        if any((p.get("status") or {}).get("phase") not in ("Failed", "Succeeded") for p in pods):
            return True
    return False


async def scale_only(r: Rollout) -> None:
    """A scaling event or a paused deployment: resize, no rollout progress (upstream's sync)."""
    new_rs, old_rss = await r.all_replica_sets(create=False)
    await r.scale(new_rs, old_rss)
    if (r.d.get("spec") or {}).get("paused"):
        await r.cleanup(old_rss)
    await r.sync_status(new_rs)


async def is_scaling_event(r: Rollout) -> bool:
    """Some active RS was sized for another spec.replicas than the current one."""
    new_rs, old_rss = await r.all_replica_sets(create=False)
    desired = du.deployment_replicas(r.d)
    for rs in du.active([*old_rss, new_rs]):
        annotated = du.int_annotation(rs, du.DESIRED_REPLICAS)
        if annotated is not None and annotated != desired:
            return True
    return False
