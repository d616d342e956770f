"""The records the points are read from, in a few queries per branch and year: the instances of a
procedure at the branch and its party groups, their answers (later over earlier), and the single
step completions of a step that repeats (a pairing's quarterly progress records)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.identity.models import OrgUnit
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import answers_of

LIVE = (InstanceStatus.COMPLETED, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class Found:
    id: int
    org_unit_id: int
    status: InstanceStatus
    started_at: datetime
    ended_at: datetime | None
    data: dict[str, Any]


def branch_and_groups(session: Session, branch_id: int) -> list[int]:
    """The branch and its party groups: where a branch's procedures run."""
    groups = session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == branch_id))
    return [branch_id, *groups]


def instances(
    session: Session, org_ids: list[int], process_keys: list[str], completed_only: bool = True
) -> list[Found]:
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


def completions(
    session: Session, instance_ids: list[int], element_id: str
) -> list[tuple[int, datetime, dict[str, Any]]]:
    """Each completion of ``element_id`` in the instances: (instance, when, what was submitted)."""
    if not instance_ids:
        return []
    rows = session.execute(
        select(StepLogEntry.instance_id, StepLogEntry.occurred_at, StepLogEntry.submitted_json)
        .where(
            StepLogEntry.instance_id.in_(instance_ids),
            StepLogEntry.action == "task_completed",
            StepLogEntry.element_id == element_id,
        )
        .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
    )
    return [(i, at, json.loads(s or "{}")) for i, at, s in rows]


def local_day(value: Any, fallback: datetime | None = None) -> date | None:
    """The Beijing date an answer names (a date or a date-time), else the fallback's."""
    if isinstance(value, str) and value:
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=local_zone())
            return moment.astimezone(local_zone()).date()
        except ValueError:
            pass
    if fallback is None:
        return None
    if fallback.tzinfo is None:
        fallback = fallback.replace(tzinfo=UTC)  # stored in UTC
    return fallback.astimezone(local_zone()).date()
