"""Who was a member of which branch, with which party status, on a given day: read from the
dated records of ``commands.members`` and, before the first of them, from the person's key dates
and present branch (rules come from records: attendance, votes and assignments on the day)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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
    moved = select(BranchTransfer.person_id).where(
        or_(BranchTransfer.from_branch_id == branch_id, BranchTransfer.to_branch_id == branch_id)
    )
    candidates = list(
        session.scalars(
            select(Person)
            .where(or_(Person.branch_id == branch_id, Person.id.in_(moved)))
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
    return {
        day: [
            (p, _status_from(p, changes.get(p.id, []), day))
            for p in candidates
            if _branch_from(p, transfers.get(p.id, []), day) == branch_id
        ]
        for day in set(days)
    }


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
