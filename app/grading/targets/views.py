"""Pages of the annual grading targets (年度创建目标): the years, the form that starts this year's
target setting for the company, and each year's comparison — the company's targets against the
units' breakdowns, the branches' declarations and the levels held — where every count of branches
links to the branches behind it.

Company users see every unit, a unit user their own unit; anyone else is told "not found"
(``target_queries.target_roots``).
"""

from __future__ import annotations

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
from app.grading.policy import may_edit_rubric
from app.grading.targets import commands as targets
from app.grading.targets import queries as target_queries
from app.identity.kinds import Level
from app.identity.policy import Scope
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.levels.queries import LEVELS_HIGH_FIRST

SHOWS = ("declared", "pending", "held")


def setting_states() -> dict[str, str]:
    return {
        "running": _("Being set"),
        "published": _("Published"),
        "returned": _("Returned"),
        "cancelled": _("Cancelled"),
    }


def _viewer() -> tuple[Scope, list[str]]:
    scope = current_scope()
    return scope, target_queries.target_roots(scope)


def _this_year() -> int:
    return clock.now().astimezone(clock.local_zone()).year


def _list_page(scope: Scope, errors: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "grading/targets.html",
        settings=target_queries.list_settings(db.session),
        states=setting_states(),
        may_start=may_edit_rubric(scope),
        year=request.form.get("year") or _this_year(),
        errors=errors or {},
    ), status


@bp.get("/targets")
def targets_list():
    scope, _roots = _viewer()
    return _list_page(scope)


@bp.post("/targets")
def start_targets():
    scope, _roots = _viewer()
    if not may_edit_rubric(scope):
        abort(403)
    asked = request.form.get("year", "").strip()
    if not (asked.isascii() and asked.isdigit()):
        return _list_page(scope, {"year": _("Give a year between 2000 and 2100.")}, 422)
    try:
        run(targets.start_target_setting, actor=current_actor(), year=int(asked))
    except ValidationFailed as refused:
        errors = {k: str(v) for k, v in refused.field_errors.items()}
        errors.setdefault("year", str(refused.message or _("The target setting was not started.")))
        return _list_page(scope, errors, 422)
    except Conflict as conflict:
        return _list_page(scope, {"year": str(conflict.message)}, 409)
    flash(_("The target setting was started: the draft is in your inbox."), "success")
    return redirect(url_for(".year_targets", year=int(asked)))


def _year_or_404(year: int, roots: list[str]) -> tuple[target_queries.YearTargets, list]:
    settings = [row for row in target_queries.list_settings(db.session) if row.setting.year == year]
    if not settings:
        raise NotFound()
    today = clock.now().astimezone(clock.local_zone()).date()
    return target_queries.year_targets(db.session, year, roots, today), settings


@bp.get("/targets/<int:year>")
def year_targets(year: int):
    _scope, roots = _viewer()
    table, settings = _year_or_404(year, roots)
    return render_template(
        "grading/targets_year.html",
        table=table,
        settings=settings,
        states=setting_states(),
        levels=LEVELS_HIGH_FIRST,
        at_least=targets.AT_LEAST,
        count_fields=targets.COUNT_FIELDS,
    )


@bp.get("/targets/<int:year>/branches")
def target_branches(year: int):
    """The branches behind one number: ``?show=declared|pending|held&unit=CODE&level=KEY``."""
    _scope, roots = _viewer()
    table, _settings = _year_or_404(year, roots)
    show = request.args.get("show", "declared")
    if show not in SHOWS:
        raise NotFound()
    level = None
    if key := request.args.get("level"):
        try:
            level = Level(key)
        except ValueError:
            raise NotFound() from None
    unit = None
    if code := request.args.get("unit"):
        unit = next((u for u in table.units if u.unit.code == code), None)
        if unit is None:
            raise NotFound()
        table.units = [unit]
    return render_template(
        "grading/targets_branches.html",
        table=table,
        unit=unit.unit if unit else None,
        show=show,
        level=level,
        rows=target_queries.branches_of(db.session, table, show, level),
    )
