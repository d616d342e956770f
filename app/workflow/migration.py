"""Moving running instances of a process onto a newer version (issue 14, item 8).

``plan_migration`` lists the running instances of older versions (and the suspended ones, which
stay until resumed) and says for each whether it can move and why not: its open tasks and the
elements it waits at must exist in the new version (``engine.migration``), each open task's form
must be the same, or the new form must accept the data the instance already holds for it, and no
incident may be open (its retry would repeat a step of the old version).

``migrate_instance`` moves one instance, as one command: the instance row points at the new
version, the open task rows take the new version's titles, forms and roles, and the step log gets
a ``migrated`` step naming both versions (the replay in ``app/auditing`` switches versions
there). ``migrate_movable`` runs it for every movable instance, each in its own transaction,
and reports what moved and what stayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import Actor
from app.core.commands import CommandContext
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import DomainError
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.engine.migration import Migration
from app.engine.migration import MovedTask
from app.engine.migration import migrate
from app.engine.runtime import EngineFailure
from app.formdefs.validation import validation_errors
from app.formdefs.validation import validator_for
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.workflow import messages
from app.workflow import steps
from app.workflow.assignment import place_task
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

#: Listed by a plan: a suspended instance is listed too, and stays until it is resumed (its open
#: tasks are held while it is paused; moving it would have to run it on).
LISTED_STATES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class InstanceCheck:
    instance_id: int
    business_key: str | None
    org_code: str
    org_name: str
    from_version: int
    movable: bool
    #: Why not, each in both languages.
    reasons: tuple[str, ...] = ()
    #: The elements of its open tasks.
    open_elements: tuple[str, ...] = ()


@dataclass
class MigrationPlan:
    process_key: str
    to_version: int
    to_definition_id: int
    checks: list[InstanceCheck] = field(default_factory=list)


@dataclass
class MigrationReport:
    plan: MigrationPlan
    moved: list[int] = field(default_factory=list)
    #: Instances found movable that did not move when their turn came: id → why.
    failed: dict[int, str] = field(default_factory=dict)


def target_definition(session: Session, process_key: str, version: int | None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    found = session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound(_("No such version of the process is deployed."))
    return found


def plan_migration(
    session: Session, process_key: str, to_version: int | None = None
) -> MigrationPlan:
    """Whether each running instance of an older version of ``process_key`` can move to
    ``to_version`` (the newest if not given), and why not. Reads only."""
    target = target_definition(session, process_key, to_version)
    plan = MigrationPlan(process_key, target.version, target.id)
    rows = session.execute(
        select(ProcessInstance, ProcessDefinition, OrgUnit)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.status.in_(LISTED_STATES),
            ProcessDefinition.version < target.version,
        )
        .order_by(ProcessInstance.id)
    ).all()
    for row, definition, org in rows:
        trial = runtime().load(_specs(definition), row.state_json)
        reasons = _reasons(row, definition, target, migrate(trial, _specs(target)))
        plan.checks.append(
            InstanceCheck(
                row.id,
                row.business_key,
                org.code,
                org.name,
                definition.version,
                not reasons,
                tuple(reasons),
                tuple(t.element_id for t in trial.ready_tasks()),
            )
        )
    return plan


def migrate_movable(
    session: Session,
    process_key: str,
    to_version: int | None,
    *,
    actor: Actor,
    move: Callable[..., None] | None = None,
) -> MigrationReport:
    """Move every movable instance, each in its own command (one failing leaves the others).
    ``move``: the command that moves one (``migrate_instance`` unless a caller authorises its
    own way, as the designer workspace does)."""
    plan = plan_migration(session, process_key, to_version)
    session.rollback()  # the plan only read: each move is its own transaction
    report = MigrationReport(plan)
    for check in plan.checks:
        if not check.movable:
            continue
        try:
            run(
                move or migrate_instance,
                actor=actor,
                instance_id=check.instance_id,
                to_definition_id=plan.to_definition_id,
            )
        except DomainError as refused:
            report.failed[check.instance_id] = str(refused.message or refused.code)
            continue
        report.moved.append(check.instance_id)
    return report


def migrate_instance(
    ctx: CommandContext, *, instance_id: int, to_definition_id: int, authorised: bool = False
) -> None:
    """Move one instance onto another version of its process. Logged as ``migrated`` with both
    versions; records ``process_instance_migrated``. Refused (Conflict, nothing changed) when
    it cannot move, with the reasons. ``authorised``: the caller has checked the actor by its
    own rule (the designer workspace lets designers and the approving department migrate)."""
    if not authorised:
        _require_may_migrate(ctx)
    row = steps.lock(ctx, instance_id)
    target = ctx.session.get(ProcessDefinition, to_definition_id)
    if target is None or target.process_key != row.process_key:
        raise NotFound()
    if row.status is not InstanceStatus.RUNNING:
        raise Conflict(_("Only a running instance can move to another version."))
    loaded = steps.load(ctx, row)
    old = loaded.definition
    if old.version >= target.version:
        raise Conflict(_("The instance is not on an older version."))
    moved = migrate(loaded.instance, steps.specs_of(ctx, target))
    reasons = _reasons(row, old, target, moved)
    if reasons:
        raise Conflict("; ".join(reasons))
    row.definition_id, loaded.definition = target.id, target
    try:
        loaded.instance.advance()
    except EngineFailure as failure:
        raise Conflict(f"{failure.element_id or ''}: {failure.message}") from None
    _retitle_open_tasks(ctx, loaded)
    versions = {
        "from": {"definition_id": old.id, "version": old.version},
        "to": {"definition_id": target.id, "version": target.version},
    }
    messages.settle(ctx, loaded, action="migrated", detail=json.dumps(versions, sort_keys=True))
    ctx.record(
        "process_instance_migrated",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        process_key=row.process_key,
        from_version=old.version,
        to_version=target.version,
    )


def _require_may_migrate(ctx: CommandContext) -> None:
    """Moving instances between versions is the deployers' business: administrators (and the
    operator at the terminal)."""
    if ctx.actor.user_id is None:
        return
    if not load_scope(ctx.session, ctx.actor.user_id, ctx.today).is_system_admin:
        raise Forbidden()


def _reasons(
    row: ProcessInstance, old: ProcessDefinition, target: ProcessDefinition, moved: Migration
) -> list[str]:
    reasons = [f"{o.message_zh} / {o.message_en}" for o in moved.obstacles]
    if row.status is InstanceStatus.SUSPENDED:
        reasons.append("实例已暂停，请先恢复 / it is suspended: resume it first")
    if row.open_incidents:
        reasons.append(
            "有未解决的故障，请先处理 / it has an open incident: retry or resolve it first"
        )
    for task in moved.open_tasks:
        reasons += _form_problems(old, target, task)
    return reasons


def _form_problems(old: ProcessDefinition, target: ProcessDefinition, task: MovedTask) -> list[str]:
    """An open task's form must be the same, or accept what the instance holds for its fields."""
    if task.new_form_key is None:
        return []
    new_form = json.loads(target.forms_json).get(task.new_form_key)
    if task.old_form_key == task.new_form_key:
        old_form = json.loads(old.forms_json).get(task.old_form_key)
        if old_form == new_form:
            return []
    validator = validator_for(
        (target.process_key, target.content_hash, task.new_form_key),
        lambda: new_form.encode(),
        task.new_form_key,
    )
    fields = set(validator.schema.get("properties", {}))
    held = {k: v for k, v in task.data.items() if k in fields}
    errors = {
        path: message
        for path, message in validation_errors(validator, held).items()
        if path.split(".")[0] in held
    }
    return [
        f"{task.element_id}：新表单 {task.new_form_key} 不接受已有数据 {path}（{message}）"
        f" / the new form {task.new_form_key} refuses the data held for {path}: {message}"
        for path, message in errors.items()
    ]


def _retitle_open_tasks(ctx: CommandContext, loaded: steps.Loaded) -> None:
    """The inbox rows of the tasks that moved read as the new version says: title, form,
    priority; a task whose lane changed goes to the new role (unassigned)."""
    ready = {task.task_id: task for task in loaded.instance.ready_tasks()}
    for row in ctx.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == loaded.row.id, HumanTask.state == HumanTaskState.READY
        )
    ):
        task = ready.get(row.task_uuid)
        if task is None:
            continue  # gone in the new version: the save cancels it
        row.title, row.form_key, row.priority = task.title[:200], task.form_key, task.priority
        if task.lane != row.candidate_role:
            placement = place_task(ctx.session, task, loaded.row.org_unit_id)
            row.candidate_role, row.org_unit_id = task.lane, placement.org_unit_id
            row.assignee_user_id = placement.assignee_user_id


def _specs(definition: ProcessDefinition) -> tuple[Any, Any]:
    return specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json)
