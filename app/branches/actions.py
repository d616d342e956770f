"""The branch-building procedures' domain actions, each module contributing its ``ACTIONS``."""

from __future__ import annotations

from app.branches.disclosure import DISCLOSURE_ACTIONS
from app.branches.election import ACTIONS as ELECTION_ACTIONS
from app.branches.plans import PLAN_ACTIONS
from app.branches.secretary_report import ACTIONS as SECRETARY_REPORT_ACTIONS
from app.branches.setup import ACTIONS as SETUP_ACTIONS
from app.branches.venue import ACTIONS as VENUE_ACTIONS
from app.workflow.actions import Action
from app.workflow.actions import Catalogue

#: Every module's actions; a new procedure adds its tuple here.
ACTIONS: tuple[Action, ...] = (
    *ELECTION_ACTIONS,
    *SETUP_ACTIONS,
    *VENUE_ACTIONS,
    *SECRETARY_REPORT_ACTIONS,
    *PLAN_ACTIONS,
    *DISCLOSURE_ACTIONS,
)


def register_actions(catalogue: Catalogue) -> None:
    for action in ACTIONS:
        catalogue.register(action)
