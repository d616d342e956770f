"""The screening of the annual dynamic analysis (过筛体检, domain.md §5 G7, §10.2): for every
branch under some units, the level held, the newest star rating (stars, class, score, veto), the
trend (stars now against a year earlier, level moves within the year), the open and overdue
rectifications, and any 软弱涣散 designation. A branch designated 软弱涣散 (in force, or proposed
to the year's analysis) is class C whatever its stars; a branch with no rating yet is "unrated".
Read by the analysis page and frozen into the analysis when it starts (``analysis``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.analysis.models import WeakDesignation
from app.grading.analysis.weak import in_force
from app.grading.supervision import rectifications
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.levels.models import BranchRating
from app.levels.queries import RANK
from app.levels.queries import branches_at
from app.levels.queries import units_under

#: The groups of the screening, in the page's order ("unrated": no star rating yet).
CLASS_KEYS = ("A", "B", "C", "unrated")
WHY_ZH = {"weak": "软弱涣散", "veto": "存在否决项", "low_stars": "星级偏低"}


def as_of_day(year: int, today: date) -> date:
    """The day a year's screening is taken: its last day, or today while the year runs."""
    return min(date(year, 12, 31), today)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# -- the screening ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenedBranch:
    unit: OrgUnit
    branch: OrgUnit
    level: Level | None
    rating: BranchRating | None
    #: The stars of the newest rating a year before the screening day.
    stars_year_ago: int | None
    upgrades: int
    downgrades: int
    open_rectifications: int
    overdue_rectifications: int
    #: A designation counting on the screening day, or one proposed to / confirmed by this year's
    #: analysis.
    weak: WeakDesignation | None

    @property
    def rating_class(self) -> str:
        """A, B, C, or "unrated"; 软弱涣散 makes any branch class C."""
        if self.weak is not None:
            return "C"
        return self.rating.rating_class if self.rating else "unrated"

    @property
    def why(self) -> str:
        """Why a class-C branch is class C: ``weak``, ``veto`` or ``low_stars``."""
        if self.rating_class != "C":
            return ""
        if self.weak is not None:
            return "weak"
        return "veto" if self.rating.has_veto else "low_stars"

    @property
    def star_change(self) -> int | None:
        if self.rating is None or self.stars_year_ago is None:
            return None
        return self.rating.stars - self.stars_year_ago

    def note_zh(self) -> str:
        """Why the branch is class C, in the words its improvement plan starts from."""
        parts = [WHY_ZH.get(self.why, "")]
        if self.weak is not None:
            parts[0] = f"软弱涣散（{self.weak.reason}）"
        if self.rating is not None:
            score = "" if self.rating.score is None else f"，得分{self.rating.score}"
            veto = "，存在否决项" if self.rating.has_veto and self.why != "veto" else ""
            parts.append(f"当前{self.rating.stars}星{score}{veto}（{self.rating.rated_on}评定）")
        return "；".join(p for p in parts if p)


@dataclass
class Screening:
    year: int
    as_of: date
    rows: list[ScreenedBranch] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.rating_class for r in self.rows)
        return {key: found.get(key, 0) for key in CLASS_KEYS}

    def at(self, key: str) -> list[ScreenedBranch]:
        return [r for r in self.rows if r.rating_class == key]

    @property
    def weak_count(self) -> int:
        return sum(1 for r in self.rows if r.weak is not None)


def screen(
    session: Session, units: list[OrgUnit], year: int, today: date, now: datetime
) -> Screening:
    """Every branch of these units checked as of the year's screening day (``as_of_day``); open
    and overdue rectifications are counted as they stand ``now``."""
    as_of = as_of_day(year, today)
    found = Screening(year, as_of)
    held = branches_at(session, units, as_of, graded_only=False)
    ids = [b.branch.id for b in held]
    if not ids:
        return found
    ratings = _ratings(session, ids, as_of)
    moves = _level_moves(session, ids, date(year, 1, 1), as_of)
    open_steps = rectifications.open_now(session, ids, now)
    weak = _designations(session, ids, year, as_of)
    year_ago = _year_earlier(as_of)
    for item in held:
        rows = ratings.get(item.branch.id, [])
        earlier = next((r for r in rows if r.rated_on <= year_ago), None)
        ups, downs = moves.get(item.branch.id, (0, 0))
        open_count, overdue = open_steps.get(item.branch.id, (0, 0))
        found.rows.append(
            ScreenedBranch(
                unit=item.unit,
                branch=item.branch,
                level=item.row.level if item.row else None,
                rating=rows[0] if rows else None,
                stars_year_ago=earlier.stars if earlier else None,
                upgrades=ups,
                downgrades=downs,
                open_rectifications=open_count,
                overdue_rectifications=overdue,
                weak=weak.get(item.branch.id),
            )
        )
    return found


def _ratings(session: Session, ids: list[int], day: date) -> dict[int, list[BranchRating]]:
    """Branch id → its ratings on or before ``day``, newest first."""
    found: dict[int, list[BranchRating]] = {}
    for row in session.scalars(
        select(BranchRating)
        .where(BranchRating.branch_id.in_(ids), BranchRating.rated_on <= day)
        .order_by(BranchRating.branch_id, BranchRating.rated_on.desc(), BranchRating.id.desc())
    ):
        found.setdefault(row.branch_id, []).append(row)
    return found


def _level_moves(
    session: Session, ids: list[int], start: date, end: date
) -> dict[int, tuple[int, int]]:
    """Branch id → (upgrades, downgrades) that took effect between ``start`` and ``end``."""
    moves: dict[int, tuple[int, int]] = {}
    previous: dict[int, Level] = {}
    for branch_id, level, held_from in session.execute(
        select(BranchLevel.branch_id, BranchLevel.level, BranchLevel.held_from)
        .where(BranchLevel.branch_id.in_(ids), BranchLevel.held_from <= end)
        .order_by(BranchLevel.branch_id, BranchLevel.held_from, BranchLevel.id)
    ):
        before = previous.get(branch_id)
        previous[branch_id] = level
        if before is None or held_from < start or RANK[level] == RANK[before]:
            continue
        ups, downs = moves.get(branch_id, (0, 0))
        moves[branch_id] = (ups + 1, downs) if RANK[level] > RANK[before] else (ups, downs + 1)
    return moves


def _designations(
    session: Session, ids: list[int], year: int, as_of: date
) -> dict[int, WeakDesignation]:
    """Branch id → its designation proposed to or confirmed by this year's analysis (confirmed
    maybe after the screening day, when the year is over), else the one in force on the screening
    day. A designation lifted by a verified improvement no longer makes the branch class C."""
    found = in_force(session, ids, as_of)
    for row in session.scalars(
        select(WeakDesignation).where(
            WeakDesignation.branch_id.in_(ids),
            WeakDesignation.year == year,
            WeakDesignation.status.in_(("proposed", "confirmed")),
        )
    ):
        found[row.branch_id] = row
    return found


def viewer_units(session: Session, roots: list[str]) -> list[OrgUnit]:
    """The units a viewer's screening covers (``app.levels.policy.dashboard_roots``)."""
    return units_under(session, roots)
