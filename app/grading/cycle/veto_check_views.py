"""The related departments' page: the veto check of every waiting branch of a cycle, at once
(``veto_checks.record_veto_checks``)."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.cycle import veto_checks
from app.grading.cycle.commands import get_cycle
from app.identity.session import current_actor
from app.identity.session import current_scope


def _cycle_for_checker(cycle_id: int):
    scope = current_scope()
    if not scope.holdings:
        raise NotFound()
    found = get_cycle(db.session, cycle_id)
    if found is None or not (scope.is_system_admin or scope.sees(found[1].path)):
        raise NotFound()
    if not veto_checks.may_check_vetoes(scope):
        abort(403)
    return found


def _page(cycle_id: int, errors: dict[str, str] | None = None, status: int = 200):
    cycle, scope_org = _cycle_for_checker(cycle_id)
    waiting = veto_checks.waiting_checks(db.session, cycle_id)
    return render_template(
        "grading/veto_checks.html",
        cycle=cycle,
        scope_org=scope_org,
        waiting=waiting,
        v4_measured=veto_checks.v4_measured(db.session, [w.task.instance_id for w in waiting]),
        vetoes=veto_checks.VETO_IDS,
        departments=_department_labels(),
        form=request.form if request.method == "POST" else None,
        errors=errors or {},
    ), status


def _department_labels() -> dict[str, str]:
    return {
        "discipline": _("Discipline inspection"),
        "safety": _("Safety and environment"),
        "stability": _("Petitions and stability"),
        "organisation": _("Organisation (organisation-life data)"),
        "hr": _("Human resources"),
        "publicity": _("Publicity"),
    }


@bp.get("/cycles/<int:cycle_id>/veto-checks")
def veto_check_list(cycle_id: int):
    return _page(cycle_id)


@bp.post("/cycles/<int:cycle_id>/veto-checks")
def record_veto_checks(cycle_id: int):
    _cycle_for_checker(cycle_id)
    findings: dict[str, dict[str, str]] = {}
    for item in veto_checks.waiting_checks(db.session, cycle_id):
        code = item.branch.code
        found = [v for v in veto_checks.VETO_IDS if request.form.get(f"veto-{code}-{v}")]
        if found:
            source = request.form.get(f"source-{code}", "")
            findings[code] = dict.fromkeys(found, source)
    try:
        counts = run(
            veto_checks.record_veto_checks,
            actor=current_actor(),
            cycle_id=cycle_id,
            checked_by=request.form.getlist("checked_by"),
            findings=findings,
            note=request.form.get("note", ""),
        )
    except ValidationFailed as refused:
        return _page(cycle_id, {k: str(v) for k, v in refused.field_errors.items()}, 422)
    flash(
        _(
            "Veto check recorded for %(n)d branches, %(k)d of them with a veto.",
            n=counts["checked"],
            k=counts["with_veto"],
        ),
        "success",
    )
    return redirect(url_for(".veto_check_list", cycle_id=cycle_id), 303)
