"""The human-task projection: the open rows of ``human_tasks`` kept equal to the engine's ready
user and manual tasks after every step, with their deadlines, and the people told of a return."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import CommandContext
from app.engine.deadlines import DeadlineUnreadable
from app.engine.deadlines import due_at
from app.engine.runtime import ReadyTask
from app.notify.commands import notify
from app.workflow.assignment import place_task
from app.workflow.engine_access import working_calendar
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState

if TYPE_CHECKING:
    from app.workflow.steps import Loaded


def add_or_hold(ctx: CommandContext, held: list[Any] | None, record: Any) -> None:
    if held is None:
        ctx.session.add(record)
    else:
        held.append(record)


#: The instance's open tasks, as they are in the database (read under the instance's lock).
OPEN_TASKS = select(HumanTask).where(
    HumanTask.instance_id == bindparam("id"), HumanTask.state == HumanTaskState.READY
)


#: ``session.info`` key: instance id → its open task rows, read once under the lock.
OPEN_TASKS_READ = "branchflow.open_tasks"


def sync_human_tasks(ctx: CommandContext, loaded: Loaded, ready: list[ReadyTask]) -> list[str]:
    """Make the open rows of ``human_tasks`` exactly the engine's ready user and manual tasks;
    returns why a new task has no deadline where its model asked for one (for the step log)."""
    if loaded.new:  # nothing to read (and no autoflush: a batch of starts flushes once)
        rows: list[HumanTask] = []
    else:
        # Read under the instance's lock earlier in this command (``tasks._open_task``), or now.
        rows = ctx.session.info.get(OPEN_TASKS_READ, {}).pop(loaded.row.id, None)
        if rows is None:
            rows = list(ctx.session.scalars(OPEN_TASKS, {"id": loaded.row.id}))
    open_rows = {t.task_uuid: t for t in rows}
    ready_by_id = {task.task_id: task for task in ready}
    for uuid, row in open_rows.items():
        # (a row this command already completed is still READY in the database until the flush)
        if uuid not in ready_by_id and row.state is HumanTaskState.READY:
            row.state, row.completed_at = HumanTaskState.CANCELLED, ctx.now
    # A task of the role and organisation whose task the actor has just completed is their work
    # going on (the next step of the same lane): nobody is told, or co-holders would hear of
    # every step. A hand-over to another role, a new instance, a timer's task: they are told.
    going_on = {
        (row.candidate_role, row.org_unit_id)
        for row in open_rows.values()
        if row.state is HumanTaskState.COMPLETED and row.completed_by_user_id == ctx.actor.user_id
    }
    returned, notes = [], []
    for uuid, task in ready_by_id.items():
        if uuid in open_rows:
            continue
        placement = place_task(ctx.session, task, loaded.row.org_unit_id)
        due, why = task_deadline(ctx.now, task)
        if why:
            notes.append(why)
        add_or_hold(
            ctx,
            loaded.held,
            new := HumanTask(
                instance_id=loaded.row.id,
                task_uuid=uuid,
                element_id=task.element_id,
                title=task.title[:200],
                candidate_role=task.lane,
                assignee_user_id=placement.assignee_user_id,
                org_unit_id=placement.org_unit_id,
                form_key=task.form_key,
                priority=task.priority,
                due_at=due,
                state=HumanTaskState.READY,
                created_at=ctx.now,
            ),
        )
        if new.assignee_user_id is not None or (task.lane, new.org_unit_id) not in going_on:
            loaded.arrived.append(new)
        loaded.placement_notes += [(a, uuid, task.element_id, d) for a, d in placement.notes]
        if task.correction_of:
            returned.append(task)
    if returned and not loaded.new:  # a new instance has completed nothing to send back
        _notify_returned(ctx, loaded.row.id, returned)
    return notes


def task_deadline(ready_at: datetime, task: ReadyTask) -> tuple[datetime | None, str | None]:
    """The task's deadline; when its ``dueFrom`` value is missing or unreadable the task is still
    created — without a deadline, and with the reason, in both languages, for the step log."""
    try:
        due = due_at(
            ready_at,
            due_in=task.due_in,
            due_from=task.due_from,
            anchor=task.due_anchor,
            due_calendar=task.due_calendar,
            calendar=working_calendar(),
            zone=local_zone(),
        )
    except DeadlineUnreadable as unreadable:
        return None, (
            f"{task.element_id}: no deadline / 未设期限 — "
            f"{unreadable.message_en} / {unreadable.message_zh}"
        )
    return due, None


def _notify_returned(ctx: CommandContext, instance_id: int, corrections: list[ReadyTask]) -> None:
    """A correction step (``correctionOf``) sends a submission back: tell who submitted it."""
    done = {
        element: completer
        for element, completer in ctx.session.execute(
            select(HumanTask.element_id, HumanTask.completed_by_user_id).where(
                HumanTask.instance_id == instance_id,
                HumanTask.state == HumanTaskState.COMPLETED,
                HumanTask.element_id.in_([t.correction_of for t in corrections]),
            )
        )
        if completer is not None
    }
    for task in corrections:
        if task.correction_of in done:
            notify(
                ctx,
                [done[task.correction_of]],
                kind="returned",
                title=task.title,
                instance_id=instance_id,
            )
