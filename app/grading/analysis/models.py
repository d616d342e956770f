"""Annual dynamic analysis (年度动态分析/过筛体检, domain.md §5 G7): the analyses, the 软弱涣散
designations and the 一支部一策 improvement plans.

* ``DynamicAnalysis``: one per year that counts — at most one ``running`` or ``approved`` analysis
  of a year (a partial unique index); a ``returned`` (退回) or ``cancelled`` one leaves room for a
  new start. It keeps the screening summary it was started with (what the committee approved).
* ``WeakDesignation``: a branch designated 软弱涣散 (weak and lax), class C whatever its stars
  (§10.2). Proposed on the analysis page (``proposed``), it takes effect when the analysis is
  approved (``confirmed``, from ``confirmed_on`` to ``valid_until``), ends early when the branch's
  improvement plan is verified as improved (``lifted``), or is withdrawn before the start
  (``withdrawn``). A branch has at most one proposal per year.
* ``ImprovementPlan``: the ``branch_improvement_plan`` instance of a branch, started by an approved
  analysis (or by hand by the unit, then ``analysis_id`` is empty), with its verified outcome.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base

ANALYSIS_STATUSES = ("running", "approved", "returned", "cancelled")
#: The statuses that hold the year: a second start is refused while one of them exists.
HOLDING_STATUSES = ("running", "approved")
DESIGNATION_STATUSES = ("proposed", "withdrawn", "confirmed", "lifted")
PLAN_OUTCOMES = ("improved", "not_improved")


class DynamicAnalysis(Base):
    __tablename__ = "dynamic_analyses"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'approved', 'returned', 'cancelled')", name="status_values"
        ),
        Index(
            "uq_dynamic_analyses_year_holding",
            "year",
            unique=True,
            sqlite_where=text("status IN ('running', 'approved')"),
            postgresql_where=text("status IN ('running', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    #: The company node: the analysis screens every branch.
    scope_org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    #: The screening summary of the start data (class counts, the C-class list), as JSON.
    summary_json: Mapped[str] = mapped_column(Text)
    #: None for the system or an operator at the terminal.
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    #: The day the company party committee approved or returned it.
    decided_on: Mapped[date | None]
    decision_no: Mapped[str | None] = mapped_column(String(100))


class WeakDesignation(Base):
    __tablename__ = "weak_designations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'withdrawn', 'confirmed', 'lifted')", name="status_values"
        ),
        CheckConstraint(
            "status NOT IN ('confirmed', 'lifted') OR confirmed_on IS NOT NULL",
            name="confirmed_has_a_day",
        ),
        Index(
            "uq_weak_designations_branch_id_year_proposed",
            "branch_id",
            "year",
            unique=True,
            sqlite_where=text("status = 'proposed'"),
            postgresql_where=text("status = 'proposed'"),
        ),
        Index("ix_weak_designations_branch_id_status", "branch_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: The year of the analysis the designation is proposed to.
    year: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    #: The last day the designation counts (inclusive).
    valid_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    designated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    designated_at: Mapped[datetime]
    #: The approved analysis that confirmed it, and the day it took effect.
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("dynamic_analyses.id"))
    confirmed_on: Mapped[date | None]
    #: The day it stopped counting early: withdrawn, or lifted by a verified improvement.
    ended_on: Mapped[date | None]
    ended_by_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))


class ImprovementPlan(Base):
    __tablename__ = "improvement_plans"
    __table_args__ = (
        UniqueConstraint("analysis_id", "branch_id"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('improved', 'not_improved')", name="outcome_values"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("dynamic_analyses.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    #: Why the branch is class C when the plan started: ``weak``, ``veto`` or ``low_stars``.
    reason: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime]
    #: Filled in when the unit verifies the plan (the instance completes).
    outcome: Mapped[str | None] = mapped_column(String(20))
    target_class: Mapped[str | None] = mapped_column(String(1))
    target_level: Mapped[str | None] = mapped_column(String(30))
    deadline: Mapped[date | None]
    verified_on: Mapped[date | None]
    verify_comment: Mapped[str | None] = mapped_column(Text)
