"""Rows of Node, Namespace, Lease and Event (both the core and the events.k8s.io shape)."""
from __future__ import annotations

from datetime import datetime

from apiserver.tables.columns import Column, Printer, age_col, col, name_col
from apiserver.tables.duration import parse_timestamp, since
from apiserver.tables.fields import dicts, get, integer, mapping, text

ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
LEGACY_ROLE_LABEL = "kubernetes.io/role"


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


# --- Node -----------------------------------------------------------------------------------

def node_status(node: dict) -> str:
    """`Ready`, `NotReady` or `Unknown`, then `SchedulingDisabled` for a cordoned node."""
    ready = None
    for cond in dicts(node, "status", "conditions"):
        if cond.get("type") == "Ready":
            ready = cond         # the last one wins, as upstream's condition map does
    status = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True"
                                                 else "NotReady"]
    if get(node, "spec", "unschedulable") is True:
        status.append("SchedulingDisabled")
    return ",".join(status)


def node_roles(node: dict) -> str:
    roles = set()
    for key, value in mapping(node, "metadata", "labels").items():
        if isinstance(key, str) and key.startswith(ROLE_LABEL_PREFIX):
            role = key[len(ROLE_LABEL_PREFIX):]
            if role:
                roles.add(role)
        elif key == LEGACY_ROLE_LABEL and isinstance(value, str) and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: dict, kind: str) -> str:
    for address in dicts(node, "status", "addresses"):
        if address.get("type") == kind:
            return text(address, "address")
    return "<none>"


def _node_cells(node: dict, now: datetime) -> list:
    info = ("status", "nodeInfo")
    return [text(node, "metadata", "name"), node_status(node), node_roles(node),
            _age(node, now), text(node, *info, "kubeletVersion"),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            text(node, *info, "osImage") or "<unknown>",
            text(node, *info, "kernelVersion") or "<unknown>",
            text(node, *info, "containerRuntimeVersion") or "<unknown>"]


_ADDRESSES_DOC = "List of addresses reachable to the node."
NODE = Printer(
    (name_col(), col("Status", "The status of the node"), col("Roles", "The roles of the node"),
     age_col(), col("Version", "Kubelet Version reported by the node."),
     Column("Internal-IP", "string", _ADDRESSES_DOC, 1),
     Column("External-IP", "string", _ADDRESSES_DOC, 1),
     Column("OS-Image", "string", "OS Image reported by the node from /etc/os-release.", 1),
     Column("Kernel-Version", "string", "Kernel Version reported by the node.", 1),
     Column("Container-Runtime", "string", "ContainerRuntime Version reported by the node.", 1)),
    _node_cells)


# --- Namespace and Lease --------------------------------------------------------------------

NAMESPACE = Printer(
    (name_col(), col("Status", "The status of the namespace"), age_col()),
    lambda obj, now: [text(obj, "metadata", "name"), text(obj, "status", "phase"),
                      _age(obj, now)])

LEASE = Printer(
    (name_col(), col("Holder", "holderIdentity contains the identity of the holder of a "
                               "current lease."), age_col()),
    lambda obj, now: [text(obj, "metadata", "name"), text(obj, "spec", "holderIdentity"),
                      _age(obj, now)])


# --- Event ----------------------------------------------------------------------------------

# events.k8s.io/v1 field -> core/v1 field (upstream converts both to one internal Event).
_EVENTS_V1_FIELDS = {
    "regarding": "involvedObject", "note": "message", "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp", "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}


def as_core_event(obj: dict) -> dict:
    """A core/v1-shaped copy of an events.k8s.io/v1 Event (fields already core-shaped are kept)."""
    core = dict(obj)
    for new, old in _EVENTS_V1_FIELDS.items():
        if new in obj:
            core[old] = obj[new]
    return core


def _event_times(obj: dict, now: datetime) -> tuple[str, str, int]:
    """(Last Seen, First Seen, Count), falling back to eventTime and series as upstream."""
    first = since(get(obj, "firstTimestamp"), now)
    if parse_timestamp(get(obj, "firstTimestamp")) is None:
        first = since(get(obj, "eventTime"), now)
    last = since(get(obj, "lastTimestamp"), now)
    if parse_timestamp(get(obj, "lastTimestamp")) is None:
        last = first
    count = integer(obj, "count")
    if isinstance(get(obj, "series"), dict):
        last = since(get(obj, "series", "lastObservedTime"), now)
        count = integer(obj, "series", "count")
    elif count == 0:
        count = 1                 # singleton events carry no count in the new API
    return last, first, count


def _event_source(obj: dict) -> str:
    component = text(obj, "source", "component") or text(obj, "reportingController")
    host = text(obj, "source", "host") or text(obj, "reportingInstance")
    return f"{component}, {host}" if host else component


def _event_cells(obj: dict, now: datetime) -> list:
    last, first, count = _event_times(obj, now)
    kind, target = text(obj, "involvedObject", "kind").lower(), text(obj, "involvedObject", "name")
    target = f"{kind}/{target}" if target else kind
    return [last, text(obj, "type"), text(obj, "reason"), target,
            text(obj, "involvedObject", "fieldPath"), _event_source(obj),
            text(obj, "message").strip(), first, count, text(obj, "metadata", "name")]


EVENT = Printer(
    (col("Last Seen", "The time at which the most recent occurrence of this event was "
                      "recorded."),
     col("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
     col("Reason", "This should be a short, machine understandable string that gives the "
                   "reason for the transition into the object's current status."),
     col("Object", "The object that this event is about."),
     Column("Subobject", "string", "If referring to a piece of an object instead of an entire "
                                   "object, this string should contain a valid JSON/Go "
                                   "field access statement.", 1),
     Column("Source", "string", "The component reporting this event.", 1),
     col("Message", "A human-readable description of the status of this operation."),
     Column("First Seen", "string", "The time at which the event was first recorded.", 1),
     Column("Count", "string", "The number of times this event has occurred.", 1),
     name_col(priority=1)),
    _event_cells)
EVENT_V1 = Printer(EVENT.columns, lambda obj, now: _event_cells(as_core_event(obj), now))
