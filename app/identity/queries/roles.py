"""Who holds which role where, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Date
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.catalogue import catalogue_order
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User


def active_on(day: date | Any) -> ColumnElement[bool]:
    """The condition for an assignment that grants its role on ``day``."""
    return and_(
        RoleAssignment.revoked_at.is_(None),
        RoleAssignment.valid_from <= day,
        or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
    )


# -- role holders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """A role a user holds at a node, with what scope checks need to know about the node."""

    assignment_id: int
    role_code: str
    org_id: int
    org_code: str
    org_name: str
    org_kind: OrgKind
    org_path: str


def list_holdings(session: Session, user_id: int, day: date) -> list[Holding]:
    rows = session.execute(
        select(RoleAssignment.id, RoleAssignment.role_code, OrgUnit)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id == user_id, active_on(day))
    ).all()
    holdings = [
        Holding(aid, code, org.id, org.code, org.name, org.kind, org.path)
        for aid, code, org in rows
    ]
    # Highest nodes first, then the catalogue's order (secretary before member).
    return sorted(
        holdings, key=lambda h: (h.org_path.count("/"), h.org_code, catalogue_order(h.role_code))
    )


def list_role_holders(session: Session, role_code: str, node: OrgUnit, day: date) -> list[User]:
    """Who holds ``role_code`` at ``node``, or else at its nearest ancestor that has a holder.

    This is how a task for a unit or company role finds its people from a branch's instance.
    """
    chain = [*node.ancestor_ids, node.id]
    rows = session.execute(
        select(User, OrgUnit.depth)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            RoleAssignment.role_code == role_code,
            RoleAssignment.org_unit_id.in_(chain),
            User.active.is_(True),
            active_on(day),
        )
        .order_by(OrgUnit.depth.desc(), User.login)
    ).all()
    if not rows:
        return []
    nearest = rows[0][1]
    return [user for user, depth in rows if depth == nearest]


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    role_code: str
    user_id: int
    login: str
    display_name: str
    valid_from: date
    valid_to: date | None
    revoked: bool
    revoke_reason: str | None
    active: bool


def list_assignments_at(
    session: Session, node_id: int, day: date, *, include_inactive: bool = False
) -> list[AssignmentRow]:
    is_active = active_on(day)
    query = (
        select(RoleAssignment, User.login, User.display_name, is_active.label("is_active"))
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.org_unit_id == node_id)
        .order_by(RoleAssignment.role_code, User.login, RoleAssignment.valid_from)
    )
    if not include_inactive:
        query = query.where(is_active)
    rows = [
        AssignmentRow(
            a.id,
            a.role_code,
            a.user_id,
            login,
            name,
            a.valid_from,
            a.valid_to,
            a.revoked_at is not None,
            a.revoke_reason,
            bool(active),
        )
        for a, login, name, active in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (catalogue_order(row.role_code), not row.active, row.login))


def list_assignments_of_user(
    session: Session, user_id: int
) -> list[tuple[RoleAssignment, OrgUnit]]:
    rows = session.execute(
        select(RoleAssignment, OrgUnit)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id == user_id)
        .order_by(RoleAssignment.revoked_at.is_not(None), OrgUnit.depth, RoleAssignment.role_code)
    ).all()
    return [(a, o) for a, o in rows]


_HOLDS_ROLE = (
    select(RoleAssignment.id)
    .join(User, User.id == RoleAssignment.user_id)
    .where(
        RoleAssignment.user_id == bindparam("user_id"),
        RoleAssignment.role_code == bindparam("role_code"),
        RoleAssignment.org_unit_id == bindparam("org_id"),
        User.active.is_(True),
        active_on(bindparam("day", type_=Date())),
    )
    .limit(1)
)


def holds_role(session: Session, user_id: int, role_code: str, org_id: int, day: date) -> bool:
    """Whether the user holds ``role_code`` at exactly this node on ``day``."""
    found = session.scalar(
        _HOLDS_ROLE, {"user_id": user_id, "role_code": role_code, "org_id": org_id, "day": day}
    )
    return found is not None


def holds_role_in_children(
    session: Session, user_id: int, role_code: str, org_id: int, day: date
) -> bool:
    """Whether the user holds ``role_code`` directly below ``org_id`` (at a party group)."""
    found = session.scalar(
        select(RoleAssignment.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.role_code == role_code,
            OrgUnit.parent_id == org_id,
            User.active.is_(True),
            active_on(day),
        )
        .limit(1)
    )
    return found is not None
