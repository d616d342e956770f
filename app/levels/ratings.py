"""Star ratings (星级) and A/B/C classes (domain.md §10): the rules, the command, the reads.

The rules are the rubric's (``stars`` bands and ``classes``, pure functions ``stars_for`` and
``class_for``): by default 5★ ≥95, 4★ ≥90, 3★ ≥80, 2★ ≥70, else 1★, and any veto gives 1★; A is
4–5★, B 3★, C 1–2★ or any veto. A branch designated 软弱涣散 (weak and lax) by the annual dynamic
analysis is class C too, whatever its stars, while the designation is in force
(``app.grading.weak``): ``rated_branches`` (the dashboard) honours it; the rating rows themselves
keep the class of the stars.

``rate_branch`` records one rating (an append-only row, ``branch_rated``). A drop of two stars or
more against the branch's previous rating asks for an early re-inspection (G6): the audit event says
``early_reinspection: true`` and the organisation reviewers of the branch's unit are notified.

Sources: ``acceptance`` (the grading cycle's service task ``rate_at_acceptance``), ``half_year``
(the provisional
score of the half-yearly supervision, G2, still to be built) and ``manual``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.grading.analysis_models import WeakDesignation
from app.grading.queries import current_rubric
from app.grading.queries import rubric_version
from app.grading.rubric import Rubric
from app.grading.weak import in_force as weak_in_force
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.identity.queries.roles import list_role_holders
from app.levels.models import BranchRating
from app.levels.policy import require_level_recorder
from app.notify.commands import notify

SOURCES = ("acceptance", "half_year", "manual")
CLASSES = ("A", "B", "C")
STARS_HIGH_FIRST = (5, 4, 3, 2, 1)
#: A drop of this many stars (or more) against the previous rating asks for an early re-inspection.
EARLY_REINSPECTION_DROP = 2
REVIEWER_ROLE = "unit_org_reviewer"
SCORE_LIMIT = Decimal(200)
CHINESE_NUMBERS = {2: "两", 3: "三", 4: "四"}


# -- the rules (pure) ------------------------------------------------------------------------------


def stars_for(score: float | Decimal | None, has_veto: bool, rubric: Rubric) -> int:
    """The stars a final score reaches by the rubric's bands; any veto (or no score) gives 1★."""
    if has_veto or score is None:
        return 1
    return rubric.stars_for(float(score))


def class_for(stars: int, has_veto: bool, rubric: Rubric) -> str:
    """The rubric's class of these stars (A/B/C); any veto gives C."""
    return rubric.class_for(stars, vetoed=has_veto)


# -- the command -----------------------------------------------------------------------------------


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


# -- reads -----------------------------------------------------------------------------------------


def _newest_first():
    return (BranchRating.rated_on.desc(), BranchRating.id.desc())


def current_rating(
    session: Session, branch_id: int, day: date | None = None
) -> BranchRating | None:
    """The branch's newest rating (on or before ``day`` when given)."""
    query = select(BranchRating).where(BranchRating.branch_id == branch_id)
    if day is not None:
        query = query.where(BranchRating.rated_on <= day)
    return session.scalars(query.order_by(*_newest_first()).limit(1)).first()


def rating_history(session: Session, branch_id: int) -> list[BranchRating]:
    return list(
        session.scalars(
            select(BranchRating)
            .where(BranchRating.branch_id == branch_id)
            .order_by(*_newest_first())
        )
    )


@dataclass(frozen=True)
class RatedBranch:
    unit: OrgUnit
    branch: OrgUnit
    rating: BranchRating
    #: The first day of the run of C-class ratings that ends with the current one (class C only).
    c_since: date | None = None
    #: The 软弱涣散 designation in force on the day, if any: it makes the branch class C.
    weak: WeakDesignation | None = None

    @property
    def rating_class(self) -> str:
        """The class the branch counts in: the rating's, or C while designated 软弱涣散."""
        return "C" if self.weak is not None else self.rating.rating_class

    @property
    def why(self) -> str:
        """Why the branch is class C: ``weak``, ``veto`` or ``low_stars`` (empty for A and B)."""
        if self.rating_class != "C":
            return ""
        if self.weak is not None:
            return "weak"
        return "veto" if self.rating.has_veto else "low_stars"


def rated_branches(session: Session, units: list[OrgUnit], day: date) -> list[RatedBranch]:
    """Every branch of these units with its current rating on ``day`` (unrated ones left out), in
    the units' order, then by branch code."""
    if not units:
        return []
    branches = {
        b.id: b
        for b in session.scalars(
            select(OrgUnit).where(
                OrgUnit.kind == OrgKind.BRANCH,
                or_(*(OrgUnit.path.like(f"{u.path}%") for u in units)),
            )
        )
    }
    if not branches:
        return []
    history: dict[int, list[BranchRating]] = {}
    for row in session.scalars(
        select(BranchRating)
        .where(BranchRating.branch_id.in_(list(branches)), BranchRating.rated_on <= day)
        .order_by(BranchRating.branch_id, *_newest_first())
    ):
        history.setdefault(row.branch_id, []).append(row)
    weak = weak_in_force(session, history, day)
    unit_by_id = {u.id: u for u in units}
    order = {u.id: n for n, u in enumerate(units)}
    found: list[RatedBranch] = []
    for branch_id, rows in history.items():
        branch = branches[branch_id]
        unit = next((unit_by_id[a] for a in branch.ancestor_ids if a in unit_by_id), None)
        if unit is None:
            continue
        current = rows[0]
        since = None
        if current.rating_class == "C":
            since = current.rated_on
            for row in rows[1:]:
                if row.rating_class != "C":
                    break
                since = row.rated_on
        designation = weak.get(branch_id)
        if designation is not None:  # class C at the latest since the designation took effect
            since = min(since or designation.confirmed_on, designation.confirmed_on)
        found.append(RatedBranch(unit, branch, current, since, designation))
    found.sort(key=lambda r: (order[r.unit.id], r.branch.code))
    return found
