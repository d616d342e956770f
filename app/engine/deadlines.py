"""When a human task is due: ``dueIn``, ``dueFrom`` and ``dueCalendar`` of a user or manual task.

* ``dueIn``: an ISO 8601 duration, signed: ``P15D``, ``PT36H``, ``-P3D`` (three days before);
* ``dueFrom``: the name of a variable in the task's data holding the moment counted from — a date,
  a datetime or an ISO 8601 string; without it the moment the task became ready;
* ``dueCalendar``: ``calendar`` (default: every day counts) or ``working``: whole days are counted
  on the working-day calendar (``workdays.py``), so ``dueIn`` must then be whole days (``P5D``).

Pure Python: no Flask, no database. The app passes the clock's value, its zone and the calendar.
"""

from __future__ import annotations

import keyword
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.workdays import WorkingCalendar

CALENDAR_DAYS, WORKING_DAYS = "calendar", "working"
DUE_CALENDARS = (CALENDAR_DAYS, WORKING_DAYS)

#: A date without a time of day is read as the end of that day in the enterprise's zone (Beijing
#: time): "within 15 days after 1 March" or "3 days before the meeting on the 10th" leave the
#: whole last day, which is how people read a regulation; midnight would end it a day early.
END_OF_DAY = time(23, 59, 59)


class DeadlineUnreadable(ValueError):
    """The deadline cannot be computed from the task's data (the task is kept, without one)."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_en, self.message_zh = message_en, message_zh


def parse_duration(text: str) -> tuple[int, dict[str, float]]:
    """``(sign, parts)`` of a signed ISO 8601 duration; ValueError when it is not one."""
    source = text.strip()
    sign = -1 if source.startswith("-") else 1
    body = source[1:] if source[:1] in "+-" else source
    if not body.startswith("P"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration (e.g. P3D, PT12H, -P3D)")
    try:
        parts = TimerEventDefinition.parse_iso_duration(body)
    except Exception as bad:  # the library raises a bare Exception
        raise ValueError(f"'{text}' is not an ISO 8601 duration (e.g. P3D, PT12H, -P3D)") from bad
    if not parts:
        raise ValueError(f"'{text}' is an empty duration")
    return sign, parts


def whole_days(parts: dict[str, float]) -> int | None:
    """The number of days of a duration written in days only (``P5D``), else None."""
    days = parts.get("days")
    if set(parts) == {"days"} and isinstance(days, int):
        return days
    return None


def property_problems(
    due_in: str | None, due_from: str | None, due_calendar: str | None
) -> list[tuple[str, str]]:
    """What is wrong with a task's deadline properties: (English, Chinese) messages."""
    problems = []
    parts = None
    if due_in is not None:
        try:
            parts = parse_duration(due_in)[1]
        except ValueError as bad:
            message_zh = f"dueIn 不是有效的 ISO 8601 时长（如 P3D、-P3D）：{due_in}"
            problems.append((f"dueIn: {bad}", message_zh))
    if due_from is not None and not is_plain_name(due_from):
        problems.append(
            (
                f"dueFrom '{due_from}' is not a plain variable name",
                f"dueFrom“{due_from}”不是简单的变量名",
            )
        )
    if due_calendar is not None and due_calendar not in DUE_CALENDARS:
        problems.append(
            (
                f"dueCalendar '{due_calendar}' is unknown (calendar or working)",
                f"dueCalendar“{due_calendar}”未知（应为 calendar 或 working）",
            )
        )
    if due_calendar == WORKING_DAYS and parts is not None and whole_days(parts) is None:
        problems.append(
            (
                f"dueCalendar working counts whole days: dueIn must be days (P5D), not {due_in}",
                f"按工作日计算时 dueIn 只能是整天数（如 P5D），不能是 {due_in}",
            )
        )
    return problems


def is_plain_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


def read_moment(value: Any, zone: Any) -> datetime:
    """A date, datetime or ISO string as an aware moment; DeadlineUnreadable when it is none."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise DeadlineUnreadable(
                f"'{value}' is not a date or a date and time",
                f"“{value}”不是日期或日期时间",
            ) from None
    if isinstance(value, datetime):
        # A datetime without a zone was written by a person in Beijing, not by a server.
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY, tzinfo=zone)
    raise DeadlineUnreadable(
        f"a {type(value).__name__} is not a date or a date and time",
        f"该值（{type(value).__name__}）不是日期或日期时间",
    )


def due_at(
    ready_at: datetime,
    *,
    due_in: str | None,
    due_from: str | None = None,
    anchor: Any = None,
    due_calendar: str | None = None,
    calendar: WorkingCalendar,
    zone: Any,
) -> datetime | None:
    """The task's deadline, or None without ``dueIn``/``dueFrom``; DeadlineUnreadable when the
    ``dueFrom`` value is missing or unreadable."""
    if due_in is None and due_from is None:
        return None
    start = ready_at
    if due_from is not None:
        if anchor is None or anchor == "":
            raise DeadlineUnreadable(
                f"dueFrom: the task's data has no value '{due_from}'",
                f"计算期限所需的“{due_from}”在任务数据中没有值",
            )
        try:
            start = read_moment(anchor, zone)
        except DeadlineUnreadable as bad:
            raise DeadlineUnreadable(
                f"dueFrom '{due_from}': {bad.message_en}", f"期限起算“{due_from}”：{bad.message_zh}"
            ) from None
    if due_in is None:
        return start
    sign, parts = parse_duration(due_in)
    if due_calendar == WORKING_DAYS:
        days = whole_days(parts)
        if days is None:
            raise ValueError(f"dueIn {due_in} is not whole days")  # refused at deployment
        return calendar.shift(start, sign * days, zone)
    if sign > 0:
        return start + TimerEventDefinition.get_timedelta_from_start(dict(parts), start)
    return start - TimerEventDefinition.get_timedelta_from_end(dict(parts), start)
