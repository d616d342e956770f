"""Pages of model sites (观摩点, G8) and the results workbook (结果运用, G9): the button that starts
a cycle's model-site selection, the list of model sites, the cycle's results workbook, and the
section of the cycle's progress page that shows the sites (``model_sites_panel``)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
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
from app.grading.cycle.commands import Progress
from app.grading.cycle.views import level_labels
from app.grading.policy import may_edit_rubric
from app.grading.results import export as results_export
from app.grading.sites import commands as sites
from app.identity.kinds import OrgKind
from app.identity.policy import Scope
from app.identity.session import current_actor
from app.identity.session import current_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer() -> Scope:
    scope = current_scope()
    if not scope.holdings and not scope.is_system_admin:
        raise NotFound()
    return scope


def results_reader(scope: Scope, cycle_path: str):
    """Which branches of a cycle this reader's results show (by path), or None for no one.

    The company's people (and administrators) see every branch of the cycle; a unit's people the
    branches of their unit; others do not see the results at all.
    """
    if scope.is_system_admin or any(
        h.org_kind is OrgKind.COMPANY and cycle_path.startswith(h.org_path) for h in scope.holdings
    ):
        return lambda path: True
    units = [h.org_path for h in scope.holdings if h.org_kind is OrgKind.UNIT]
    if not units:
        return None
    return lambda path: any(path.startswith(unit) for unit in units)


@dataclass
class SitesPanel:
    sites: list[sites.SiteRow] = field(default_factory=list)
    candidates: int = 0
    running_id: int | None = None
    may_start: bool = False


@bp.app_template_global("model_sites_panel")
def model_sites_panel(progress: Progress) -> SitesPanel:
    """What the cycle's progress page shows of its model sites and results (for this user)."""
    scope = current_scope()
    panel = SitesPanel(sites=sites.sites(db.session, cycle_id=progress.cycle.id, visible=scope))
    if may_edit_rubric(scope):
        running = sites.running_selection(db.session, progress.cycle)
        panel.running_id = running.id if running else None
        panel.candidates = len(sites.candidates(db.session, progress.cycle.id, progress))
        panel.may_start = running is None and panel.candidates > 0
    return panel


@bp.post("/cycles/<int:cycle_id>/model-sites")
def start_site_selection(cycle_id: int):
    scope = _viewer()
    found = cycle.get_cycle(db.session, cycle_id)
    if found is None or not (scope.is_system_admin or scope.sees(found[1].path)):
        raise NotFound()
    try:
        instance_id = run(sites.start_selection, actor=current_actor(), cycle_id=cycle_id)
    except (ValidationFailed, Conflict) as refused:
        flash(str(refused.message), "error")
        return redirect(url_for(".cycle_progress", cycle_id=cycle_id) + "#model-sites", code=303)
    flash(_("The model-site selection was started: nominate the sites in your tasks."), "success")
    return redirect(url_for("instances.show", instance_id=instance_id))


@bp.get("/model-sites")
def model_sites():
    scope = _viewer()
    return render_template(
        "grading/model_sites.html",
        rows=sites.sites(db.session, visible=scope),
        level_labels=level_labels(),
    )


@bp.get("/cycles/<int:cycle_id>/results.xlsx")
def cycle_results(cycle_id: int) -> Response:
    scope = _viewer()
    found = cycle.get_cycle(db.session, cycle_id)
    within = results_reader(scope, found[1].path) if found else None
    if found is None or within is None:
        raise NotFound()
    today = clock.local_today()
    rows = results_export.cycle_results(db.session, found[0], within, today)
    if not rows:  # a unit outside this cycle: nothing of it is theirs to see
        raise NotFound()
    return Response(
        results_export.workbook_bytes(rows),
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="grading-results-{found[0].year}.xlsx"'
        },
    )
