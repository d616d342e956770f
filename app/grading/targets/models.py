"""Annual grading targets (年度创建目标, domain.md §5 G1): what the company, each unit and each
branch set out to reach by the end of a year, and the target-setting rounds that produced them.

A ``TargetSetting`` is one start of the company's ``annual_grading_target_setting`` process for a
year; its ``outcome`` stays empty while the process runs and becomes ``published`` or ``returned``
(the company party committee sent the draft back: the department starts again) when it ends.

A ``GradingTarget`` is a decided target, one per year and organisation: the company's and each
unit's hold branch counts per level (示范/红旗/标准化 at least, 基本达标/未达标 at most), a branch's
holds the level it declared. The counts and the level are columns because the comparison page adds
them up; the narrative (key tasks, schedule, measures, the branch's plan, decision numbers) is kept
as the decision recorded it in ``details_json``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base

LEVEL_VALUES = "('not_up_to_standard', 'basic', 'standardised', 'red_flag', 'model')"


class TargetSetting(Base):
    __tablename__ = "grading_target_settings"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('published', 'returned')", name="outcome_values"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: The company node the targets are set for.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    #: None for the system, or a process started by hand outside the targets page.
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    #: None while running; ``published`` or ``returned`` once the process has ended.
    outcome: Mapped[str | None] = mapped_column(String(20))


class GradingTarget(Base):
    __tablename__ = "grading_targets"
    __table_args__ = (
        UniqueConstraint("year", "org_unit_id"),
        CheckConstraint(f"level IS NULL OR level IN {LEVEL_VALUES}", name="level_values"),
        CheckConstraint(
            "(model_count IS NULL OR model_count >= 0)"
            " AND (red_flag_count IS NULL OR red_flag_count >= 0)"
            " AND (standardised_count IS NULL OR standardised_count >= 0)"
            " AND (basic_max IS NULL OR basic_max >= 0)"
            " AND (not_up_to_standard_max IS NULL OR not_up_to_standard_max >= 0)",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    #: The company, a unit or a branch.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: Company and unit targets: branches at each level by the end of the year.
    model_count: Mapped[int | None] = mapped_column(Integer)
    red_flag_count: Mapped[int | None] = mapped_column(Integer)
    standardised_count: Mapped[int | None] = mapped_column(Integer)
    basic_max: Mapped[int | None] = mapped_column(Integer)
    not_up_to_standard_max: Mapped[int | None] = mapped_column(Integer)
    #: A branch's target: the level it declared (a ``Level`` code).
    level: Mapped[str | None] = mapped_column(String(20))
    #: Key tasks, schedule, measures, plan items, decision number and date, as decided.
    details_json: Mapped[str] = mapped_column(Text)
    #: The instance whose completion decided the target.
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    #: Who completed the deciding step (None for the system).
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
