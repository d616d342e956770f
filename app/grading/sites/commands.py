"""Model-site selection (观摩点选树, domain.md §5 G8): choosing model sites from a grading cycle's
branches decided at 标准化 or above, and the record of the sites and their observation visits.

``start_selection`` starts ``processes/grading/model_site_selection.bpmn`` for a cycle with its
candidates as start data (the shortlist form offers only them: ``x-optionsFrom``); the completion
actions in ``site_result`` record the sites and their visits in ``model_sites``.
"""

from __future__ import annotations

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
from app.grading.sites.models import ModelSite
from app.grading.sites.result import SELECTION_KEY
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.workflow.instances import start_instance
from app.workflow.models import ProcessInstance
from app.workflow.queries import open_instance

PROCESS_KEY = SELECTION_KEY
#: Model sites come from the new 标准化 and above (domain.md §5 G8).
CANDIDATE_LEVELS = (Level.STANDARDISED, Level.RED_FLAG, Level.MODEL)
#: The level names written into the start data: kept with the instance, so in the records' language.
LEVEL_ZH = {Level.STANDARDISED: "标准化", Level.RED_FLAG: "红旗", Level.MODEL: "示范"}
LEVEL_EN = {Level.STANDARDISED: "standardised", Level.RED_FLAG: "red-flag", Level.MODEL: "model"}


def business_key(cycle: GradingCycle) -> str:
    """Names the cycle, so that the running selection of a cycle can be found."""
    return f"{cycle.year}年度观摩点选树·周期{cycle.id}"


def candidates(
    session: Session, cycle_id: int, progress: Progress | None = None
) -> list[BranchStage]:
    """The cycle's branches decided at 标准化 or above that are not model sites of it yet
    (``progress``: the cycle's, when the caller has it already)."""
    progress = progress or cycle_progress(session, cycle_id)
    if progress is None:
        return []
    chosen = set(session.scalars(select(ModelSite.branch_id).where(ModelSite.cycle_id == cycle_id)))
    return [
        b
        for b in progress.at("completed")
        if b.level in CANDIDATE_LEVELS and b.branch.id not in chosen
    ]


def running_selection(session: Session, cycle: GradingCycle) -> ProcessInstance | None:
    return open_instance(session, PROCESS_KEY, business_key(cycle))


def _candidate_entry(stage: BranchStage) -> dict[str, Any]:
    level = Level(stage.level)
    return {
        "value": stage.branch.id,
        "label": f"{stage.branch.code} {stage.branch.name}（{LEVEL_ZH[level]}）",
        "label_en": f"{stage.branch.code} {stage.branch.name} ({LEVEL_EN[level]})",
        "level": level.value,
        "final_score": stage.final_score,
    }


def start_selection(ctx: CommandContext, *, cycle_id: int) -> int:
    """Start choosing model sites among the cycle's branches at 标准化 or above; the instance id.

    For the company organisation department (and administrators). Refused with ``Conflict`` while
    a selection of this cycle runs, and with ``ValidationFailed`` when no branch qualifies (yet).
    Records ``model_site_selection_started``.
    """
    require_org_department(ctx, _("Only the company organisation department selects model sites."))
    cycle = lock_cycle(ctx, cycle_id)  # two clicks at once start one selection
    if cycle is None:
        raise NotFound()
    if running_selection(ctx.session, cycle) is not None:
        raise Conflict(_("A model-site selection of this cycle is already under way."))
    found = candidates(ctx.session, cycle.id)
    if not found:
        raise ValidationFailed(
            _("No branch of this cycle has been decided at Standardised or above yet."),
            {"cycle_id": _("No candidates.")},
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
            "candidates": [_candidate_entry(b) for b in found],
        },
    )
    ctx.record(
        "model_site_selection_started",
        ("grading_cycle", cycle.id),
        org_unit_id=scope_org.id,
        instance_id=instance_id,
        candidates=[b.branch.id for b in found],
    )
    return instance_id


# -- reads -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRow:
    site: ModelSite
    branch: OrgUnit

    @property
    def visited(self) -> bool:
        return self.site.visited_on is not None


def sites(
    session: Session, *, cycle_id: int | None = None, visible: Scope | None = None
) -> list[SiteRow]:
    """Model sites, newest year first (of one cycle when given; only those ``visible`` sees)."""
    query = (
        select(ModelSite, OrgUnit)
        .join(OrgUnit, OrgUnit.id == ModelSite.branch_id)
        .order_by(ModelSite.year.desc(), OrgUnit.path)
    )
    if cycle_id is not None:
        query = query.where(ModelSite.cycle_id == cycle_id)
    return [
        SiteRow(site, branch)
        for site, branch in session.execute(query).all()
        if visible is None or visible.is_system_admin or visible.sees(branch.path)
    ]
