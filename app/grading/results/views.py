"""The results application on a cycle's progress page (G9): who reads the results, the button that
starts publishing them, and what was published (``publication``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.cycle.commands import Progress
from app.grading.cycle.commands import get_cycle
from app.grading.policy import may_edit_rubric
from app.grading.results import commands as publication
from app.grading.sites.views import results_reader
from app.identity.session import current_actor
from app.identity.session import current_scope


@dataclass(frozen=True)
class ResultsPanel:
    may_read: bool
    state: publication.ResultsState | None


@bp.app_template_global("results_panel")
def results_panel(progress: Progress) -> ResultsPanel:
    scope = current_scope()
    if results_reader(scope, progress.scope.path) is None:
        return ResultsPanel(False, None)
    return ResultsPanel(
        True, publication.results_state(db.session, progress.cycle, may_edit_rubric(scope))
    )


@bp.post("/cycles/<int:cycle_id>/results")
def start_results_application(cycle_id: int):
    scope = current_scope()
    found = get_cycle(db.session, cycle_id)
    if found is None or not (scope.is_system_admin or scope.sees(found[1].path)):
        raise NotFound()
    try:
        instance_id = run(
            publication.start_results_application, actor=current_actor(), cycle_id=cycle_id
        )
    except (ValidationFailed, Conflict) as refused:
        flash(str(refused.message), "error")
        return redirect(url_for(".cycle_progress", cycle_id=cycle_id) + "#results-application", 303)
    flash(_("Mark the honours priority list and publish the results in your task."), "success")
    return redirect(url_for("instances.show", instance_id=instance_id), 303)
