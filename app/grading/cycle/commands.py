"""The annual grading cycle (达标晋级周期): started for every branch of a scope in one command.

``start_cycle`` pins the rubric in force (``ensure_default_rubric``) and starts one instance of
``processes/grading/grading_cycle.bpmn`` per branch under the scope, each carrying the pinned
version's thresholds and bonus cap and the branch's current level in its start data — all in one
transaction: either every branch has its instance, or none has. ``cycle_progress`` says where each
branch stands: the element id of its open task, the public notice (a timer), or "completed" with
the level it got.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.brands.queries import named_brands
from app.grading.cycle.measured import measured_criteria
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.policy import require_org_department
from app.grading.rubric.commands import ensure_default_rubric
from app.grading.rubric.document import NOT_MET
from app.grading.rubric.queries import rubric_version
from app.grading.targets.queries import declared_targets
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries import get_org_by_code
from app.identity.queries import list_branches_under
from app.levels.queries import red_flag_cycles_of
from app.workflow.instances import start_instances
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

PROCESS_KEY = "grading_cycle"
#: The steps of ``grading_cycle`` in process order: open tasks by element id, the notice timer, end.
#: While the unit's review and the related departments' veto check run in parallel, a branch
#: stands at the earlier of the two.
STAGES = (
    "self_assessment",
    "committee_resolution",
    "unit_review",
    "veto_check",
    "unit_decision",
    "acceptance_sample",
    "company_acceptance",
    "company_desk_review",
    "company_decision",
    "public_notice",
    "completed",
)
#: Where a branch stands when none of the stages applies.
OTHER_STAGES = ("incident", "cancelled", "other")
SCOPE_KINDS = (OrgKind.COMPANY, OrgKind.UNIT, OrgKind.GENERAL_BRANCH)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def business_key(year: int) -> str:
    return f"{year}年度达标晋级"


def start_data(
    *,
    year: int,
    version_id: int,
    version: int,
    thresholds: dict[str, Any],
    bonus_cap: Any,
    branch: OrgUnit,
    red_flag_cycles: int = 0,
    brand_named: bool = False,
) -> dict[str, Any]:
    """What each branch's instance starts with (the inputs ``level_decision`` needs, pinned)."""
    return {
        "cycle_year": year,
        "rubric_version_id": version_id,
        "rubric_version": version,
        "threshold_model": thresholds["model"],
        "threshold_red_flag": thresholds["red_flag"],
        "threshold_standard": thresholds["standardised"],
        "threshold_basic": thresholds["basic"],
        "bonus_cap": bonus_cap,
        "current_level": branch.level.value if branch.level else NOT_MET,
        "held_red_flag_cycles": red_flag_cycles,
        "brand_named": brand_named,
    }


def start_cycle(ctx: CommandContext, *, year: int, scope_code: str) -> int:
    """Start the grading cycle of ``year`` for every branch under ``scope_code``; its id.

    For the company organisation department (and administrators). Refused with ``Conflict`` when a
    cycle of the same year already covers any of these branches. Records ``grading_cycle_started``.
    """
    require_org_department(
        ctx, _("Only the company organisation department starts a grading cycle.")
    )
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            _("Invalid year."), {"year": _("Give a year between 2000 and 2100.")}
        )
    scope_org = get_org_by_code(ctx.session, scope_code)
    if scope_org is None:
        raise NotFound()
    if scope_org.kind not in SCOPE_KINDS:
        raise ValidationFailed(
            _("A grading cycle is started for the company or a unit."),
            {"scope_code": _("Choose the company or a unit.")},
        )
    for other in ctx.session.scalars(select(GradingCycle).where(GradingCycle.year == year)):
        other_path = ctx.session.get(OrgUnit, other.scope_org_id).path
        if other_path.startswith(scope_org.path) or scope_org.path.startswith(other_path):
            raise Conflict(
                _(
                    "The grading cycle of %(year)d was already started for these branches.",
                    year=year,
                )
            )
    branches = list_branches_under(ctx.session, scope_org)
    if not branches:
        raise ValidationFailed(
            _("There is no branch under this organisation."), {"scope_code": _("No branches.")}
        )
    version_id = ensure_default_rubric(ctx)
    record = rubric_version(ctx.session, version_id)
    if record is None:  # cannot happen: just stored or found
        raise NotFound()
    thresholds = {level.id: level.min_score for level in record.rubric.levels}
    cycle = GradingCycle(
        year=year,
        rubric_version_id=version_id,
        scope_org_id=scope_org.id,
        started_by_user_id=ctx.actor.user_id,
        started_at=ctx.now,
    )
    ctx.session.add(cycle)
    ctx.session.flush()
    ids = [b.id for b in branches]
    measured = measured_criteria(ctx, branches, year, record.rubric)
    named = named_brands(ctx.session, ids, ctx.today)
    # The level the branch declared in its annual plan (G1) is where its application starts.
    declared = declared_targets(ctx.session, ids, year)
    red_flag = red_flag_cycles_of(ctx.session, ids, year)
    starts = []
    for branch in branches:
        data = start_data(
            year=year,
            version_id=version_id,
            version=record.version,
            thresholds=thresholds,
            bonus_cap=record.rubric.bonus_cap,
            branch=branch,
            red_flag_cycles=red_flag[branch.id],
            brand_named=branch.id in named,
        )
        data.update(measured[branch.id])
        data["declared_target"] = declared.get(branch.id)
        starts.append((branch, business_key(year), data))
    instance_ids = start_instances(ctx, process_key=PROCESS_KEY, starts=starts)
    ctx.session.add_all(
        CycleBranch(cycle_id=cycle.id, branch_id=branch.id, instance_id=instance_id)
        for branch, instance_id in zip(branches, instance_ids, strict=True)
    )
    ctx.session.flush()
    ctx.record(
        "grading_cycle_started",
        ("grading_cycle", cycle.id),
        org_unit_id=scope_org.id,
        year=year,
        rubric_version_id=version_id,
        rubric_version=record.version,
        branches=len(branches),
    )
    return cycle.id


# -- reads -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleRow:
    cycle: GradingCycle
    scope: OrgUnit
    rubric_version: int
    started_by: str | None
    branches: int


@dataclass(frozen=True)
class BranchStage:
    branch: OrgUnit
    instance_id: int
    stage: str
    level: str | None = None
    level_reason: str | None = None
    final_score: float | None = None


@dataclass
class Progress:
    cycle: GradingCycle
    scope: OrgUnit
    rubric_version: int
    #: Every stage of ``STAGES`` (zero included), then any of ``OTHER_STAGES`` that occurs.
    counts: dict[str, int] = field(default_factory=dict)
    #: Completed branches by level code.
    levels: dict[str, int] = field(default_factory=dict)
    branches: list[BranchStage] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.branches)

    def at(self, stage: str) -> list[BranchStage]:
        return [b for b in self.branches if b.stage == stage]


def _rubric_number(session: Session, version_id: int) -> int:
    record = rubric_version(session, version_id)
    return record.version if record else 0


def list_cycles(session: Session, visible: Any = None) -> list[CycleRow]:
    """Every cycle, newest first; ``visible(path)`` keeps only cycles whose scope it accepts."""
    rows = session.execute(
        select(GradingCycle, OrgUnit, User.display_name)
        .join(OrgUnit, OrgUnit.id == GradingCycle.scope_org_id)
        .outerjoin(User, User.id == GradingCycle.started_by_user_id)
        .order_by(GradingCycle.year.desc(), GradingCycle.id.desc())
    ).all()
    counts = Counter(session.scalars(select(CycleBranch.cycle_id)))
    return [
        CycleRow(
            cycle, scope, _rubric_number(session, cycle.rubric_version_id), who, counts[cycle.id]
        )
        for cycle, scope, who in rows
        if visible is None or visible(scope.path)
    ]


def lock_cycle(ctx: CommandContext, cycle_id: int) -> GradingCycle | None:
    """The cycle, locked for this command: what starts once per cycle is started once."""
    return ctx.session.scalars(
        select(GradingCycle).where(GradingCycle.id == cycle_id).with_for_update()
    ).first()


def get_cycle(session: Session, cycle_id: int) -> tuple[GradingCycle, OrgUnit] | None:
    row = session.execute(
        select(GradingCycle, OrgUnit)
        .join(OrgUnit, OrgUnit.id == GradingCycle.scope_org_id)
        .where(GradingCycle.id == cycle_id)
    ).first()
    return (row[0], row[1]) if row else None


def cycle_progress(session: Session, cycle_id: int) -> Progress | None:
    """Where each branch of the cycle stands, and how many branches stand at each stage."""
    found = get_cycle(session, cycle_id)
    if found is None:
        return None
    cycle, scope = found
    members = session.execute(
        select(CycleBranch.instance_id, OrgUnit, ProcessInstance)
        .join(OrgUnit, OrgUnit.id == CycleBranch.branch_id)
        .join(ProcessInstance, ProcessInstance.id == CycleBranch.instance_id)
        .where(CycleBranch.cycle_id == cycle_id)
        .order_by(OrgUnit.path)
    ).all()
    order = {stage: i for i, stage in enumerate(STAGES)}
    open_steps: dict[int, str] = {}
    for instance_id, element_id in session.execute(
        select(HumanTask.instance_id, HumanTask.element_id)
        .join(CycleBranch, CycleBranch.instance_id == HumanTask.instance_id)
        .where(CycleBranch.cycle_id == cycle_id, HumanTask.state == HumanTaskState.READY)
    ):
        earlier = open_steps.get(instance_id)
        if earlier is None or order.get(element_id, len(STAGES)) < order.get(earlier, len(STAGES)):
            open_steps[instance_id] = element_id
    progress = Progress(cycle, scope, _rubric_number(session, cycle.rubric_version_id))
    for instance_id, branch, instance in members:
        progress.branches.append(_stage_of(branch, instance, open_steps.get(instance_id)))
    counts = Counter(b.stage for b in progress.branches)
    progress.counts = {stage: counts.get(stage, 0) for stage in STAGES}
    progress.counts.update({s: counts[s] for s in OTHER_STAGES if counts.get(s)})
    progress.counts.update({s: n for s, n in counts.items() if s not in progress.counts})
    progress.levels = dict(Counter(b.level for b in progress.branches if b.stage == "completed"))
    return progress


def _stage_of(branch: OrgUnit, instance: ProcessInstance, open_step: str | None) -> BranchStage:
    if instance.status is InstanceStatus.COMPLETED:
        final = json.loads(instance.state_json).get("data", {})
        return BranchStage(
            branch,
            instance.id,
            "completed",
            level=final.get("level"),
            level_reason=final.get("level_reason"),
            final_score=final.get("final_score"),
        )
    if instance.status is InstanceStatus.CANCELLED:
        return BranchStage(branch, instance.id, "cancelled")
    if instance.open_incidents:
        return BranchStage(branch, instance.id, "incident")
    if open_step is not None:
        return BranchStage(branch, instance.id, open_step)
    if instance.next_timer_at is not None:
        return BranchStage(branch, instance.id, "public_notice")
    return BranchStage(branch, instance.id, "other")
