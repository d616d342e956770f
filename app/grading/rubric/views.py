"""Pages of the grading rubric: the rubric in force, any published version, and the edit form."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.policy import require_rubric_editor
from app.grading.policy import require_rubric_reader
from app.grading.rubric import commands
from app.grading.rubric import form as rubric_form
from app.grading.rubric import queries
from app.grading.rubric.document import GROUPS
from app.grading.rubric.paths import where_and_what
from app.grading.rubric.queries import RubricRecord
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.workflow.models import ProcessDefinition
from app.workflow.queries import latest_definitions_query


@bp.app_template_filter("points")
def _points(value: object) -> str:
    return rubric_form.show(value)


def _labels() -> dict[str, str]:
    """Names of the value groups and of the keys of a changed path, in the reader's language."""
    return {
        "aspects": _("Aspects and criteria"),
        "bonus": _("Bonus"),
        "vetoes": _("Veto categories"),
        "levels": _("Level thresholds"),
        "model_quota": _("Quota of model branches"),
        "model_quota_percent": _("Quota of model branches (percent)"),
        "acceptance_sample": _("On-site acceptance sample"),
        "acceptance_sample_percent": _(
            "On-site acceptance sample of standardised candidates (percent)"
        ),
        "stars": _("Star bands"),
        "classes": _("A/B/C classes"),
        "points": _("points"),
        "zh": _("Chinese text"),
        "en": _("English text"),
        "scoring": _("scoring rule"),
        "scoring_en": _("scoring rule in English"),
        "evidence": _("evidence"),
        "min_score": _("threshold"),
        "cap": _("cap"),
        "proposals": _("values still proposed"),
        "reason": _("Reason for the change"),
    }


def _describe(path: str, document: dict[str, Any]) -> str:
    """A path as the reader names it: ``aspects[0].criteria[1].points`` → "A1 › C02 › points"."""
    if not path:
        return _("The whole rubric")
    labels = _labels()
    where, key = where_and_what(path, document)
    return " › ".join(labels.get(part, part) for part in [*where, key])


def _procedures() -> dict[str, ProcessDefinition]:
    """The deployed procedures by key (newest version): the evidence column names only these."""
    return {d.process_key: d for d in db.session.scalars(latest_definitions_query())}


def _show(record: RubricRecord) -> str:
    may_edit = require_rubric_reader(current_scope())
    current = queries.current_rubric(db.session)
    return render_template(
        "grading/rubric.html",
        record=record,
        rubric=record.rubric,
        is_current=record.version == current.version,
        current_version=current.version,
        versions=queries.list_versions(db.session),
        may_edit=may_edit,
        en=str(get_locale() or "zh_CN").startswith("en"),
        labels=_labels(),
        procedures=_procedures(),
    )


@bp.get("/rubric")
def rubric():
    return _show(queries.current_rubric(db.session))


@bp.get("/rubric/<int:number>")
def rubric_version(number: int):
    require_rubric_reader(current_scope())
    record = queries.rubric_by_number(db.session, number)
    if record is None:
        raise NotFound()
    return _show(record)


@bp.route("/rubric/edit", methods=["GET", "POST"])
def edit_rubric():
    require_rubric_editor(current_scope())
    current = queries.current_rubric(db.session)
    document = current.rubric.to_document()
    values = rubric_form.form_values(document)
    if request.method == "GET":
        return _edit_page(current, document, values, {}, [], "")
    edited = rubric_form.apply_form(document, request.form)
    values.update({path: request.form[path] for path in values if path in request.form})
    reason = request.form.get("reason", "")
    try:
        version = run(
            commands.publish_rubric,
            actor=current_actor(),
            document=edited,
            reason=reason,
            base_version=request.form.get("base_version", type=int),
        )
    except ValidationFailed as refused:
        errors = {path: str(message) for path, message in refused.field_errors.items()}
        top = [str(refused.message)] if refused.message else []
        return _edit_page(current, edited, values, errors, top, reason, 422)
    except Conflict as conflict:
        # Someone published in the meantime: offer the input again, based on the newest version.
        top = [
            str(conflict.message or _("Someone published another version in the meantime.")),
            _("Your input is kept below: check it against the new version."),
        ]
        latest = queries.current_rubric(db.session)
        return _edit_page(latest, edited, values, {}, top, reason, 409)
    flash(_("Version %(n)d of the grading rubric was published.", n=version), "success")
    return redirect(url_for(".rubric"))


def _edit_page(
    current: RubricRecord,
    document: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str],
    top: list[str],
    reason: str,
    status: int = 200,
) -> tuple[str, int]:
    fields = set(values) | {"reason"}
    elsewhere = {path: message for path, message in errors.items() if path not in fields}
    return render_template(
        "grading/edit.html",
        current=current,
        document=document,
        values=values,
        errors=errors,
        elsewhere=elsewhere,
        top=top,
        reason=reason,
        field_id=rubric_form.field_id,
        labels=_labels(),
        groups=GROUPS,
        describe=lambda path: _describe(path, document),
        confirmed={
            g for g in current.rubric.proposals if request.form.get(rubric_form.CONFIRM_PREFIX + g)
        },
    ), status
