"""Reads of the organisation tree, people, users and role assignments.

Every query takes the session to read with: views pass the request's read session, commands pass
their own write session, so one query serves both without a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Date
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.identity.catalogue import catalogue_order
from app.identity.kinds import OrgKind
from app.identity.models import ApiToken
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User


def active_on(day: date | Any) -> ColumnElement[bool]:
    """The condition for an assignment that grants its role on ``day``."""
    return and_(
        RoleAssignment.revoked_at.is_(None),
        RoleAssignment.valid_from <= day,
        or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
    )


def subtree_of(node: OrgUnit, *, include_self: bool = True) -> ColumnElement[bool]:
    below = OrgUnit.path.like(escape_like(node.path) + "%", escape="\\")
    return below if include_self else and_(below, OrgUnit.id != node.id)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- organisation tree ---------------------------------------------------------------------------


def get_org_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()


def get_root(session: Session) -> OrgUnit | None:
    return session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).first()


def list_children(session: Session, node_id: int) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id == node_id)
            .order_by(OrgUnit.sort_order, OrgUnit.code)
        )
    )


def list_ancestors(session: Session, node: OrgUnit) -> list[OrgUnit]:
    """The node's ancestors, root first (the breadcrumb)."""
    ids = node.ancestor_ids
    if not ids:
        return []
    by_id = {n.id: n for n in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [by_id[i] for i in ids]


def list_branches_under(session: Session, node: OrgUnit) -> list[OrgUnit]:
    """Every branch (党支部) in the node's subtree, including through general branches."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(subtree_of(node), OrgUnit.kind == OrgKind.BRANCH)
            .order_by(OrgUnit.path)
        )
    )


def list_subtree(session: Session, node: OrgUnit, max_depth: int | None = None) -> list[OrgUnit]:
    query = select(OrgUnit).where(subtree_of(node))
    if max_depth is not None:
        query = query.where(OrgUnit.depth <= node.depth + max_depth)
    return list(session.scalars(query.order_by(OrgUnit.depth, OrgUnit.sort_order, OrgUnit.code)))


def count_members_by_org(session: Session, org_ids: list[int]) -> dict[int, int]:
    """Party members and pipeline people per branch or party group."""
    if not org_ids:
        return {}
    by_branch = session.execute(
        select(Person.branch_id, func.count())
        .where(Person.branch_id.in_(org_ids))
        .group_by(Person.branch_id)
    ).all()
    by_group = session.execute(
        select(Person.party_group_id, func.count())
        .where(Person.party_group_id.in_(org_ids))
        .group_by(Person.party_group_id)
    ).all()
    return dict([*by_branch, *by_group])


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


# -- people and users ----------------------------------------------------------------------------


def get_user_by_login(session: Session, login: str) -> User | None:
    return session.scalars(select(User).where(User.login == normalise_login(login))).one_or_none()


def normalise_login(login: str) -> str:
    return login.strip().lower()


def list_people_in(session: Session, node: OrgUnit) -> list[Person]:
    """The people of a branch (or of every branch under a node), or of one party group."""
    group = aliased(OrgUnit)
    query = (
        select(Person)
        .join(OrgUnit, OrgUnit.id == Person.branch_id)
        .outerjoin(group, group.id == Person.party_group_id)
    )
    if node.kind == OrgKind.PARTY_GROUP:
        query = query.where(Person.party_group_id == node.id)
    else:
        query = query.where(subtree_of(node))
    return list(session.scalars(query.order_by(OrgUnit.path, group.code, Person.name, Person.id)))


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    employee_no: str
    party_status: str
    branch_code: str
    branch_name: str
    login: str | None


def search_people(
    session: Session, within: list[str], text: str, *, limit: int = 50, offset: int = 0
) -> tuple[list[PersonRow], int]:
    """People whose branch lies under one of the ``within`` paths, matching name/number/login."""
    if not within:
        return [], 0
    query = (
        select(Person, OrgUnit, User.login)
        .join(OrgUnit, OrgUnit.id == Person.branch_id)
        .outerjoin(User, User.person_id == Person.id)
        .where(or_(*(OrgUnit.path.like(escape_like(path) + "%", escape="\\") for path in within)))
    )
    text = text.strip()
    if text:
        pattern = "%" + escape_like(text.lower()) + "%"
        query = query.where(
            or_(
                Person.name.like("%" + escape_like(text) + "%", escape="\\"),
                func.lower(Person.employee_no).like(pattern, escape="\\"),
                User.login.like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(OrgUnit.path, Person.name).limit(limit).offset(offset)
    ).all()
    return [
        PersonRow(p.id, p.name, p.employee_no, p.party_status.value, o.code, o.name, login)
        for p, o, login in rows
    ], total


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def get_user_of_person(session: Session, person_id: int) -> User | None:
    return session.scalars(select(User).where(User.person_id == person_id)).one_or_none()


@dataclass
class TreeNode:
    org: OrgUnit
    children: list[TreeNode]


def org_forest(session: Session, root_paths: list[str], *, max_depth: int) -> list[TreeNode]:
    """The subtrees under ``root_paths`` down to ``max_depth`` (0 = company), as nested nodes."""
    if not root_paths:
        return []
    nodes = session.scalars(
        select(OrgUnit)
        .where(
            or_(*(OrgUnit.path.like(escape_like(p) + "%", escape="\\") for p in root_paths)),
            OrgUnit.depth <= max_depth,
        )
        .order_by(OrgUnit.depth, OrgUnit.sort_order, OrgUnit.code)
    ).all()
    by_id = {node.id: TreeNode(node, []) for node in nodes}
    forest = []
    for node in nodes:
        parent = by_id.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else forest).append(by_id[node.id])
    return forest


# Built once: this check runs on every task command, and building the statement costs more than
# running it.
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


def get_org(session: Session, org_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, org_id)


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


@dataclass(frozen=True)
class TokenOwner:
    token_id: int
    user_id: int
    login: str
    last_used_at: datetime | None


def get_token_owner(session: Session, token_digest: str) -> TokenOwner | None:
    """The active user of an unrevoked token, looked up by the token's SHA-256."""
    row = session.execute(
        select(ApiToken.id, User.id, User.login, ApiToken.last_used_at)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_digest,
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).one_or_none()
    return TokenOwner(*row) if row else None


def list_api_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        )
    )
