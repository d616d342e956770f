"""Reads of the level history: a branch's history, and the dashboard's counts "as of a date".

Every count here comes from ``branch_levels`` (never from ``OrgUnit.level``): a branch is counted at
level L on day d when its row of level L is held on d (``held_from <= d < held_to``). The dashboard
is a set of units (the company's, or one user's); a branch belongs to the unit whose path starts its
own (units are the company's children, so every branch has exactly one).
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel

#: Column order of the dashboard: the article counts 示范, 红旗, 标准化 first.
LEVELS_HIGH_FIRST = (
    Level.MODEL,
    Level.RED_FLAG,
    Level.STANDARDISED,
    Level.BASIC,
    Level.NOT_UP_TO_STANDARD,
)
RANK = {level: rank for rank, level in enumerate(Level)}
#: (month, day) of the year after a cycle by which its company acceptance has decided.
DECIDED_BY = (6, 30)


def held_on(day: date) -> ColumnElement[bool]:
    return and_(
        BranchLevel.held_from <= day,
        or_(BranchLevel.held_to.is_(None), BranchLevel.held_to > day),
    )


# -- one branch ----------------------------------------------------------------------------------


def branch_history(session: Session, branch_id: int) -> list[BranchLevel]:
    """Every level the branch has held, newest first."""
    return list(
        session.scalars(
            select(BranchLevel)
            .where(BranchLevel.branch_id == branch_id)
            .order_by(BranchLevel.held_from.desc(), BranchLevel.id.desc())
        )
    )


def red_flag_cycles(session: Session, branch_id: int, year: int) -> int:
    """How many cycles in a row before ``year``'s the branch held 红旗 (or higher) from the
    decision that gave it: what 示范 asks of a candidate ("held 红旗 for a cycle")."""
    return _red_flag_run(branch_history(session, branch_id), year)


def red_flag_cycles_of(session: Session, branch_ids: list[int], year: int) -> dict[int, int]:
    """``red_flag_cycles`` of many branches in one query (starting a cycle for all of them)."""
    histories: dict[int, list[BranchLevel]] = {branch_id: [] for branch_id in branch_ids}
    for chunk in (branch_ids[i : i + 500] for i in range(0, len(branch_ids), 500)):
        for row in session.scalars(select(BranchLevel).where(BranchLevel.branch_id.in_(chunk))):
            histories[row.branch_id].append(row)
    return {branch_id: _red_flag_run(rows, year) for branch_id, rows in histories.items()}


def _red_flag_run(history: list[BranchLevel], year: int) -> int:
    """Cycle ``p`` is decided in the company's acceptance of the next year (January–March [P]),
    so the level it gave is read in year ``p + 1``, once that window has closed even if it ran
    late (``DECIDED_BY``). Reading it at the end of year ``p`` would miss a 红旗 awarded in the
    acceptance window and make the branch wait a year longer for 示范; a 红旗 recorded in the
    second half of the year has not yet been held for a cycle."""
    count = 0
    for previous in range(year - 1, year - 11, -1):
        day = date(previous + 1, *DECIDED_BY)
        held = next(
            (
                r.level
                for r in history
                if r.held_from <= day and (r.held_to is None or day < r.held_to)
            ),
            None,
        )
        if held not in (Level.RED_FLAG, Level.MODEL):
            break
        count += 1
    return count


def current_level_row(session: Session, branch_id: int) -> BranchLevel | None:
    return session.scalars(
        select(BranchLevel).where(BranchLevel.branch_id == branch_id, BranchLevel.held_to.is_(None))
    ).one_or_none()


# -- the dashboard -------------------------------------------------------------------------------


def units_under(session: Session, roots: list[str]) -> list[OrgUnit]:
    """The units (厂/处) at or below these paths, in the tree's order."""
    if not roots:
        return []
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgKind.UNIT, or_(*(OrgUnit.path.like(f"{r}%") for r in roots)))
            .order_by(OrgUnit.sort_order, OrgUnit.code)
        )
    )


def _unit_of_branch() -> tuple[type[OrgUnit], type[OrgUnit], ColumnElement[bool]]:
    unit = aliased(OrgUnit, name="unit")
    branch = aliased(OrgUnit, name="branch")
    return unit, branch, branch.path.like(unit.path + "%")


def level_counts(session: Session, units: list[OrgUnit], day: date) -> dict[int, Counter[Level]]:
    """unit id → level → number of branches of that unit holding that level on ``day``."""
    unit, branch, inside = _unit_of_branch()
    rows = session.execute(
        select(unit.id, BranchLevel.level, func.count())
        .join(branch, branch.id == BranchLevel.branch_id)
        .join(unit, inside)
        .where(unit.id.in_([u.id for u in units]), held_on(day))
        .group_by(unit.id, BranchLevel.level)
    )
    counts: dict[int, Counter[Level]] = {u.id: Counter() for u in units}
    for unit_id, level, n in rows:
        counts[unit_id][level] = n
    return counts


@dataclass(frozen=True)
class YearRow:
    year: int
    as_of: date
    counts: dict[Level, int]
    total: int
    #: Change of each level's count against the year before (None for the first year shown).
    change: dict[Level, int] | None
    upgrades: int
    downgrades: int
    delistings: int


def _in_units(units: list[OrgUnit]) -> tuple[type[OrgUnit], ColumnElement[bool]]:
    branch = aliased(OrgUnit, name="branch")
    return branch, or_(*(branch.path.like(f"{u.path}%") for u in units))


def distribution_by_year(session: Session, units: list[OrgUnit], day: date) -> list[YearRow]:
    """Branches per level as of 31 December of every year with history (this year: as of ``day``),
    with the year-on-year change and the year's upgrades, downgrades and delistings."""
    if not units:
        return []
    branch, inside = _in_units(units)
    history = session.execute(
        select(
            BranchLevel.branch_id, BranchLevel.level, BranchLevel.held_from, BranchLevel.delisted_on
        )
        .join(branch, branch.id == BranchLevel.branch_id)
        .where(inside, BranchLevel.held_from <= day)
        .order_by(BranchLevel.branch_id, BranchLevel.held_from, BranchLevel.id)
    ).all()
    if not history:
        return []
    moves: dict[int, Counter[str]] = defaultdict(Counter)
    previous: dict[int, Level] = {}
    for branch_id, level, held_from, delisted_on in history:
        before = previous.get(branch_id)
        if before is not None and RANK[level] != RANK[before]:
            moves[held_from.year]["up" if RANK[level] > RANK[before] else "down"] += 1
        if delisted_on is not None and delisted_on <= day:
            moves[delisted_on.year]["delisted"] += 1
        previous[branch_id] = level
    rows: list[YearRow] = []
    first = min(held_from for _, _, held_from, _ in history).year
    for year in range(first, day.year + 1):
        as_of = min(date(year, 12, 31), day)
        counted = dict(
            session.execute(
                select(BranchLevel.level, func.count())
                .join(branch, branch.id == BranchLevel.branch_id)
                .where(inside, held_on(as_of))
                .group_by(BranchLevel.level)
            ).all()
        )
        counts = {level: counted.get(level, 0) for level in LEVELS_HIGH_FIRST}
        change = (
            {level: counts[level] - rows[-1].counts[level] for level in LEVELS_HIGH_FIRST}
            if rows
            else None
        )
        rows.append(
            YearRow(
                year=year,
                as_of=as_of,
                counts=counts,
                total=sum(counts.values()),
                change=change,
                upgrades=moves[year]["up"],
                downgrades=moves[year]["down"],
                delistings=moves[year]["delisted"],
            )
        )
    return rows


@dataclass(frozen=True)
class BranchAtLevel:
    """A branch with the row it holds on a day, and the level it held before that row."""

    unit: OrgUnit
    branch: OrgUnit
    row: BranchLevel | None
    previous_level: Level | None


def branches_at(
    session: Session,
    units: list[OrgUnit],
    day: date,
    *,
    level: Level | None = None,
    graded_only: bool = True,
) -> list[BranchAtLevel]:
    """The branches of these units with the row each holds on ``day``, in the tree's order.

    ``level`` keeps the branches holding that level (a dashboard cell); ``graded_only=False`` also
    lists the branches holding no level that day (the Excel export: one row per branch).
    """
    if not units:
        return []
    branch, inside = _in_units(units)
    branches = list(
        session.scalars(
            select(branch)
            .where(inside, branch.kind == OrgKind.BRANCH)
            .order_by(branch.path, branch.sort_order)
        )
    )
    rows = session.scalars(
        select(BranchLevel)
        .join(branch, branch.id == BranchLevel.branch_id)
        .where(inside, BranchLevel.held_from <= day)
        .order_by(BranchLevel.branch_id, BranchLevel.held_from, BranchLevel.id)
    )
    held: dict[int, BranchLevel] = {}
    before: dict[int, Level | None] = {}
    for row in rows:
        if row.held_to is None or row.held_to > day:
            held[row.branch_id] = row
        else:
            before[row.branch_id] = row.level
    unit_of = {u.id: u for u in units}
    found = []
    for b in branches:
        row = held.get(b.id)
        if row is None and graded_only:
            continue
        if level is not None and (row is None or row.level is not level):
            continue
        unit_id = int(b.path.strip("/").split("/")[1])
        found.append(BranchAtLevel(unit_of[unit_id], b, row, before.get(b.id)))
    order = {u.id: n for n, u in enumerate(units)}
    found.sort(key=lambda item: (order[item.unit.id], item.branch.code))
    return found


def unlevelled_counts(session: Session, units: list[OrgUnit], day: date) -> dict[int, int]:
    """unit id → number of its branches holding no level on ``day`` (never graded, or a level
    ended without a new one): the dashboard's own column, so that the totals add up."""
    counts = {u.id: 0 for u in units}
    for item in branches_at(session, units, day, graded_only=False):
        if item.row is None:
            counts[item.unit.id] += 1
    return counts


def unlevelled_branches(session: Session, units: list[OrgUnit], day: date) -> list[BranchAtLevel]:
    """The branches behind the dashboard's "no level" numbers."""
    return [b for b in branches_at(session, units, day, graded_only=False) if b.row is None]


def plaque_serials(session: Session, prefix: str) -> list[str]:
    """Plaque numbers starting with ``prefix`` (numbering reads the highest serial)."""
    return list(
        session.scalars(
            select(BranchLevel.plaque_no).where(BranchLevel.plaque_no.like(f"{prefix}%"))
        )
    )
