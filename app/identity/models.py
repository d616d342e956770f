"""Organisation tree, people, users, role assignments and login throttling."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.core.db import Base
from app.core.db import str_enum
from app.identity.kinds import BranchType
from app.identity.kinds import Gender
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus


class OrgUnit(Base):
    """A node of the party organisation tree: company, unit, general branch, branch or party group.

    ``path`` is the materialised path of ids (``/1/4/17/``): ancestors are read from it and a
    subtree is one ``LIKE '/1/4/%'`` query, which keeps scope checks and inbox filters cheap.
    """

    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'branch') = (branch_type IS NOT NULL)", name="branch_type_iff_branch"
        ),
        CheckConstraint(
            "term_end IS NULL OR term_start IS NULL OR term_end > term_start", name="term_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(512), index=True)
    depth: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    branch_type: Mapped[BranchType | None] = mapped_column(str_enum(BranchType, "branch_type"))
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    level: Mapped[Level | None] = mapped_column(str_enum(Level, "level"))
    created_at: Mapped[datetime]

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to, but not including, this node."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    birth_date: Mapped[date]
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    employee_no: Mapped[str] = mapped_column(String(20), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(100))
    party_status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus, "party_status"))
    application_date: Mapped[date | None]  # 递交入党申请书
    activist_date: Mapped[date | None]  # 确定为入党积极分子
    development_target_date: Mapped[date | None]  # 列为发展对象
    admission_date: Mapped[date | None]  # 支部大会接收为预备党员
    full_membership_date: Mapped[date | None]  # 转为正式党员
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    party_group_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    created_at: Mapped[datetime]

    branch: Mapped[OrgUnit] = relationship(foreign_keys=[branch_id])
    party_group: Mapped[OrgUnit | None] = relationship(foreign_keys=[party_group_id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    display_name: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    #: Part of the login session's id: changing it (new password, deactivation) ends all sessions.
    session_token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship()


class RoleAssignment(Base):
    """A user holds a role at an organisation node from ``valid_from`` to ``valid_to`` (inclusive).

    Assignments are never deleted: revoking stamps ``revoked_at``, so the history of who held what
    stays visible to auditors.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_order"),
        Index("ix_role_assignments_org_role", "org_unit_id", "role_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role_code: Mapped[str] = mapped_column(String(40))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    granted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit] = relationship()


class LoginThrottle(Base):
    """Failed logins counted per account name and per client address."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, so that a user can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


# -- a person's history: dated records, so that rosters can be read for any day ----------------
# ``Person.party_status`` and ``Person.branch_id`` stay today's values, kept by the commands that
# write these rows (commands/members.py); the rows answer for any other day (queries/members.py).


class PartyStatusChange(Base):
    __tablename__ = "party_status_changes"
    __table_args__ = (Index("ix_party_status_changes_person", "person_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    from_status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus, "from_status_values"))
    to_status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus, "to_status_values"))
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The process instance whose service task recorded it (None when recorded by hand).
    instance_id: Mapped[int | None]
    recorded_at: Mapped[datetime]


class BranchTransfer(Base):
    __tablename__ = "branch_transfers"
    __table_args__ = (
        Index("ix_branch_transfers_person", "person_id", "effective_on"),
        Index("ix_branch_transfers_to", "to_branch_id"),
        Index("ix_branch_transfers_from", "from_branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    from_branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    to_branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int | None]
    recorded_at: Mapped[datetime]
