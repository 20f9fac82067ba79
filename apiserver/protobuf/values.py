"""The well-known types whose JSON form is not an object: times, durations, quantities, ...

Each converter takes the bytes of the embedded message and returns the JSON value upstream's Go
types would marshal, or None where Go writes `null` (a zero time, an empty RawExtension), which
the decoder then leaves out.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from apiserver.protobuf.wire import LENGTH, VARINT, WireError, iter_fields, to_signed64

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _ints(data: bytes) -> dict[int, int]:
    return {n: to_signed64(v) for n, wt, v in iter_fields(data) if wt == VARINT}


def _strings(data: bytes) -> dict[int, bytes]:
    return {n: v for n, wt, v in iter_fields(data) if wt == LENGTH}


def _instant(seconds: int, micros: int) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=micros)
    except OverflowError:
        raise WireError(f"timestamp {seconds}s is out of range") from None


def _date_time(t: datetime) -> str:
    # Spelled out rather than strftime: %Y does not zero-pad years before 1000 on every libc.
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}")


def time_value(data: bytes) -> str | None:
    """metav1.Time {1 seconds, 2 nanos}: RFC 3339 in UTC, whole seconds (upstream drops nanos)."""
    if not data:
        return None
    return _date_time(_instant(_ints(data).get(1, 0), 0)) + "Z"


def micro_time_value(data: bytes) -> str | None:
    """metav1.MicroTime: RFC 3339 with exactly six fractional digits."""
    if not data:
        return None
    fields = _ints(data)
    t = _instant(fields.get(1, 0), int(fields.get(2, 0) / 1000))
    return f"{_date_time(t)}.{t.microsecond:06d}Z"


def duration_value(data: bytes) -> str:
    """metav1.Duration {1 int64 nanoseconds}: Go's time.Duration.String() (`1h0m0s`, `1.5s`)."""
    return go_duration(_ints(data).get(1, 0))


def go_duration(ns: int) -> str:
    if ns == 0:
        return "0s"
    sign, n = ("-" if ns < 0 else ""), abs(ns)
    if n < 1000:
        return f"{sign}{n}ns"
    if n < 1_000_000:
        return f"{sign}{_decimal(n, 3)}µs"
    if n < 1_000_000_000:
        return f"{sign}{_decimal(n, 6)}ms"
    seconds, frac = divmod(n, 1_000_000_000)
    text = f"{seconds % 60}{_fraction(frac, 9)}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        if minutes // 60:
            text = f"{minutes // 60}h{text}"
    return sign + text


def _decimal(value: int, digits: int) -> str:
    whole, frac = divmod(value, 10 ** digits)
    return f"{whole}{_fraction(frac, digits)}"


def _fraction(frac: int, digits: int) -> str:
    text = f"{frac:0{digits}d}".rstrip("0")
    return f".{text}" if text else ""


def int_or_string_value(data: bytes) -> int | str:
    """intstr.IntOrString {1 type, 2 intVal, 3 strVal}: a number when type is 0, else a string."""
    kind, number, text = 0, 0, b""
    for n, wt, v in iter_fields(data):
        if n == 1 and wt == VARINT:
            kind = to_signed64(v)
        elif n == 2 and wt == VARINT:
            number = to_signed64(v)
        elif n == 3 and wt == LENGTH:
            text = v
    if kind == 0:
        return number
    if kind == 1:
        return text.decode("utf-8", "replace")
    raise WireError(f"IntOrString has an invalid type {kind}")


def quantity_value(data: bytes) -> str:
    """resource.Quantity {1 string}: the string itself; canonical forms are the registry's job."""
    return _strings(data).get(1, b"").decode("utf-8", "replace")


def raw_json_value(data: bytes) -> Any:
    """runtime.RawExtension / metav1.FieldsV1 {1 raw}: the embedded JSON document."""
    raw = _strings(data).get(1, b"")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise WireError(f"embedded raw object is not JSON: {e}") from None


CONVERTERS: dict[str, Callable[[bytes], Any]] = {
    "Time": time_value, "MicroTime": micro_time_value, "Duration": duration_value,
    "IntOrString": int_or_string_value, "Quantity": quantity_value,
    "RawExtension": raw_json_value, "FieldsV1": raw_json_value,
}
