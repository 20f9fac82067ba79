"""Cron schedules as CronJob validation parses them (robfig/cron's ParseStandard).

`parse_schedule` returns None when the schedule is valid, or the parser's error text, which
upstream puts verbatim in the Invalid cause.
"""
from __future__ import annotations

import re

_FIELDS = (  # (name, min, max, names)
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("dom", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
    ("dow", 0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
)
DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


class CronError(ValueError):
    pass


def parse_schedule(spec: str) -> str | None:
    try:
        _parse(spec)
        return None
    except CronError as exc:
        return str(exc)


def _parse(spec: str) -> None:
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        zone, _, spec = spec.partition(" ")
        if not zone.split("=", 1)[1]:
            raise CronError(f"provided bad location {zone.split('=', 1)[1]}: unknown time zone")
    if spec.startswith("@"):
        _parse_descriptor(spec)
        return
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for text, (_, low, high, names) in zip(fields, _FIELDS):
        for expr in text.split(","):
            _parse_range(expr, low, high, names)


def _parse_descriptor(spec: str) -> None:
    if spec in DESCRIPTORS:
        return
    if spec.startswith("@every "):
        duration = spec[len("@every "):]
        if not _DURATION.match(duration) and duration != "0":
            raise CronError(f"failed to parse duration {spec}: time: invalid duration "
                            f"\"{duration}\"")
        return
    raise CronError(f"unrecognized descriptor: {spec}")


def _parse_int(expr: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", expr):
        raise CronError(f"failed to parse int from {expr}: strconv.Atoi: parsing "
                        f"\"{expr}\": invalid syntax")
    value = int(expr)
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {expr}")
    return value


def _int_or_name(expr: str, names: dict[str, int]) -> int:
    if expr.lower() in names:
        return names[expr.lower()]
    return _parse_int(expr)


def _parse_range(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    range_and_step = expr.split("/")
    bounds = range_and_step[0].split("-")
    if bounds[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _int_or_name(bounds[0], names)
        if len(bounds) == 1:
            end = start
        elif len(bounds) == 2:
            end = _int_or_name(bounds[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _parse_int(range_and_step[1])
        if len(bounds) == 1 and bounds[0] not in ("*", "?"):
            end = high   # "N/step" means "N-max/step"
    elif len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
