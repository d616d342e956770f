"""Instance commands: start, cancel, suspend, resume, retry an incident (the worker's rounds —
timers, messages, overdue notices — are in ``background.py``)."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.json_input import problem_message
from app.core.json_input import require_safe_json
from app.core.json_input import unsafe_json_problem
from app.engine.runtime import EngineFailure
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.identity.queries import get_org_by_code
from app.workflow import batch_start
from app.workflow import messages
from app.workflow import steps
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import PendingMessage
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.policy import require_can_manage
from app.workflow.policy import require_can_start
from app.workflow.tasks import validated_submission

MAX_START_DATA_BYTES = 64 * 1024


def _json_object(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("Start data must be an object."), {"data": _("Give a JSON object.")}
        )
    require_safe_json(data, "data", _("Invalid start data."))
    encoded = json.dumps(data, ensure_ascii=False)
    if len(encoded.encode()) > MAX_START_DATA_BYTES:
        raise ValidationFailed(_("Start data is too large."), {"data": _("At most 64 KiB.")})
    return json.loads(encoded)  # a copy with JSON types only


def _unstorable_text(text: str) -> str | None:
    """Why the database cannot store ``text``, or None; refused here, for the pages, the API and
    the command line alike: PostgreSQL text cannot hold NUL, and a lone surrogate (from an
    undecodable command-line argument, say) cannot be encoded at all."""
    if "\x00" in text:
        return _("Text must not contain NUL characters.")
    problem = unsafe_json_problem(text)
    return problem_message(problem) if problem else None


def start_instance(
    ctx: CommandContext,
    *,
    process_key: str,
    org_code: str,
    business_key: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Start the newest version of ``process_key`` for an organisation. Records
    ``process_instance_started``.

    A failing first step does not lose the start: the instance is kept at its initial state with an
    incident to retry.
    """
    given = {"process_key": process_key, "org_code": org_code, "business_key": business_key}
    unstorable = {name: _unstorable_text(v) for name, v in given.items() if v}
    if any(unstorable.values()):
        raise ValidationFailed(
            _("Invalid start data."), {name: m for name, m in unstorable.items() if m}
        )
    org = get_org_by_code(ctx.session, org_code)
    if org is None:
        raise NotFound()
    definition = _newest(ctx, process_key)
    starters = json.loads(definition.starter_roles_json)
    require_can_start(ctx.session, ctx.actor.user_id, org, ctx.today, starters)
    return _start(ctx, definition, org, business_key, data)


def start_instances(
    ctx: CommandContext,
    *,
    process_key: str,
    starts: list[tuple[OrgUnit, str | None, dict[str, Any]]],
) -> list[int]:
    """Start the newest version of ``process_key`` once per (organisation, business key, data),
    for a command that starts one for every branch: the definition is read once and the actor's
    roles once, every start checked before the first is written, the instance rows inserted
    together and what the starts write flushed together at the end of the command (one batched
    INSERT per table, not a few statements per start); each start recorded as ``start_instance``
    records it."""
    definition = _newest(ctx, process_key)
    starters = json.loads(definition.starter_roles_json)
    scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today) if ctx.actor.user_id else None
    for org, _business_key, _data in starts:
        # An administrator of the organisation may start there whatever the lanes say (the last
        # rule of require_can_start): known without reading the organisation's ancestors.
        if scope is None or not scope.administers(org.path):
            require_can_start(ctx.session, ctx.actor.user_id, org, ctx.today, starters, scope=scope)
    checked = [(org, _checked_key(key), _json_object(data)) for org, key, data in starts]
    created = batch_start.create_many(ctx, definition, checked)
    pairs = zip(created, checked, strict=True)
    ids = [_run_first_steps(ctx, loaded, data) for loaded, (_org, _key, data) in pairs]
    batch_start.write_created(ctx, created)
    return ids


def _newest(ctx: CommandContext, process_key: str) -> ProcessDefinition:
    definition = ctx.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key == process_key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if definition is None:
        raise NotFound(_("No process with this key is deployed."))
    return definition


def _checked_key(business_key: str | None) -> str | None:
    if business_key is not None and len(business_key) > 200:
        raise ValidationFailed(
            _("The business key is too long."), {"business_key": _("At most 200 characters.")}
        )
    return business_key


def _start(
    ctx: CommandContext,
    definition: ProcessDefinition,
    org: OrgUnit,
    business_key: str | None,
    data: dict[str, Any] | None,
) -> int:
    start_data = _json_object(data)
    business_key = _checked_key(business_key)
    loaded = steps.create(ctx, definition, org, business_key=business_key, data=start_data)
    return _run_first_steps(ctx, loaded, start_data)


def _run_first_steps(ctx: CommandContext, loaded: steps.Loaded, start_data: dict[str, Any]) -> int:
    """Record the start and advance a created instance to its first wait; its id."""
    row, definition = loaded.row, loaded.definition
    ctx.record(
        "process_instance_started",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        process_key=definition.process_key,
        version=definition.version,
        business_key=row.business_key,
    )
    try:
        loaded.instance.advance()
    except EngineFailure as failure:
        # First undo what its actions wrote: rolling back their savepoint drops every row added
        # since it was taken, which would include the "started" step (and a batch's held rows).
        steps.discard_action_writes(ctx, row)
        if row.state_json == batch_start.NOT_SAVED:  # started with others: kept as it was created
            row.state_json = batch_start.initial_state(ctx, definition, start_data)
        batch_start.write_held(ctx, loaded)
        steps.append_step(ctx, row, action="started", submitted=start_data, snapshot=row.state_json)
        steps.record_incident(ctx, row, failure, action="advance", payload={})
        return row.id
    if loaded.instance.finished():
        batch_start.write_held(ctx, loaded)  # a finished instance's records refer to it
    messages.settle(ctx, loaded, action="started", submitted=start_data)
    return row.id


def _managed(ctx: CommandContext, instance_id: int) -> ProcessInstance:
    row = steps.lock(ctx, instance_id)
    org = ctx.session.get(OrgUnit, row.org_unit_id)
    require_can_manage(ctx.session, ctx.actor.user_id, org, ctx.today)
    return row


def cancel_instance(ctx: CommandContext, *, instance_id: int, reason: str) -> None:
    """End an instance early, cancelling its open tasks. Records ``process_instance_cancelled``."""
    row = _managed(ctx, instance_id)
    if row.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise Conflict(_("The instance has already ended."))
    _need_reason(reason)
    loaded = steps.load(ctx, row)
    loaded.instance.cancel()
    row.status, row.ended_at = InstanceStatus.CANCELLED, ctx.now
    _close_incidents(ctx, row)
    messages.settle(ctx, loaded, action="cancelled", detail=reason.strip())
    ctx.record(
        "process_instance_cancelled",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        reason=reason,
    )


def _close_incidents(ctx: CommandContext, row: ProcessInstance) -> None:
    """A cancelled instance has nothing left to retry: its open incidents end with it (their
    rows stay, resolved by whoever cancelled), so that no inbox or search lists them as open."""
    for incident in ctx.session.scalars(
        select(Incident).where(Incident.instance_id == row.id, Incident.resolved_at.is_(None))
    ):
        incident.resolved_at, incident.resolved_by = ctx.now, ctx.actor.login
    row.open_incidents = 0


def suspend_instance(ctx: CommandContext, *, instance_id: int, reason: str) -> None:
    """Pause an instance: its tasks cannot be completed and its timers wait. Records the change."""
    row = _managed(ctx, instance_id)
    steps.require_running(row)
    _need_reason(reason)
    row.status = InstanceStatus.SUSPENDED
    steps.append_step(ctx, row, action="suspended", detail=reason.strip())
    ctx.record(
        "process_instance_suspended",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        reason=reason,
    )


def resume_instance(ctx: CommandContext, *, instance_id: int) -> None:
    """Continue a suspended instance; timers that fell due meanwhile fire now."""
    row = _managed(ctx, instance_id)
    if row.status is not InstanceStatus.SUSPENDED:
        raise Conflict(_("The instance is not suspended."))
    row.status = InstanceStatus.RUNNING
    loaded = steps.load(ctx, row)
    try:
        loaded.instance.advance()
    except EngineFailure as failure:
        steps.append_step(ctx, row, action="resumed")
        steps.record_incident(ctx, row, failure, action="advance", payload={})
        return
    messages.settle(ctx, loaded, action="resumed")
    ctx.record(
        "process_instance_resumed", ("process_instance", row.id), org_unit_id=row.org_unit_id
    )


def _need_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > 500:
        raise ValidationFailed(
            _("Give a reason."), {"reason": _("Give a reason of at most 500 characters.")}
        )


def retry_incident(
    ctx: CommandContext, *, incident_id: int, data: dict[str, Any] | None = None
) -> bool:
    """Run the failed step again — for a failed task completion, with corrected ``data`` if given.

    Returns True when it now succeeds (the incident is resolved); a failure again keeps the incident
    open with the new message. Records ``incident_resolved``.
    """
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound()
    row = _managed(ctx, incident.instance_id)
    if incident.resolved_at is not None:
        raise Conflict(_("The incident is already resolved."))
    steps.require_running(row)
    loaded = steps.load(ctx, row)
    payload = json.loads(incident.payload_json)
    if data is not None:
        if incident.action != "complete":
            raise ValidationFailed(_("Only a failed task completion takes corrected data."))
        task = ctx.session.get(HumanTask, payload["task_id"])
        definition = ctx.session.get(ProcessDefinition, row.definition_id)
        payload["data"] = validated_submission(ctx, row, definition, task, data)
    try:
        completed_task = _repeat(ctx, loaded, incident.action, payload)
    except EngineFailure as failure:
        steps.discard_action_writes(ctx, row)
        incident.attempts += 1
        incident.message = failure.message[:4000]
        steps.append_step(
            ctx,
            row,
            action="retry_failed",
            element_id=failure.element_id,
            detail=failure.message[:4000],
        )
        return False
    incident.resolved_at, incident.resolved_by = ctx.now, ctx.actor.login
    row.open_incidents = max(row.open_incidents - 1, 0)
    if completed_task is not None:
        _mark_completed(ctx, completed_task, payload.get("user_id"))
    messages.settle(
        ctx,
        loaded,
        action="incident_retried",
        detail=f"incident {incident.id}",
        # corrected data is logged as a submission: replay (app/auditing) re-runs the step with it
        submitted=payload["data"] if data is not None else None,
    )
    ctx.record(
        "incident_resolved",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        incident=incident.id,
    )
    return True


def _repeat(
    ctx: CommandContext, loaded: steps.Loaded, action: str, payload: dict
) -> HumanTask | None:
    if action == "complete":
        task = ctx.session.get(HumanTask, payload["task_id"])
        if task is None or task.state is not HumanTaskState.READY:
            raise Conflict(_("The task is no longer open."))
        loaded.instance.complete(task.task_uuid, payload.get("data", {}))
        return task
    if action == "message" and payload.get("pending_message_id"):
        pending = ctx.session.get(PendingMessage, payload["pending_message_id"])
        if pending is not None:
            loaded.instance.deliver(pending.event_json)
            return None
    loaded.instance.advance()
    return None


def _mark_completed(ctx: CommandContext, task: HumanTask, user_id: int | None) -> None:
    task.state, task.completed_at = HumanTaskState.COMPLETED, ctx.now
    task.completed_by_user_id = user_id if user_id is not None else ctx.actor.user_id
