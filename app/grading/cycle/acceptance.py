"""Company acceptance of a cycle's 标准化 candidates: who is accepted on site (domain.md §5 G5).

Every 示范 and 红旗 candidate is accepted on site (``grading_cycle`` sends it straight there). A
标准化 candidate waits at the step ``acceptance_sample`` until the company organisation department
draws the sample for every branch waiting there at once: enough of them go on site that at least
the pinned rubric's ``acceptance_sample_percent`` of all 标准化 candidates of the cycle so far are
accepted on site; the others are accepted by their files. Branches arrive unit by unit, so the
department draws again for each batch, and each draw counts what earlier draws (and any branch
decided by hand on its task page) already sent on site.

The draw is random but replayable: the waiting branches are taken in tree order and shuffled with
a recorded seed, so an auditor can repeat it from the audit event ``acceptance_sample_drawn``.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import AuditEvent
from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.cycle.commands import get_cycle
from app.grading.cycle.models import CycleBranch
from app.grading.policy import require_org_department
from app.grading.rubric.queries import rubric_version
from app.identity.models import OrgUnit
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.tasks import complete_task

SAMPLE_STEP = "acceptance_sample"
ON_SITE_STEP = "company_acceptance"
ON_SITE, BY_FILES = "yes", "no"


@dataclass
class SampleState:
    """Where the cycle's 标准化 candidates stand in the sampling."""

    percent: Decimal
    #: Branches waiting for the draw, in tree order, with their open task.
    waiting: list[tuple[HumanTask, OrgUnit]] = field(default_factory=list)
    #: Candidates already decided (by a draw or by hand): on site, and by their files.
    on_site: int = 0
    by_files: int = 0

    @property
    def decided(self) -> int:
        return self.on_site + self.by_files

    @property
    def to_draw(self) -> int:
        """How many of the waiting branches go on site so that the share holds for all so far."""
        total = self.decided + len(self.waiting)
        wanted = math.ceil(self.percent * total / 100)
        return min(len(self.waiting), max(0, wanted - self.on_site))


def sample_state(session: Session, cycle_id: int) -> SampleState | None:
    found = get_cycle(session, cycle_id)
    if found is None:
        return None
    record = rubric_version(session, found[0].rubric_version_id)
    percent = Decimal(str(record.rubric.acceptance_sample_percent)) if record else Decimal(30)
    state = SampleState(percent)
    rows = session.execute(
        select(HumanTask, OrgUnit)
        .join(CycleBranch, CycleBranch.instance_id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == CycleBranch.branch_id)
        .where(
            CycleBranch.cycle_id == cycle_id,
            HumanTask.element_id == SAMPLE_STEP,
            HumanTask.state.in_([HumanTaskState.READY, HumanTaskState.COMPLETED]),
        )
        .order_by(OrgUnit.path)
    ).all()
    # A decided branch went on to the on-site step or to the desk review: which one tells.
    on_site = set(
        session.scalars(
            select(HumanTask.instance_id)
            .join(CycleBranch, CycleBranch.instance_id == HumanTask.instance_id)
            .where(CycleBranch.cycle_id == cycle_id, HumanTask.element_id == ON_SITE_STEP)
        )
    )
    for task, branch in rows:
        if task.state is HumanTaskState.READY:
            state.waiting.append((task, branch))
        elif task.instance_id in on_site:
            state.on_site += 1
        else:
            state.by_files += 1
    return state


def draw_acceptance_sample(ctx: CommandContext, *, cycle_id: int, seed: int | None = None) -> dict:
    """Decide on-site or by-files acceptance for every branch waiting for the draw.

    For the company organisation department. Refused when nobody is waiting or when one of the
    waiting tasks was claimed by someone else (they decide it on its page, or hand it back).
    Returns ``{"on_site": [branch codes], "by_files": [branch codes], "seed": seed}``.
    """
    require_org_department(
        ctx, _("Only the company organisation department draws the acceptance sample.")
    )
    state = sample_state(ctx.session, cycle_id)
    if state is None:
        raise NotFound()
    if not state.waiting:
        raise ValidationFailed(
            _("No branch is waiting for the acceptance sample."),
            {"_form": _("No branch is waiting for the acceptance sample.")},
        )
    claimed = [
        b.name for t, b in state.waiting if t.assignee_user_id not in (None, ctx.actor.user_id)
    ]
    if claimed:
        raise ValidationFailed(
            _(
                "Some of the waiting tasks were claimed by someone else: %(names)s.",
                names="、".join(claimed),
            ),
            {"_form": _("Ask them to decide these branches or to hand the tasks back.")},
        )
    seed = secrets.randbits(32) if seed is None else seed
    # Replayable on purpose (the seed is recorded); the seed itself comes from `secrets`.
    shuffled = random.Random(seed).sample(state.waiting, state.to_draw)  # noqa: S311
    chosen = {t.id for t, _b in shuffled}
    batch = _batch_number(ctx, cycle_id)
    note = _(
        "Random sample no. %(n)d: %(p)s percent on site, seed %(seed)d.",
        n=batch,
        p=state.percent,
        seed=seed,
    )
    result: dict = {"on_site": [], "by_files": [], "seed": seed}
    for task, branch in state.waiting:
        onsite = ON_SITE if task.id in chosen else BY_FILES
        complete_task(ctx, task_id=task.id, data={"onsite": onsite, "sample_note": note})
        result["on_site" if onsite == ON_SITE else "by_files"].append(branch.code)
    ctx.record(
        "acceptance_sample_drawn",
        ("grading_cycle", cycle_id),
        org_unit_id=get_cycle(ctx.session, cycle_id)[1].id,
        batch=batch,
        percent=str(state.percent),
        waiting=[b.code for _t, b in state.waiting],
        earlier_on_site=state.on_site,
        earlier_by_files=state.by_files,
        **result,
    )
    return result


def _batch_number(ctx: CommandContext, cycle_id: int) -> int:
    """1 for the cycle's first draw, then 2, …: from the audit trail of earlier draws."""
    earlier = ctx.session.scalars(
        select(AuditEvent.seq).where(
            AuditEvent.event_type == "acceptance_sample_drawn",
            AuditEvent.subject_type == "grading_cycle",
            AuditEvent.subject_id == str(cycle_id),
        )
    ).all()
    return len(earlier) + 1
