"""Pages of the annual dynamic analysis (年度动态分析/过筛体检): the analyses and the start form,
and each year's screening grouped by class A/B/C (every count links to its rows), the 软弱涣散
proposals, and each class-C branch's improvement plan.

Who sees what follows the dashboard (``app.levels.policy.dashboard_roots``): people holding a role
at the company see every branch, at a unit that unit's branches; anyone else is told "not found".
Starting the analysis and proposing or withdrawing designations is for the company organisation
department (``may_edit_rubric``).
"""

from __future__ import annotations

from datetime import date

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
from app.grading.analysis import commands as analysis
from app.grading.analysis import queries as analysis_queries
from app.grading.analysis import screening
from app.grading.blueprint import bp
from app.grading.cycle.views import level_labels
from app.grading.policy import may_edit_rubric
from app.identity.policy import Scope
from app.identity.queries import get_root
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.levels.policy import dashboard_roots


def class_labels() -> dict[str, str]:
    return {
        "A": _("Class A (advanced)"),
        "B": _("Class B (middle)"),
        "C": _("Class C (lagging behind)"),
        "unrated": _("Not rated yet"),
    }


def why_labels() -> dict[str, str]:
    return {"weak": _("Weak and lax"), "veto": _("Veto"), "low_stars": _("Low stars")}


def status_labels() -> dict[str, str]:
    return {
        "running": _("Under way"),
        "approved": _("Approved"),
        "returned": _("Returned"),
        "cancelled": _("Cancelled"),
        "proposed": _("Proposed"),
        "withdrawn": _("Withdrawn"),
        "confirmed": _("In force"),
        "lifted": _("Lifted after improvement"),
    }


def plan_stage_labels() -> dict[str, str]:
    return {
        "draft": _("Unit drafts the plan"),
        "approve": _("Unit party committee approval"),
        "implement": _("Branch implements the measures"),
        "verify": _("Unit verifies the result"),
        "completed": _("Verified"),
        "incident": _("Stopped by an incident"),
        "cancelled": _("Cancelled"),
        "other": _("Other"),
    }


def outcome_labels() -> dict[str, str]:
    return {"improved": _("Improved"), "not_improved": _("Not improved")}


def _viewer() -> tuple[Scope, list[str]]:
    """The viewer and the paths their screening covers; anyone else: not found."""
    scope = current_scope()
    roots = dashboard_roots(scope)
    if not roots:
        raise NotFound()
    return scope, roots


def _year_or_404(year: int) -> int:
    if not analysis.FIRST_YEAR <= year <= clock.local_today().year:
        raise NotFound()
    return year


# -- the list of analyses --------------------------------------------------------------------------


def _sees_company(scope: Scope) -> bool:
    """Whether the analysis instance itself (at the company) opens for the viewer."""
    root = get_root(db.session)
    return scope.is_system_admin or (root is not None and scope.sees(root.path))


def _list_page(scope: Scope, errors: dict[str, str] | None = None, status: int = 200):
    this_year = clock.local_today().year
    rows = analysis_queries.list_analyses(db.session)
    years = sorted({this_year, this_year - 1, *(r.analysis.year for r in rows)}, reverse=True)
    return render_template(
        "grading/analyses.html",
        rows=rows,
        years=[y for y in years if y >= analysis.FIRST_YEAR],
        may_start=may_edit_rubric(scope),
        sees_company=_sees_company(scope),
        year=request.form.get("year") or this_year,
        errors=errors or {},
        status_labels=status_labels(),
        class_labels=class_labels(),
    ), status


@bp.get("/analysis")
def analyses():
    scope, _roots = _viewer()
    return _list_page(scope)


@bp.post("/analysis")
def start_analysis_from_list():
    scope, _roots = _viewer()
    if not may_edit_rubric(scope):
        abort(403)
    asked = request.form.get("year", "").strip()
    if not (asked.isascii() and asked.isdigit() and len(asked) <= 4):
        return _list_page(scope, {"year": _("Give a year between 2000 and this year.")}, 422)
    try:
        run(analysis.start_analysis, actor=current_actor(), year=int(asked))
    except ValidationFailed as refused:
        errors = {k: str(v) for k, v in refused.field_errors.items()}
        errors.setdefault("year", str(refused.message or _("The analysis was not started.")))
        return _list_page(scope, errors, 422)
    except Conflict as conflict:
        return _list_page(scope, {"year": str(conflict.message)}, 409)
    flash(_("The dynamic analysis was started."), "success")
    return redirect(url_for(".analysis_year", year=int(asked)))


# -- one year --------------------------------------------------------------------------------------


def _year_page(
    scope: Scope,
    roots: list[str],
    year: int,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    units = screening.viewer_units(db.session, roots)
    screened = screening.screen(db.session, units, year, clock.local_today(), clock.now())
    key = request.args.get("class")
    if key is not None and key not in screening.CLASS_KEYS:
        raise NotFound()
    rows = analysis_queries.list_analyses(db.session, year)
    current = rows[0] if rows else None
    holding = current is not None and current.status in ("running", "approved")
    may_manage = may_edit_rubric(scope)
    return render_template(
        "grading/analysis.html",
        year=year,
        screening=screened,
        shown_class=key,
        groups=[key] if key else list(screening.CLASS_KEYS),
        current=current,
        earlier=rows[1:],
        plans=analysis_queries.plans_of(db.session, current.analysis.id, roots) if current else [],
        designations=analysis_queries.designations_of(db.session, year, roots),
        may_start=may_manage and not holding,
        sees_company=_sees_company(scope),
        may_designate=may_manage and not holding,
        candidates=[r for r in screened.rows if r.weak is None],
        # a designation lasts to the end of next year unless the department says otherwise
        default_until=date(max(year, clock.local_today().year) + 1, 12, 31),
        form=request.form if request.method == "POST" else {},
        errors=errors or {},
        class_labels=class_labels(),
        why_labels=why_labels(),
        status_labels=status_labels(),
        stage_labels=plan_stage_labels(),
        outcome_labels=outcome_labels(),
        level_labels=level_labels(),
    ), status


@bp.get("/analysis/<int:year>")
def analysis_year(year: int):
    scope, roots = _viewer()
    return _year_page(scope, roots, _year_or_404(year))


def _manager(year: int) -> tuple[Scope, list[str], int]:
    scope, roots = _viewer()
    year = _year_or_404(year)
    if not may_edit_rubric(scope):
        abort(403)
    return scope, roots, year


@bp.post("/analysis/<int:year>/start")
def start_analysis(year: int):
    scope, roots, year = _manager(year)
    try:
        run(analysis.start_analysis, actor=current_actor(), year=year)
    except ValidationFailed as refused:
        errors = {k: str(v) for k, v in refused.field_errors.items()}
        errors.setdefault("start", str(refused.message or _("The analysis was not started.")))
        return _year_page(scope, roots, year, errors, 422)
    except Conflict as conflict:
        return _year_page(scope, roots, year, {"start": str(conflict.message)}, 409)
    flash(_("The dynamic analysis was started."), "success")
    return redirect(url_for(".analysis_year", year=year))


@bp.post("/analysis/<int:year>/weak")
def propose_weak(year: int):
    scope, roots, year = _manager(year)
    try:
        run(
            analysis.propose_weak,
            actor=current_actor(),
            year=year,
            branch_code=request.form.get("branch_code", ""),
            reason=request.form.get("reason", ""),
            valid_until=request.form.get("valid_until", ""),
        )
    except ValidationFailed as refused:
        errors = {k: str(v) for k, v in refused.field_errors.items()}
        return _year_page(scope, roots, year, errors, 422)
    except Conflict as conflict:
        return _year_page(scope, roots, year, {"designation": str(conflict.message)}, 409)
    flash(_("The branch was proposed as weak and lax."), "success")
    return redirect(url_for(".analysis_year", year=year, _anchor="designations"))


@bp.post("/analysis/<int:year>/weak/<int:designation_id>/withdraw")
def withdraw_weak(year: int, designation_id: int):
    scope, roots, year = _manager(year)
    shown = {
        row.designation.id for row in analysis_queries.designations_of(db.session, year, roots)
    }
    if designation_id not in shown:
        raise NotFound()
    try:
        run(analysis.withdraw_weak, actor=current_actor(), designation_id=designation_id)
    except Conflict as conflict:
        return _year_page(scope, roots, year, {"designation": str(conflict.message)}, 409)
    flash(_("The proposal was withdrawn."), "success")
    return redirect(url_for(".analysis_year", year=year, _anchor="designations"))
