"""The published results of a grading cycle (结果运用, domain.md §5 G9): one row per cycle, written
when its ``results_application`` instance completes; never changed afterwards."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class ResultsPublication(Base):
    __tablename__ = "results_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("grading_cycles.id"), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    notice_no: Mapped[str] = mapped_column(String(100))
    published_on: Mapped[date]
    #: JSON list of branch ids: the honours priority list (示范 and 红旗 branches marked).
    priority_json: Mapped[str] = mapped_column(Text)
    #: How the results feed the units' appraisal and the secretaries' evaluation, as published.
    application_note: Mapped[str] = mapped_column(Text, default="")
    published_by_login: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]
