"""The background worker: fires due timers, retries undelivered messages, tells people about
overdue tasks, checks the meeting schedule (app/meetings) and the branches' membership lines
(app/branches). It sits in the composition root because it drives more than one domain.

Each timer is fired by its own command (one transaction) under a row lock, so any number of workers
may run side by side on PostgreSQL: a timer fires exactly once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from app.branches.election_alert import start_due_elections
from app.branches.trigger import check_branch_lines
from app.core import clock
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.start import cycles_still_starting
from app.grading.cycle.start import start_next_branches
from app.meetings.commands import check_meeting_schedule
from app.members.development_calendar import remind_development_due
from app.members.probation_reminders import remind_development
from app.workflow.background import fire_due_timers
from app.workflow.background import notify_overdue_tasks
from app.workflow.background import retry_pending_messages
from app.workflow.models import InstanceStatus
from app.workflow.models import PendingMessage
from app.workflow.models import ProcessInstance

log = logging.getLogger(__name__)

WORKER = Actor(user_id=None, login="worker", source="worker")


@dataclass(frozen=True)
class Tick:
    timers_fired: int
    messages_delivered: int


def due_instance_ids(limit: int = 100) -> list[int]:
    db.end_read_transaction()  # see what other processes committed since the last tick
    return list(
        db.session.scalars(
            select(ProcessInstance.id)
            .where(
                ProcessInstance.status == InstanceStatus.RUNNING,
                ProcessInstance.next_timer_at <= clock.now(),
            )
            .order_by(ProcessInstance.next_timer_at)
            .limit(limit)
        )
    )


#: The meeting schedule is checked at most this often (it reads every branch).
SCHEDULE_EVERY = timedelta(minutes=10)
_schedule_checked: list[datetime] = []


def _check_schedule() -> None:
    now = clock.now()
    if _schedule_checked and now - _schedule_checked[-1] < SCHEDULE_EVERY:
        return
    _schedule_checked[:] = [now]
    run(check_meeting_schedule, actor=WORKER)
    run(remind_development, actor=WORKER)  # probation ends, half-yearly assessments
    run(start_due_elections, actor=WORKER)
    run(remind_development_due, actor=WORKER)
    run(check_branch_lines, actor=WORKER)  # membership across a line of the 支部工作条例


def run_once() -> Tick:
    fired = sum(bool(run(fire_due_timers, actor=WORKER, instance_id=i)) for i in due_instance_ids())
    run(notify_overdue_tasks, actor=WORKER)
    for cycle_id in cycles_still_starting(db.session):  # one chunk each per tick
        run(start_next_branches, actor=WORKER, cycle_id=cycle_id)
    _check_schedule()
    waiting = db.session.scalar(
        select(PendingMessage.id).where(PendingMessage.open.is_(True)).limit(1)
    )
    delivered = run(retry_pending_messages, actor=WORKER) if waiting is not None else 0
    return Tick(fired, delivered)


def run_forever(interval: float, stop: threading.Event) -> None:
    log.info("worker started (every %.1f s)", interval)
    while not stop.is_set():
        try:
            tick = run_once()
            if tick.timers_fired or tick.messages_delivered:
                log.info(
                    "fired %d timer(s), delivered %d message(s)",
                    tick.timers_fired,
                    tick.messages_delivered,
                )
        except Exception:
            log.exception("worker tick failed; trying again next tick")
        stop.wait(interval)
