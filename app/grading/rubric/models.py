"""Stored versions of the grading rubric: one immutable row per published version.

A change to the rubric never updates a row: it adds version n+1 holding the whole document, so a
grading cycle that pinned ``rubric_versions.id`` keeps scoring by exactly the rules it started with.
The database refuses UPDATE and DELETE on the table (migration 0010), like the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class RubricVersion(Base):
    __tablename__ = "rubric_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3, … in publishing order; unique, so two concurrent publishers get one conflict.
    version: Mapped[int] = mapped_column(Integer, unique=True)
    #: The whole rubric document (see ``grading.rubric``) as canonical JSON.
    content_json: Mapped[str] = mapped_column(Text)
    #: SHA-256 of ``content_json``.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    #: The publisher; None for the system or an operator at the terminal (see ``created_by_login``).
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_login: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
