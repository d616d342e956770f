"""The 示范 quota (domain.md §9: at most ``model_quota_percent`` of the cycle's branches, 5% [P]),
enforced where the company party committee decides (``grading_cycle`` → ``company_decision``).

Right after the committee approves a branch whose level came out 示范, ``check_model_quota`` counts
the cycle's 示范 places already taken. Within the quota the place is taken. Beyond it the committee
must choose in the same form (forms/gc_company_decision.json): 红旗 within the quota (the script
``apply_quota`` then sets the level), or 示范 over the quota with its reason, which stays in the
decision's data and is listed on the cycle page. Without a choice the decision is refused and
nothing is kept. A choice is only needed beyond the quota: "override" while places remain takes
an ordinary place, and "cap" always decides 红旗.

The places taken are read from the audit trail (``model_place_taken``, one per approved 示范,
subject the cycle): approvals are serialised by locking the cycle, so two committee members
completing decisions at once cannot both take the last place.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import AuditEvent
from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.grading.cycle.commands import lock_cycle
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.rubric.queries import rubric_version
from app.identity.models import OrgUnit
from app.workflow.models import ProcessInstance

PLACE_TAKEN = "model_place_taken"
CHOICES = ("cap", "override")
REASON_LIMIT = 1000


def model_quota(session: Session, cycle: GradingCycle) -> int:
    """How many of the cycle's branches may be 示范 under the pinned rubric's quota."""
    record = rubric_version(session, cycle.rubric_version_id)
    percent = Decimal(str(record.rubric.model_quota_percent)) if record else Decimal(0)
    started = session.scalar(
        select(func.count()).select_from(CycleBranch).where(CycleBranch.cycle_id == cycle.id)
    )
    return math.floor(percent * max(started or 0, cycle.branches_planned or 0) / 100)


@dataclass(frozen=True)
class Place:
    instance_id: int
    branch_id: int | None
    over_quota: bool
    reason: str


def places_taken(session: Session, cycle_id: int) -> list[Place]:
    """The 示范 places the company party committee approved in this cycle, in order."""
    events = session.scalars(
        select(AuditEvent.payload)
        .where(
            AuditEvent.event_type == PLACE_TAKEN,
            AuditEvent.subject_type == "grading_cycle",
            AuditEvent.subject_id == str(cycle_id),
        )
        .order_by(AuditEvent.seq)
    )
    places = [json.loads(payload) for payload in events]
    return [
        Place(p["instance_id"], p.get("branch_id"), p.get("over_quota", False), p.get("reason", ""))
        for p in places
    ]


def check_model_quota(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Take a 示范 place for this decision, or refuse it (ValidationFailed, nothing kept)."""
    choice = data.get("model_quota_choice") or None
    reason = str(data.get("model_quota_reason") or "").strip()
    cycle_id = ctx.session.scalar(
        select(CycleBranch.cycle_id).where(CycleBranch.instance_id == row.id)
    )
    if data.get("level") != "model" or cycle_id is None:
        return  # a choice on a branch that is not 示范 changes nothing (apply_quota checks too)
    cycle = lock_cycle(ctx, cycle_id)
    quota = model_quota(ctx.session, cycle)
    others = {p.instance_id for p in places_taken(ctx.session, cycle.id) if p.instance_id != row.id}
    taken = len(others)
    over = taken >= quota
    if choice == "cap":
        return  # the committee decides 红旗 (apply_quota sets it): no place taken
    if over and choice != "override":
        _refuse(
            "model_quota_choice",
            _(
                "All %(quota)d Model places of this cycle are taken: decide Red flag within the "
                "quota, or approve Model over the quota with a reason.",
                quota=quota,
            ),
        )
    if over and not 2 <= len(reason) <= REASON_LIMIT:
        _refuse(
            "model_quota_reason",
            _("Give the reason for approving Model over the quota (2–1000 characters)."),
        )
    branch = ctx.session.get(OrgUnit, row.org_unit_id)
    ctx.record(
        PLACE_TAKEN,
        ("grading_cycle", cycle.id),
        org_unit_id=row.org_unit_id,
        instance_id=row.id,
        branch_id=branch.id if branch else None,
        quota=quota,
        taken_before=taken,
        over_quota=over,
        reason=reason if over else "",
    )


def _refuse(field_name: str, message: str) -> None:
    raise ValidationFailed(_("The decision was not recorded."), {field_name: message})
