"""The unit of work around one instance: lock, load, and after acting — save, sync, log.

Every command that advances an instance goes through here, in its own transaction:

1. ``lock`` the instance row (``FOR UPDATE`` on PostgreSQL; the row version is checked everywhere);
2. ``load`` its state with the cached spec and the sandbox re-attached;
3. the command acts on the in-memory instance;
3a. a service task reached on the way runs its domain action (``action_runner.py``), in a
   savepoint that an incident rolls back;
4. ``save``: store the state, project ready tasks into ``human_tasks`` (new rows, and cancelled rows
   for tasks the engine removed or an interrupting event cut off), refresh timers and message
   subscriptions, route thrown messages, and append a hash-chained step-log entry with a snapshot.

When the engine fails, ``record_incident`` keeps the stored state exactly as it was and records what
failed and what to retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from app.core.audit import canonical_json
from app.core.clock import local_zone
from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.engine.deadlines import DeadlineUnreadable
from app.engine.deadlines import due_at
from app.engine.runtime import EngineFailure
from app.engine.runtime import Instance
from app.engine.runtime import ReadyTask
from app.identity.models import OrgUnit
from app.notify.commands import Arrival
from app.notify.commands import notify
from app.notify.commands import notify_arrivals
from app.workflow.action_runner import ActionRunner
from app.workflow.action_runner import discard_action_writes as discard_action_writes
from app.workflow.action_runner import keep_action_writes
from app.workflow.assignment import place_task
from app.workflow.engine_access import keep_hot
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.engine_access import take_hot
from app.workflow.engine_access import working_calendar
from app.workflow.history import snapshot_for
from app.workflow.history import state_hash
from app.workflow.legacy_completion import run_legacy_actions
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import latest_definitions_query
from app.workflow.steplog import GENESIS
from app.workflow.steplog import step_hash


@dataclass
class Loaded:
    row: ProcessInstance
    definition: ProcessDefinition
    instance: Instance
    data_before: dict[str, Any]
    session: Any = None
    _org: OrgUnit | None = None
    #: Whether the instance was waiting for a message when loaded (its subscriptions may change).
    had_waits: bool = False
    #: Why new tasks went where they did (``assignment.py``): logged after the step that made them.
    placement_notes: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: Tasks this step made ready whose people are to be told (``announce_arrivals``).
    arrived: list[HumanTask] = field(default_factory=list)
    #: Just created and not saved yet: it has no task rows, so saving need not look for any.
    new: bool = False
    #: Rows of its first step waiting for its instance row to be written (``create_many``).
    held: list[Any] | None = None

    @property
    def org(self) -> OrgUnit:
        """The instance's organisation, read only when needed (most steps never need it)."""
        if self._org is None:
            self._org = self.session.get(OrgUnit, self.row.org_unit_id)
        return self._org


def lock(
    ctx: CommandContext, instance_id: int, *, skip_locked: bool = False
) -> ProcessInstance | None:
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    query = query.with_for_update(skip_locked=skip_locked)
    row = ctx.session.scalars(query).one_or_none()
    if row is None and not skip_locked:
        raise NotFound()
    return row


def specs_of(ctx: CommandContext, definition: ProcessDefinition) -> tuple[Any, Any]:
    return specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json)


def load(ctx: CommandContext, row: ProcessInstance) -> Loaded:
    definition = ctx.session.get(ProcessDefinition, row.definition_id)
    instance = take_hot(row.id, row.row_version) or runtime().load(
        specs_of(ctx, definition), row.state_json
    )
    instance.attach_services(ActionRunner(ctx, row))
    return Loaded(
        row,
        definition,
        instance,
        instance.data(),
        ctx.session,
        had_waits=bool(instance.message_waits()),
    )


def create(
    ctx: CommandContext,
    definition: ProcessDefinition,
    org: OrgUnit,
    *,
    business_key: str | None,
    data: dict[str, Any],
) -> Loaded:
    """A new instance row with the engine's initial state (not advanced yet)."""
    instance = runtime().create(specs_of(ctx, definition), data)
    row = _new_row(ctx, definition, org, business_key, instance.dump(), None)
    ctx.session.add(row)
    ctx.session.flush()
    instance.attach_services(ActionRunner(ctx, row))
    return Loaded(row, definition, instance, {}, ctx.session, _org=org, new=True)


def create_many(
    ctx: CommandContext,
    definition: ProcessDefinition,
    starts: list[tuple[OrgUnit, str | None, dict[str, Any]]],
) -> list[Loaded]:
    """New instance rows, one per (organisation, business key, data), not advanced yet, for a
    command that starts many at once (then ``write_created``).

    Their ids are reserved first and the rows left pending, so that each is written once, with
    the state after its first steps, by one batched INSERT for all of them — not an INSERT and an
    UPDATE each. What the first steps write about them (tasks, step log) waits in ``held`` until
    ``write_created``: a flush meanwhile (an action, a query) writes the instance rows alone (their
    state then follows by UPDATE) and never a task before its instance (the unit of work knows no
    order between the two tables)."""
    specs, held = specs_of(ctx, definition), []
    ids = _reserve_ids(ctx, len(starts))
    loaded = []
    for (org, business_key, data), instance_id in zip(starts, ids, strict=True):
        instance = runtime().create(specs, data)
        # The state is stored after the first steps (or, should they fail, ``initial_state``):
        # serialising the initial one as well cost a sixth of a start.
        row = _new_row(ctx, definition, org, business_key, NOT_SAVED, instance_id)
        ctx.session.add(row)
        instance.attach_services(ActionRunner(ctx, row))
        loaded.append(
            Loaded(row, definition, instance, {}, ctx.session, _org=org, new=True, held=held)
        )
    return loaded


def write_created(ctx: CommandContext, created: list[Loaded]) -> None:
    """Write the rows of ``create_many``'s instances, then what their first steps held back, and
    tell the people of the tasks they made ready."""
    if created:
        write_held(ctx, created[0])  # the batch holds back into one list
    for loaded in created:
        loaded.held = None
    announce_arrivals(ctx, created)


def write_held(ctx: CommandContext, loaded: Loaded) -> None:
    """Before a step writes what refers to the instance beyond its tasks and step log (messages,
    subscriptions, an incident, a finished instance's records) or another instance of the batch
    is acted on (a message): the batch's instance rows first, then everything held back."""
    if loaded.held is not None:
        ctx.session.flush()
        ctx.session.add_all(loaded.held)
        loaded.held.clear()


def _new_row(
    ctx: CommandContext,
    definition: ProcessDefinition,
    org: OrgUnit,
    business_key: str | None,
    state_json: str,
    instance_id: int | None,
) -> ProcessInstance:
    return ProcessInstance(
        id=instance_id,
        definition_id=definition.id,
        process_key=definition.process_key,
        business_key=business_key,
        org_unit_id=org.id,
        initiator_user_id=ctx.actor.user_id,
        status=InstanceStatus.RUNNING,
        state_json=state_json,
        step_count=0,
        last_step_hash=GENESIS,
        open_incidents=0,
        started_at=ctx.now,
    )


#: The state of a row ``create_many`` made, until its first steps are saved (never committed).
NOT_SAVED = ""


def initial_state(ctx: CommandContext, definition: ProcessDefinition, data: dict[str, Any]) -> str:
    """The state of a new instance of ``definition`` started with ``data``, nothing run yet."""
    return runtime().create(specs_of(ctx, definition), data).dump()


def _reserve_ids(ctx: CommandContext, count: int) -> list[int]:
    """``count`` ids for new instance rows, taken before the rows are written."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        return list(
            ctx.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('process_instances', 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        )
    # SQLite: this write transaction holds the database's one write lock (BEGIN IMMEDIATE), so
    # no one else takes an id meanwhile; rows of this transaction not written yet are written first.
    ctx.session.flush()
    last = ctx.session.scalar(select(func.max(ProcessInstance.id))) or 0
    return list(range(last + 1, last + 1 + count))


def latest_definitions(ctx: CommandContext) -> list[ProcessDefinition]:
    """The newest version of every process key."""
    return list(ctx.session.scalars(latest_definitions_query()))


def require_running(row: ProcessInstance) -> None:
    if row.status is not InstanceStatus.RUNNING:
        raise Conflict(f"the instance is {row.status.value}")


def save(
    ctx: CommandContext,
    loaded: Loaded,
    *,
    action: str,
    task_uuid: str | None = None,
    element_id: str | None = None,
    submitted: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Store the state and everything derived from it (messages: see ``messages.settle``)."""
    keep_action_writes(ctx, loaded.row)
    with ctx.session.no_autoflush:  # one UPDATE of the instance row, at the end
        _save(ctx, loaded, action, task_uuid, element_id, submitted, detail)
    if loaded.held is None:  # a batch of starts announces once, when its rows are written
        announce_arrivals(ctx, [loaded])


def announce_arrivals(ctx: CommandContext, steps_taken: list[Loaded]) -> None:
    """Notify the people of the tasks these steps made ready, in one statement (after a flush:
    the notices need the tasks' ids)."""
    arrived: list[tuple[HumanTask, str]] = []
    for loaded in steps_taken:
        if loaded.arrived:  # a reviewer told of 85 reviews needs to know whose each is
            arrived += [(task, loaded.org.name) for task in loaded.arrived]
        loaded.arrived = []
    if not arrived:
        return
    ctx.session.flush()
    notify_arrivals(
        ctx,
        [
            Arrival(
                t.id,
                t.instance_id,
                f"{t.title} · {where}",
                t.candidate_role,
                t.org_unit_id,
                t.assignee_user_id,
            )
            for t, where in arrived
        ],
    )


def _save(
    ctx: CommandContext,
    loaded: Loaded,
    action: str,
    task_uuid: str | None,
    element_id: str | None,
    submitted: dict[str, Any] | None,
    detail: str | None,
) -> None:
    row, instance = loaded.row, loaded.instance
    previous_state, row.state_json = row.state_json, instance.dump()
    ready = instance.ready_tasks() if row.status is InstanceStatus.RUNNING else []
    completed_now = not ready and row.status is InstanceStatus.RUNNING and instance.finished()
    if completed_now:
        row.status, row.ended_at = InstanceStatus.COMPLETED, ctx.now
    row.next_timer_at = instance.next_timer() if row.status is InstanceStatus.RUNNING else None
    if row.status is InstanceStatus.RUNNING:
        # After the commit (when the row version is final), keep it in memory for the next step.
        ctx.after_commit(lambda: keep_hot(row.id, row.row_version, instance))
    deadline_notes = sync_human_tasks(
        ctx, loaded, instance.ready_tasks() if row.status is InstanceStatus.RUNNING else []
    )
    detail = "; ".join(part for part in (detail, *deadline_notes) if part) or None
    data_after = instance.data()
    if completed_now:
        run_legacy_actions(ctx, row, loaded.definition, data_after)
    append_step(
        ctx,
        row,
        action=action,
        task_uuid=task_uuid,
        element_id=element_id,
        submitted=submitted,
        data_change=_data_change(loaded.data_before, data_after, submitted or {}),
        detail=detail,
        snapshot=row.state_json,
        previous_state=previous_state,
        held=loaded.held,
    )
    loaded.new = False
    notes, loaded.placement_notes = loaded.placement_notes, []
    for note_action, uuid, element, note in notes:
        append_step(
            ctx,
            row,
            action=note_action,
            task_uuid=uuid,
            element_id=element,
            detail=note,
            held=loaded.held,
        )


def _add(ctx: CommandContext, held: list[Any] | None, record: Any) -> None:
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
        _add(
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


def _data_change(
    before: dict[str, Any], after: dict[str, Any], submitted: dict[str, Any]
) -> dict[str, Any]:
    """What the step changed in the variables beyond what was submitted: a submitted value is in
    the step's ``submitted_json`` already, and storing it twice doubled the step log."""
    changed = {
        k: v
        for k, v in after.items()
        if (k not in before or before[k] != v) and not (k in submitted and submitted[k] == v)
    }
    removed = sorted(k for k in before if k not in after)
    return {"set": changed, "removed": removed} if changed or removed else {}


def _json(value: Any) -> str | None:
    return None if value in (None, {}) else canonical_json(value)


def append_step(
    ctx: CommandContext,
    row: ProcessInstance,
    *,
    action: str,
    task_uuid: str | None = None,
    element_id: str | None = None,
    submitted: dict[str, Any] | None = None,
    data_change: dict[str, Any] | None = None,
    detail: str | None = None,
    snapshot: str | None = None,
    previous_state: str | None = None,
    held: list[Any] | None = None,
) -> None:
    """Append a hash-chained entry; with ``snapshot``, store that state (as the change from
    ``previous_state``, the state stored at the last snapshot, when history.py chooses to);
    into ``held`` when the instance row is not written yet (``create_many``)."""
    row.step_count += 1
    entry = StepLogEntry(
        instance_id=row.id,
        seq=row.step_count,
        occurred_at=ctx.now,
        actor_user_id=ctx.actor.user_id,
        actor_login=ctx.actor.login,
        action=action,
        task_uuid=task_uuid,
        element_id=element_id,
        submitted_json=_json(submitted),
        data_change_json=_json(data_change),
        detail=detail,
        definition_id=row.definition_id,
        prev_hash=row.last_step_hash,
    )
    if snapshot is not None:
        entry.snapshot = snapshot_for(row, row.step_count, snapshot, previous_state)
        entry.state_hash = state_hash(snapshot)
    entry.hash = step_hash(entry)
    row.last_step_hash = entry.hash
    _add(ctx, held, entry)


def record_incident(
    ctx: CommandContext, row: ProcessInstance, failure: EngineFailure, *, action: str, payload: dict
) -> int:
    """The step failed: the stored state stays as it was; say what failed and what to retry."""
    discard_action_writes(ctx, row)
    incident = Incident(
        instance_id=row.id,
        element_id=failure.element_id,
        message=failure.message[:4000],
        action=action,
        payload_json=json.dumps(payload, ensure_ascii=False),
        created_at=ctx.now,
    )
    ctx.session.add(incident)
    row.open_incidents += 1
    ctx.session.flush()
    append_step(
        ctx, row, action="incident", element_id=failure.element_id, detail=failure.message[:4000]
    )
    ctx.record(
        "incident_raised",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        element_id=failure.element_id,
        message=failure.message[:500],
    )
    return incident.id
