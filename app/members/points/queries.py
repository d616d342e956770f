"""The points of a branch's members for a year, computed on request from the records (nothing is
stored: the records are the truth, and a correction to a meeting's attendance shows at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.models import OrgUnit
from app.identity.models import Person
from app.members.points.accrual import MemberPoints
from app.members.points.accrual import accrue
from app.members.points.facts import gather
from app.members.points.facts import members_of_year
from app.members.points.scheme import Scheme
from app.members.points.versions import current_scheme


@dataclass(frozen=True)
class Ranked:
    rank: int
    person_id: int
    name: str
    points: MemberPoints


def branch_points(
    session: Session, branch: OrgUnit, year: int, today: date, scheme: Scheme | None = None
) -> dict[int, MemberPoints]:
    """Person id → points, for the party members on the branch's rolls at the year's end."""
    scheme = scheme or current_scheme(session)
    people = members_of_year(session, branch, year, today)
    return accrue(scheme, people, gather(session, scheme, branch, year, today), year)


def ranking(
    session: Session, branch: OrgUnit, year: int, today: date, scheme: Scheme | None = None
) -> list[Ranked]:
    """The branch's members by points, highest first (equal points share a rank)."""
    found = branch_points(session, branch, year, today, scheme)
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(found))).all())
    ordered = sorted(found.values(), key=lambda p: (-p.total, names.get(p.person, "")))
    ranked, previous, rank = [], None, 0
    for index, points in enumerate(ordered, start=1):
        if points.total != previous:
            rank, previous = index, points.total
        ranked.append(Ranked(rank, points.person, names.get(points.person, ""), points))
    return ranked


def person_points(session: Session, person: Person, year: int, today: date) -> MemberPoints | None:
    """One member's points of the year at their branch (None: not a party member there)."""
    if person.branch_id is None:
        return None
    branch = session.get(OrgUnit, person.branch_id)
    return branch_points(session, branch, year, today).get(person.id)
