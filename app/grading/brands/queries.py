"""Reading the party-building brands (党建品牌): C19's stage, whether a branch has a named brand,
and the list of brands a user may see.

Where a stage comes from. Only the completion of an instance can write to the registry
(the service task ``register_brand``), but a brand counts as registered from the day the unit
approves it and as
cultivated from the day its results are recorded — months before the company accepts it. Rather
than split the process in three to get a completion at each of those steps, the registry holds
what the completed instances decided (``brand_models``, written by ``brand_result``), and a
running instance's stages are read from its own records: its completed ``unit_review`` task (a
rejection ends the instance in the same step, so a running instance whose review is done was
approved) and its completed ``record_results`` task, each on the local day it was completed. The
completion hook reads the same two tasks (``milestones``), so a stage has the same date before and
after its instance ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.grading.brands.models import BrandStage
from app.grading.brands.models import PartyBrand
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

PROCESS_KEY = "party_building_brand_creation"
#: C19 points per stage (domain.md §6): 0 none / 1 registered / 2 cultivated / 3 named.
STAGE_POINTS = {"proposed": 0, "registered": 1, "cultivated": 2, "not_named": 2, "named": 3}
#: Stages a row of the list can be at, in the order a brand reaches them (the list's filter).
LIST_STAGES = ("proposed", "registered", "cultivated", "named", "not_named")
#: The instance's steps whose completion marks a stage.
REVIEW_STEP, RESULTS_STEP, PROPOSAL_STEP = "unit_review", "record_results", "propose"
IN_PROGRESS = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class Milestones:
    registered_on: date | None = None
    cultivated_on: date | None = None


def local_day(moment: datetime) -> date:
    """The enterprise's calendar day of a stored timestamp."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(clock.local_zone()).date()


def milestones(session: Session, instance_ids: list[int]) -> dict[int, Milestones]:
    """Instance id → the days its unit review and its results recording were completed."""
    if not instance_ids:
        return {}
    found: dict[int, dict[str, date]] = {}
    for instance_id, element_id, completed_at in session.execute(
        select(HumanTask.instance_id, HumanTask.element_id, HumanTask.completed_at).where(
            HumanTask.instance_id.in_(instance_ids),
            HumanTask.state == HumanTaskState.COMPLETED,
            HumanTask.element_id.in_((REVIEW_STEP, RESULTS_STEP)),
        )
    ):
        found.setdefault(instance_id, {})[element_id] = local_day(completed_at)
    return {
        i: Milestones(days.get(REVIEW_STEP), days.get(RESULTS_STEP)) for i, days in found.items()
    }


def _running_instances(session: Session, branch_ids: list[int] | None = None) -> list[int]:
    query = select(ProcessInstance.id).where(
        ProcessInstance.process_key == PROCESS_KEY, ProcessInstance.status.in_(IN_PROGRESS)
    )
    if branch_ids is not None:
        query = query.where(ProcessInstance.org_unit_id.in_(branch_ids))
    return list(session.scalars(query))


def _points_in_progress(mark: Milestones, on: date) -> int:
    if mark.cultivated_on and mark.cultivated_on <= on:
        return STAGE_POINTS["cultivated"]
    if mark.registered_on and mark.registered_on <= on:
        return STAGE_POINTS["registered"]
    return 0


def brand_stages(session: Session, branch_ids: list[int], on: date) -> dict[int, int]:
    """C19 for each branch as of ``on``: the furthest stage any of its brands had reached, 0–3
    (three queries for any number of branches)."""
    best = dict.fromkeys(branch_ids, 0)
    if not branch_ids:
        return best
    for branch_id, stage in session.execute(
        select(PartyBrand.branch_id, BrandStage.stage)
        .join(PartyBrand, PartyBrand.id == BrandStage.brand_id)
        .where(PartyBrand.branch_id.in_(branch_ids), BrandStage.reached_on <= on)
    ):
        best[branch_id] = max(best[branch_id], STAGE_POINTS[stage])
    running = dict(
        session.execute(
            select(ProcessInstance.id, ProcessInstance.org_unit_id).where(
                ProcessInstance.process_key == PROCESS_KEY,
                ProcessInstance.status.in_(IN_PROGRESS),
                ProcessInstance.org_unit_id.in_(branch_ids),
            )
        ).all()
    )
    for instance_id, mark in milestones(session, list(running)).items():
        branch_id = running[instance_id]
        best[branch_id] = max(best[branch_id], _points_in_progress(mark, on))
    return best


def brand_stage(session: Session, branch_id: int, on: date) -> int:
    return brand_stages(session, [branch_id], on)[branch_id]


def named_brands(session: Session, branch_ids: list[int], on: date) -> set[int]:
    """The branches with a brand named (单位级 or 公司级) by ``on``: 示范's condition."""
    if not branch_ids:
        return set()
    return set(
        session.scalars(
            select(PartyBrand.branch_id)
            .join(BrandStage, BrandStage.brand_id == PartyBrand.id)
            .where(
                PartyBrand.branch_id.in_(branch_ids),
                BrandStage.stage == "named",
                BrandStage.reached_on <= on,
            )
        )
    )


def has_named_brand(session: Session, branch_id: int, on: date) -> bool:
    return branch_id in named_brands(session, [branch_id], on)


# -- the list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StagePoint:
    stage: str
    on: date
    named_level: str | None = None


@dataclass(frozen=True)
class BrandRow:
    branch: OrgUnit
    unit: OrgUnit | None
    name: str
    brand_type: str
    #: One of ``LIST_STAGES``: where the brand (or the proposal still running) stands.
    stage: str
    stage_on: date
    instance_id: int
    named_level: str | None = None
    five_you_score: int | None = None
    #: True for a proposal whose instance is still running (not in the registry yet).
    in_progress: bool = False
    history: list[StagePoint] = field(default_factory=list)

    @property
    def points(self) -> int:
        return STAGE_POINTS[self.stage]


def _visible_branches(session: Session, scope: Scope, branch: OrgUnit | None) -> list[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH)
    if branch is not None:
        query = query.where(OrgUnit.id == branch.id)
    paths = [h.org_path for h in scope.holdings]
    if not paths:
        return []
    query = query.where(or_(*(OrgUnit.path.like(f"{path}%") for path in paths)))
    return list(session.scalars(query.order_by(OrgUnit.path)))


def visible_units(session: Session, scope: Scope) -> list[OrgUnit]:
    """The units (厂/处) the user sees whole: the company sees every unit, a unit itself."""
    units = session.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind == OrgKind.UNIT)
        .order_by(OrgUnit.sort_order, OrgUnit.code)
    )
    return [u for u in units if scope.sees(u.path)]


def _unit_of(branch: OrgUnit, units: dict[int, OrgUnit]) -> OrgUnit | None:
    ids = [int(part) for part in branch.path.strip("/").split("/") if part]
    return next((units[i] for i in ids if i in units), None)


def list_brands(
    session: Session,
    scope: Scope,
    *,
    unit: OrgUnit | None = None,
    branch: OrgUnit | None = None,
    stage: str | None = None,
    brand_type: str | None = None,
) -> list[BrandRow]:
    """Every brand and running proposal of the branches the user sees (company: all; unit: its
    branches; branch: its own), narrowed to one unit or branch, stage and type when given.

    Callers check that ``unit`` and ``branch`` are visible; an invisible one simply gives nothing.
    """
    branches = {b.id: b for b in _visible_branches(session, scope, branch)}
    if unit is not None:
        branches = {i: b for i, b in branches.items() if b.path.startswith(unit.path)}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.UNIT))}
    rows = _registry_rows(session, branches, units) + _running_rows(session, branches, units)
    if stage is not None:
        rows = [r for r in rows if r.stage == stage]
    if brand_type is not None:
        rows = [r for r in rows if r.brand_type == brand_type]
    return sorted(rows, key=lambda r: (r.branch.path, r.name, r.in_progress, r.instance_id))


def _registry_rows(
    session: Session, branches: dict[int, OrgUnit], units: dict[int, OrgUnit]
) -> list[BrandRow]:
    if not branches:
        return []
    brands = list(
        session.scalars(select(PartyBrand).where(PartyBrand.branch_id.in_(list(branches))))
    )
    history: dict[int, list[StagePoint]] = {}
    for stage in session.scalars(
        select(BrandStage)
        .where(BrandStage.brand_id.in_([b.id for b in brands]))
        .order_by(BrandStage.reached_on, BrandStage.id)
    ):
        history.setdefault(stage.brand_id, []).append(
            StagePoint(stage.stage, stage.reached_on, stage.named_level)
        )
    rows = []
    for brand in brands:
        points = history.get(brand.id, [])
        if brand.named_level is not None:  # a naming once received stays
            current, on = "named", brand.named_on
        elif points:
            current, on = points[-1].stage, points[-1].on
        else:  # never written so by the hook: every registered brand has its stages
            continue
        branch = branches[brand.branch_id]
        rows.append(
            BrandRow(
                branch,
                _unit_of(branch, units),
                brand.name,
                brand.brand_type,
                current,
                on,
                brand.instance_id,
                named_level=brand.named_level,
                five_you_score=brand.five_you_score,
                history=points,
            )
        )
    return rows


def _running_rows(
    session: Session, branches: dict[int, OrgUnit], units: dict[int, OrgUnit]
) -> list[BrandRow]:
    running = _running_instances(session, list(branches)) if branches else []
    if not running:
        return []
    proposals = _proposals(session, running)
    marks = milestones(session, running)
    org_of = dict(
        session.execute(
            select(ProcessInstance.id, ProcessInstance.org_unit_id).where(
                ProcessInstance.id.in_(list(proposals))
            )
        ).all()
    )
    rows = []
    for instance_id, (proposal, proposed_on) in proposals.items():
        mark = marks.get(instance_id, Milestones())
        history = [StagePoint("proposed", proposed_on)]
        if mark.registered_on:
            history.append(StagePoint("registered", mark.registered_on))
        if mark.cultivated_on:
            history.append(StagePoint("cultivated", mark.cultivated_on))
        branch = branches[org_of[instance_id]]
        rows.append(
            BrandRow(
                branch,
                _unit_of(branch, units),
                str(proposal.get("brand_name", "")).strip(),
                str(proposal.get("brand_type", "")),
                history[-1].stage,
                history[-1].on,
                instance_id,
                in_progress=True,
                history=history,
            )
        )
    return rows


def _proposals(session: Session, instance_ids: list[int]) -> dict[int, tuple[dict, date]]:
    """Instance id → its submitted proposal and the day of it; instances still drafting have none.

    The proposal is read from the step log: the step after ``propose`` is the unit's task, so the
    proposal is always logged with it (no script runs between that could fail and be retried)."""
    found: dict[int, tuple[dict, date]] = {}
    for entry in session.scalars(
        select(StepLogEntry)
        .where(
            StepLogEntry.instance_id.in_(instance_ids),
            StepLogEntry.action == "task_completed",
            StepLogEntry.element_id == PROPOSAL_STEP,
        )
        .order_by(StepLogEntry.seq)
    ):
        found[entry.instance_id] = (
            json.loads(entry.submitted_json or "{}"),
            local_day(entry.occurred_at),
        )
    return found
