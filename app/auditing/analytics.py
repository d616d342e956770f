"""How a procedure runs, step by step, over the instances an auditor may see: for each user task
of the model, how many times it came up, how long it waited before someone took it and how long it
was worked on (medians and 90th percentiles), how often it ran past its deadline, and how many
times it came round again in the same instance (rework)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from statistics import median
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auditing.queries import InstanceSearch
from app.auditing.queries import audit_roots
from app.auditing.queries import filtered_instances
from app.identity.policy import Scope
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import StepLogEntry

MAX_TASKS = 50_000


@dataclass(frozen=True)
class ElementFigures:
    element_id: str
    title: str
    count: int
    open_now: int
    wait_median: timedelta | None
    wait_p90: timedelta | None
    work_median: timedelta | None
    work_p90: timedelta | None
    overdue_share: float
    rework_rounds: int

    def as_json(self) -> dict[str, Any]:
        def hours(value: timedelta | None) -> float | None:
            return round(value.total_seconds() / 3600, 1) if value is not None else None

        return {
            "element": self.element_id,
            "title": self.title,
            "count": self.count,
            "open": self.open_now,
            "wait_median_h": hours(self.wait_median),
            "wait_p90_h": hours(self.wait_p90),
            "work_median_h": hours(self.work_median),
            "work_p90_h": hours(self.work_p90),
            "overdue_share": round(self.overdue_share, 3),
            "rework_rounds": self.rework_rounds,
        }


def element_figures(
    session: Session, search: InstanceSearch, scope: Scope, now: datetime, zone: Any
) -> list[ElementFigures]:
    """Figures per user task of ``search.process_key`` over the instances the search finds."""
    if not search.process_key or not audit_roots(scope):
        return []
    instances = filtered_instances(search, scope, now, zone)
    claimed = (
        select(StepLogEntry.task_uuid, func.min(StepLogEntry.occurred_at).label("claimed_at"))
        .where(StepLogEntry.action == "claimed", StepLogEntry.instance_id.in_(instances))
        .group_by(StepLogEntry.task_uuid)
        .subquery()
    )
    rows = session.execute(
        select(
            HumanTask.instance_id,
            HumanTask.element_id,
            HumanTask.title,
            HumanTask.created_at,
            HumanTask.completed_at,
            HumanTask.due_at,
            HumanTask.state,
            claimed.c.claimed_at,
        )
        .outerjoin(claimed, claimed.c.task_uuid == HumanTask.task_uuid)
        .where(HumanTask.instance_id.in_(instances))
        .order_by(HumanTask.element_id, HumanTask.id)
        .limit(MAX_TASKS)
    ).all()
    by_element: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_element[row.element_id].append(row)
    return [_figures(element, tasks, now) for element, tasks in by_element.items()]


def _figures(element: str, tasks: list[Any], now: datetime) -> ElementFigures:
    waits, works, overdue, rounds = [], [], 0, defaultdict(int)
    for t in tasks:
        taken = t.claimed_at or t.completed_at
        if taken is not None:
            waits.append(_aware(taken) - _aware(t.created_at))
        if t.completed_at is not None:
            works.append(_aware(t.completed_at) - _aware(t.claimed_at or t.created_at))
        ended = _aware(t.completed_at) if t.completed_at else now
        live = t.state is not HumanTaskState.CANCELLED  # a cancelled task missed no deadline
        if live and t.due_at is not None and ended > _aware(t.due_at):
            overdue += 1
        rounds[t.instance_id] += 1
    return ElementFigures(
        element_id=element,
        title=tasks[-1].title,
        count=len(tasks),
        open_now=sum(1 for t in tasks if t.state is HumanTaskState.READY),
        wait_median=_median(waits),
        wait_p90=_p90(waits),
        work_median=_median(works),
        work_p90=_p90(works),
        overdue_share=overdue / len(tasks),
        rework_rounds=sum(n - 1 for n in rounds.values()),
    )


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _median(values: list[timedelta]) -> timedelta | None:
    return median(values) if values else None


def _p90(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]  # nearest rank
