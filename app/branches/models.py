"""The records of a branch's set-up and adjustment (党支部设立、调整与撤销): each time its
membership crossed a line of the 支部工作条例 (so that the worker opens one procedure per crossing),
and each approved change with its effective date. The organisation tree itself is changed only
where that is safe (a new branch node, a branch's type), through identity's commands."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class BranchLineCrossing(Base):
    """A branch's membership across one line, from the day the check saw it until the day it no
    longer was (``cleared_on``); the procedure opened for it is ``instance_id``."""

    __tablename__ = "branch_line_crossings"
    __table_args__ = (Index("ix_branch_line_crossings_open", "branch_id", "line", "cleared_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: A key of ``app.branches.lines.LINES``.
    line: Mapped[str] = mapped_column(String(32))
    full_members: Mapped[int]
    members: Mapped[int]
    crossed_on: Mapped[date]
    cleared_on: Mapped[date | None]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime]


class BranchOrgDecision(Base):
    """An approved set-up, adjustment or dissolution, as the unit's party committee decided it.

    ``has_committee`` is set where the decision says whether the branch has a committee (a
    committee set up, or no longer one); ``closed`` where the branch is dissolved or merged (into
    ``merged_into_id``); ``created_branch_id`` where a new branch node was created for it.
    """

    __tablename__ = "branch_org_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    change: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date]
    decision_no: Mapped[str] = mapped_column(String(100))
    has_committee: Mapped[bool | None]
    closed: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    recorded_at: Mapped[datetime]
