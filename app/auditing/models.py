"""The anchor list: the heads of the hash chains at moments someone printed them for safekeeping.

Append-only (the migration makes the database refuse UPDATE and DELETE, as for the audit trail).
The row is a convenience; what proves history is the printed ``text`` kept outside the database:
``flask audit verify --anchors FILE`` checks the chains against it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class AuditAnchor(Base):
    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime]
    taken_by: Mapped[str] = mapped_column(String(64))
    #: The audit trail's head: its last event's sequence number and hash.
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    audit_hash: Mapped[str] = mapped_column(String(64))
    #: The step logs: every instance's last step among the steps up to ``step_max_id``, digested.
    step_max_id: Mapped[int] = mapped_column(BigInteger)
    instances: Mapped[int] = mapped_column(Integer)
    steps_digest: Mapped[str] = mapped_column(String(64))
    #: Exactly what was printed.
    text: Mapped[str] = mapped_column(Text)
