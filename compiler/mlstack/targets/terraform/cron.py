"""Spec schedules (five-field cron or a macro, names in any case, Sunday as 0 or 7) in the
dialect each cloud scheduler reads.

Cloud Scheduler takes unix-cron with day and month names in capitals ("SUN", "JAN") and 7 for
Sunday; Azure ML cron triggers take five fields with days of week 0-6, so a 7 there becomes 0.
Neither reads the `@daily` macros, which become their five-field meaning.
"""

from __future__ import annotations

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
}
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def fields(schedule: str) -> list[str]:
    """The five fields of a schedule, macros expanded."""
    return MACROS.get(schedule, schedule).split()


def unix(schedule: str) -> str:
    """Cloud Scheduler's unix-cron: names in capitals."""
    return " ".join(field.upper() for field in fields(schedule))


def _sunday_zero(part: str) -> str:
    """One comma part of a day-of-week field without a 7: a range or step reaching 7 is
    spelt out as its days, 7 counted as 0."""
    base, _, step = part.partition("/")
    first, dash, last = base.partition("-")
    if base == "7":
        return "0"
    if not (dash and last == "7"):
        return part
    start = DAYS.index(first) if first in DAYS else int(first)
    days = range(start, 8, int(step) if step else 1)
    return ",".join(str(day % 7) for day in days)


def azure(schedule: str) -> str:
    """Azure ML's cron trigger: names in capitals, days of week 0-6."""
    minute, hour, dom, month, dow = unix(schedule).split()
    dow = ",".join(_sunday_zero(part) for part in dow.split(","))
    return f"{minute} {hour} {dom} {month} {dow}"
