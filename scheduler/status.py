"""The pod status the scheduler writes when a pod fits nowhere: PodScheduled=False.

As upstream's updatePod: the condition's lastTransitionTime only moves when its status changes,
and nothing is written when condition and nominated node are already as wanted.
"""
from __future__ import annotations

import time
from typing import Any

Obj = dict[str, Any]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def failed_scheduling_patch(pod: Obj, message: str, nominated_node: str | None = None
                            ) -> Obj | None:
    """A merge patch for pods/<name>/status, or None when it would change nothing."""
    status = pod.get("status") or {}
    conditions = list(status.get("conditions") or [])
    current = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
    wanted = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
              "message": message}
    nominated_same = nominated_node is None or status.get("nominatedNodeName") == nominated_node
    if current is not None and all(current.get(k) == v for k, v in wanted.items()) \
            and nominated_same:
        return None
    keep_time = current is not None and current.get("status") == "False"
    condition = {**wanted, "lastProbeTime": None,
                 "lastTransitionTime": current.get("lastTransitionTime") if keep_time else _now()}
    conditions = [condition if c.get("type") == "PodScheduled" else c for c in conditions]
    if current is None:
        conditions.append(condition)
    patch: Obj = {"status": {"conditions": conditions}}
    if nominated_node is not None:
        patch["status"]["nominatedNodeName"] = nominated_node
    return patch
