"""Everything grading adds to the app, in one place, called by ``create_app``: its pages (each
sub-package's views, on one blueprint), its CLI group and its domain actions."""

from __future__ import annotations

from flask import Flask

from app.grading.analysis import views as analysis_views
from app.grading.blueprint import bp
from app.grading.brands import views as brand_views
from app.grading.cycle import acceptance_views
from app.grading.cycle import cli as cycle_cli
from app.grading.cycle import start_confirm_views
from app.grading.cycle import veto_check_views
from app.grading.cycle import views as cycle_views
from app.grading.results import views as results_views
from app.grading.rubric import cli
from app.grading.rubric import views as rubric_views
from app.grading.sites import views as site_views
from app.grading.targets import views as target_views

#: The modules whose routes are on ``bp``: importing them adds the routes, so they are named here
#: rather than imported for their side effect at the bottom of another module.
VIEW_MODULES = (
    rubric_views,
    cycle_views,
    start_confirm_views,
    acceptance_views,
    veto_check_views,
    target_views,
    analysis_views,
    brand_views,
    site_views,
    results_views,
)


for command in (
    cli.init_command,
    cli.check_command,
    cli.publish_command,
    cycle_cli.start_cycle_command,
):
    bp.cli.add_command(command)  # ``flask grading init|check|publish|start-cycle``


def register(app: Flask) -> None:
    """Add grading's pages and its ``flask grading …`` commands to ``app``."""
    app.register_blueprint(bp)
