"""A procedure's instances at some organisations read back as records: each with its answers
(start data and each step's submission, later over earlier), in two queries for any number of
organisations — the domains (member points, branch building) and the grading cycle read many
branches at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of

#: Instances that count as records: running ones too (a check whose rectification is still
#: waiting has its verification recorded), never cancelled ones.
LIVE = (InstanceStatus.COMPLETED, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class Found:
    id: int
    org_unit_id: int
    status: InstanceStatus
    started_at: datetime
    ended_at: datetime | None
    data: dict[str, Any]

    @property
    def answers(self) -> dict[str, Any]:
        return self.data


def instances(
    session: Session, org_ids: list[int], process_keys: list[str], completed_only: bool = True
) -> list[Found]:
    """The instances of these procedures at these organisations, oldest first (cancelled ones
    never; running ones only when ``completed_only`` is false)."""
    if not org_ids:
        return []
    statuses = (InstanceStatus.COMPLETED,) if completed_only else LIVE
    rows = session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.org_unit_id,
            ProcessInstance.status,
            ProcessInstance.started_at,
            ProcessInstance.ended_at,
        )
        .where(
            ProcessInstance.org_unit_id.in_(org_ids),
            ProcessInstance.process_key.in_(process_keys),
            ProcessInstance.status.in_(statuses),
        )
        .order_by(ProcessInstance.id)
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [
        Found(r.id, r.org_unit_id, r.status, r.started_at, r.ended_at, answers[r.id]) for r in rows
    ]


def answered(session: Session, org_ids: list[int], process_key: str) -> list[Found]:
    """The live instances of ``process_key`` at the organisations, oldest first, with answers."""
    return instances(session, org_ids, [process_key], completed_only=False)
