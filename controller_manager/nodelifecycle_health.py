"""Is a node's kubelet still alive? The node lifecycle controller's health bookkeeping.

As upstream's tryUpdateNodeHealth: the controller remembers, per node, the last Ready heartbeat
(`lastHeartbeatTime`) and Lease `renewTime` it saw, and the local (monotonic) time at which
either last changed. A node that shows no sign of life for longer than its grace period
(`--node-monitor-grace-period-s`; `--node-startup-grace-period-s` before it ever posted a
Ready condition) gets its Ready and pressure conditions set to Unknown. Local time, not the
timestamps' values, is compared: the kubelet's clock need not agree with ours. A restarted
controller starts every node's clock afresh, as upstream.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from controller_manager.nodelifecycle_taints import condition

Obj = dict[str, Any]
WATCHED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
UNKNOWN_REASON, UNKNOWN_MESSAGE = "NodeStatusUnknown", "Kubelet stopped posting node status."
NEVER_REASON, NEVER_MESSAGE = "NodeStatusNeverUpdated", "Kubelet never posted node status."


@dataclass
class NodeHealth:
    probe_at: float             # local monotonic time of the last sign of life
    heartbeat: str | None       # Ready condition's lastHeartbeatTime last seen
    lease_renew: str | None     # Lease spec.renewTime last seen


def observe(record: NodeHealth | None, node: Obj, lease: Obj | None, now: float) -> NodeHealth:
    """The node's health record after looking at it (and its Lease) at local time `now`."""
    heartbeat = (condition(node, "Ready") or {}).get("lastHeartbeatTime")
    renew = ((lease or {}).get("spec") or {}).get("renewTime")
    if record is None or heartbeat != record.heartbeat or \
            (renew is not None and renew != record.lease_renew):
        return NodeHealth(now, heartbeat, renew)
    return record


def grace_period_s(node: Obj, grace_s: float, startup_grace_s: float) -> float:
    return grace_s if condition(node, "Ready") is not None else startup_grace_s


def timed_out(record: NodeHealth, node: Obj, now: float, grace_s: float,
              startup_grace_s: float) -> bool:
    return now - record.probe_at > grace_period_s(node, grace_s, startup_grace_s)


def unknown_conditions(node: Obj, now: str) -> list[Obj] | None:
    """The node's conditions with Ready and the pressures Unknown; None if they already are."""
    status = node.get("status") or {}
    conditions = copy.deepcopy(status.get("conditions") or [])
    created = (node.get("metadata") or {}).get("creationTimestamp")
    changed = False
    for type_ in WATCHED_CONDITIONS:
        current = next((c for c in conditions if c.get("type") == type_), None)
        if current is None:
            conditions.append({"type": type_, "status": "Unknown", "reason": NEVER_REASON,
                               "message": NEVER_MESSAGE, "lastHeartbeatTime": created,
                               "lastTransitionTime": now})
            changed = True
        elif current.get("status") != "Unknown":
            current.update(status="Unknown", reason=UNKNOWN_REASON, message=UNKNOWN_MESSAGE,
                           lastTransitionTime=now)
            changed = True
    return conditions if changed else None


def ready_status(node: Obj) -> str | None:
    return (condition(node, "Ready") or {}).get("status")
