"""How a task's deadline reads to a person: a date, or a date and time where the time matters.

A deadline counted in whole days from the moment the task arrived ("within 3 days") or ending a
day (a ``dueFrom`` date: 23:59:59) is a day to a reader: "2026-12-05", not "2026-12-05 03:24",
the arrival time carried over. Such a deadline is then kept to the end of that day in the site's
zone, so that a task is not shown overdue on the very day it reads as due. A deadline counted in
hours (``PT36H``) keeps its time.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

DAY = timedelta(days=1)


def is_a_day(due_at: datetime, created_at: datetime | None, zone: tzinfo) -> bool:
    local = due_at.astimezone(zone)
    if (local.hour, local.minute) == (23, 59):
        return True
    return (
        created_at is not None
        and due_at > created_at
        and (due_at - created_at) % DAY == timedelta(0)
    )


def end_of_due_day(due_at: datetime, created_at: datetime | None, zone: tzinfo) -> datetime:
    """The moment after which the task is overdue as the reader sees its deadline."""
    if not is_a_day(due_at, created_at, zone):
        return due_at
    day = due_at.astimezone(zone).date()
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def shown(due_at: datetime | None, created_at: datetime | None, zone: tzinfo) -> str:
    if due_at is None:
        return "—"
    local = due_at.astimezone(zone)
    if is_a_day(due_at, created_at, zone):
        return local.date().isoformat()
    return local.strftime("%Y-%m-%d %H:%M")
