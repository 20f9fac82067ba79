"""Standard cron schedules, as the CronJob controller reads them (robfig/cron's standard parser).

    sched = Schedule.parse("*/15 9-17 * * MON-FRI", "Europe/Paris")
    sched.next_after(datetime(2024, 1, 1, tzinfo=timezone.utc))   -> an aware datetime

Five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists `1,5`, ranges
`1-5`, steps `*/10`, `1-30/5`, `5/15`, names of months (JAN-DEC) and days (SUN-SAT, 7 is
Sunday too), and the descriptors @yearly/@annually, @monthly, @weekly, @daily/@midnight,
@hourly. A `TZ=` or `CRON_TZ=` prefix sets the zone, as does the CronJob's `timeZone`. As
cron: when both day fields are restricted, a day matching either is a match.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {m: i + 1 for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
               "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
               "@hourly": "0 * * * *"}
SEARCH_DAYS = 366 * 5


class ScheduleError(ValueError):
    """The schedule cannot be parsed (the message says why)."""


def _value(text: str, lo: int, hi: int, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}")
    value = int(text)
    if value < lo or value > hi:
        raise ScheduleError(f"value {value} out of range [{lo}, {hi}]")
    return value


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None = None
           ) -> tuple[frozenset[int], bool]:
    """(values, starred): the set a field matches, and whether it began with * or ?."""
    names = names or {}
    values: set[int] = set()
    starred = False
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step_text and (not step_text.isdigit() or step == 0):
            raise ScheduleError(f"invalid step in {part!r}")
        if base in ("*", "?"):
            start, end = lo, hi
            starred = starred or not step_text
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _value(a, lo, hi, names), _value(b, lo, hi, names)
            if start > end:
                raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end})")
        else:
            start = _value(base, lo, hi, names)
            end = hi if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values), starred


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_star: bool
    weekdays_star: bool
    zone: ZoneInfo | timezone

    @classmethod
    def parse(cls, text: str, time_zone: str | None = None) -> "Schedule":
        text = text.strip()
        zone_name = time_zone
        if text.startswith(("TZ=", "CRON_TZ=")):
            prefix, _, text = text.partition(" ")
            zone_name = prefix.split("=", 1)[1]
        text = DESCRIPTORS.get(text.lower(), text) if text.startswith("@") else text
        if text.startswith("@"):
            raise ScheduleError(f"unrecognized descriptor: {text}")
        fields = text.split()
        if len(fields) != 5:
            raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: {text}")
        days, days_star = _field(fields[2], 1, 31)
        weekdays, weekdays_star = _field(fields[4], 0, 7, DAYS)
        if 7 in weekdays:
            weekdays = (weekdays - {7}) | {0}
        return cls(_field(fields[0], 0, 59)[0], _field(fields[1], 0, 23)[0], days,
                   _field(fields[3], 1, 12, MONTHS)[0], weekdays, days_star, weekdays_star,
                   _zone(zone_name))

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.weekday() + 1) % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow

    def next_after(self, moment: datetime) -> datetime | None:
        """The first scheduled time strictly after `moment` (aware), in UTC; None if none
        within five years."""
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0) + \
            timedelta(minutes=1)
        day = local.replace(hour=0, minute=0)
        for _ in range(SEARCH_DAYS):
            if self._day_matches(day):
                found = self._time_in_day(day, local)
                if found is not None:
                    return found.astimezone(timezone.utc)
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None

    def _time_in_day(self, day: datetime, not_before: datetime) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                naive = datetime(day.year, day.month, day.day, hour, minute)
                candidate = naive.replace(tzinfo=self.zone)
                # a wall time skipped by a DST jump does not exist: cron skips it
                if candidate.astimezone(timezone.utc).astimezone(self.zone).replace(
                        tzinfo=None) != naive:
                    continue
                if candidate >= not_before:
                    return candidate
        return None


def _zone(name: str | None) -> ZoneInfo | timezone:
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ScheduleError(f"unknown time zone {name}") from e
