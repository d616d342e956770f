"""Reads of the star ratings: a branch's current rating and history, the rated branches of
some units on a day (the dashboard), honouring 软弱涣散 designations in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.analysis.models import WeakDesignation
from app.grading.analysis.weak import in_force as weak_in_force
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.levels.models import BranchRating


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
