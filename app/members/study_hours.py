"""Each member's study hours of a year (学时, 《党员教育管理工作条例》第二十条: at least 32 hours
of centralised study a year), counted from what the procedures already recorded — nothing is typed
twice:

* 党课 (``party_lecture``): the lecture's hours for each listener present (step ``deliver``);
* 主题党日 (``themed_party_day``): the day's hours for each member present (step ``hold``);
* 教育培训 (``member_training_session``): a training session's hours for each member present;
* 自学/外出培训 (``study_hours_claim``): a member's own claim, once the branch approved it.

A record counts in the year of its date (the lecture's, the day's, the session's) at the branch
that held it, from the step that recorded the attendance on, whatever the instance's later steps
(the archive of a lecture, the follow-up of a themed day). Simplified: a member who moved branch
during the year keeps the hours of each branch there; the year's members are those on the rolls
(full and probationary) on the year's last day, or today during the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries.members import roster_on
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of
from app.workflow.roster import meeting_day

#: The hours every member owes a year (REG-EDU-2019 第二十条).
REQUIRED_HOURS = 32.0
PARTY_MEMBERS = frozenset({PartyStatus.FULL, PartyStatus.PROBATIONARY})


@dataclass(frozen=True)
class Source:
    """A procedure whose records give hours: its key, the answer dating a record."""

    process_key: str
    date_field: str
    by_claim: bool = False  # the hours are the initiator's own, once ``approved``


SOURCES = (
    Source("party_lecture", "lecture_at"),
    Source("themed_party_day", "day_at"),
    Source("member_training_session", "held_on"),
    Source("study_hours_claim", "held_on", by_claim=True),
)
SOURCE_KEYS = tuple(s.process_key for s in SOURCES)


def study_hours_by_person(session: Session, branch_id: int, year: int) -> dict[int, float]:
    """Person id → hours of ``year`` at the branch; every member of the year's roll has a value
    (0.0 when none recorded), others only where they attended something."""
    return {
        person: round(sum(by_source.values()), 2)
        for person, by_source in study_hours_by_source(session, branch_id, year).items()
    }


def study_hours_by_source(
    session: Session, branch_id: int, year: int
) -> dict[int, dict[str, float]]:
    """Person id → {process key → hours of ``year``} (every source present, 0.0 if none)."""
    found = {p: dict.fromkeys(SOURCE_KEYS, 0.0) for p in year_members(session, branch_id, year)}
    for person, by_source in _hours_by_branch(session, [branch_id], year)[branch_id].items():
        found[person] = by_source  # a member without hours keeps a row of zeros
    return found


def shares_reaching(session: Session, branch_ids: list[int], year: int) -> dict[int, float | None]:
    """Branch id → the share of the year's members with 32 hours; None where the branch has no
    hours recorded in the system (criterion C08: the branch then scores itself). The hours of
    all branches in two queries; the rolls read only for branches with hours."""
    hours = _hours_by_branch(session, branch_ids, year)
    shares: dict[int, float | None] = {}
    for branch_id in branch_ids:
        if not hours[branch_id]:
            shares[branch_id] = None
            continue
        totals = {p: sum(by_source.values()) for p, by_source in hours[branch_id].items()}
        shares[branch_id] = share_reaching(totals, year_members(session, branch_id, year))
    return shares


def _hours_by_branch(
    session: Session, branch_ids: list[int], year: int
) -> dict[int, dict[int, dict[str, float]]]:
    """Branch id → person id → {process key → hours of ``year``}, for those with any."""
    found: dict[int, dict[int, dict[str, float]]] = {b: {} for b in branch_ids}
    for branch_id, source, answers, initiator in _records(session, branch_ids, year):
        hours = _number(answers.get("hours"))
        on = meeting_day(answers.get(source.date_field), clock.now())
        if hours is None or on.year != year or source.date_field not in answers:
            continue
        for person in _who(source, answers, initiator):
            by_source = found[branch_id].setdefault(person, dict.fromkeys(SOURCE_KEYS, 0.0))
            by_source[source.process_key] = round(by_source[source.process_key] + hours, 2)
    return found


def year_members(session: Session, branch_id: int, year: int) -> list[int]:
    """The party members (full and probationary) on the branch's rolls at the year's end, or
    today while the year runs: those the 32 hours are asked of."""
    day = min(date(year, 12, 31), clock.now().astimezone(clock.local_zone()).date())
    return [p.id for p, status in roster_on(session, branch_id, day) if status in PARTY_MEMBERS]


def _records(
    session: Session, branch_ids: list[int], year: int
) -> list[tuple[int, Source, dict[str, Any], int | None]]:
    """The instances that may hold hours of ``year``: alive during it, or started in the next
    (a claim handed in after the year ended)."""
    by_key = {s.process_key: s for s in SOURCES}
    zone = clock.local_zone()
    begins, after_next = datetime(year, 1, 1, tzinfo=zone), datetime(year + 2, 1, 1, tzinfo=zone)
    rows = session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.org_unit_id,
            ProcessInstance.process_key,
            User.person_id,
        )
        .outerjoin(User, User.id == ProcessInstance.initiator_user_id)
        .where(
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.process_key.in_(SOURCE_KEYS),
            ProcessInstance.status != InstanceStatus.CANCELLED,
            ProcessInstance.started_at < after_next,
            or_(ProcessInstance.ended_at.is_(None), ProcessInstance.ended_at >= begins),
        )
        .order_by(ProcessInstance.id)
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [(r.org_unit_id, by_key[r.process_key], answers[r.id], r.person_id) for r in rows]


def _who(source: Source, answers: dict[str, Any], initiator: int | None) -> list[int]:
    if source.by_claim:
        return [initiator] if answers.get("approved") is True and initiator else []
    attendance = answers.get("attendees")
    present = attendance.get("present") if isinstance(attendance, dict) else None
    return [p for p in present or () if isinstance(p, int) and not isinstance(p, bool)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def share_reaching(hours: dict[int, float], members: list[int]) -> float | None:
    """The share of ``members`` with at least the required hours (None without members)."""
    if not members:
        return None
    return sum(1 for p in members if hours.get(p, 0.0) >= REQUIRED_HOURS) / len(members)


def ledger_rows(session: Session, branch: OrgUnit, year: int, today: date) -> list[dict[str, Any]]:
    """The study-hours ledger (ledgers/study_hours_ledger.json, a computed row source): a row
    per member of the year, by name, with the hours by source, the total and whether it reaches
    32; then anyone else with hours recorded at the branch (a member who moved away)."""
    hours = study_hours_by_source(session, branch.id, year)
    rows = []
    for person, by_source in hours.items():
        total = round(sum(by_source.values()), 2)
        reached = _("Yes") if total >= REQUIRED_HOURS else _("No")
        rows.append({"person": person, **by_source, "total": total, "reached": reached})
    return rows
