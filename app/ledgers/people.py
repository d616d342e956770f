"""The rows of a ledger of people (``"rows": "people"``, the member roster 党员花名册): a row per
party member on a branch's rolls at some time in the year, read from the identity records
(people, transfers, status changes, role assignments), not from any procedure's answers.

Who is listed: those who were a probationary or full member on their last day on the branch's
rolls in the year (today, for the running year); their status is the one of that day. The party
group is today's (groups keep no dated history). Roles are those held at the branch or one of its
groups at some time in the year. Five queries, for one branch or all the branches of a unit.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.kinds import PartyStatus
from app.identity.labels import GENDER
from app.identity.labels import PARTY_STATUS
from app.identity.labels import role_label
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.members import rolls_in_year
from app.ledgers.cells import Cell
from app.ledgers.definitions import LedgerDef
from app.ledgers.sources import Record
from app.workflow.models import InstanceStatus

PARTY_MEMBERS = frozenset({PartyStatus.FULL, PartyStatus.PROBATIONARY})
DATES = frozenset(
    {
        "birth_date",
        "application_date",
        "activist_date",
        "development_target_date",
        "admission_date",
        "full_membership_date",
    }
)


def roster_rows(
    session: Session, ledger: LedgerDef, orgs: list[OrgUnit], year: int, locale: str
) -> tuple[list[tuple[Record, date, list[Cell]]], tuple[str, ...]]:
    """The rows (by branch, then name) and the headings of a ledger of people."""
    first, last = date(year, 1, 1), min(date(year, 12, 31), clock.local_today())
    branch_ids = [o.id for o in orgs]
    rolls = rolls_in_year(session, branch_ids, first, last) if first <= last else []
    rolls = [(p, b, s) for p, b, s in rolls if s in PARTY_MEMBERS]
    roles = _roles(session, branch_ids, {p.id for p, _b, _s in rolls}, first, last)
    order = {b: n for n, b in enumerate(branch_ids)}
    rolls.sort(key=lambda r: (order[r[1]], r[0].name, r[0].id))
    found = []
    for person, branch_id, status in rolls:
        record = Record(person.id, "", "", "", COMPLETED, _NEVER, None, {}, branch_id)
        cells = [
            _cell(column.fields[0], person, status, roles.get((person.id, branch_id), []))
            for column in ledger.columns
        ]
        found.append((record, first, cells))
    headings = tuple(c.title_for(locale) or c.fields[0] for c in ledger.columns)
    return found, headings


#: A person's row is no instance: it was never started, and it is complete.
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)
COMPLETED = InstanceStatus.COMPLETED


def _cell(field: str, person: Person, status: PartyStatus | None, roles: list[str]) -> Cell:
    if field in DATES:
        value = getattr(person, field)
        return Cell("date", value.isoformat() if value else "")
    if field == "gender":
        return Cell("text", str(GENDER.get(person.gender, person.gender)))
    if field == "party_status":
        return Cell("text", str(PARTY_STATUS.get(status, "")) if status else "")
    if field == "party_group":
        return Cell("org", person.party_group_id)
    if field == "roles":
        return Cell("text", roles)
    return Cell("text", getattr(person, field) or "")


def _roles(
    session: Session, branch_ids: list[int], people: set[int], first: date, last: date
) -> dict[tuple[int, int], list[str]]:
    """(person, branch) → the names of the roles the person held at the branch or one of its
    groups at some time in [first, last], in one query."""
    if not people:
        return {}
    rows = session.execute(
        select(User.person_id, RoleAssignment.role_code, OrgUnit.id, OrgUnit.parent_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            User.person_id.in_(people),
            or_(OrgUnit.id.in_(branch_ids), OrgUnit.parent_id.in_(branch_ids)),
            RoleAssignment.revoked_at.is_(None),
            RoleAssignment.valid_from <= last,
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= first),
        )
        .order_by(RoleAssignment.valid_from, RoleAssignment.id)
    )
    found: dict[tuple[int, int], list[str]] = {}
    for person_id, code, org_id, parent_id in rows:
        branch = org_id if org_id in branch_ids else parent_id
        names = found.setdefault((person_id, branch), [])
        if role_label(code) not in names:
            names.append(role_label(code))
    return found
