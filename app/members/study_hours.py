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

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.kinds import PartyStatus
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
    found: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(SOURCE_KEYS, 0.0))
    for person in year_members(session, branch_id, year):  # a member without hours has a row
        found[person] = dict.fromkeys(SOURCE_KEYS, 0.0)
    for source, answers, initiator in _records(session, branch_id):
        hours = _number(answers.get("hours"))
        on = meeting_day(answers.get(source.date_field), clock.now())
        if hours is None or on.year != year or source.date_field not in answers:
            continue
        for person in _who(source, answers, initiator):
            found[person][source.process_key] += hours
    return {p: {k: round(v, 2) for k, v in hours.items()} for p, hours in found.items()}


def year_members(session: Session, branch_id: int, year: int) -> list[int]:
    """The party members (full and probationary) on the branch's rolls at the year's end, or
    today while the year runs: those the 32 hours are asked of."""
    day = min(date(year, 12, 31), clock.now().astimezone(clock.local_zone()).date())
    return [p.id for p, status in roster_on(session, branch_id, day) if status in PARTY_MEMBERS]


def _records(session: Session, branch_id: int) -> list[tuple[Source, dict[str, Any], int | None]]:
    by_key = {s.process_key: s for s in SOURCES}
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.process_key, User.person_id)
        .outerjoin(User, User.id == ProcessInstance.initiator_user_id)
        .where(
            ProcessInstance.org_unit_id == branch_id,
            ProcessInstance.process_key.in_(SOURCE_KEYS),
            ProcessInstance.status != InstanceStatus.CANCELLED,
        )
        .order_by(ProcessInstance.id)
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [(by_key[r.process_key], answers[r.id], r.person_id) for r in rows]


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


def ledger_rows(session: Session, branch_id: int, year: int) -> list[dict[str, Any]]:
    """The study-hours ledger (ledgers/study_hours_ledger.json): a row per member, the hours by
    source, the total and whether it reaches 32 — the year's members first, by name."""
    rows = []
    for person, by_source in study_hours_by_source(session, branch_id, year).items():
        total = round(sum(by_source.values()), 2)
        rows.append({"person": person, **by_source, "total": total})
        rows[-1]["reached"] = total >= REQUIRED_HOURS
    return rows
