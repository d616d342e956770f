"""At acceptance (the end of a branch's grading cycle) the branch is rated: its stars and class
come from the final score and any veto, by the star bands of the rubric version the cycle pinned —
in the same transaction that completed the instance (the service task ``rate_at_acceptance``
before the end of processes/grading/grading_cycle.bpmn, ``app.grading.actions``)."""

from __future__ import annotations

from typing import Any

from app.core.commands import CommandContext
from app.grading.ratings.commands import write_rating
from app.workflow.models import ProcessInstance


def rate_at_acceptance(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Record the acceptance rating (source ``acceptance``) of the instance's branch."""
    score = data.get("final_score")
    has_veto = bool(data.get("has_veto"))
    if score is None and not has_veto:
        return  # an instance ended without a score (cannot happen in grading_cycle): no rating
    write_rating(
        ctx,
        branch_id=row.org_unit_id,
        score=score,
        has_veto=has_veto,
        source="acceptance",
        rated_on=ctx.today,
        cycle=data.get("cycle_year"),
        rubric_version_id=data.get("rubric_version_id"),
        instance_id=row.id,
    )
