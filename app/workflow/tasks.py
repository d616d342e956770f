"""Task commands: claim, unclaim, assign or delegate, complete.

Each locks the task's instance first and reads the task again after the lock, so that of two people
acting on one task at the same moment exactly one succeeds and the other gets a clear conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.json_input import require_safe_json
from app.engine.runtime import EngineFailure
from app.formdefs.registry import form_def
from app.formdefs.validation import validation_errors
from app.formdefs.validation import validator_for
from app.identity.models import OrgUnit
from app.identity.queries import get_user_by_login
from app.notify.commands import notify
from app.workflow import messages
from app.workflow import steps
from app.workflow import task_projection
from app.workflow.engine_access import form_bytes_for
from app.workflow.form_resolve import FormContext
from app.workflow.form_resolve import resolve
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.policy import is_candidate
from app.workflow.policy import require_can_manage
from app.workflow.policy import require_can_work_on
from app.workflow.subject import PROPERTY as SUBJECT_FROM
from app.workflow.subject import name_subject
from app.workflow.timing_rules import PROPERTY as NOT_BEFORE
from app.workflow.timing_rules import check_not_before

MAX_SUBMISSION_BYTES = 256 * 1024


@dataclass(frozen=True)
class Completion:
    completed: bool
    incident_id: int | None = None


_INSTANCE_OF_TASK = (
    select(ProcessInstance)
    .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
    .where(HumanTask.id == bindparam("task_id"))
    .with_for_update(of=ProcessInstance)
)


def _open_task(ctx: CommandContext, task_id: int) -> tuple[HumanTask, ProcessInstance, bool]:
    """Lock the task's instance, then read the task as it is now; returns whether the actor is a
    candidate for it. Someone neither assignee, candidate nor manager is told it does not exist.

    The instance's open tasks are read in one statement under the lock and kept for the sync
    after the step (``task_projection.OPEN_TASKS_READ``): the task is among them unless it is no
    longer open."""
    row = ctx.session.scalars(_INSTANCE_OF_TASK, {"task_id": task_id}).one_or_none()
    if row is None:
        raise NotFound()
    open_tasks = list(
        ctx.session.scalars(
            task_projection.OPEN_TASKS.execution_options(populate_existing=True), {"id": row.id}
        )
    )
    ctx.session.info.setdefault(task_projection.OPEN_TASKS_READ, {})[row.id] = open_tasks
    task = next((t for t in open_tasks if t.id == task_id), None) or ctx.session.get(
        HumanTask, task_id, populate_existing=True
    )
    user_id = ctx.actor.user_id
    candidate = user_id is not None and is_candidate(ctx.session, user_id, task, ctx.today)
    if user_id is not None and task.assignee_user_id != user_id and not candidate:
        require_can_manage(
            ctx.session, user_id, ctx.session.get(OrgUnit, row.org_unit_id), ctx.today
        )
    if task.state is not HumanTaskState.READY:
        raise Conflict(_("This task has already been completed or cancelled."))
    return task, row, candidate


def claim_task(ctx: CommandContext, *, task_id: int) -> None:
    """Take a task from the candidates' queue. Logged as ``claimed``."""
    task, row, candidate = _open_task(ctx, task_id)
    require_can_work_on(ctx.actor.user_id, task, candidate)
    if task.assignee_user_id is not None:
        raise Conflict(_("This task is already claimed."))
    task.assignee_user_id = ctx.actor.user_id
    steps.append_step(
        ctx, row, action="claimed", task_uuid=task.task_uuid, element_id=task.element_id
    )


def unclaim_task(ctx: CommandContext, *, task_id: int) -> None:
    """Give a claimed task back to the candidates' queue (its assignee, or a manager)."""
    task, row, _candidate = _open_task(ctx, task_id)
    if task.assignee_user_id != ctx.actor.user_id:
        require_can_manage(
            ctx.session, ctx.actor.user_id, ctx.session.get(OrgUnit, row.org_unit_id), ctx.today
        )
    if task.assignee_user_id is None:
        raise Conflict(_("This task is not claimed."))
    task.assignee_user_id = None
    steps.append_step(
        ctx, row, action="unclaimed", task_uuid=task.task_uuid, element_id=task.element_id
    )


def assign_task(ctx: CommandContext, *, task_id: int, login: str, reason: str) -> None:
    """Hand a task to another candidate: by a manager, or by its assignee (delegation).

    Logged as ``reassigned`` with who from, who to and why; also audited.
    """
    task, row, _candidate = _open_task(ctx, task_id)
    if task.assignee_user_id is None or task.assignee_user_id != ctx.actor.user_id:
        require_can_manage(
            ctx.session, ctx.actor.user_id, ctx.session.get(OrgUnit, row.org_unit_id), ctx.today
        )
    target = get_user_by_login(ctx.session, login)
    if (
        target is None
        or not target.active
        or not is_candidate(ctx.session, target.id, task, ctx.today)
    ):
        raise ValidationFailed(
            _("The task was not reassigned."),
            {"login": _("This user does not hold the task's role here.")},
        )
    if not reason.strip() or len(reason) > 500:
        raise ValidationFailed(_("The task was not reassigned."), {"reason": _("Give a reason.")})
    previous = task.assignee_user_id
    task.assignee_user_id = target.id
    detail = json.dumps(
        {"from": previous, "to": target.id, "reason": reason.strip()}, ensure_ascii=False
    )
    steps.append_step(
        ctx,
        row,
        action="reassigned",
        task_uuid=task.task_uuid,
        element_id=task.element_id,
        detail=detail,
    )
    notify(ctx, [target.id], kind="assigned", title=task.title, task_id=task.id, instance_id=row.id)
    ctx.record(
        "task_reassigned",
        ("human_task", task.id),
        org_unit_id=row.org_unit_id,
        to=target.login,
        reason=reason.strip(),
    )


def validated_submission(
    ctx: CommandContext,
    row: ProcessInstance,
    definition: ProcessDefinition,
    task: HumanTask,
    data: Any,
) -> dict[str, Any]:
    """``data`` as it will be stored: references checked, computed values set, schema obeyed.

    ValidationFailed carries a message per field (dotted paths inside lists and objects).
    """
    if not isinstance(data, dict):
        raise ValidationFailed(_("The form data was refused."), {"_form": _("Give a JSON object.")})
    require_safe_json(data, "_form", _("The form data was refused."))
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_SUBMISSION_BYTES:
        raise ValidationFailed(
            _("The form data was refused."), {"_form": _("The submission is too large.")}
        )
    if task.form_key:
        form_bytes = form_bytes_for(
            definition.process_key,
            definition.content_hash,
            task.form_key,
            lambda: definition.forms_json,
        )
        form = form_def(form_bytes, task.form_key)
        context = FormContext(
            ctx.session,
            row.id,
            row.org_unit_id,
            ctx.actor.user_id,
            ctx.now,
        )
        data = resolve(form, data, context)
        validator = validator_for(
            (definition.process_key, definition.content_hash, task.form_key),
            lambda: form_bytes,
            task.form_key,
        )
        hidden = form.hidden_fields(data)
        errors = {
            path: message
            for path, message in validation_errors(validator, data).items()
            if path.split(".")[0] not in hidden
        }
        errors = context.errors | {k: v for k, v in errors.items() if k not in context.errors}
        if errors:
            raise ValidationFailed(_("Some fields need correcting."), errors)
    return json.loads(json.dumps(data, ensure_ascii=False))


def complete_task(ctx: CommandContext, *, task_id: int, data: dict[str, Any]) -> Completion:
    """Submit a task's form and run the process on. Logged as ``task_completed`` with the data.

    Invalid data changes nothing (ValidationFailed with a message per field). A failing script after
    the task leaves the instance as it was, with an incident holding the submission for a retry.
    """
    task, row, candidate = _open_task(ctx, task_id)
    require_can_work_on(ctx.actor.user_id, task, candidate)
    steps.require_running(row)
    # The form definitions are read with the row: a second SELECT would follow for them anyway.
    definition = ctx.session.get(
        ProcessDefinition, row.definition_id, options=[undefer(ProcessDefinition.forms_json)]
    )
    submitted = validated_submission(ctx, row, definition, task, data)
    loaded = steps.load(ctx, row)
    _require_timing_rule(ctx, loaded, task, submitted)
    subject_field = loaded.instance.task_property(task.task_uuid, SUBJECT_FROM)
    try:
        loaded.instance.complete(task.task_uuid, submitted)
    except KeyError:
        raise Conflict(_("This task is no longer open.")) from None
    except EngineFailure as failure:
        payload = {"task_id": task.id, "data": submitted, "user_id": ctx.actor.user_id}
        return Completion(
            False, steps.record_incident(ctx, row, failure, action="complete", payload=payload)
        )
    task.state, task.completed_at = HumanTaskState.COMPLETED, ctx.now
    task.completed_by_user_id = ctx.actor.user_id
    task.assignee_user_id = task.assignee_user_id or ctx.actor.user_id
    if subject_field:
        name_subject(ctx.session, row, submitted.get(subject_field))
    messages.settle(
        ctx,
        loaded,
        action="task_completed",
        task_uuid=task.task_uuid,
        element_id=task.element_id,
        submitted=submitted,
    )
    return Completion(True)


def _require_timing_rule(
    ctx: CommandContext, loaded: steps.Loaded, task: HumanTask, submitted: dict[str, Any]
) -> None:
    """A step with a minimum duration (``notBefore``, ``timing_rules.py``) is refused before it is
    due; nothing has been written yet, so the refusal changes nothing."""
    try:
        rule_id = loaded.instance.task_property(task.task_uuid, NOT_BEFORE)
        data = loaded.instance.task_data(task.task_uuid) if rule_id else {}
    except KeyError:
        raise Conflict(_("This task is no longer open.")) from None
    check_not_before(rule_id, data, submitted, ctx.now, ctx.session)
