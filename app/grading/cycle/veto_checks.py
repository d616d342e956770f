"""The related departments' veto check (一票否决核查, domain.md §5 G4) for a whole batch at once.

Each branch of a grading cycle has its own ``veto_check`` step (``grading_cycle``), in the lane of
``related_dept`` at the company: with hundreds of branches, the departments check the list they
hold (disciplinary cases, accidents, petitions, organisation-life data) against every waiting
branch on one page and submit it once. ``record_veto_checks`` completes each waiting step with the
same data the step's own form takes (forms/gc_veto_check.json), in one transaction: a refused row
refuses the whole batch and nothing is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.cycle.commands import get_cycle
from app.grading.cycle.models import CycleBranch
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.identity.policy import load_scope
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import StepLogEntry
from app.workflow.queries import earlier_answers
from app.workflow.tasks import complete_task

STEP = "veto_check"
CHECKER_ROLE = "related_dept"
VETO_IDS = ("V1", "V2", "V3", "V4", "V5", "V6")
#: The departments of forms/gc_veto_check.json → checked_by.
DEPARTMENTS = ("discipline", "safety", "stability", "organisation", "hr", "publicity")
SOURCE_MIN, SOURCE_MAX = 2, 300


def may_check_vetoes(scope: Scope) -> bool:
    return any(
        h.role_code == CHECKER_ROLE and h.org_kind is OrgKind.COMPANY for h in scope.holdings
    )


@dataclass(frozen=True)
class Waiting:
    task: HumanTask
    branch: OrgUnit


def waiting_checks(session: Session, cycle_id: int) -> list[Waiting]:
    """The cycle's branches whose veto check is open, in tree order."""
    rows = session.execute(
        select(HumanTask, OrgUnit)
        .join(CycleBranch, CycleBranch.instance_id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == CycleBranch.branch_id)
        .where(
            CycleBranch.cycle_id == cycle_id,
            HumanTask.element_id == STEP,
            HumanTask.state == HumanTaskState.READY,
        )
        .order_by(OrgUnit.path)
    ).all()
    return [Waiting(task, branch) for task, branch in rows]


def v4_measured(session: Session, instance_ids: list[int]) -> dict[int, int | None]:
    """Instance id → months without organisational life, for the waiting branches whose meeting
    records make V4 (``organisational_life``, in the instance's start data): one query."""
    if not instance_ids:
        return {}
    rows = session.execute(
        select(StepLogEntry.instance_id, StepLogEntry.submitted_json).where(
            StepLogEntry.instance_id.in_(instance_ids),
            StepLogEntry.action == "started",
            StepLogEntry.submitted_json.is_not(None),
        )
    )
    measured = {instance_id: json.loads(submitted) for instance_id, submitted in rows}
    return {
        instance_id: data.get("measured_V4_months")
        for instance_id, data in measured.items()
        if data.get("measured_V4") == "yes"
    }


def record_veto_checks(
    ctx: CommandContext,
    *,
    cycle_id: int,
    checked_by: list[str],
    findings: dict[str, dict[str, str]],
    note: str = "",
) -> dict[str, int]:
    """Complete the veto check of every waiting branch of the cycle.

    ``findings``: branch code → {veto id: source and reference} for the vetoes found; every
    branch not named is recorded as checked with no veto. Returns the counts
    ``{"checked": n, "with_veto": k}``. ValidationFailed names the field (``checked_by``,
    ``source-<code>``) in the words of the page.
    """
    scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today) if ctx.actor.user_id else None
    if scope is not None and not scope.holdings:
        raise NotFound()
    if scope is not None and not may_check_vetoes(scope):
        raise Forbidden(_("Only the related departments at the company check vetoes."))
    if get_cycle(ctx.session, cycle_id) is None:
        raise NotFound()
    waiting = waiting_checks(ctx.session, cycle_id)
    errors = _problems(checked_by, findings, {w.branch.code for w in waiting})
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    vetoes: dict[str, list[str]] = {}
    for item in waiting:
        found = findings.get(item.branch.code, {})
        data: dict = {"checked_by": list(checked_by)}
        for veto in VETO_IDS:
            data[f"dept_{veto}"] = "yes" if veto in found else "no"
            if veto in found:
                data[f"dept_{veto}_source"] = found[veto].strip()
        if note.strip():
            data["veto_check_note"] = note.strip()
        data.update(_measured_v4(ctx, item.task.instance_id, found))
        complete_task(ctx, task_id=item.task.id, data=data)
        if any(data[f"dept_{veto}"] == "yes" for veto in VETO_IDS):
            vetoes[item.branch.code] = [v for v in VETO_IDS if data[f"dept_{v}"] == "yes"]
    ctx.record(
        "veto_checks_recorded",
        ("grading_cycle", cycle_id),
        org_unit_id=get_cycle(ctx.session, cycle_id)[1].id,
        checked=len(waiting),
        checked_by=list(checked_by),
        vetoes=vetoes,
    )
    return {"checked": len(waiting), "with_veto": len(vetoes)}


def _measured_v4(ctx: CommandContext, instance_id: int, found: dict[str, str]) -> dict[str, str]:
    """V4 as the meeting records measured it (``organisational_life``): a measured "yes" stands
    unless the department finds it too, and a V4 the records do not show takes its source as the
    reason for differing; nothing when nothing was measured."""
    measured = earlier_answers(ctx.session, instance_id)
    if measured.get("measured_V4") == "yes" and "V4" not in found:
        months = measured.get("measured_V4_months")
        return {
            "dept_V4": "yes",
            "dept_V4_source": f"三会一课办理记录（系统统计）：连续{months}个月未开展组织生活",
        }
    if measured.get("measured_V4") == "no" and "V4" in found:
        return {"dept_V4_change_reason": found["V4"].strip()}
    return {}


def _problems(
    checked_by: list[str], findings: dict[str, dict[str, str]], waiting: set[str]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not waiting:
        errors["_form"] = _("No branch of this cycle is waiting for the veto check.")
    if not checked_by or any(d not in DEPARTMENTS for d in checked_by):
        errors["checked_by"] = _("Choose the departments that checked.")
    for code, found in findings.items():
        if code not in waiting:
            errors["_form"] = _("A branch in the list is not waiting for the veto check.")
            continue
        if any(veto not in VETO_IDS for veto in found):
            errors[f"source-{code}"] = _("Unknown veto category.")
        elif any(not SOURCE_MIN <= len(s.strip()) <= SOURCE_MAX for s in found.values()):
            errors[f"source-{code}"] = _(
                "Give the source and reference of the facts (2–300 characters)."
            )
    return errors
