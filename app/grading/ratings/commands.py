"""Star ratings (星级) and A/B/C classes (domain.md §10): the rules, the command, the reads.

The rules are the rubric's (``stars`` bands and ``classes``, pure functions ``stars_for`` and
``class_for``): by default 5★ ≥95, 4★ ≥90, 3★ ≥80, 2★ ≥70, else 1★, and any veto gives 1★; A is
4–5★, B 3★, C 1–2★ or any veto. A branch designated 软弱涣散 (weak and lax) by the annual dynamic
analysis is class C too, whatever its stars, while the designation is in force
(``app.grading.analysis.weak``): ``rated_branches`` (the dashboard) honours it; the rating rows
themselves keep the class of the stars.

``rate_branch`` records one rating (an append-only row, ``branch_rated``). A drop of two stars or
more against the branch's previous rating asks for an early re-inspection (G6): the audit event says
``early_reinspection: true`` and the organisation reviewers of the branch's unit are notified.

Sources: ``acceptance`` (the grading cycle's service task ``rate_at_acceptance``), ``half_year``
(the provisional
score of the half-yearly supervision, G2, still to be built) and ``manual``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.grading.ratings.queries import current_rating
from app.grading.ratings.rules import CHINESE_NUMBERS
from app.grading.ratings.rules import EARLY_REINSPECTION_DROP
from app.grading.ratings.rules import REVIEWER_ROLE
from app.grading.ratings.rules import SCORE_LIMIT
from app.grading.ratings.rules import SOURCES
from app.grading.ratings.rules import class_for
from app.grading.ratings.rules import stars_for
from app.grading.rubric.queries import current_rubric
from app.grading.rubric.queries import rubric_version
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.identity.queries.roles import list_role_holders
from app.levels.models import BranchRating
from app.levels.policy import require_level_recorder
from app.notify.commands import notify


def rate_branch(
    ctx: CommandContext,
    *,
    branch_id: int,
    score: float | Decimal | str | None,
    has_veto: bool,
    source: str,
    rated_on: date,
    cycle: str | int | None = None,
    rubric_version_id: int | None = None,
    instance_id: int | None = None,
) -> int:
    """Record a rating of the branch; the new row's id. For the company organisation department
    (and the system); ``write_rating`` is the same without asking who the actor is."""
    if ctx.actor.user_id is not None:
        require_level_recorder(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    return write_rating(
        ctx,
        branch_id=branch_id,
        score=score,
        has_veto=has_veto,
        source=source,
        rated_on=rated_on,
        cycle=cycle,
        rubric_version_id=rubric_version_id,
        instance_id=instance_id,
    )


def write_rating(
    ctx: CommandContext,
    *,
    branch_id: int,
    score: float | Decimal | str | None,
    has_veto: bool,
    source: str,
    rated_on: date,
    cycle: str | int | None = None,
    rubric_version_id: int | None = None,
    instance_id: int | None = None,
) -> int:
    """``rate_branch`` for a rating a process already authorised (the acceptance hook)."""
    branch = ctx.session.get(OrgUnit, branch_id)
    errors: dict[str, str] = {}
    if branch is None or branch.kind is not OrgKind.BRANCH:
        errors["branch_id"] = _("No party branch has this code.")
    if source not in SOURCES:
        errors["source"] = _("Unknown source of the rating.")
    if rated_on > ctx.today:
        errors["rated_on"] = _("A rating cannot be dated in the future.")
    value: Decimal | None = None
    if score is not None and score != "":
        try:
            value = Decimal(str(score))
        except InvalidOperation:
            errors["score"] = _("Give a number.")
        else:
            if not value.is_finite() or not Decimal(0) <= value <= SCORE_LIMIT:
                errors["score"] = _("Give a score between 0 and 200.")
    elif not has_veto:
        errors["score"] = _("A rating without a veto needs a score.")
    record = (
        rubric_version(ctx.session, rubric_version_id)
        if rubric_version_id is not None
        else current_rubric(ctx.session)
    )
    if record is None:
        errors["rubric_version_id"] = _("No such rubric version.")
    if errors:
        raise ValidationFailed(_("The rating was not recorded."), errors)

    has_veto = bool(has_veto)
    stars = stars_for(value, has_veto, record.rubric)
    rating_class = class_for(stars, has_veto, record.rubric)
    previous = current_rating(ctx.session, branch.id)
    drop = previous.stars - stars if previous else 0
    early = drop >= EARLY_REINSPECTION_DROP
    row = BranchRating(
        branch_id=branch.id,
        rated_on=rated_on,
        stars=stars,
        rating_class=rating_class,
        score=value,
        has_veto=has_veto,
        source=source,
        cycle=None if cycle is None else str(cycle),
        rubric_version_id=record.id,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    notified: list[int] = []
    if early:
        unit = unit_of(ctx.session, branch)
        if unit is not None:
            notified = [
                u.id for u in list_role_holders(ctx.session, REVIEWER_ROLE, unit, ctx.today)
            ]
        times = CHINESE_NUMBERS.get(drop, str(drop))
        notify(
            ctx,
            notified,
            kind="reminder",
            title=(
                f"{branch.name}（{branch.code}）由{previous.stars}星降至{stars}星，"
                f"星级下降{times}级，建议提前复查"
            ),
            title_en=f"{branch.name} ({branch.code}) fell from {previous.stars} to {stars} stars:"
            " an early re-inspection is advised",
            instance_id=instance_id,
        )
    ctx.record(
        "branch_rated",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        branch_code=branch.code,
        branch_rating_id=row.id,
        rated_on=rated_on.isoformat(),
        stars=stars,
        rating_class=rating_class,
        score=None if value is None else float(value),
        has_veto=has_veto,
        source=source,
        cycle=row.cycle,
        rubric_version_id=record.id,
        instance_id=instance_id,
        previous_stars=previous.stars if previous else None,
        early_reinspection=early,
        notified_user_ids=notified,
    )
    return row.id


def unit_of(session: Session, branch: OrgUnit) -> OrgUnit | None:
    """The unit (厂/处) among the branch's ancestors."""
    return session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(branch.ancestor_ids), OrgUnit.kind == OrgKind.UNIT)
    ).first()
