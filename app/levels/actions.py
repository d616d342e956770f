"""The levels domain's actions, called by service tasks of the grading models."""

from __future__ import annotations

from app.levels.rating_hook import rate_at_acceptance
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Catalogue
from app.workflow.actions import Parameter


def _rate(call: ActionCall) -> None:
    rate_at_acceptance(call.ctx, call.row, {**call.data, **call.params})


RATE_AT_ACCEPTANCE = Action(
    "rate_at_acceptance",
    "验收星级评定",
    "Rate the branch at acceptance",
    "Rates the branch (stars and class) from the final score and any veto, by the star bands of "
    "the rubric version the cycle pinned (source: acceptance).",
    ("星级评定 branch rating (acceptance)",),
    (Parameter("cycle_year", "integer", "周期年度", "cycle year"),),
    _rate,
)


def register_actions(catalogue: Catalogue) -> None:
    catalogue.register(RATE_AT_ACCEPTANCE)
