"""The results application on a cycle's progress page (G9): who reads the results, the button that
starts publishing them, and what was published (``publication``)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from flask import abort
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
from app.grading.cycle.commands import Progress
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.commands import get_cycle
from app.grading.cycle.views import level_labels
from app.grading.policy import may_edit_rubric
from app.grading.results import commands as publication
from app.grading.results import export as results_export
from app.grading.sites.views import results_reader
from app.identity.kinds import Level
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
        True, publication.results_state(db.session, progress, may_edit_rubric(scope))
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


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page (grading/confirm.html) says and the POST it offers."""

    title: str
    count_line: str
    lines: list[str]
    action: str
    button: str
    back: str
    hidden: dict[str, object] = field(default_factory=dict)
    #: Why it cannot be done now (then no button).
    refusal: str | None = None


@bp.get("/cycles/<int:cycle_id>/results/confirm")
def confirm_results_application(cycle_id: int):
    """Before publishing: how many branches and which levels the results will announce."""
    scope = current_scope()
    progress = cycle_progress(db.session, cycle_id)
    if progress is None or results_reader(scope, progress.scope.path) is None:
        raise NotFound()
    if not may_edit_rubric(scope):
        abort(403)
    state = publication.results_state(db.session, progress, True)
    levels = level_labels()
    back = url_for(".cycle_progress", cycle_id=cycle_id) + "#results-application"
    confirm = Confirmation(
        title=_("Publish the results of the %(year)d grading cycle", year=progress.cycle.year),
        count_line=_("The results of %(n)d branches will be published.", n=progress.total),
        lines=[
            *(
                _("%(level)s: %(n)d", level=levels.get(level, level), n=n)
                for level, n in progress.levels.items()
            ),
            _(
                "Publishing starts the results application: you mark the honours priority list "
                "and give the notice number in your task; once published, the results cannot "
                "be withdrawn."
            ),
        ],
        action=url_for(".start_results_application", cycle_id=cycle_id),
        button=_("Publish the results"),
        back=back,
        refusal=None if state.may_start else _refusal(state),
    )
    return render_template("grading/confirm.html", confirm=confirm)


def _refusal(state: publication.ResultsState) -> str:
    if state.publication is not None:
        return _("The results of this cycle have already been published.")
    if state.running_id is not None:
        return _("The results of this cycle are being published.")
    return _(
        "%(n)d branches of this cycle have no level yet: publish once all have one.",
        n=state.undecided,
    )


@bp.get("/cycles/<int:cycle_id>/results/print")
def print_results(cycle_id: int):
    """The cycle's results on A4: per unit the levels decided, then every branch with its level
    and score, and the honours list — for whoever may read the results, within their units."""
    found = get_cycle(db.session, cycle_id)
    within = results_reader(current_scope(), found[1].path) if found else None
    if found is None or within is None:
        raise NotFound()
    rows = results_export.cycle_results(db.session, found[0], within, clock.local_today())
    if not rows:
        raise NotFound()
    return render_template(
        "grading/print_results.html",
        cycle=found[0],
        scope_org=found[1],
        rows=rows,
        units=results_export.unit_summaries(rows),
        honours=results_export.honours(rows),
        published=publication.publication_of(db.session, cycle_id),
        level_labels=level_labels(),
        levels=list(reversed(Level)),  # the highest first, as the notices list them
        printed_at=clock.now(),
    )
