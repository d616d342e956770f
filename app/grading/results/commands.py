"""Results application (结果运用, domain.md §5 G9): publishing a grading cycle's results.

Once every branch of a cycle has its level, the company organisation department starts
``processes/grading/results_application.bpmn`` from the cycle's page: it marks the honours priority
list among the cycle's 示范 and 红旗 branches (两优一先 and collective honours are nominated from
them first) and publishes the results with a notice number. The completion hook
(``publication_result``) records the publication and tells the units and the listed branches; the
results workbook (``results_export``) then marks the priority list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.cycle.commands import BranchStage
from app.grading.cycle.commands import Progress
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.commands import lock_cycle
from app.grading.cycle.models import GradingCycle
from app.grading.policy import require_org_department
from app.grading.results.models import ResultsPublication
from app.grading.results.result import PROCESS_KEY
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.workflow.instances import start_instance
from app.workflow.models import ProcessInstance
from app.workflow.queries import open_instance

HONOURS_LEVELS = (Level.MODEL, Level.RED_FLAG)
#: Level names written into the start data: kept with the instance, in the records' language.
LEVEL_ZH = {Level.MODEL: "示范", Level.RED_FLAG: "红旗"}
LEVEL_EN = {Level.MODEL: "model", Level.RED_FLAG: "red-flag"}


def business_key(cycle: GradingCycle) -> str:
    return f"{cycle.year}年度达标晋级结果运用·周期{cycle.id}"


def running_application(session: Session, cycle: GradingCycle) -> ProcessInstance | None:
    return open_instance(session, PROCESS_KEY, business_key(cycle))


def publication_of(session: Session, cycle_id: int) -> ResultsPublication | None:
    return session.scalars(
        select(ResultsPublication).where(ResultsPublication.cycle_id == cycle_id)
    ).first()


def priority_branches(session: Session, publication: ResultsPublication) -> list[OrgUnit]:
    ids = json.loads(publication.priority_json)
    found = {b.id: b for b in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _honours_entry(stage: BranchStage) -> dict[str, Any]:
    level = Level(stage.level)
    score = f"，{stage.final_score}分" if stage.final_score is not None else ""
    score_en = f", {stage.final_score} pts" if stage.final_score is not None else ""
    return {
        "value": stage.branch.id,
        "label": f"{stage.branch.code} {stage.branch.name}（{LEVEL_ZH[level]}{score}）",
        "label_en": f"{stage.branch.code} {stage.branch.name} ({LEVEL_EN[level]}{score_en})",
    }


def start_results_application(ctx: CommandContext, *, cycle_id: int) -> int:
    """Start publishing the cycle's results; the instance id.

    For the company organisation department. Refused while a branch of the cycle has no level yet
    (ValidationFailed), and when the results were published or are being published (Conflict).
    Records ``results_application_started``.
    """
    require_org_department(
        ctx, _("Only the company organisation department publishes the results.")
    )
    cycle = lock_cycle(ctx, cycle_id)  # two clicks at once start one application
    progress = cycle_progress(ctx.session, cycle_id) if cycle else None
    if cycle is None or progress is None:
        raise NotFound()
    if publication_of(ctx.session, cycle_id) is not None:
        raise Conflict(_("The results of this cycle have already been published."))
    if running_application(ctx.session, cycle) is not None:
        raise Conflict(_("The results of this cycle are being published."))
    undecided = undecided_count(progress)
    if undecided:
        raise ValidationFailed(
            _(
                "%(n)d branches of this cycle have no level yet: publish once all have one.",
                n=undecided,
            ),
            {"cycle_id": _("Not every branch has its level.")},
        )
    completed = progress.at("completed")
    honours = sorted(
        (b for b in completed if b.level in HONOURS_LEVELS),
        key=lambda b: (HONOURS_LEVELS.index(Level(b.level)), -(b.final_score or 0)),
    )
    scope_org = ctx.session.get(OrgUnit, cycle.scope_org_id)
    instance_id = start_instance(
        ctx,
        process_key=PROCESS_KEY,
        org_code=scope_org.code,
        business_key=business_key(cycle),
        data={
            "cycle_id": cycle.id,
            "cycle_year": cycle.year,
            "honours_candidates": [_honours_entry(b) for b in honours],
            "level_summary": _summary(progress.levels),
        },
    )
    ctx.record(
        "results_application_started",
        ("grading_cycle", cycle.id),
        org_unit_id=scope_org.id,
        instance_id=instance_id,
        honours_candidates=[b.branch.id for b in honours],
    )
    return instance_id


def undecided_count(progress: Progress) -> int:
    """Branches of the cycle without their level yet, those still being started included."""
    open_ones = [b for b in progress.branches if b.stage not in ("completed", "cancelled")]
    return len(open_ones) + progress.still_starting


def _summary(levels: dict[str, int]) -> str:
    names = {"model": "示范", "red_flag": "红旗", "standardised": "标准化", "basic": "基本达标"}
    names["not_up_to_standard"] = "未达标"
    return "、".join(f"{names[k]}{levels[k]}个" for k in names if levels.get(k))


@dataclass(frozen=True)
class ResultsState:
    """What the cycle page shows of the results application."""

    publication: ResultsPublication | None
    priority: list[OrgUnit]
    running_id: int | None
    #: Offered only when it can succeed: every branch has its level and nothing is under way.
    may_start: bool
    #: Branches still without a level (the publisher is told why the button is not there yet).
    undecided: int = 0


def results_state(session: Session, progress: Progress, may_publish: bool) -> ResultsState:
    cycle = progress.cycle
    publication = publication_of(session, cycle.id)
    if publication is not None:
        return ResultsState(publication, priority_branches(session, publication), None, False)
    running = running_application(session, cycle)
    undecided = undecided_count(progress)
    return ResultsState(
        None,
        [],
        running.id if running else None,
        may_publish and not running and not undecided,
        undecided,
    )
