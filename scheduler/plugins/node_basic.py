"""The simple node filters: NodeUnschedulable (cordon), NodeName, NodeReady and NodePorts."""
from __future__ import annotations

from typing import Any

from scheduler.framework import SKIP, SUCCESS, BasePlugin, Status, spec, unresolvable, unschedulable
from scheduler.nodeinfo import NodeInfo, Obj, host_ports
from scheduler.plugins.taints import NO_SCHEDULE, taint_message, tolerated

UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": NO_SCHEDULE}
NOT_READY_KEY = "node.kubernetes.io/not-ready"
UNREACHABLE_KEY = "node.kubernetes.io/unreachable"


class NodeUnschedulable(BasePlugin):
    """A cordoned node (spec.unschedulable) takes only pods tolerating the unschedulable taint."""
    name = "NodeUnschedulable"

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        if not (node.node.get("spec") or {}).get("unschedulable"):
            return SUCCESS
        if tolerated(spec(pod).get("tolerations") or [], UNSCHEDULABLE_TAINT):
            return SUCCESS
        return unresolvable("node(s) were unschedulable")


class NodeName(BasePlugin):
    name = "NodeName"

    def prepare(self, pod: Obj, snapshot: Any) -> Any:
        return spec(pod).get("nodeName") or SKIP

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        wanted = spec(pod).get("nodeName")
        if wanted and wanted != node.name:
            return unresolvable("node(s) didn't match the requested node name")
        return SUCCESS


def readiness_taint(node: Obj) -> Obj | None:
    """The NoSchedule taint upstream's TaintNodesByCondition puts on a node that is not Ready."""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            status = condition.get("status")
            if status == "True":
                return None
            key = UNREACHABLE_KEY if status == "Unknown" else NOT_READY_KEY
            return {"key": key, "effect": NO_SCHEDULE}
    return {"key": NOT_READY_KEY, "effect": NO_SCHEDULE}    # never reported: not ready yet


class NodeReady(BasePlugin):
    """Not-ready or unreachable nodes, judged from the Ready condition itself, so the scheduler
    does not depend on the node lifecycle controller having tainted them yet. Reported like
    the taint would be."""
    name = "NodeReady"

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        taint = readiness_taint(node.node)
        if taint is None or tolerated(spec(pod).get("tolerations") or [], taint):
            return SUCCESS
        return unresolvable(taint_message(taint))


def _conflicts(wanted: tuple[str, str, int], used: tuple[str, str, int]) -> bool:
    (ip, proto, port), (used_ip, used_proto, used_port) = wanted, used
    if port != used_port or proto != used_proto:
        return False
    return ip == used_ip or "0.0.0.0" in (ip, used_ip)


class NodePorts(BasePlugin):
    name = "NodePorts"

    def prepare(self, pod: Obj, snapshot: Any) -> Any:
        return host_ports(pod) or SKIP

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        for wanted in host_ports(pod) if data is None else data:
            if any(_conflicts(wanted, used) for used in node.used_ports):
                return unschedulable("node(s) didn't have free ports for the requested pod ports")
        return SUCCESS
