"""Demo level histories: every graded demo branch gets the past that leads to its current level.

The demo loader gives each branch a current level (``OrgUnit.level``). ``write_level_history`` then
writes, for the last four grading cycles, a plausible history ending at exactly that level:

* the first cycle is the branch's first grading (首次定级);
* an upgrade moves one level per cycle (晋等升级), decided at the company's acceptance in March
  of the next year (标准化 and above) or by the unit in January (未达标、基本达标, filed with the
  company); upgrades to 标准化 and above receive a numbered plaque (``commands.plaque_number``);
* about one cycle in ten is a downgrade, which may skip levels; a plaque holder's downgrade is
  mostly a delisting (摘牌降级) after a failed re-inspection in October, outside any cycle.

It is deterministic for a seed and "today". It writes through ``commands.apply_decision`` (the same
closing, opening and plaque numbering as ``record_level``) in date order, so plaque serials follow
the calendar, and records no audit event of its own: the loader's ``demo_data_loaded`` covers it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.core.commands import CommandContext
from app.grading.ratings.rules import class_for
from app.grading.rubric.queries import shipped_default
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.levels.commands import PLAQUE_LEVELS
from app.levels.commands import apply_decision
from app.levels.models import BranchLevel
from app.levels.models import BranchRating
from app.levels.queries import RANK

LEVELS = list(Level)  # lowest first
CYCLES = 4


@dataclass(frozen=True)
class Decision:
    day: date
    branch: OrgUnit
    level: Level
    decided_by: str
    cycle: str | None
    delisted: bool
    reason: str


def last_cycle(today: date) -> int:
    """The newest cycle whose company acceptance (January to March) is over."""
    return today.year - 1 if today >= date(today.year, 4, 1) else today.year - 2


def _path(rng: random.Random, current: Level, cycles: int) -> list[Level]:
    """Levels at the end of each cycle, oldest first, ending at ``current``; walked backwards."""
    levels = [current]
    for _ in range(cycles - 1):
        later = RANK[levels[0]]
        options = [(later, 6)]  # stayed
        if later > 0:
            options.append((later - 1, 3))  # was upgraded into ``later`` that cycle
        if later < len(LEVELS) - 1:
            options.append((min(later + rng.choice((1, 1, 2)), len(LEVELS) - 1), 1))  # downgraded
        rank = rng.choices([r for r, _ in options], [w for _, w in options])[0]
        levels.insert(0, LEVELS[rank])
    return levels


def write_level_history(ctx: CommandContext, *, seed: int) -> int:
    """Write the history of every branch that has a level; return the number of rows written."""
    rng = random.Random(f"branch-levels:{seed}")
    today = ctx.today
    newest = last_cycle(today)
    cycles = list(range(newest - CYCLES + 1, newest + 1))
    company = ctx.session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).first()
    units = {
        u.id: u for u in ctx.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.UNIT))
    }
    branches = ctx.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind == OrgKind.BRANCH, OrgUnit.level.is_not(None))
        .order_by(OrgUnit.code)
    ).all()
    if company is None or not branches:
        return 0
    # One decision document per cycle for the company, per unit and cycle for the units.
    acceptance = {c: (date(c + 1, 3, rng.randint(8, 28)), rng.randint(2, 12)) for c in cycles}
    unit_docs = {
        (u, c): (date(c + 1, 1, rng.randint(5, 20)), rng.randint(20, 60))
        for u in units
        for c in cycles
    }
    delisting = {c: (date(c, 10, rng.randint(10, 28)), rng.randint(30, 48)) for c in cycles}

    decisions: list[Decision] = []
    for branch in branches:
        unit = units[int(branch.path.strip("/").split("/")[1])]
        path = _path(rng, branch.level, len(cycles))
        held: Level | None = None
        has_plaque = False
        for cycle, level in zip(cycles, path, strict=True):
            if level is held:
                continue
            upgrade = held is None or RANK[level] > RANK[held]
            if not upgrade and has_plaque and rng.random() < 0.7:
                day, number = delisting[cycle]
                decided_by = (
                    f"{cycle}年复查 公司党委决定摘牌降级 {company.code}党发〔{cycle}〕{number}号"
                )
                decisions.append(
                    Decision(
                        day, branch, level, decided_by, None, True, "复查不合格，限期整改不到位"
                    )
                )
            else:
                if level in PLAQUE_LEVELS:
                    day, number = acceptance[cycle]
                    document = f"{company.code}党发〔{cycle + 1}〕{number}号"
                    decided_by = f"{cycle}年度集中验收 公司党委决定 {document}"
                else:
                    day, number = unit_docs[(unit.id, cycle)]
                    decided_by = (
                        f"{cycle}年度定级 {unit.name}决定（报公司备案） "
                        f"{unit.code}党发〔{cycle + 1}〕{number}号"
                    )
                reason = (
                    "首次定级"
                    if held is None
                    else "自评申报、厂处推荐、验收合格，晋升一级"
                    if upgrade
                    else "年度考评得分低于所持等级标准，降级"
                )
                decisions.append(
                    Decision(day, branch, level, decided_by, str(cycle), False, reason)
                )
            has_plaque = upgrade and level in PLAQUE_LEVELS  # a plaque comes with an upgrade
            held = level

    decisions.sort(key=lambda d: (d.day, d.branch.code))
    current: dict[int, BranchLevel] = {}
    for d in decisions:
        current[d.branch.id] = apply_decision(
            ctx,
            d.branch,
            current.get(d.branch.id),
            previous=current[d.branch.id].level if d.branch.id in current else None,
            level=d.level,
            decided_on=d.day,
            decided_by=d.decided_by,
            cycle=d.cycle,
            plaque_no=None,
            delisted=d.delisted,
            reason=d.reason,
        )
    write_ratings(ctx, seed=seed, current=current)
    return len(decisions)


#: The demo's star rating of each level (domain.md §10.1), and a score range within its band.
STARS_OF_LEVEL = {
    Level.MODEL: 5,
    Level.RED_FLAG: 4,
    Level.STANDARDISED: 3,
    Level.BASIC: 2,
    Level.NOT_UP_TO_STANDARD: 1,
}
SCORE_BANDS = {5: (95, 99.5), 4: (90, 94.5), 3: (80, 89.5), 2: (70, 79.5), 1: (58, 69.5)}


def _half_years_after(day: date, today: date) -> list[date]:
    """The last two of 30 June and 31 December after ``day`` up to ``today``, oldest first."""
    ends = [
        end
        for year in range(day.year, today.year + 1)
        for end in (date(year, 6, 30), date(year, 12, 31))
        if day < end <= today
    ]
    return ends[-2:]


def write_ratings(ctx: CommandContext, *, seed: int, current: dict[int, BranchLevel]) -> int:
    """Star ratings consistent with each branch's current level: an acceptance rating on the day
    its level was decided (5★ 示范 … 1★ 未达标) and half-yearly ratings after it that keep the
    stars, except that the newest one sometimes moves one star or, once in a while, records a
    veto. Deterministic; written
    directly (no audit event: the loader's ``demo_data_loaded`` covers it)."""
    rng = random.Random(f"branch-ratings:{seed}")
    rubric = shipped_default().rubric
    written = 0
    for branch_id in sorted(current):
        row = current[branch_id]
        stars = STARS_OF_LEVEL[row.level]
        days = [(row.held_from, "acceptance")]
        days += [(d, "half_year") for d in _half_years_after(row.held_from, ctx.today)]
        for number, (day, source) in enumerate(days):
            veto = False
            if number == len(days) - 1 and source == "half_year":  # only the newest one moves
                roll = rng.random()
                if roll < 0.05:
                    stars = min(stars + 1, 5)
                elif roll < 0.10:
                    stars = max(stars - 1, 1)
                elif roll < 0.12:
                    veto = True
            low, high = SCORE_BANDS[1 if veto else stars]
            score = Decimal(str(round(rng.uniform(low, high) * 2) / 2))
            given = 1 if veto else stars
            ctx.session.add(
                BranchRating(
                    branch_id=branch_id,
                    rated_on=day,
                    stars=given,
                    rating_class=class_for(given, veto, rubric),
                    score=score,
                    has_veto=veto,
                    source=source,
                    cycle=row.cycle if source == "acceptance" else None,
                    rubric_version_id=None,
                    created_at=ctx.now,
                )
            )
            written += 1
    ctx.session.flush()
    return written
