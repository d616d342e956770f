"""Who was a member of which branch, with which party status, on a given day: read from the
dated records of ``commands.members`` and, before the first of them, from the person's key dates
and present branch (rules come from records: attendance, votes and assignments on the day)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import PartyStatus
from app.identity.models import BranchTransfer
from app.identity.models import PartyStatusChange
from app.identity.models import Person

#: The key dates in the order the statuses follow one another.
_BY_DATE = (
    ("full_membership_date", PartyStatus.FULL),
    ("admission_date", PartyStatus.PROBATIONARY),
    ("development_target_date", PartyStatus.DEVELOPMENT_TARGET),
    ("activist_date", PartyStatus.ACTIVIST),
)


def party_status_on(session: Session, person: Person, day: date) -> PartyStatus | None:
    """The person's status on ``day`` (None before they applied, when that date is known)."""
    changes = list(
        session.scalars(
            select(PartyStatusChange)
            .where(PartyStatusChange.person_id == person.id)
            .order_by(PartyStatusChange.effective_on, PartyStatusChange.id)
        )
    )
    return _status_from(person, changes, day)


def _status_by_dates(person: Person, day: date) -> PartyStatus | None:
    for name, status in _BY_DATE:
        reached = getattr(person, name)
        if reached is not None and reached <= day:
            return status
    if person.application_date is not None and person.application_date <= day:
        return PartyStatus.APPLICANT
    return None


def branch_on(session: Session, person: Person, day: date) -> int:
    """The id of the branch the person belonged to on ``day``."""
    transfers = list(
        session.scalars(
            select(BranchTransfer)
            .where(BranchTransfer.person_id == person.id)
            .order_by(BranchTransfer.effective_on, BranchTransfer.id)
        )
    )
    return _branch_from(person, transfers, day)


def members_of(session: Session, branch_id: int, day: date) -> list[Person]:
    """The people whose membership was at ``branch_id`` on ``day``, by name."""
    moved = select(BranchTransfer.person_id).where(
        or_(BranchTransfer.from_branch_id == branch_id, BranchTransfer.to_branch_id == branch_id)
    )
    candidates = session.scalars(
        select(Person)
        .where(or_(Person.branch_id == branch_id, Person.id.in_(moved)))
        .order_by(Person.name, Person.id)
    )
    return [p for p in candidates if branch_on(session, p, day) == branch_id]


def roster_on(
    session: Session, branch_id: int, day: date
) -> list[tuple[Person, PartyStatus | None]]:
    """Who was on ``branch_id``'s rolls on ``day`` and with which party status, by name.

    The same answers as ``members_of`` and ``party_status_on``, read in three queries whatever
    the branch's size: a meeting form asks this on every page and every submission.
    """
    return rosters_on(session, branch_id, [day])[day]


def rosters_on(
    session: Session, branch_id: int, days: Iterable[date]
) -> dict[date, list[tuple[Person, PartyStatus | None]]]:
    """``roster_on`` for several days, still in three queries (a year's attendance register)."""
    days = set(days)
    rosters = rosters_at(session, {branch_id: days})
    return {day: rosters[branch_id, day] for day in days}


def rosters_at(
    session: Session, days_of: dict[int, Iterable[date]]
) -> dict[tuple[int, date], list[tuple[Person, PartyStatus | None]]]:
    """``roster_on`` for several branches, each on its days, in three queries however many
    branches (a unit's roll-up of its branches' attendance registers)."""
    history: dict[int, list[tuple[Person, list, list]]] = {b: [] for b in days_of}
    for person, transfers, changes in _histories(session, list(days_of)):
        ever = {person.branch_id} | {
            b for t in transfers for b in (t.from_branch_id, t.to_branch_id)
        }
        for branch_id in ever & set(days_of):
            history[branch_id].append((person, transfers, changes))
    return {
        (branch_id, day): [
            (p, _status_from(p, changes, day))
            for p, transfers, changes in history[branch_id]
            if _branch_from(p, transfers, day) == branch_id
        ]
        for branch_id, days in days_of.items()
        for day in set(days)
    }


def rolls_in_year(
    session: Session, branch_ids: list[int], first: date, last: date
) -> list[tuple[Person, int, PartyStatus | None]]:
    """Everyone on the rolls of one of ``branch_ids`` at some time in [first, last]: the person,
    the branch, and their status on their last day there in that time (who left in March is
    listed as they were when they left). A person moved between two of the branches is listed
    at both."""
    found = []
    for person, transfers, changes in _histories(session, branch_ids):
        moves = sorted({t.effective_on for t in transfers if first < t.effective_on <= last})
        starts = [first, *moves]
        ends = [*(d - timedelta(days=1) for d in moves), last]
        last_day: dict[int, date] = {}
        for start, end in zip(starts, ends, strict=True):
            last_day[_branch_from(person, transfers, start)] = end
        found += [
            (person, branch_id, _status_from(person, changes, day))
            for branch_id, day in last_day.items()
            if branch_id in branch_ids
        ]
    return found


def _histories(
    session: Session, branch_ids: list[int]
) -> list[tuple[Person, list[BranchTransfer], list[PartyStatusChange]]]:
    """Everyone ever on the rolls of ``branch_ids``, by name, with their transfers and status
    changes in date order: three queries."""
    moved = select(BranchTransfer.person_id).where(
        or_(
            BranchTransfer.from_branch_id.in_(branch_ids),
            BranchTransfer.to_branch_id.in_(branch_ids),
        )
    )
    candidates = list(
        session.scalars(
            select(Person)
            .where(or_(Person.branch_id.in_(branch_ids), Person.id.in_(moved)))
            .order_by(Person.name, Person.id)
        )
    )
    ids = [p.id for p in candidates]
    transfers: dict[int, list[BranchTransfer]] = {}
    for t in session.scalars(
        select(BranchTransfer)
        .where(BranchTransfer.person_id.in_(ids))
        .order_by(BranchTransfer.effective_on, BranchTransfer.id)
    ):
        transfers.setdefault(t.person_id, []).append(t)
    changes: dict[int, list[PartyStatusChange]] = {}
    for c in session.scalars(
        select(PartyStatusChange)
        .where(PartyStatusChange.person_id.in_(ids))
        .order_by(PartyStatusChange.effective_on, PartyStatusChange.id)
    ):
        changes.setdefault(c.person_id, []).append(c)
    return [(p, transfers.get(p.id, []), changes.get(p.id, [])) for p in candidates]


def _branch_from(person: Person, transfers: list[BranchTransfer], day: date) -> int:
    on_or_before = [t for t in transfers if t.effective_on <= day]
    if on_or_before:
        return on_or_before[-1].to_branch_id
    return transfers[0].from_branch_id if transfers else person.branch_id


def _status_from(person: Person, changes: list[PartyStatusChange], day: date) -> PartyStatus | None:
    on_or_before = [c for c in changes if c.effective_on <= day]
    if on_or_before:
        return on_or_before[-1].to_status
    if changes:  # before the first recorded change: its dates, else what it changed from
        return _status_by_dates(person, day) or changes[0].from_status
    return _status_by_dates(person, day) or person.party_status
