"""Human durations and ages, as upstream's `duration.HumanDuration` writes them.

Every Age, Last Seen and Duration cell of a Table goes through here, so that `kubectl get` output
reads exactly as it does against a real cluster: `45s`, `5m10s`, `3h`, `2d`, `3y45d`.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

_NS_PER_S = 1_000_000_000
_NS_PER_MIN = 60 * _NS_PER_S
_NS_PER_H = 60 * _NS_PER_MIN
# Go's time.Sub saturates at the limits of a time.Duration (about 292 years).
_MAX_NS, _MIN_NS = 2**63 - 1, -(2**63)
_GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=timezone.utc)


def human_duration(seconds: float) -> str:
    """A succinct duration with ~2-3 significant figures (upstream `duration.HumanDuration`)."""
    return _human_duration_ns(round(seconds * _NS_PER_S))


def _human_duration_ns(ns: int) -> str:
    # Go's int(d.Seconds()) truncates towards zero; a clock skew of under 2s reads as "now".
    seconds = math.trunc(ns / _NS_PER_S)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // _NS_PER_MIN
    if minutes < 10:
        secs = (ns // _NS_PER_S) % 60
        return f"{minutes}m" if secs == 0 else f"{minutes}m{secs}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // _NS_PER_H
    if hours < 8:
        mins = minutes % 60
        return f"{hours}h" if mins == 0 else f"{hours}h{mins}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp (`metav1.Time` or `MicroTime`) as an aware datetime.

    None when unset, unparsable, or Go's zero time (which upstream prints as `<unknown>`).
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None if parsed == _GO_ZERO_TIME else parsed


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def between(start: datetime, end: datetime) -> str:
    """HumanDuration of end - start."""
    delta: timedelta = _aware(end) - _aware(start)
    ns = delta // timedelta(microseconds=1) * 1000
    return _human_duration_ns(min(max(ns, _MIN_NS), _MAX_NS))


def since(value: object, now: datetime) -> str:
    """Upstream `translateTimestampSince`: the age of a timestamp, `<unknown>` when it is unset."""
    stamp = parse_timestamp(value)
    if stamp is None:
        return "<unknown>"
    return between(stamp, now)
