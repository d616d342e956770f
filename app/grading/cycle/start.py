"""Starting the annual grading cycle (达标晋级周期) for every branch of a scope.

``open_cycle`` checks the request, pins the rubric in force (``ensure_default_rubric``) and records
the cycle with the number of branches it will hold. ``start_next_branches`` then starts one
instance of ``processes/grading/grading_cycle.bpmn`` for up to ``CHUNK`` branches that have none
yet, each carrying the pinned version's thresholds and bonus cap and the branch's inputs — all
inputs read for the whole chunk in a few queries. Each chunk is its own transaction, so no
transaction holds the database for long, and a start interrupted half-way resumes where it
stopped: the page starts the first chunk, the worker and ``flask grading start-cycle`` the rest.
``start_cycle`` does both in one transaction (a unit, the demo, the tests).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.brands.queries import named_brands
from app.grading.cycle.commands import FIRST_YEAR
from app.grading.cycle.commands import LAST_YEAR
from app.grading.cycle.commands import PROCESS_KEY
from app.grading.cycle.commands import SCOPE_KINDS
from app.grading.cycle.commands import lock_cycle
from app.grading.cycle.measured import measured_criteria
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.cycle.organisational_life import measured_v4
from app.grading.policy import require_org_department
from app.grading.rubric.commands import ensure_default_rubric
from app.grading.rubric.document import NOT_MET
from app.grading.rubric.queries import rubric_version
from app.grading.targets.queries import declared_targets
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.queries import get_org_by_code
from app.identity.queries import list_branches_under
from app.identity.queries import subtree_of
from app.levels.queries import red_flag_cycles_of
from app.workflow.instances import start_instances

#: Branches started per transaction: about 1 s at the 1.5-2.5 ms a batched start costs
#: (bench/cycle_start.py --chunked; at most 3 s on a loaded machine at 20,000 branches), well
#: inside the 5 s a transaction may hold the database, and a progress step the page can show.
CHUNK = 500


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
    """Open the cycle of ``year`` for every branch under ``scope_code`` and start them all, in
    this one transaction; its id."""
    cycle_id = open_cycle(ctx, year=year, scope_code=scope_code)
    start_next_branches(ctx, cycle_id=cycle_id, limit=None)
    return cycle_id


def open_cycle(ctx: CommandContext, *, year: int, scope_code: str) -> int:
    """Record the grading cycle of ``year`` for the branches under ``scope_code``; its id.

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
    cycle = GradingCycle(
        year=year,
        rubric_version_id=version_id,
        scope_org_id=scope_org.id,
        started_by_user_id=ctx.actor.user_id,
        started_at=ctx.now,
        branches_planned=len(branches),
    )
    ctx.session.add(cycle)
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


def start_next_branches(ctx: CommandContext, *, cycle_id: int, limit: int | None = CHUNK) -> int:
    """Start the instances of up to ``limit`` (None: all) branches of the cycle that have none
    yet; how many branches still wait. Records ``grading_cycle_branches_started``."""
    require_org_department(
        ctx, _("Only the company organisation department starts a grading cycle.")
    )
    cycle = lock_cycle(ctx, cycle_id)  # one chunk at a time: the page, the worker, the CLI
    if cycle is None:
        raise NotFound()
    scope_org = ctx.session.get(OrgUnit, cycle.scope_org_id)
    batch, waiting = _waiting_branches(ctx.session, cycle, scope_org, limit)
    if batch:
        _start_branches(ctx, cycle, batch)
        ctx.record(
            "grading_cycle_branches_started",
            ("grading_cycle", cycle.id),
            org_unit_id=scope_org.id,
            started=len(batch),
            remaining=waiting - len(batch),
        )
    if waiting == len(batch):
        # done: a branch dissolved since the cycle opened must not leave it "still starting"
        cycle.branches_planned = ctx.session.scalar(
            select(func.count()).select_from(CycleBranch).where(CycleBranch.cycle_id == cycle.id)
        )
    return waiting - len(batch)


def _waiting_branches(
    session: Session, cycle: GradingCycle, scope_org: OrgUnit, limit: int | None
) -> tuple[list[OrgUnit], int]:
    """The first ``limit`` branches under ``scope_org`` (by tree order) without an instance in the
    cycle, and how many wait in all: read by the database, not by loading every branch of the
    scope at every chunk (20,000 at the largest enterprise)."""
    started = select(CycleBranch.branch_id).where(CycleBranch.cycle_id == cycle.id)
    # NOT IN (one hashed set), not NOT EXISTS: with the statistics of tables just filled (a new
    # enterprise, this very start) PostgreSQL ran NOT EXISTS as a loop over both, 1.4 s a chunk
    # at 5,000 branches.
    waiting = and_(
        subtree_of(scope_org), OrgUnit.kind == OrgKind.BRANCH, OrgUnit.id.not_in(started)
    )
    count = session.scalar(select(func.count()).select_from(OrgUnit).where(waiting)) or 0
    query = select(OrgUnit).where(waiting).order_by(OrgUnit.path)
    return list(session.scalars(query if limit is None else query.limit(limit))), count


def _start_branches(ctx: CommandContext, cycle: GradingCycle, branches: list[OrgUnit]) -> None:
    record = rubric_version(ctx.session, cycle.rubric_version_id)
    if record is None:
        raise NotFound()
    thresholds = {level.id: level.min_score for level in record.rubric.levels}
    year, ids = cycle.year, [b.id for b in branches]
    measured = measured_criteria(ctx, branches, year, record.rubric)
    named = named_brands(ctx.session, ids, ctx.today)
    # The level the branch declared in its annual plan (G1) is where its application starts.
    declared = declared_targets(ctx.session, ids, year)
    red_flag = red_flag_cycles_of(ctx.session, ids, year)
    organisational_life = measured_v4(ctx.session, ids, year, ctx.today)
    starts = []
    for branch in branches:
        data = start_data(
            year=year,
            version_id=cycle.rubric_version_id,
            version=record.version,
            thresholds=thresholds,
            bonus_cap=record.rubric.bonus_cap,
            branch=branch,
            red_flag_cycles=red_flag[branch.id],
            brand_named=branch.id in named,
        )
        data.update(measured[branch.id])
        data.update(organisational_life[branch.id])
        data["declared_target"] = declared.get(branch.id)
        starts.append((branch, business_key(year), data))
    instance_ids = start_instances(ctx, process_key=PROCESS_KEY, starts=starts)
    ctx.session.add_all(
        CycleBranch(cycle_id=cycle.id, branch_id=branch.id, instance_id=instance_id)
        for branch, instance_id in zip(branches, instance_ids, strict=True)
    )
    ctx.session.flush()


def cycles_still_starting(session: Session) -> list[int]:
    """Cycles with fewer started branches than planned: a start the worker is to continue."""
    started = (
        select(CycleBranch.cycle_id, func.count().label("n"))
        .group_by(CycleBranch.cycle_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(GradingCycle.id)
            .outerjoin(started, started.c.cycle_id == GradingCycle.id)
            .where(
                GradingCycle.branches_planned.is_not(None),
                func.coalesce(started.c.n, 0) < GradingCycle.branches_planned,
            )
            .order_by(GradingCycle.id)
        )
    )
