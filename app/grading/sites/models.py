"""Model sites (观摩点, domain.md §5 G8): branches of a grading cycle chosen for observation visits.

A row is written when a ``model_site_selection`` instance completes (the committee's confirmed
sites, app/grading/sites/result.py); the visit fields are filled when the site's
``model_site_preparation`` instance completes (the branch prepared its display, the company
organisation department recorded the visit). One row per branch and cycle.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class ModelSite(Base):
    __tablename__ = "model_sites"
    __table_args__ = (UniqueConstraint("cycle_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("grading_cycles.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: The level the branch was given in this cycle when it was chosen (a ``Level`` value).
    level: Mapped[str] = mapped_column(String(30))
    decided_on: Mapped[date]
    #: The committee's decision as cited (document number).
    decision_no: Mapped[str] = mapped_column(String(100))
    selection_instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    #: The site's own preparation-and-visit instance, started when it was chosen.
    preparation_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    visited_on: Mapped[date | None]
    visitor_count: Mapped[int | None] = mapped_column(Integer)
    visiting_units: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
