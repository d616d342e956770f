"""The answers of a procedure's instances at some branches: the records the branch-building
procedures keep are their steps' answers (later over earlier), read in two queries for any number
of branches — a grading cycle measures all of a unit's branches at once."""

from __future__ import annotations

from dataclasses import dataclass
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
class Answered:
    id: int
    org_unit_id: int
    status: InstanceStatus
    answers: dict[str, Any]


def answered(session: Session, branch_ids: list[int], process_key: str) -> list[Answered]:
    """The live instances of ``process_key`` at the branches, oldest first, with their answers."""
    if not branch_ids:
        return []
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.org_unit_id, ProcessInstance.status)
        .where(
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.process_key == process_key,
            ProcessInstance.status.in_(LIVE),
        )
        .order_by(ProcessInstance.id)
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [Answered(r.id, r.org_unit_id, r.status, answers[r.id]) for r in rows]
