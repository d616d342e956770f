"""An uploaded file as one instance's form sees it: name, type, size and the hash of its bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class Attachment(Base):
    """One upload into one instance. Equal bytes are stored once (``sha256`` names the file)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    field: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    #: The type read from the bytes themselves, never the browser's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    def as_ref(self) -> dict[str, object]:
        """How a form's data refers to the file."""
        return {
            "id": self.id,
            "name": self.original_name,
            "sha256": self.sha256,
            "size": self.size,
            "type": self.content_type,
        }
