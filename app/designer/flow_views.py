"""The designer's flow after drawing: the dry run of a draft or a version, the XML the visual
diff of a publish request compares, and the migration of running instances after publishing.

Registered on the designer blueprint; every route asks the designer policy first.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.core.clock import local_today
from app.core.clock import local_zone
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.designer import flow
from app.designer.models import PublishRequest
from app.designer.policy import DESIGNER_ROLE
from app.designer.policy import PUBLISHER_ROLE
from app.designer.policy import require_entry
from app.designer.sources import file_hash
from app.designer.views import _draft
from app.designer.views import bp
from app.extensions import db
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.workflow.dry_run_report import report_data
from app.workflow.english import definition_name
from app.workflow.english import step_title
from app.workflow.migration import MigrationPlan
from app.workflow.migration import MigrationReport
from app.workflow.models import ProcessDefinition

#: Organisations offered by the dry run's picker (any other code in scope may be typed).
PICKER_LIMIT = 400

#: The dry run's step kinds (the engine's class names) as a designer reads them.
STEP_KINDS = {
    "user_task": _l("User task"),
    "time_passes": _l("Time passes"),
    "StartEvent": _l("Start event"),
    "EndEvent": _l("End event"),
    "ServiceTask": _l("Service task"),
    "ScriptTask": _l("Script task"),
    "ManualTask": _l("Manual task"),
    "BusinessRuleTask": _l("Decision table"),
    "CallActivity": _l("Call activity"),
    "SubWorkflowTask": _l("Sub-process"),
    "ExclusiveGateway": _l("Exclusive gateway"),
    "ParallelGateway": _l("Parallel gateway"),
    "InclusiveGateway": _l("Inclusive gateway"),
    "EventBasedGateway": _l("Event-based gateway"),
    "IntermediateCatchEvent": _l("Intermediate event"),
    "IntermediateThrowEvent": _l("Intermediate event"),
    "BoundaryEvent": _l("Boundary event"),
}


@bp.route("/drafts/<int:draft_id>/try", methods=["GET", "POST"])
def try_draft(draft_id: int) -> str | tuple[str, int]:
    require_entry(current_scope())
    draft = _draft(draft_id, with_xml=True)
    keys = flow.process_keys(draft.xml)
    back = url_for(".draft_page", draft_id=draft.id)
    files = flow.draft_files(db.session, draft) if request.method == "POST" else ({}, {})
    return _try_page(draft.title, keys, files, back)


@bp.route("/versions/<int:definition_id>/try", methods=["GET", "POST"])
def try_version(definition_id: int) -> str | tuple[str, int]:
    require_entry(current_scope())
    definition = _definition(definition_id)
    files = flow.version_files(definition) if request.method == "POST" else ({}, {})
    title = f"{definition_name(definition)} v{definition.version}"
    return _try_page(title, [definition.process_key], files, url_for(".index"))


def _try_page(
    title: str, keys: list[str], files: tuple[dict, dict], back: str | None
) -> str | tuple[str, int]:
    scope = current_scope()
    values = {
        "org": "",
        "on": local_today().isoformat(),
        "sample": "",
        "key": keys[0] if keys else "",
    }
    errors: dict[str, str] = {}
    report = None
    if request.method == "POST":
        values |= {k: request.form.get(k, values[k]) for k in values}
        try:
            on = _date(values["on"])
            _known_key(values["key"], keys)
            found = flow.try_at(
                db.session,
                scope,
                files,
                process_key=values["key"],
                org_code=values["org"],
                on=on,
                sample=flow.read_sample(values["sample"]),
            )
            report = _readable(report_data(found, local_zone()))
        except ValidationFailed as refused:
            errors = {k: str(v) for k, v in refused.field_errors.items()}
    page = render_template(
        "designer/try.html",
        title=title,
        keys=keys,
        values=values,
        errors=errors,
        report=report,
        orgs=_orgs_in_scope(scope),
        back=back,
        kinds=STEP_KINDS,
    )
    return (page, 422) if errors else page


def _readable(report: dict) -> dict:
    """The answers and data of each step as short JSON text with its Chinese as written; step
    names in the reader's language where the deployed model has them."""
    for step in report["steps"]:
        step["name"] = step_title(report.get("process_key"), step["element_id"], step["name"] or "")
        for name in ("data_in", "data_out"):
            text = json.dumps(step[name], ensure_ascii=False) if step[name] else ""
            step[f"{name}_text"] = text if len(text) <= 300 else text[:300] + "…"
    return report


def _known_key(key: str, keys: list[str]) -> None:
    if key not in keys:
        message = _("The model has no such process.")
        raise ValidationFailed(message, field_errors={"key": message})


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("", field_errors={"on": _("Give a date as YYYY-MM-DD.")}) from None


def _orgs_in_scope(scope) -> list[OrgUnit]:
    """Units and branches where the designer may dry-run, in tree order."""
    roots = [
        h.org_path
        for h in scope.holdings
        if h.role_code in (DESIGNER_ROLE, PUBLISHER_ROLE) or scope.is_system_admin
    ]
    if not roots:
        return []
    condition = OrgUnit.path.like(f"{roots[0]}%")
    for root in roots[1:]:
        condition = condition | OrgUnit.path.like(f"{root}%")
    return list(
        db.session.scalars(
            select(OrgUnit)
            .where(
                condition, OrgUnit.kind.in_([OrgKind.UNIT, OrgKind.BRANCH, OrgKind.GENERAL_BRANCH])
            )
            .order_by(OrgUnit.code)
            .limit(PICKER_LIMIT)
        )
    )


def _definition(definition_id: int) -> ProcessDefinition:
    definition = (
        db.session.query(ProcessDefinition)
        .options(undefer(ProcessDefinition.sources_json), undefer(ProcessDefinition.forms_json))
        .filter(ProcessDefinition.id == definition_id)
        .one_or_none()
    )
    if definition is None:
        raise NotFound()
    return definition


# -- the XML a publish request's visual diff compares ---------------------------------------


@bp.get("/requests/<int:request_id>/old.xml")
def request_old_xml(request_id: int) -> Response:
    """The file as it was in the version in use when the publication was asked for."""
    require_entry(current_scope())
    publish = _request(request_id)
    for definition in db.session.scalars(
        select(ProcessDefinition)
        .options(undefer(ProcessDefinition.sources_json))
        .order_by(ProcessDefinition.id.desc())
    ):
        text = json.loads(definition.sources_json).get(publish.file_name)
        if text is not None and file_hash(text.encode("utf-8")) == publish.old_hash:
            return Response(text, mimetype="application/xml")
    raise NotFound()


@bp.get("/requests/<int:request_id>/new.xml")
def request_new_xml(request_id: int) -> Response:
    """The file proposed (a proposed or published draft no longer changes)."""
    require_entry(current_scope())
    draft = _draft(_request(request_id).draft_id, with_xml=True)
    return Response(draft.xml, mimetype="application/xml")


def _request(request_id: int) -> PublishRequest:
    publish = db.session.get(PublishRequest, request_id)
    if publish is None:
        raise NotFound()
    return publish


# -- migration -------------------------------------------------------------------------------


@bp.get("/processes/<key>/migration")
def migration_page(key: str) -> str:
    scope = current_scope()
    require_entry(scope)
    plan = flow.planned(db.session, scope, key)
    return _migration_page(plan, None, key)


@bp.post("/processes/<key>/migration")
def migrate(key: str) -> str | Response:
    scope = current_scope()
    require_entry(scope)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to move the instances."), "error")
        return redirect(url_for(".migration_page", key=key))
    report = flow.migrate_movable_as(db.session, scope, key, actor=current_actor())
    flash(
        _(
            "%(moved)d instances moved, %(stayed)d stayed.",
            moved=len(report.moved),
            stayed=len(report.plan.checks) - len(report.moved),
        ),
        "success",
    )
    return _migration_page(report.plan, report, key)


def _migration_page(plan: MigrationPlan, report: MigrationReport | None, key: str) -> str:
    """The plan per older version, with each instance's reasons in the reader's language."""
    english = str(get_locale() or "zh").startswith("en")
    return render_template(
        "designer/migration.html", plan=plan, report=report, key=key, english=english
    )
