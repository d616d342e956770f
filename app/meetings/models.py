"""What the schedule check has already done, so that each reminder and each missed-meeting task
happens once per branch, meeting and period, however many workers run."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class MeetingNotice(Base):
    __tablename__ = "meeting_notices"
    __table_args__ = (UniqueConstraint("branch_id", "process_key", "period_start", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date]
    #: "reminder" (the period is ending) or "missed" (it ended without the meeting).
    kind: Mapped[str] = mapped_column(String(16))
    #: For "missed": the follow-up instance started for the secretary.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime]
