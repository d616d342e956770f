"""People, user accounts and their API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.identity.kinds import OrgKind
from app.identity.models import ApiToken
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.identity.queries.tree import escape_like
from app.identity.queries.tree import subtree_of

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


@dataclass(frozen=True)
class TokenOwner:
    token_id: int
    user_id: int
    login: str
    last_used_at: datetime | None


# Built once per process: constructing the statement cost more than running it on every API call.
# The lookup itself stays a query per request, so that revocation or deactivation takes effect on
# every worker at once (a cached answer would outlive a revocation made in another process).
_TOKEN_OWNER = (
    select(ApiToken.id, User.id, User.login, ApiToken.last_used_at)
    .join(User, User.id == ApiToken.user_id)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
)


def get_token_owner(session: Session, token_digest: str) -> TokenOwner | None:
    """The active user of an unrevoked token, looked up by the token's SHA-256."""
    row = session.execute(_TOKEN_OWNER, {"digest": token_digest}).one_or_none()
    return TokenOwner(*row) if row else None


def list_api_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        )
    )
