"""The designer's dry run and migration, authorised by the designer policy.

``app.workflow.dry_run`` and ``app.workflow.migration`` authorise nobody themselves (the terminal
is the operator's); here a dry run is allowed only at an organisation within the designer's own
scope, and a migration only to designers and the approving department, each instance moved in its
own command (audited as ``process_instance_migrated`` with both versions and the actor).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core.commands import Actor
from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.core.json_input import loads as safe_json
from app.designer.draft_forms import forms_for
from app.designer.models import ModelDraft
from app.designer.policy import require_migrator
from app.designer.policy import tries_at
from app.designer.sources import model_set
from app.engine.locate import executable_process_ids
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml
from app.identity.policy import Scope
from app.identity.policy import load_scope
from app.identity.queries import get_org_by_code
from app.workflow.dry_run import dry_run
from app.workflow.dry_run_report import DryRunReport
from app.workflow.migration import MigrationPlan
from app.workflow.migration import MigrationReport
from app.workflow.migration import migrate_instance
from app.workflow.migration import migrate_movable
from app.workflow.migration import plan_migration
from app.workflow.models import ProcessDefinition


def process_keys(xml: str) -> list[str]:
    """The executable processes of a BPMN file (what a dry run may start)."""
    try:
        return executable_process_ids(parse_model_xml(xml.encode("utf-8")))
    except UnsafeXml:
        return []


def draft_files(session: Session, draft: ModelDraft) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The model files and the draft forms a dry run of the draft deploys."""
    return model_set(session, draft.file_name, draft.xml.encode("utf-8")), forms_for(session, draft)


def version_files(definition: ProcessDefinition) -> tuple[dict[str, bytes], dict[str, bytes]]:
    models = {n: t.encode("utf-8") for n, t in json.loads(definition.sources_json).items()}
    forms = {k: t.encode("utf-8") for k, t in json.loads(definition.forms_json).items()}
    return models, forms


def try_at(
    session: Session,
    scope: Scope,
    files: tuple[dict[str, bytes], dict[str, bytes]],
    *,
    process_key: str,
    org_code: str,
    on: date,
    sample: dict[str, Any],
) -> DryRunReport:
    """Walk the files' process at the organisation; refused outside the designer's scope."""
    org = get_org_by_code(session, org_code.strip())
    if org is None or not tries_at(scope, org.path):
        raise ValidationFailed(
            _("Choose an organisation within your scope."),
            field_errors={"org": _("Choose an organisation within your scope.")},
        )
    sources, forms = files
    return dry_run(sources, process_key, org.code, on, sample, forms)


def read_sample(text: str) -> dict[str, Any]:
    """The sample data a designer typed: empty, or a JSON object."""
    if not text.strip():
        return {}
    try:
        value = safe_json(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        message = _('The sample data must be a JSON object, e.g. {"fields": {}}.')
        raise ValidationFailed(message, field_errors={"sample": message})
    return value


def migrate_one(ctx: CommandContext, *, instance_id: int, to_definition_id: int) -> None:
    """One instance onto the published version, by a designer or the approving department."""
    require_migrator(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    migrate_instance(
        ctx, instance_id=instance_id, to_definition_id=to_definition_id, authorised=True
    )


def migrate_movable_as(
    session: Session, scope: Scope, process_key: str, *, actor: Actor
) -> MigrationReport:
    """Move every movable instance to the newest version, each in its own command; the report
    says what moved and what stayed, and why."""
    require_migrator(scope)
    return migrate_movable(session, process_key, None, actor=actor, move=migrate_one)


def planned(session: Session, scope: Scope, process_key: str) -> MigrationPlan:
    """Which running instances of older versions can move to the newest version, and why not."""
    require_migrator(scope)
    return plan_migration(session, process_key)
