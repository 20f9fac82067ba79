"""A DaemonSet's pods laid out per node, and what should change (the controller's pure core).

`creates_and_deletes()`: nodes that should run a daemon pod and have none get one; failed pods
and duplicates (the oldest stays) go, as do pods on nodes that no longer qualify or no longer
exist. `rolling_victims()`: the old-revision pods a RollingUpdate may delete now without more
than maxUnavailable nodes lacking an available pod (an unavailable old pod goes at once).
`status()`: the DaemonSet status numbers, as upstream counts them.
"""
from __future__ import annotations

from typing import Any

from controller_manager import daemonset_util as dsu
from controller_manager import podutil
from controller_manager.controller_ref import meta

Obj = dict[str, Any]


class NodePlan:
    """The DaemonSet's pods laid out per node, and what should change (pure)."""

    def __init__(self, ds: Obj, nodes: list[Obj], pods: list[Obj], rev_hash: str):
        self.ds, self.rev_hash = ds, rev_hash
        self.min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
        self.now = podutil.now_utc()
        self.nodes = {meta(n)["name"]: n for n in nodes}
        self.by_node: dict[str, list[Obj]] = {}
        self.orphaned: list[Obj] = []     # for nodes that do not exist
        for pod in pods:
            if meta(pod).get("deletionTimestamp"):
                continue
            node = dsu.target_node(pod)
            if node in self.nodes:
                self.by_node.setdefault(node, []).append(pod)
            else:
                self.orphaned.append(pod)
        self.verdicts = {name: dsu.node_should_run(ds, n) for name, n in self.nodes.items()}
        self.failed: list[Obj] = []

    def creates_and_deletes(self) -> tuple[list[str], list[Obj]]:
        create, delete = [], list(self.orphaned)
        for name in sorted(self.nodes):
            run, keep = self.verdicts[name]
            pods = self.by_node.get(name, [])
            if run and not pods:
                create.append(name)
            elif keep:
                failed = [p for p in pods if (p.get("status") or {}).get("phase") == "Failed"]
                self.failed.extend(failed)
                delete.extend(failed)
                healthy = sorted((p for p in pods if p not in failed), key=_age)
                delete.extend(healthy[1:])     # duplicates: the oldest stays
            else:
                delete.extend(pods)
        return create, delete

    def _pod(self, node: str) -> Obj | None:
        pods = sorted(self.by_node.get(node, []), key=_age)
        return pods[0] if pods else None

    def _desired_nodes(self) -> list[str]:
        return [n for n, (run, _) in self.verdicts.items() if run]

    def _available(self, pod: Obj | None) -> bool:
        return pod is not None and podutil.is_available(pod, self.min_ready, self.now)

    def rolling_victims(self) -> list[Obj]:
        desired = self._desired_nodes()
        budget = dsu.max_unavailable(self.ds, len(desired))
        unavailable = sum(1 for n in desired if not self._available(self._pod(n)))
        victims = []
        for node in sorted(desired):
            pod = self._pod(node)
            if pod is None or _hash(pod) == self.rev_hash:
                continue
            if not self._available(pod):
                victims.append(pod)            # not serving anyway: replace at once
            elif unavailable < budget:
                victims.append(pod)
                unavailable += 1
        return victims

    def hashes_in_use(self) -> set[str]:
        return {h for pods in self.by_node.values() for p in pods if (h := _hash(p))}

    def status(self) -> Obj:
        desired = current = misscheduled = ready = available = updated = 0
        for name, (run, _) in self.verdicts.items():
            pod = self._pod(name)
            if not run:
                misscheduled += 1 if pod is not None else 0
                continue
            desired += 1
            if pod is None:
                continue
            current += 1
            ready += 1 if podutil.is_ready(pod) else 0
            available += 1 if self._available(pod) else 0
            updated += 1 if _hash(pod) == self.rev_hash else 0
        status = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
                  "desiredNumberScheduled": desired, "numberReady": ready,
                  "observedGeneration": meta(self.ds).get("generation"),
                  "updatedNumberScheduled": updated, "numberAvailable": available,
                  "numberUnavailable": desired - available}
        return {k: v for k, v in status.items()
                if v or k in ("currentNumberScheduled", "numberMisscheduled",
                              "desiredNumberScheduled", "numberReady")}

    def next_availability_s(self) -> float | None:
        waits = [w for pods in self.by_node.values() for p in pods
                 if (w := podutil.seconds_until_available(p, self.min_ready, self.now))]
        return min(waits) + 0.1 if waits else None


def _hash(pod: Obj) -> str | None:
    return (meta(pod).get("labels") or {}).get(dsu.HASH_LABEL)


def _age(pod: Obj) -> tuple:
    return (meta(pod).get("creationTimestamp") or "", meta(pod).get("name") or "")
