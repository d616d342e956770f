"""What the home page shows of one's work: how much is to do, overdue and due within a day (one
query), and shortcuts to the procedures one starts most."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import Integer
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inbox.queries import SOON
from app.inbox.queries import View
from app.inbox.queries import scoped
from app.inbox.startable import Startable
from app.inbox.startable import list_startable
from app.workflow.models import HumanTask
from app.workflow.models import ProcessInstance

SHORTCUTS = 3


@dataclass(frozen=True)
class WorkSummary:
    todo: int
    overdue: int
    due_soon: int  # within a day, not yet overdue


def work_summary(session: Session, user_id: int, day: date, now: datetime) -> WorkSummary:
    """The default view's size and how much of it is overdue or due within a day."""

    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    query = scoped(
        select(
            func.count(),
            counted(HumanTask.due_at < now),
            counted((HumanTask.due_at >= now) & (HumanTask.due_at < now + SOON)),
        ).select_from(HumanTask),
        View.TODO,
        user_id,
        day,
    )
    todo, overdue, soon = session.execute(query).one()
    return WorkSummary(todo or 0, overdue or 0, soon or 0)


def frequent_starts(session: Session, user_id: int, day: date) -> list[Startable]:
    """The procedures the user has started most (that their roles may still start), most first;
    none for someone who has started nothing yet."""
    started = session.execute(
        select(ProcessInstance.process_key, func.count())
        .where(ProcessInstance.initiator_user_id == user_id)
        .group_by(ProcessInstance.process_key)
        .order_by(func.count().desc(), ProcessInstance.process_key)
    ).all()
    if not started:
        return []
    startable = {s.process_key: s for s in list_startable(session, user_id, day)}
    return [startable[key] for key, _ in started if key in startable][:SHORTCUTS]
