"""Saved inbox filters, kept on the server and shareable with everyone holding a role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class SavedFilter(Base):
    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    view: Mapped[str] = mapped_column(String(16))
    #: The filter's query arguments (TaskFilter.as_args), as JSON.
    query_json: Mapped[str] = mapped_column(Text)
    #: Everyone holding this role (anywhere) sees the filter too.
    shared_role: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime]


class TaskDraft(Base):
    """What someone typed into a task's form and saved for later (as typed: not yet validated)."""

    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    values_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime]
