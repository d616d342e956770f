"""Rectification steps (整改): the ``rectify`` step of a half-year supervision or a re-inspection,
each a finding the branch must close by a deadline. The one definition of what counts, for the
dynamic analysis (open and overdue now) and for criterion C16 (closed late in a year)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

PROCESSES = ("semiannual_supervision", "reinspection")
STEP = "rectify"


def _counted(branch_ids: list[int]) -> Select:
    """Rectification steps per branch: a count grouped by the branch, to narrow further."""
    return (
        select(ProcessInstance.org_unit_id, func.count())
        .select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.process_key.in_(PROCESSES),
            HumanTask.element_id == STEP,
        )
        .group_by(ProcessInstance.org_unit_id)
    )


def _pairs(session: Session, first: Select, second: Select) -> dict[int, tuple[int, int]]:
    total = Counter(dict(session.execute(first).all()))
    part = Counter(dict(session.execute(second).all()))
    return {branch_id: (total[branch_id], part[branch_id]) for branch_id in total}


def open_now(session: Session, branch_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """Branch id → (rectification steps open, those of them past their deadline)."""
    if not branch_ids:
        return {}
    open_steps = _counted(branch_ids).where(HumanTask.state == HumanTaskState.READY)
    overdue = open_steps.where(HumanTask.due_at.is_not(None), HumanTask.due_at < now)
    return _pairs(session, open_steps, overdue)


def late_in_year(
    session: Session, branch_ids: list[int], year: int, now: datetime
) -> dict[int, tuple[int, int]]:
    """Branch id → (rectification steps opened in ``year``, those closed late or open past their
    deadline). Steps of cancelled instances do not count; a step the deadline timer cancelled
    counts as late."""
    if not branch_ids:
        return {}
    zone = clock.local_zone()
    opened = _counted(branch_ids).where(
        ProcessInstance.status != InstanceStatus.CANCELLED,
        HumanTask.created_at >= datetime(year, 1, 1, tzinfo=zone),
        HumanTask.created_at < datetime(year + 1, 1, 1, tzinfo=zone),
    )
    late = and_(
        HumanTask.due_at.is_not(None),
        or_(
            and_(HumanTask.completed_at.is_not(None), HumanTask.completed_at > HumanTask.due_at),
            and_(HumanTask.state != HumanTaskState.COMPLETED, HumanTask.due_at < now),
        ),
    )
    return _pairs(session, opened, opened.where(late))
