"""The dashboard (看板): branches per level and unit, the year-on-year movement, the Excel export.

Every number comes from the level history (``queries``) as of one day (``?on=``, default today),
and every count links to the branches behind it. Which units a user sees is decided by
``policy.require_dashboard``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.clock import local_today
from app.core.errors import NotFound
from app.extensions import db
from app.grading.cycle.views import level_labels
from app.grading.cycle.views import stage_labels
from app.grading.dashboard import queries as overview
from app.grading.dashboard.export import workbook_bytes
from app.identity.kinds import Level
from app.identity.labels import LEVEL
from app.identity.models import OrgUnit
from app.identity.session import current_scope
from app.levels import queries
from app.levels.policy import require_dashboard
from app.levels.policy import sees_dashboard
from app.levels.queries import LEVELS_HIGH_FIRST

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EARLIEST = date(2000, 1, 1)


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    """``sees_dashboard()`` for the menu: the link shows only to those the dashboard serves."""
    if not (current_user and current_user.is_authenticated):
        return {"sees_dashboard": None}
    return {"sees_dashboard": lambda: sees_dashboard(current_scope())}


def _units() -> list[OrgUnit]:
    return queries.units_under(db.session, require_dashboard(current_scope()))


def _day() -> date:
    """``?on=YYYY-MM-DD`` within 2000-01-01 … today; anything else means today."""
    today = local_today()
    try:
        day = date.fromisoformat(request.args.get("on", ""))
    except ValueError:
        return today
    return min(max(day, EARLIEST), today)


@bp.get("")
def index():
    units = _units()
    day = _day()
    counts = queries.level_counts(db.session, units, day)
    totals = {level: sum(c[level] for c in counts.values()) for level in LEVELS_HIGH_FIRST}
    return render_template(
        "levels/dashboard.html",
        units=units,
        day=day,
        today=local_today(),
        levels=LEVELS_HIGH_FIRST,
        counts=counts,
        totals=totals,
        unlevelled=queries.unlevelled_counts(db.session, units, day),
        years=queries.distribution_by_year(db.session, units, day),
        ratings=overview.rating_table(db.session, units, day),
        rating_keys=overview.KEYS,
        cycle=overview.latest_cycle(db.session, units),
        sees_cycle_page=_sees_cycle_page,
        stage_labels=stage_labels(),
        overdue=overview.overdue_rectifications(db.session, units, clock.now()),
        now=clock.now(),
    )


def _sees_cycle_page(path: str) -> bool:
    """Whether the grading cycle's own page (``grading.cycle_progress``) opens for the viewer."""
    scope = current_scope()
    return scope.is_system_admin or scope.sees(path)


def _unit_arg(units: list[OrgUnit]) -> OrgUnit | None:
    if code := request.args.get("unit"):
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            raise NotFound()
        return unit
    return None


@bp.get("/ratings")
def ratings():
    """The rated branches behind one number: ``?unit=CODE&key=5|…|1|A|B|C&on=DAY``."""
    units = _units()
    day = _day()
    unit = _unit_arg(units)
    key = request.args.get("key") or None
    if key is not None and key not in overview.KEYS:
        raise NotFound()
    table = overview.rating_table(db.session, [unit] if unit else units, day)
    return render_template(
        "levels/ratings.html",
        unit=unit,
        key=key,
        day=day,
        rows=overview.select_rated(table.rows, key),
    )


@bp.get("/cycle")
def cycle_branches():
    """The branches of the latest grading cycle at one stage: ``?cycle=ID&stage=KEY``."""
    units = _units()
    try:
        cycle_id = int(request.args.get("cycle", ""))
    except ValueError:
        raise NotFound() from None
    section = overview.latest_cycle(db.session, units, cycle_id)
    stage = request.args.get("stage") or None
    if section is None or (stage is not None and stage not in section.counts):
        raise NotFound()
    return render_template(
        "levels/cycle_branches.html",
        section=section,
        stage=stage,
        rows=section.at(stage),
        stage_labels=stage_labels(),
        level_labels=level_labels(),
        sees_cycle_page=_sees_cycle_page,
    )


@bp.get("/data.json")
def data():
    """The charts' numbers (read by static/js/dashboard.js: no inline script under the CSP)."""
    units = _units()
    day = _day()
    counts = queries.level_counts(db.session, units, day)
    years = queries.distribution_by_year(db.session, units, day)
    return jsonify(
        {
            "as_of": day.isoformat(),
            "levels": [{"key": lv.value, "label": str(LEVEL[lv])} for lv in LEVELS_HIGH_FIRST],
            "units": [u.name for u in units],
            "by_unit": {lv.value: [counts[u.id][lv] for u in units] for lv in LEVELS_HIGH_FIRST},
            "years": [str(y.year) for y in years],
            "by_year": {lv.value: [y.counts[lv] for y in years] for lv in LEVELS_HIGH_FIRST},
            "titles": {
                "units": _("Branches per level and unit, as of %(day)s", day=day.isoformat()),
                "years": _("Branches per level at the end of each year"),
            },
        }
    )


#: ``?level=none``: the branches holding no level on the day.
UNLEVELLED = "none"


@bp.get("/branches")
def branches():
    """The branches behind one number of the table: ``?unit=CODE&level=KEY&on=DAY``."""
    units = _units()
    day = _day()
    unit = _unit_arg(units)
    level = None
    chosen = [unit] if unit else units
    if (key := request.args.get("level")) == UNLEVELLED:
        rows = queries.unlevelled_branches(db.session, chosen, day)
        return render_template(
            "levels/branches.html", unit=unit, level=None, unlevelled=True, day=day, rows=rows
        )
    if key:
        try:
            level = Level(key)
        except ValueError:
            raise NotFound() from None
    rows = queries.branches_at(db.session, chosen, day, level=level)
    return render_template("levels/branches.html", unit=unit, level=level, day=day, rows=rows)


@bp.get("/export.xlsx")
def export() -> Response:
    units = _units()
    day = _day()
    rows = queries.branches_at(db.session, units, day, graded_only=False)
    return Response(
        workbook_bytes(rows, day),
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="branch-levels-{day:%Y-%m-%d}.xlsx"'
        },
    )
