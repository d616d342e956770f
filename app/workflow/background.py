"""The worker's rounds (app/worker.py), each a command: fire an instance's due timers, retry the
undelivered messages, tell people of overdue tasks."""

from __future__ import annotations

from sqlalchemy import select

from app.core.commands import CommandContext
from app.engine.runtime import EngineFailure
from app.identity.models import OrgUnit
from app.identity.queries import list_role_holders
from app.notify.commands import notify
from app.workflow import messages
from app.workflow import steps
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import PendingMessage


def fire_due_timers(ctx: CommandContext, *, instance_id: int) -> bool:
    """Fire the timers of one instance that are due. Another worker holding the instance: skip it.

    Returns whether anything ran. The row lock (SKIP LOCKED on PostgreSQL) and the re-check of the
    due time after taking it make a timer fire exactly once, however many workers there are.
    """
    row = steps.lock(ctx, instance_id, skip_locked=True)
    if row is None or row.status is not InstanceStatus.RUNNING:
        return False
    if row.next_timer_at is None or row.next_timer_at > ctx.now:
        return False
    loaded = steps.load(ctx, row)
    try:
        loaded.instance.advance()
    except EngineFailure as failure:
        row.next_timer_at = None  # no retry loop: the incident is retried by hand
        steps.record_incident(ctx, row, failure, action="timer", payload={})
        return True
    messages.settle(ctx, loaded, action="timer_fired")
    return True


def retry_pending_messages(ctx: CommandContext) -> int:
    """Try every undelivered message once more (the worker runs this)."""
    names = ctx.session.scalars(
        select(PendingMessage.message_name).where(PendingMessage.open.is_(True)).distinct()
    ).all()
    return sum(messages.deliver_pending(ctx, name, exclude_instance=None) for name in names)


def notify_overdue_tasks(ctx: CommandContext) -> int:
    """Tell the assignee (or, unassigned, the role's holders) once that a task is overdue."""
    overdue = ctx.session.scalars(
        select(HumanTask)
        .where(
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at < ctx.now,
            HumanTask.overdue_notified_at.is_(None),
        )
        .limit(500)
    ).all()
    for task in overdue:
        if task.assignee_user_id is not None:
            people = [task.assignee_user_id]
        else:
            scope = ctx.session.get(OrgUnit, task.org_unit_id)
            people = [
                u.id
                for u in list_role_holders(ctx.session, task.candidate_role or "", scope, ctx.today)
            ]
        notify(
            ctx,
            people,
            kind="overdue",
            title=task.title,
            task_id=task.id,
            instance_id=task.instance_id,
        )
        task.overdue_notified_at = ctx.now
    return len(overdue)
