"""A branch's grading-cycle instance ends with its level: the level goes into the branch's level
history (and on its plaque), in the same transaction that completed the instance."""

from __future__ import annotations

from typing import Any

from app.core.commands import CommandContext
from app.identity.models import OrgUnit
from app.levels.commands import write_level
from app.levels.queries import current_level_row
from app.workflow.models import ProcessInstance

DECIDERS = {"company": "公司党委决定", "unit": "厂处党委定级"}


def apply_cycle_result(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Record the decided level; a level the branch already holds is kept as it is."""
    branch = ctx.session.get(OrgUnit, row.org_unit_id)
    level = data.get("level")
    current = current_level_row(ctx.session, branch.id)
    held = current.level.value if current else (branch.level.value if branch.level else None)
    if not level or level == held:
        ctx.record(
            "grading_level_kept",
            ("org_unit", branch.id),
            org_unit_id=branch.id,
            instance_id=row.id,
            level=level,
        )
        return
    decided_by = data.get("decided_by", "company")
    number = data.get(f"{decided_by}_decision_no") or ""
    decision = f"{data.get('cycle_year', '')}年度达标晋级 {DECIDERS.get(decided_by, '')} {number}"
    write_level(
        ctx,
        branch_code=branch.code,
        level=level,
        decided_on=ctx.today,
        decided_by=decision.strip(),
        cycle=data.get("cycle_year"),
        reason=str(data.get("level_reason") or ""),
    )
