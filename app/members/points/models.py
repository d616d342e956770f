"""Stored versions of the member points scheme: one immutable row per published version, like the
grading rubric's (a change adds version n+1 holding the whole document; nothing is updated)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class PointsSchemeVersion(Base):
    __tablename__ = "points_scheme_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 2, 3, … in publishing order (1 is the shipped default, never stored); unique.
    version: Mapped[int] = mapped_column(Integer, unique=True)
    #: The whole scheme document (``points.scheme``) as JSON.
    content_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    #: The publisher; None for an operator at the terminal (see ``created_by_login``).
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_login: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
