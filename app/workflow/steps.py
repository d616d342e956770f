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
from typing import Any

from sqlalchemy import select

from app.core.audit import canonical_json
from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.engine.runtime import EngineFailure
from app.engine.runtime import Instance
from app.identity.models import OrgUnit
from app.notify.commands import Arrival
from app.notify.commands import notify_arrivals
from app.workflow.action_runner import ActionRunner
from app.workflow.action_runner import discard_action_writes as discard_action_writes
from app.workflow.action_runner import keep_action_writes
from app.workflow.engine_access import keep_hot
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.engine_access import take_hot
from app.workflow.history import snapshot_for
from app.workflow.history import state_hash
from app.workflow.legacy_completion import run_legacy_actions
from app.workflow.models import HumanTask
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import latest_definitions_query
from app.workflow.steplog import GENESIS
from app.workflow.steplog import step_hash
from app.workflow.task_projection import add_or_hold
from app.workflow.task_projection import sync_human_tasks


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
    row = new_row(ctx, definition, org, business_key, instance.dump(), None)
    ctx.session.add(row)
    ctx.session.flush()
    instance.attach_services(ActionRunner(ctx, row))
    return Loaded(row, definition, instance, {}, ctx.session, _org=org, new=True)


def new_row(
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
    add_or_hold(ctx, held, entry)


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
