"""The party-building brand registry (党建品牌, domain.md §10.3, rubric criterion C19).

A brand is a branch's, identified by its name there: a new proposal with the same name at the same
branch continues the same brand (a brand not named last year may be cultivated again). Each
``party_building_brand_creation`` instance that the unit approved adds the stages it reached to the
brand's history when it completes (``brand_result``): registered (立项培育, the day the unit
approved), cultivated (the day the results were recorded), then named (单位级/公司级, with the
"五有" score) or not named (the acceptance day). Stage rows are only ever inserted (migration 0016
refuses UPDATE and DELETE); the brand row keeps the highest naming it ever received.
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
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.core.db import Base
from app.identity.models import OrgUnit

#: Brand types of the proposal form (br_propose), domain.md §10.3.
BRAND_TYPES = ("star_flag", "regional_joint", "party_day", "own")
#: Naming levels a brand can hold; "none" (未命名) is an acceptance outcome, never held.
NAMED_LEVELS = ("unit", "company")
#: Stages of the history, in the order a brand reaches them.
STAGES = ("registered", "cultivated", "named", "not_named")


class PartyBrand(Base):
    __tablename__ = "party_brands"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        CheckConstraint(
            "brand_type IN ('star_flag', 'regional_joint', 'party_day', 'own')",
            name="brand_type_values",
        ),
        CheckConstraint(
            "named_level IS NULL OR named_level IN ('unit', 'company')", name="named_level_values"
        ),
        CheckConstraint(
            "(named_level IS NULL) = (named_on IS NULL)", name="named_level_has_a_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(100))
    #: The type of the latest proposal (a later proposal may re-type the brand).
    brand_type: Mapped[str] = mapped_column(String(20))
    #: The highest naming received so far (unit < company) and when; empty until named.
    named_level: Mapped[str | None] = mapped_column(String(10))
    named_on: Mapped[date | None]
    #: The "五有" score (0–5) of the latest acceptance.
    five_you_score: Mapped[int | None] = mapped_column(Integer)
    #: The latest instance of ``party_building_brand_creation`` behind the brand.
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime]

    branch: Mapped[OrgUnit] = relationship()


class BrandStage(Base):
    __tablename__ = "party_brand_stages"
    __table_args__ = (
        CheckConstraint(
            "stage IN ('registered', 'cultivated', 'named', 'not_named')", name="stage_values"
        ),
        CheckConstraint(
            "named_level IS NULL OR named_level IN ('unit', 'company')", name="named_level_values"
        ),
        Index("ix_party_brand_stages_brand_id_reached_on", "brand_id", "reached_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("party_brands.id"))
    stage: Mapped[str] = mapped_column(String(20))
    #: The local day the stage was reached (the step's completion day).
    reached_on: Mapped[date]
    #: For "named": 单位级 (unit) or 公司级 (company).
    named_level: Mapped[str | None] = mapped_column(String(10))
    #: For "named" and "not_named": how many of the "五有" the acceptance found (0–5).
    five_you_score: Mapped[int | None] = mapped_column(Integer)
    #: The naming document (named) or the acceptance's reason (not named).
    note: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime]
