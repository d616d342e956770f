"""The meeting schedule (schedule.toml) and calendar periods: months, quarters and years, in local
time."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.workflow.english import in_english
from app.workflow.english import process_name

DEFAULT_FILE = Path(__file__).with_name("schedule.toml")
PERIODS = ("month", "quarter", "year")
CRITERIA = ("C12", "C13")
#: held_as → how a reminder says it was not done yet (zh, before the name; en, after it).
NOT_HELD = {
    "meeting": ("尚未召开", "not yet held"),
    "activity": ("尚未开展", "not yet carried out"),
    "collection": ("尚未完成", "not yet completed"),
}
HELD_AS = tuple(NOT_HELD)


@dataclass(frozen=True)
class Requirement:
    process_key: str
    name: str
    period: str  # "month", "quarter" or "year"
    held_step: str
    points: float
    basis: str  # "regulation" or "proposal"
    #: Owed only by branches with at least this many full members (0: by every branch).
    min_full_members: int = 0
    #: The rubric criterion it counts toward: C12 (三会一课, a share of it) or C13 (主题党日).
    criterion: str = "C12"
    #: How the reminder and the missed-procedure task say it was not done: a meeting is
    #: convened (召开, "held"), an activity such as the themed party day, the talks or the
    #: appraisal is carried out (开展), a collection such as the dues round is completed (完成).
    held_as: str = "meeting"
    #: Whether holding it keeps a month from counting toward veto V4 ("no 三会一课/主题党日 for 3
    #: months"): organisational life does; a yearly appraisal, the talks or a dues round do not.
    counts_for_v4: bool = False
    #: A yearly requirement due within some months of the year (first, last month): the annual
    #: plan by the end of January, the half-year review in July. Outside them it is not done.
    months: tuple[int, int] | None = None
    #: The English name, where one procedure has several requirements (the plan, its half-year
    #: review and its summary) and the procedure's name would not tell them apart.
    name_en: str = ""

    @property
    def shown_name(self) -> str:
        """The requirement's name in the reader's language."""
        if self.name_en:
            return self.name_en if in_english() else self.name
        return process_name(self.process_key, self.name)

    @property
    def not_held_zh(self) -> str:
        """ "尚未召开", "尚未开展" or "尚未完成", before the procedure's name."""
        return NOT_HELD[self.held_as][0]

    @property
    def not_held_en(self) -> str:
        return NOT_HELD[self.held_as][1]


@dataclass(frozen=True)
class Schedule:
    meetings: tuple[Requirement, ...]
    remind_days_before_end: int


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def label_en(self) -> str:
        """``label`` in English, for texts written once for readers of either language."""
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def shown(self) -> str:
        """The label in the reader's language (``label`` is what records and keys keep)."""
        if self.kind == "year":
            return str(self.start.year)  # a bare year reads the same in either language
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return _("%(year)d Q%(quarter)d", year=self.start.year, quarter=quarter)
        return _("%(year)d/%(month)d", year=self.start.year, month=self.start.month)

    @property
    def short(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.month)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def holds(self, day: date) -> bool:
        return self.start <= day < self.end


def period_of(day: date, kind: str) -> Period:
    if kind == "year":
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), kind)
    first_month = day.month if kind == "month" else (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    step = 1 if kind == "month" else 3
    month = first_month + step
    end = date(day.year + (month > 12), (month - 1) % 12 + 1, 1)
    return Period(start, end, kind)


def periods_of_year(year: int, kind: str) -> list[Period]:
    if kind == "year":
        return [period_of(date(year, 1, 1), kind)]
    months = range(1, 13) if kind == "month" else (1, 4, 7, 10)
    return [period_of(date(year, m, 1), kind) for m in months]


def period_for(requirement: Requirement, day: date) -> Period:
    """The period of ``requirement`` that ``day`` falls in: for one due within some months, the
    window of ``day``'s year (whether or not ``day`` is inside it)."""
    if requirement.months is None:
        return period_of(day, requirement.period)
    first, last = requirement.months
    end = date(day.year + 1, 1, 1) if last == 12 else date(day.year, last + 1, 1)
    return Period(date(day.year, first, 1), end, "year")


def requirement_periods(requirement: Requirement, year: int) -> list[Period]:
    if requirement.months is None:
        return periods_of_year(year, requirement.period)
    return [period_for(requirement, date(year, 1, 1))]


def due_periods(requirement: Requirement, today: date) -> tuple[Period, Period | None]:
    """The last period of ``requirement`` that ended before ``today``, and the one running today
    (None: between the windows of a requirement due within some months)."""
    current = period_for(requirement, today)
    if requirement.months is None:
        return period_for(requirement, current.start - timedelta(days=1)), current
    if today >= current.end:
        return current, None
    last_year = period_for(requirement, date(today.year - 1, 1, 1))
    return last_year, current if today >= current.start else None


def load_schedule(path: Path) -> Schedule:
    """Read and check a schedule file; a mistake names the file and the entry."""
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    meetings = []
    for index, entry in enumerate(document.get("meeting", [])):
        if "months" in entry:
            entry = {**entry, "months": tuple(entry["months"])}
        requirement = Requirement(**entry)
        months = requirement.months
        if months is not None and (
            requirement.period != "year"
            or len(months) != 2
            or not 1 <= months[0] <= months[1] <= 12
        ):
            raise ValueError(
                f"{path.name}: meeting {index + 1}: months must be [first, last] of a yearly one"
            )
        if requirement.period not in PERIODS or requirement.points < 0:
            raise ValueError(
                f"{path.name}: meeting {index + 1}: period must be month, quarter or year"
            )
        if requirement.held_as not in HELD_AS:
            raise ValueError(
                f"{path.name}: meeting {index + 1}: held_as must be one of {', '.join(HELD_AS)}"
            )
        if requirement.criterion not in CRITERIA:
            raise ValueError(f"{path.name}: meeting {index + 1}: criterion must be C12 or C13")
        meetings.append(requirement)
    return Schedule(tuple(meetings), int(document.get("remind_days_before_end", 7)))


@cache
def _cached(path: str) -> Schedule:
    return load_schedule(Path(path))


def schedule() -> Schedule:
    return _cached(str(current_app.config["MEETING_SCHEDULE_FILE"]))
