"""What the three target processes leave behind (domain.md §5 G1; see
``app.grading.targets.commands``).

Each runs as a service task before the end event (``app.grading.actions``), so a refusal here
refuses the completing step and nothing is lost — the page shows the message next to the field:

* ``annual_grading_target_setting``: returned → the round is marked returned (the department
  starts again); published → the company's target is stored and one ``unit_target_breakdown`` is
  started per unit with branches;
* ``unit_target_breakdown``: the counts the unit party committee approved are stored (refused when
  the "at least" targets need more branches than the unit has) and one
  ``branch_target_declaration`` is started per branch;
* ``branch_target_declaration``: the declared level is stored (refused when above the highest the
  branch may declare, or when the committee's vote did not pass).
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.grading.targets.commands import AT_LEAST
from app.grading.targets.commands import BRANCH_PROCESS
from app.grading.targets.commands import COUNT_FIELDS
from app.grading.targets.commands import UNIT_PROCESS
from app.grading.targets.commands import branch_business_key
from app.grading.targets.commands import branch_start_data
from app.grading.targets.commands import current_levels
from app.grading.targets.commands import start_children
from app.grading.targets.commands import target_of
from app.grading.targets.commands import unit_business_key
from app.grading.targets.commands import unit_start_data
from app.grading.targets.models import GradingTarget
from app.grading.targets.models import TargetSetting
from app.identity.kinds import Level
from app.identity.labels import LEVEL
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under
from app.levels.queries import RANK
from app.levels.queries import units_under
from app.workflow.models import HumanTask
from app.workflow.models import ProcessInstance

#: Form field suffix of each count (``target_model``, ``approved_basic_max``, …).
COUNT_SUFFIX = {
    Level.MODEL: "model",
    Level.RED_FLAG: "red_flag",
    Level.STANDARDISED: "standardised",
    Level.BASIC: "basic_max",
    Level.NOT_UP_TO_STANDARD: "not_up_to_standard_max",
}
COMPANY_DETAILS = (
    "key_tasks",
    "schedule",
    "measures",
    "decision_no",
    "decision_date",
    "approve_note",
    "notice",
    "published_on",
    "publish_note",
)
UNIT_DETAILS = ("unit_measures", "unit_key_points", "decision_no", "decision_date", "approve_note")
BRANCH_DETAILS = (
    "current_level",
    "max_level",
    "plan_summary",
    "plan_measures",
    "plan_file",
    "confirm_method",
    "vote_tally",
    "signature",
    "confirm_note",
)


def _year(data: dict[str, Any], row: ProcessInstance) -> int:
    """The year the instance was started for; one started by hand without it: its start year."""
    year = data.get("target_year")
    return year if isinstance(year, int) and not isinstance(year, bool) else row.started_at.year


def _counts(data: dict[str, Any], prefix: str) -> dict[Level, int]:
    return {
        level: int(data.get(f"{prefix}_{suffix}") or 0) for level, suffix in COUNT_SUFFIX.items()
    }


def _target(
    ctx: CommandContext,
    row: ProcessInstance,
    year: int,
    *,
    decided_by: int | None,
    details: dict[str, Any],
    counts: dict[Level, int] | None = None,
    level: str | None = None,
) -> GradingTarget:
    """Store the target of ``year`` for the instance's organisation; a second one is refused."""
    if target_of(ctx.session, row.org_unit_id, year) is not None:
        raise Conflict(_("The targets of %(year)d have already been decided here.", year=year))
    target = GradingTarget(
        year=year,
        org_unit_id=row.org_unit_id,
        level=level,
        details_json=json.dumps(details, ensure_ascii=False, sort_keys=True),
        instance_id=row.id,
        decided_by_user_id=decided_by,
        decided_at=ctx.now,
        **{COUNT_FIELDS[lv]: n for lv, n in (counts or {}).items()},
    )
    ctx.session.add(target)
    ctx.session.flush()
    return target


def _picked(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if data.get(name) not in (None, "", [])}


# -- the company ----------------------------------------------------------------------------------


def _setting_of(ctx: CommandContext, row: ProcessInstance, year: int) -> TargetSetting:
    """The round this instance is; one started by hand (not from the targets page) is added."""
    setting = ctx.session.scalars(
        select(TargetSetting).where(TargetSetting.instance_id == row.id)
    ).one_or_none()
    if setting is None:
        setting = TargetSetting(
            year=year,
            org_unit_id=row.org_unit_id,
            instance_id=row.id,
            started_by_user_id=row.initiator_user_id,
            started_at=row.started_at,
        )
        ctx.session.add(setting)
        ctx.session.flush()
    return setting


def _approver(ctx: CommandContext, row: ProcessInstance) -> int | None:
    """Who completed the party committee's approval (the decision behind the published targets)."""
    return ctx.session.scalar(
        select(HumanTask.completed_by_user_id).where(
            HumanTask.instance_id == row.id, HumanTask.element_id == "approve"
        )
    )


def apply_company_targets(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Returned: mark the round. Published: store the company target and fan out to the units."""
    year = _year(data, row)
    setting = _setting_of(ctx, row, year)
    if data.get("status") == "returned":
        setting.outcome = "returned"
        ctx.record(
            "grading_targets_returned",
            ("grading_target_setting", setting.id),
            org_unit_id=row.org_unit_id,
            year=year,
            instance_id=row.id,
            reason=str(data.get("return_reason") or ""),
        )
        return
    target = _target(
        ctx,
        row,
        year,
        decided_by=_approver(ctx, row),
        counts=_counts(data, "target"),
        details=_picked(data, COMPANY_DETAILS),
    )
    setting.outcome = "published"
    company = ctx.session.get(OrgUnit, row.org_unit_id)
    starts = [
        (unit, start)
        for unit in units_under(ctx.session, [company.path])
        if (start := unit_start_data(ctx.session, year, unit, target)) is not None
    ]
    units = start_children(ctx, UNIT_PROCESS, unit_business_key(year), starts)
    ctx.record(
        "grading_targets_published",
        ("grading_target", target.id),
        org_unit_id=row.org_unit_id,
        year=year,
        instance_id=row.id,
        units_started=units,
    )


# -- a unit ---------------------------------------------------------------------------------------


def _check_unit_counts(counts: dict[Level, int], branches: int) -> None:
    """The unit's "at least" targets must fit in its branches, and so must each ceiling."""
    errors: dict[str, str] = {}
    wanted = sum(counts[level] for level in AT_LEAST)
    if wanted > branches:
        message = _(
            "Model, red-flag and standardised targets add up to %(n)d, more than the unit's "
            "%(total)d branches.",
            n=wanted,
            total=branches,
        )
        errors |= {f"approved_{COUNT_SUFFIX[level]}": message for level in AT_LEAST}
    for level in (Level.BASIC, Level.NOT_UP_TO_STANDARD):
        if counts[level] > branches:
            errors[f"approved_{COUNT_SUFFIX[level]}"] = _(
                "At most %(total)d, the unit's number of branches.", total=branches
            )
    if errors:
        raise ValidationFailed(_("The unit's targets do not fit its branches."), errors)


def apply_unit_targets(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Store the approved breakdown and start every branch's declaration."""
    unit = ctx.session.get(OrgUnit, row.org_unit_id)
    year = _year(data, row)
    branches = list_branches_under(ctx.session, unit)
    counts = _counts(data, "approved")
    _check_unit_counts(counts, len(branches))
    target = _target(
        ctx,
        row,
        year,
        decided_by=ctx.actor.user_id,
        counts=counts,
        details=_picked(data, UNIT_DETAILS),
    )
    levels = current_levels(ctx.session, branches)
    starts = [(b, branch_start_data(year, levels[b.id], target, unit)) for b in branches]
    started = start_children(ctx, BRANCH_PROCESS, branch_business_key(year), starts)
    ctx.record(
        "grading_targets_broken_down",
        ("grading_target", target.id),
        org_unit_id=unit.id,
        year=year,
        instance_id=row.id,
        branches_started=started,
    )


# -- a branch -------------------------------------------------------------------------------------


def _level(value: Any) -> Level | None:
    try:
        return Level(value)
    except ValueError:
        return None


def _check_declaration(data: dict[str, Any]) -> Level:
    """The declared level, if the branch may declare it and its committee agreed."""
    declared = _level(data.get("target_level"))
    allowed = _level(data.get("max_level")) or Level.BASIC
    if declared is None or RANK[declared] > RANK[allowed]:
        raise ValidationFailed(
            _("The declared level is above what the branch may declare this year."),
            {
                "target_level": _(
                    "At most %(level)s this year: one level above the level held.",
                    level=LEVEL[allowed],
                )
            },
        )
    tally = data.get("vote_tally")
    if data.get("confirm_method") == "meeting_vote" and not (
        isinstance(tally, dict) and tally.get("passed")
    ):
        raise ValidationFailed(
            _("The vote did not pass: the target cannot be confirmed."),
            {"vote_tally": _("More than half of the members entitled to vote must vote for it.")},
        )
    return declared


def apply_branch_target(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Store the level the branch declared as its target for the year."""
    declared = _check_declaration(data)
    year = _year(data, row)
    target = _target(
        ctx,
        row,
        year,
        decided_by=ctx.actor.user_id,
        level=declared.value,
        details=_picked(data, BRANCH_DETAILS),
    )
    ctx.record(
        "grading_target_declared",
        ("grading_target", target.id),
        org_unit_id=row.org_unit_id,
        year=year,
        instance_id=row.id,
        level=declared.value,
        current_level=data.get("current_level"),
    )
