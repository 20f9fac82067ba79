"""Docker's `inspect` answer -> ContainerInfo (labels, state, exit reason, pod IP)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from kubelet.runtime import base
from kubelet.runtime.base import CREATED, EXITED, RUNNING, SANDBOX, UNKNOWN, ContainerInfo

_STATES = {"created": CREATED, "running": RUNNING, "paused": RUNNING, "restarting": RUNNING,
           "exited": EXITED, "dead": EXITED, "removing": EXITED}


def parse_time(text: str | None) -> datetime | None:
    """Docker's RFC 3339 with nanoseconds; its zero time ("0001-01-01T00:00:00Z") is None."""
    if not text or text.startswith("0001-01-01"):
        return None
    main, _, frac = text.rstrip("Z").partition(".")
    micros = (frac + "000000")[:6] if frac else "000000"
    return datetime.strptime(f"{main}.{micros}", "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=timezone.utc)


def exit_reason(state: dict[str, Any]) -> str:
    if state.get("OOMKilled"):
        return "OOMKilled"
    return "Completed" if state.get("ExitCode", 0) == 0 else "Error"


def container_info(data: dict[str, Any], network: str) -> ContainerInfo:
    labels = (data.get("Config") or {}).get("Labels") or {}
    state = data.get("State") or {}
    status = _STATES.get(state.get("Status", ""), UNKNOWN)
    kind = labels.get(base.LABEL_CONTAINER_KIND, "")
    ip = ""
    if kind == SANDBOX and status == RUNNING:
        nets = (data.get("NetworkSettings") or {}).get("Networks") or {}
        ip = (nets.get(network) or {}).get("IPAddress", "") or labels.get("io.tinykube.pod.ip", "")
    exited = status == EXITED
    return ContainerInfo(
        id=data["Id"], node=labels.get(base.LABEL_NODE, ""),
        pod_uid=labels.get(base.LABEL_POD_UID, ""),
        pod_namespace=labels.get(base.LABEL_POD_NAMESPACE, ""),
        pod_name=labels.get(base.LABEL_POD_NAME, ""),
        name=labels.get(base.LABEL_CONTAINER_NAME, ""), kind=kind, state=status,
        image=(data.get("Config") or {}).get("Image", ""), image_id=data.get("Image", ""),
        restart_count=int(labels.get(base.LABEL_RESTART_COUNT, "0") or 0),
        spec_hash=labels.get(base.LABEL_SPEC_HASH, ""),
        created_at=parse_time(data.get("Created")), started_at=parse_time(state.get("StartedAt")),
        finished_at=parse_time(state.get("FinishedAt")) if exited else None,
        exit_code=state.get("ExitCode") if exited else None,
        reason=exit_reason(state) if exited else "",
        message=state.get("Error", "") if exited else "", ip=ip, labels=dict(labels))
