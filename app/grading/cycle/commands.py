"""The annual grading cycle (达标晋级周期): its stages, and where each branch stands.

Starting a cycle is in ``start.py``. ``cycle_progress`` says where each branch stands: the element
id of its open task, the public notice (a timer), or "completed" with the level it got; and, while
a start is under way, how many of the planned branches have their instance yet.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.rubric.queries import rubric_version
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import User
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

    #: The branches the cycle will hold; more than ``total`` while its start is under way.
    planned: int = 0

    @property
    def total(self) -> int:
        return len(self.branches)

    @property
    def still_starting(self) -> int:
        return max(self.planned - self.total, 0)

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
    progress.planned = cycle.branches_planned or progress.total
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
