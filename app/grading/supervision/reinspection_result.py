"""A branch's re-inspection (``reinspection``, processes/grading/reinspection.bpmn, domain.md
§5 G6) ends with an outcome: kept, downgraded (a veto: 未达标 at once) or delisted (摘牌降级: not
rectified, or the rectification deadline missed). A downgrade goes into the branch's level history
in the transaction that completes the instance; the plaque the branch holds is withdrawn (摘牌).

The level the process was told the branch holds (start data or the auditor's answer) is checked
against the history: a re-inspection only ever lowers a level, so an outcome whose new level is not
below the level actually held changes nothing and is audited as such.
"""

from __future__ import annotations

from typing import Any

from app.core.commands import CommandContext
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.commands import write_level
from app.levels.queries import RANK
from app.levels.queries import current_level_row
from app.workflow.models import ProcessInstance

DOWNGRADES = frozenset({"downgraded", "delisted"})


def _level(value: Any) -> Level | None:
    try:
        return Level(value)
    except ValueError:
        return None


def apply_reinspection_result(
    ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]
) -> None:
    """Record a downgrade (摘牌 when a plaque is held); a kept level is only audited."""
    branch = ctx.session.get(OrgUnit, row.org_unit_id)
    outcome = data.get("outcome")
    new_level = _level(data.get("new_level"))
    current = current_level_row(ctx.session, branch.id)
    held = current.level if current else branch.level
    lowered = new_level is not None and held is not None and RANK[new_level] < RANK[held]
    if outcome not in DOWNGRADES or not lowered:
        ctx.record(
            "reinspection_level_kept" if outcome == "kept" else "reinspection_level_unchanged",
            ("org_unit", branch.id),
            org_unit_id=branch.id,
            instance_id=row.id,
            outcome=outcome,
            level=held.value if held else None,
            held_level_stated=data.get("held_level"),
            new_level=new_level.value if new_level else data.get("new_level"),
            reason=str(data.get("outcome_reason") or ""),
        )
        return
    # the latest document of the path taken: re-check after rectification, notice, re-check
    document = data.get("recheck_doc") or data.get("notice_no") or data.get("reinspect_doc") or ""
    title = str(data.get("decision_title") or f"{row.process_key} #{row.id}")
    write_level(
        ctx,
        branch_code=branch.code,
        level=new_level,
        decided_on=ctx.today,
        decided_by=f"{title} {document}".strip(),
        delisted=current is not None and current.plaque_no is not None,
        reason=str(data.get("outcome_reason") or ""),
    )
