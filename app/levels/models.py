"""Branch level history: one row for every level a branch has held (等级历程).

Append-only in spirit. A level decision never rewrites the past: it *closes* the branch's current
row (sets ``held_to``, and ``delisted_on`` when the decision withdraws that row's plaque, 摘牌) and
*opens* a new one. Closing the current row is the only update ever made to this table, and the
database enforces it (migration 0012): an UPDATE that changes anything else, reopens a closed row,
or a DELETE, is refused. ``OrgUnit.level`` is a copy of the current row's level, kept for the
pages that show it; statistics read this table.

Days are local dates. A row is held on day *d* when ``held_from <= d`` and ``held_to`` is empty or
``held_to > d``: ``held_to`` is the day the next decision took effect, so consecutive rows meet
without overlapping and "as of a date" counts every branch at most once.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.core.db import Base
from app.core.db import str_enum
from app.identity.kinds import Level
from app.identity.models import OrgUnit


class BranchLevel(Base):
    __tablename__ = "branch_levels"
    __table_args__ = (
        CheckConstraint("held_to IS NULL OR held_to >= held_from", name="held_order"),
        CheckConstraint(
            "delisted_on IS NULL OR (held_to IS NOT NULL AND plaque_no IS NOT NULL)",
            name="delisted_closes_a_plaque",
        ),
        # At most one current row per branch: two concurrent decisions give one conflict.
        Index(
            "uq_branch_levels_current",
            "branch_id",
            unique=True,
            sqlite_where=text("held_to IS NULL"),
            postgresql_where=text("held_to IS NULL"),
        ),
        Index("ix_branch_levels_branch_id_held_from", "branch_id", "held_from"),
        Index("ix_branch_levels_held_from_held_to", "held_from", "held_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    level: Mapped[Level] = mapped_column(str_enum(Level, "level"))
    held_from: Mapped[date]
    #: The day the next decision took effect (exclusive); empty while this is the current level.
    held_to: Mapped[date | None]
    #: The decision, as it is cited: "2026年度集中验收 公司党委决定 HH党发〔2027〕3号".
    decided_by: Mapped[str] = mapped_column(Text)
    #: The grading cycle (year) the decision concludes; empty for a decision between cycles
    #: (a failed re-inspection, 复查).
    cycle: Mapped[str | None] = mapped_column(String(20))
    #: Issued on an upgrade to 标准化 and above (授牌); see ``commands.plaque_number``.
    plaque_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: The day this row's plaque was withdrawn (摘牌), set when the row is closed by a delisting.
    delisted_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    recorded_by_login: Mapped[str] = mapped_column(String(100))

    branch: Mapped[OrgUnit] = relationship()


class BranchRating(Base):
    """A branch's star rating (星级, 1–5) and class (A/B/C), domain.md §10: append-only.

    A rating is written at acceptance (the grading cycle's service task ``rate_at_acceptance``),
    each half-year
    from the provisional score (supervision, G2: ``source="half_year"``) or by hand. Rows are only
    ever inserted (migration 0014 refuses UPDATE and DELETE); the newest row of a branch (latest
    ``rated_on``, then id) is its current rating.
    """

    __tablename__ = "branch_ratings"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        CheckConstraint("rating_class IN ('A', 'B', 'C')", name="rating_class_values"),
        CheckConstraint("source IN ('acceptance', 'half_year', 'manual')", name="source_values"),
        Index("ix_branch_ratings_branch_id_rated_on", "branch_id", "rated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    rated_on: Mapped[date]
    stars: Mapped[int] = mapped_column(Integer)
    rating_class: Mapped[str] = mapped_column(String(1))
    #: The final score the stars come from; empty when a veto alone decided (1★, C).
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    has_veto: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))
    #: The grading cycle (year) of an acceptance rating.
    cycle: Mapped[str | None] = mapped_column(String(20))
    #: The rubric version whose star bands were applied; empty for the shipped default.
    rubric_version_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_versions.id"))
    created_at: Mapped[datetime]

    branch: Mapped[OrgUnit] = relationship()
