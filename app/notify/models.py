"""Notifications shown in the app, with an unread count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: assigned | overdue | returned | reminder | published
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    #: The English of a title written as a sentence; empty where the title is a step's title (its
    #: English comes from the model) or where there is none.
    title_en: Mapped[str] = mapped_column(String(200), server_default="")
    task_id: Mapped[int | None] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
