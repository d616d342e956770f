"""Working days on the Chinese calendar: public holidays and adjusted working days (调休上班日).

Pure Python, standard library only: the app reads the calendar file (``WORKING_CALENDAR_FILE``) and
passes the text or the parsed ``WorkingCalendar`` in; nothing here reads files, the clock or the
database. The sandbox processes import this module on its own (``jail_child.py``), like
``restricted.py``, to offer the working-day helpers to model code.

Counting rule, used throughout: ``add_working_days(day, n)`` is the n-th working day after ``day``
(``day`` itself is not counted, whether or not it is a working day), before it when ``n`` is
negative, and ``day`` itself when ``n`` is 0. ``working_days_between(start, end)`` counts the
working days passed on the way: those in (start, end], or minus those in [end, start) when ``end``
is before ``start``, so that
``working_days_between(d, add_working_days(d, n)) == n`` for every ``d`` and ``n``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

#: The year a search for the n-th working day gives up at: no calendar has a year without one.
_MAX_SEARCH_DAYS = 366 * 50


class CalendarFileError(ValueError):
    """The calendar file is not what the format in its header describes."""


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: str
    provisional: bool
    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass(frozen=True)
class WorkingCalendar:
    years: dict[int, CalendarYear] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        known = self.years.get(day.year)
        if known is None:
            # A year the calendar does not list: Monday to Friday, since nobody has published
            # (or entered) its holidays; add the year to the file as soon as the notice is out.
            return day.weekday() < 5
        if day in known.workdays:
            return True
        return day.weekday() < 5 and day not in known.holidays

    def add_working_days(self, day: date, n: int) -> date:
        step = 1 if n > 0 else -1
        remaining, current = abs(int(n)), day
        for _ in range(_MAX_SEARCH_DAYS):
            if remaining == 0:
                return current
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        raise ValueError("no working day found within 50 years")

    def working_days_between(self, start: date, end: date) -> int:
        # The working days passed on the way from start to end, as add_working_days steps:
        # (start, end] going forward, [end, start) going back.
        step = 1 if end >= start else -1
        count, current = 0, start
        while current != end:
            current += timedelta(days=step)
            count += self.is_working_day(current)
        return count if step > 0 else -count

    def shift(self, moment: datetime, days: int, zone: Any) -> datetime:
        """``moment`` moved by ``days`` working days, at the same local time of day."""
        local = moment.astimezone(zone)
        day = self.add_working_days(local.date(), days)
        return datetime.combine(day, local.time(), tzinfo=zone)

    def script_helpers(self, zone: Any) -> dict[str, Any]:
        """``add_working_days`` and ``working_days_between`` for model code: on dates, or on
        datetimes (their day in the enterprise's zone; ``add_working_days`` keeps the time)."""

        def add_working_days(day: date, n: int) -> date:
            if isinstance(day, datetime):
                return self.shift(day, int(n), zone)
            return self.add_working_days(day, int(n))

        def working_days_between(start: date, end: date) -> int:
            return self.working_days_between(_local_day(start, zone), _local_day(end, zone))

        return {"add_working_days": add_working_days, "working_days_between": working_days_between}


def _local_day(value: date, zone: Any) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


#: Monday to Friday only: what an app without a calendar file would use.
WEEKDAYS_ONLY = WorkingCalendar()


def parse_calendar(text: str) -> WorkingCalendar:
    """The calendar from the TOML text of a calendar file (``[years.2026]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        raise CalendarFileError(f"not TOML: {bad}") from bad
    years = {}
    for key, table in (data.get("years") or {}).items():
        year = _year(key, table)
        years[year.year] = year
    return WorkingCalendar(years)


def _year(key: str, table: dict) -> CalendarYear:
    if not key.isdigit() or not isinstance(table, dict):
        raise CalendarFileError(f"years.{key}: a year table like [years.2026] is expected")
    year = int(key)
    source = str(table.get("source") or "")
    if not source:
        raise CalendarFileError(f"years.{key}: every year names its source")
    holidays, workdays = _dates(table, "holidays", year), _dates(table, "workdays", year)
    if holidays & workdays:
        raise CalendarFileError(f"years.{key}: a day is both a holiday and a working day")
    if any(day.weekday() < 5 for day in workdays):
        raise CalendarFileError(f"years.{key}: adjusted working days are Saturdays or Sundays")
    return CalendarYear(year, source, bool(table.get("provisional")), holidays, workdays)


def _dates(table: dict, name: str, year: int) -> frozenset[date]:
    days = set()
    for value in table.get(name) or []:
        if type(value) is not date or value.year != year:
            raise CalendarFileError(f"years.{year}.{name}: {value!r} is not a date of {year}")
        days.add(value)
    return frozenset(days)
