"""Grading cycles (达标晋级周期): one per year and scope, one ``grading_cycle`` instance per branch.

A cycle pins the rubric version it was started with (``rubric_version_id``); every branch's instance
carries that version's thresholds and bonus cap in its start data, so a rubric published later
changes nothing in a running cycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class GradingCycle(Base):
    __tablename__ = "grading_cycles"
    __table_args__ = (UniqueConstraint("year", "scope_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    #: The company (all branches) or a unit: the node whose branches take part.
    scope_org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: None for the system or an operator at the terminal.
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    #: The branches under the scope when the cycle was opened; their instances are started in
    #: chunks (cycle/start.py), so fewer may exist while a start is under way. None: a cycle
    #: started before chunking, all at once.
    branches_planned: Mapped[int | None]


class CycleBranch(Base):
    __tablename__ = "grading_cycle_branches"
    __table_args__ = (UniqueConstraint("cycle_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("grading_cycles.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
