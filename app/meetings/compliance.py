"""Whether a branch held each required meeting in each period, read from the step log: a meeting is
held when the step that records it (its attendance and minutes) is completed.

A branch's meetings are its own instances and those of its party groups. Party-group meetings are
required of every group: a branch with three groups needs three a month. Periods before the
procedure was first deployed are not judged: the system cannot know what happened before it.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.meetings.schedule import Period
from app.meetings.schedule import Requirement
from app.meetings.schedule import period_for
from app.meetings.schedule import requirement_periods
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry


@dataclass(frozen=True)
class Cell:
    period: Period
    held: int
    required: int
    #: held, missed, open (the period is running), future, untracked (before the procedure existed)
    state: str


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    cells: list[Cell]


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def tracked_from(session: Session, process_key: str) -> date | None:
    """The first day meetings of this procedure could be recorded here (its first deployment)."""
    first = session.scalar(
        select(func.min(ProcessDefinition.deployed_at)).where(
            ProcessDefinition.process_key == process_key
        )
    )
    return first.date() if first else None


def branch_of_instance():
    """The branch an instance belongs to: its organisation, or the parent of a party group."""
    org = aliased(OrgUnit)
    return org, case((org.kind == OrgKind.PARTY_GROUP, org.parent_id), else_=org.id)


def _held_where(requirement: Requirement, since: date, until: date, zone: ZoneInfo) -> list:
    """The step-log rows that record a meeting of ``requirement`` held in [since, until)."""
    return [
        ProcessInstance.process_key == requirement.process_key,
        ProcessInstance.status != InstanceStatus.CANCELLED,
        StepLogEntry.element_id == requirement.held_step,
        StepLogEntry.action == "task_completed",
        StepLogEntry.occurred_at >= _utc(since, zone),
        StepLogEntry.occurred_at < _utc(until, zone),
    ]


def held_counts(
    session: Session, requirement: Requirement, since: date, until: date, zone: ZoneInfo
) -> Counter[int]:
    """Branch id → meetings held in [since, until), for every branch at once."""
    org, branch_id = branch_of_instance()
    rows = session.execute(
        select(branch_id, func.count())
        .select_from(StepLogEntry)
        .join(ProcessInstance, ProcessInstance.id == StepLogEntry.instance_id)
        .join(org, org.id == ProcessInstance.org_unit_id)
        .where(*_held_where(requirement, since, until, zone))
        .group_by(branch_id)
    )
    return Counter({row[0]: row[1] for row in rows})


def held_days(
    session: Session,
    requirement: Requirement,
    year: int,
    zone: ZoneInfo,
    branch_ids: list[int],
) -> dict[int, list[date]]:
    """Branch id → the local days in ``year`` a meeting was held, for these branches at once."""
    org, branch_id = branch_of_instance()
    rows = session.execute(
        select(branch_id, StepLogEntry.occurred_at)
        .join(ProcessInstance, ProcessInstance.id == StepLogEntry.instance_id)
        .join(org, org.id == ProcessInstance.org_unit_id)
        .where(
            *_held_where(requirement, date(year, 1, 1), date(year + 1, 1, 1), zone),
            branch_id.in_(branch_ids),
        )
    )
    days: dict[int, list[date]] = defaultdict(list)
    for branch, moment in rows:
        days[branch].append(moment.astimezone(zone).date())
    return days


@dataclass(frozen=True)
class BranchFacts:
    """What decides how many meetings a branch owes: its party groups (each owes its own monthly
    group meeting) and its full members (a committee only from 7)."""

    groups: Counter[int]
    full_members: Counter[int]


def branch_facts(session: Session) -> BranchFacts:
    groups = session.execute(
        select(OrgUnit.parent_id, func.count())
        .where(OrgUnit.kind == OrgKind.PARTY_GROUP)
        .group_by(OrgUnit.parent_id)
    )
    full = session.execute(
        select(Person.branch_id, func.count())
        .where(Person.party_status == PartyStatus.FULL)
        .group_by(Person.branch_id)
    )
    return BranchFacts(Counter(dict(groups.all())), Counter(dict(full.all())))


def required_count(requirement: Requirement, branch_id: int, facts: BranchFacts) -> int:
    """0 when the meeting does not apply to the branch: a committee meeting without a committee,
    a party group meeting without party groups."""
    if facts.full_members[branch_id] < requirement.min_full_members:
        return 0
    if requirement.process_key != "party_group_meeting":
        return 1
    return facts.groups[branch_id]


def judged(period: Period, since: date | None) -> bool:
    """Whether a missing meeting counts against the branch: only in periods that began after the
    procedure was in use here."""
    return since is not None and period.start >= since


def _state(period: Period, held: int, required: int, today: date, since: date | None) -> str:
    if required == 0:
        return "not_required"
    if held >= required:
        return "held"
    if not judged(period, since):
        return "untracked"
    if period.start > today:
        return "future"
    return "open" if period.end > today else "missed"


def calendars(
    session: Session,
    branches: list[OrgUnit],
    year: int,
    today: date,
    zone: ZoneInfo,
    meetings: tuple[Requirement, ...],
) -> dict[int, list[Row]]:
    """Branch id → its calendar for ``year``: a few queries for any number of branches."""
    ids = [b.id for b in branches]
    facts = branch_facts(session)
    calendar: dict[int, list[Row]] = {i: [] for i in ids}
    for requirement in meetings:
        since = tracked_from(session, requirement.process_key)
        days = held_days(session, requirement, year, zone, ids)
        periods = requirement_periods(requirement, year)
        for branch_id in ids:
            per_period = Counter(
                p for d in days.get(branch_id, []) if (p := period_for(requirement, d)).holds(d)
            )
            required = required_count(requirement, branch_id, facts)
            cells = [
                Cell(p, per_period[p], required, _state(p, per_period[p], required, today, since))
                for p in periods
            ]
            calendar[branch_id].append(Row(requirement, cells))
    return calendar


def branch_calendar(
    session: Session,
    branch: OrgUnit,
    year: int,
    today: date,
    zone: ZoneInfo,
    meetings: tuple[Requirement, ...],
) -> list[Row]:
    return calendars(session, [branch], year, today, zone, meetings)[branch.id]


def c12_score(rows: list[Row]) -> tuple[float, float] | None:
    """Criterion C12 from a year's calendar: each meeting's points pro rata to the periods held
    among those already judged (held or missed). None while no period has been judged."""
    score = possible = 0.0
    for row in rows:
        if row.requirement.criterion != "C12":
            continue
        judged = [c for c in row.cells if c.state in ("held", "missed")]
        if not judged:
            continue
        possible += row.requirement.points
        score += row.requirement.points * sum(c.state == "held" for c in judged) / len(judged)
    return (round(score, 2), possible) if possible else None


#: What a month without the meeting costs in C05 (committee) and C13 (themed day) (domain.md §6).
PER_MISSED_MONTH = 0.5


def row_of(rows: list[Row], process_key: str) -> Row | None:
    return next((r for r in rows if r.requirement.process_key == process_key), None)


def per_missed_score(row: Row | None, points: float | None) -> float | None:
    """``points`` less 0.5 per period judged missed (floor 0); None while none is judged."""
    if row is None or points is None:
        return None
    judged = [c for c in row.cells if c.state in ("held", "missed")]
    if not judged:
        return None
    missed = sum(c.state == "missed" for c in judged)
    return round(max(0.0, points - PER_MISSED_MONTH * missed), 2)


def c13_score(rows: list[Row]) -> tuple[float, float] | None:
    """Criterion C13 (主题党日 monthly) from a year's calendar, out of the schedule's points."""
    row = next((r for r in rows if r.requirement.criterion == "C13"), None)
    score = per_missed_score(row, row.requirement.points if row else None)
    return None if score is None else (score, row.requirement.points)
