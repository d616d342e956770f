"""A branch's half-yearly supervision (``semiannual_supervision``,
processes/grading/semiannual_supervision.bpmn, domain.md §5 G2) ends with a provisional score, a
veto indication and whether its findings were closed (or the 30-day rectification deadline was
missed). In the transaction that completes the instance the branch's dynamic star rating is
recomputed from the provisional score (§10.1: source ``half_year``; a drop of two stars notifies the
unit's organisation reviewers, ``write_rating``) and the completion is audited
(``supervision_completed``).
"""

from __future__ import annotations

from typing import Any

from app.core.commands import CommandContext
from app.grading.ratings.commands import write_rating
from app.identity.models import OrgUnit
from app.workflow.models import ProcessInstance

PROCESS_KEY = "semiannual_supervision"
SOURCE = "half_year"


def apply_supervision_result(
    ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]
) -> None:
    """Rate the branch from the provisional score (any veto: 1★) and audit the closure."""
    branch = ctx.session.get(OrgUnit, row.org_unit_id)
    has_veto = bool(data.get("has_veto"))
    half_year = data.get("half_year")
    rating_id = write_rating(
        ctx,
        branch_id=branch.id,
        score=data.get("provisional_score"),
        has_veto=has_veto,
        source=SOURCE,
        rated_on=ctx.today,
        cycle=half_year,
        instance_id=row.id,
    )
    ctx.record(
        "supervision_completed",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        instance_id=row.id,
        half_year=half_year,
        provisional_score=data.get("provisional_score"),
        has_veto=has_veto,
        vetoes_found=list(data.get("vetoes_found") or []),
        finding_count=data.get("finding_count", 0),
        closed=bool(data.get("closed")),
        overdue=bool(data.get("overdue")),
        branch_rating_id=rating_id,
    )
