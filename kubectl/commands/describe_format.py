"""The building blocks of kubectl's describers: indented, tab-aligned lines (PrefixWriter +
tabwriter with padding 2), multi-line labels and annotations, ages and timestamps, events."""
from __future__ import annotations

import datetime
from typing import Any

from kubectl.printers.tabwriter import format_cells

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class PrefixWriter:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append("  " * level + text)

    def line(self, *cells: str) -> None:
        self.parts.append("\t".join(cells) + "\n")

    def render(self) -> str:
        return format_cells("".join(self.parts), min_width=0, padding=2)


def parse_time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def rfc1123z(value: str | None) -> str:
    """Go's time.RFC1123Z in the local zone: `Sat, 28 Nov 2026 08:42:11 +0000`."""
    t = parse_time(value)
    if t is None:
        return "<unset>"
    return t.astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration (what AGE columns show)."""
    s = int(seconds)
    if seconds < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        rem = days % 365
        return f"{days // 365}y{rem}d" if rem else f"{days // 365}y"
    return f"{hours // 24 // 365}y"


def age(value: str | None) -> str:
    t = parse_time(value)
    if t is None:
        return "<unknown>"
    return human_duration((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())


def labels_multiline(w: PrefixWriter, title: str, labels: dict[str, str] | None,
                     indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        if i == 0:
            w.write(0, f"{key}={labels[key]}\n")
        else:
            w.write(0, f"{indent}\t{key}={labels[key]}\n")


def annotations_multiline(w: PrefixWriter, title: str, annotations: dict[str, str] | None,
                          indent: str = "") -> None:
    shown = {k: v for k, v in (annotations or {}).items() if k != LAST_APPLIED}
    w.write(0, f"{indent}{title}:\t")
    if not shown:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(shown)):
        value = shown[key].replace("\n", "\\n") if len(shown[key]) <= MAX_ANNOTATION_LEN \
            else shown[key][:MAX_ANNOTATION_LEN] + "..."
        if "\n" in shown[key] and len(shown[key]) <= MAX_ANNOTATION_LEN:
            value = shown[key].rstrip("\n")
        w.write(0, f"{indent}\t{key}: {value}\n" if i else f"{key}: {value}\n")


def describe_events(w: PrefixWriter, events: list[dict[str, Any]] | None) -> None:
    if events is None:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    events = sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
    w.write(0, "Events:\n")
    w.write(1, "Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in events:
        count = e.get("count") or 0
        last = e.get("lastTimestamp") or e.get("eventTime")
        interval = age(last)
        if count > 1:
            interval = f"{age(last)} (x{count} over {age(e.get('firstTimestamp') or last)})"
        elif not e.get("lastTimestamp") and not e.get("eventTime"):
            interval = "<unknown>"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t"
                   f"{event_source(e)}\t{(e.get('message') or '').strip()}\n")


def event_source(e: dict[str, Any]) -> str:
    source = e.get("source") or {}
    return source.get("component") or e.get("reportingComponent") or ""


def fetch_events(inv: Any, obj: dict[str, Any]) -> list[dict[str, Any]]:
    meta = obj.get("metadata") or {}
    selector = [f"involvedObject.name={meta.get('name')}",
                f"involvedObject.uid={meta.get('uid')}"]
    namespace = meta.get("namespace")
    if namespace:
        selector.append(f"involvedObject.namespace={namespace}")
        path = f"/api/v1/namespaces/{namespace}/events"
    else:
        path = "/api/v1/events"
    try:
        return inv.client.get(path, params={"fieldSelector": ",".join(selector),
                                            "limit": 500}).get("items") or []
    except Exception:  # noqa: BLE001 - describe still prints the object without events
        return []


def join_or_none(values: list[str], sep: str = ", ") -> str:
    return sep.join(values) if values else "<none>"
