"""The audit trail: append-only, hash-chained events written in the transaction of the command.

Each event stores the hash of the event before it, and its own hash over all its fields, so that a
changed, deleted or inserted row breaks the chain at a place ``verify_chain`` can name. A one-row
head table holds the sequence number and hash of the last event: it is locked (``FOR UPDATE``) while
a command appends, which makes the sequence gap-free and lets ``verify_chain`` notice when events at
the end were deleted. The database itself refuses UPDATE and DELETE on the events table (triggers
created by the migration); the chain catches what someone with more rights than the app does anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from app.core.db import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_login: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    org_unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class PendingEvent:
    """An event recorded by a command, appended to the chain just before the command commits."""

    event_type: str
    subject_type: str | None = None
    subject_id: str | None = None
    org_unit_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventOrigin:
    """Who did it, from where, in which command, and when (shared by a command's events)."""

    occurred_at: datetime
    actor_user_id: int | None
    actor_login: str
    source: str
    request_id: str | None
    command: str


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(event: AuditEvent) -> str:
    material = canonical_json(
        [
            event.seq,
            event.occurred_at.isoformat(),
            event.actor_user_id,
            event.actor_login,
            event.source,
            event.request_id,
            event.command,
            event.event_type,
            event.subject_type,
            event.subject_id,
            event.org_unit_id,
            event.payload,
            event.prev_hash,
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append_events(session: Session, origin: EventOrigin, events: Iterable[PendingEvent]) -> None:
    """Chain ``events`` onto the trail, inside the command's transaction, right before commit."""
    events = list(events)
    if not events:
        return
    head = session.scalars(select(AuditChainHead).with_for_update()).one()
    seq, prev = head.seq, head.hash
    for pending in events:
        seq += 1
        row = AuditEvent(
            seq=seq,
            occurred_at=origin.occurred_at,
            actor_user_id=origin.actor_user_id,
            actor_login=origin.actor_login,
            source=origin.source,
            request_id=origin.request_id,
            command=origin.command,
            event_type=pending.event_type,
            subject_type=pending.subject_type,
            subject_id=pending.subject_id,
            org_unit_id=pending.org_unit_id,
            payload=canonical_json(pending.data),
            prev_hash=prev,
        )
        row.hash = prev = event_hash(row)
        session.add(row)
    head.seq, head.hash = seq, prev
    session.flush()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str | None = None


def _walk(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, batch: int = 2000) -> ChainReport:
    """Check every link of the trail; report the first broken one."""
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    for row in _walk(session, batch):
        if row.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq,
                f"event #{expected_seq} is missing (next is #{row.seq})",
            )
        if row.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                row.seq,
                f"the link #{row.seq - 1} → #{row.seq} is broken: one of the two was rewritten",
            )
        if event_hash(row) != row.hash:
            return ChainReport(
                False, checked, row.seq, f"event #{row.seq} was changed after it was written"
            )
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = session.get(AuditChainHead, 1)
    if head is None:
        return ChainReport(False, checked, None, "the chain head row is missing")
    if head.seq != checked or head.hash != prev:
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"the trail ends at #{checked} but the head records #{head.seq}: "
            "events at the end were deleted",
        )
    return ChainReport(True, checked)
