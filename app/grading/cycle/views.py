"""Pages of the grading cycle: the cycles, the form that starts this year's cycle for the company,
and each cycle's progress stage by stage (every count links to the branches at that stage)."""

from __future__ import annotations

import math
from decimal import Decimal

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.core import clock
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.cycle import commands as cycle
from app.grading.cycle import start as cycle_start
from app.grading.cycle.acceptance import sample_state
from app.grading.cycle.quota import Place
from app.grading.cycle.quota import places_taken
from app.grading.cycle.veto_checks import may_check_vetoes
from app.grading.cycle.veto_checks import waiting_checks
from app.grading.policy import may_edit_rubric
from app.grading.rubric.queries import rubric_version
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.identity.queries import get_root
from app.identity.session import current_actor
from app.identity.session import current_scope


def stage_labels() -> dict[str, str]:
    return {
        "self_assessment": _("Branch self-assessment"),
        "committee_resolution": _("Branch committee resolution"),
        "unit_review": _("Unit review"),
        "veto_check": _("Veto check by the related departments"),
        "unit_decision": _("Unit party committee decision"),
        "acceptance_sample": _("Waiting for the acceptance sample"),
        "company_acceptance": _("Company on-site acceptance"),
        "company_desk_review": _("Company acceptance by the files"),
        "company_decision": _("Company party committee decision"),
        "public_notice": _("Public notice"),
        "completed": _("Level decided"),
        "incident": _("Stopped by an incident"),
        "cancelled": _("Cancelled"),
        "other": _("Other"),
    }


def level_labels() -> dict[str, str]:
    return {
        "not_up_to_standard": _("Not up to standard"),
        "basic": _("Basically up to standard"),
        "standardised": _("Standardised"),
        "red_flag": _("Red flag"),
        "model": _("Model"),
    }


def _viewer() -> Scope:
    scope = current_scope()
    if not scope.holdings and not scope.is_system_admin:
        raise NotFound()
    return scope


def _sees(scope: Scope, path: str) -> bool:
    return scope.is_system_admin or scope.sees(path)


def _list_page(scope: Scope, errors: dict[str, str] | None = None, status: int = 200):
    root = get_root(db.session)
    return render_template(
        "grading/cycles.html",
        cycles=cycle.list_cycles(db.session, lambda path: _sees(scope, path)),
        may_start=may_edit_rubric(scope) and root is not None,
        root=root,
        year=request.form.get("year") or _this_year(),
        errors=errors or {},
    ), status


def _this_year() -> int:
    return clock.now().astimezone(clock.local_zone()).year


@bp.get("/cycles")
def cycles():
    return _list_page(_viewer())


@bp.post("/cycles")
def start_cycle():
    scope = _viewer()
    if not may_edit_rubric(scope):
        abort(403)
    root = get_root(db.session)
    if root is None:
        raise NotFound()
    asked = request.form.get("year", "").strip()
    if not (asked.isascii() and asked.isdigit()):
        return _list_page(scope, {"year": _("Give a year between 2000 and 2100.")}, 422)
    try:
        cycle_id = run(
            cycle_start.open_cycle, actor=current_actor(), year=int(asked), scope_code=root.code
        )
    except ValidationFailed as refused:
        errors = {k: str(v) for k, v in refused.field_errors.items()}
        errors.setdefault("year", str(refused.message or _("The cycle was not started.")))
        return _list_page(scope, errors, 422)
    except Conflict as conflict:
        return _list_page(scope, {"year": str(conflict.message)}, 409)
    # The first chunk now, in its own transaction; the worker starts the rest (cycle/start.py).
    remaining = run(cycle_start.start_next_branches, actor=current_actor(), cycle_id=cycle_id)
    if remaining:
        flash(
            _(
                "The grading cycle was opened; the remaining %(n)d branches are being started.",
                n=remaining,
            ),
            "success",
        )
    else:
        flash(_("The grading cycle was started for every branch."), "success")
    return redirect(url_for(".cycle_progress", cycle_id=cycle_id))


@bp.get("/cycles/<int:cycle_id>")
def cycle_progress(cycle_id: int):
    scope = _viewer()
    progress = cycle.cycle_progress(db.session, cycle_id)
    if progress is None or not _sees(scope, progress.scope.path):
        raise NotFound()
    stage = request.args.get("stage")
    if stage is not None and stage not in progress.counts:
        raise NotFound()
    return render_template(
        "grading/cycle_progress.html",
        progress=progress,
        stage=stage,
        shown=progress.at(stage) if stage else [],
        stage_labels=stage_labels(),
        level_labels=level_labels(),
        sample=sample_state(db.session, cycle_id) if may_edit_rubric(scope) else None,
        veto_waiting=(len(waiting_checks(db.session, cycle_id)) if may_check_vetoes(scope) else 0),
        model_quota=_model_quota(progress),
        over_quota=_over_quota(cycle_id),
    )


def _over_quota(cycle_id: int) -> list[tuple[OrgUnit | None, Place]]:
    """The 示范 the company party committee approved beyond the quota, with its reasons."""
    places = [p for p in places_taken(db.session, cycle_id) if p.over_quota]
    return [(db.session.get(OrgUnit, p.branch_id) if p.branch_id else None, p) for p in places]


def _model_quota(progress: cycle.Progress) -> int:
    """How many branches of the cycle may become 示范 under the pinned rubric's quota."""
    record = rubric_version(db.session, progress.cycle.rubric_version_id)
    percent = Decimal(str(record.rubric.model_quota_percent)) if record else Decimal(0)
    return math.floor(percent * progress.total / 100)
