"""The records the points are read from, in a few queries per branch and year: the instances of a
procedure at the branch and its party groups, their answers (later over earlier), and the single
step completions of a step that repeats (a pairing's quarterly progress records). The instances
and their answers are ``app.workflow.instance_records``'s."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.identity.models import OrgUnit
from app.workflow.instance_records import LIVE as LIVE
from app.workflow.instance_records import Found as Found
from app.workflow.instance_records import instances as instances
from app.workflow.models import StepLogEntry


def branch_and_groups(session: Session, branch_id: int) -> list[int]:
    """The branch and its party groups: where a branch's procedures run."""
    groups = session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == branch_id))
    return [branch_id, *groups]


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
