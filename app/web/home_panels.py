"""What the home page shows beside one's work, by kind of user: a branch's people see their
branch's 三会一课 calendar; unit and company reviewers see how their part of the newest grading
cycle stands, stage by stage. It gathers meetings and grading, so it lives in the web layer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.grading.cycle.commands import STAGES
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.commands import list_cycles
from app.grading.cycle.models import GradingCycle
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.policy import Scope
from app.identity.queries import Holding
from app.ledgers.definitions import LedgerDef
from app.ledgers.policy import reads_ledgers_of
from app.ledgers.views import kept_at
from app.web.org_page import meetings_of


def my_branch(scope: Scope, person: Person | None) -> OrgUnit | None:
    """The branch whose calendar the user follows: their own, else one where they hold a role."""
    if person is not None and person.branch_id is not None:
        return db.session.get(OrgUnit, person.branch_id)
    held = next((h for h in scope.holdings if h.org_kind is OrgKind.BRANCH), None)
    return db.session.get(OrgUnit, held.org_id) if held else None


def branch_meetings(branch: OrgUnit | None) -> SimpleNamespace | None:
    return meetings_of(branch) if branch is not None and branch.kind is OrgKind.BRANCH else None


@dataclass(frozen=True)
class LedgerShelf:
    branch: OrgUnit
    year: int
    ledgers: list[LedgerDef]


def branch_ledgers(scope: Scope, branch: OrgUnit | None) -> LedgerShelf | None:
    """This year's ledgers of one's branch, for those who keep or read them (not every member)."""
    if branch is None or not reads_ledgers_of(scope, branch.path):
        return None
    return LedgerShelf(branch, clock.local_today().year, kept_at(branch))


@dataclass(frozen=True)
class CycleGlance:
    cycle: GradingCycle
    org_name: str
    total: int
    counts: list[tuple[str, int]]  # stage → branches there, in the cycle's order, zeros left out


def cycle_glance(reviewing: list[Holding]) -> CycleGlance | None:
    """The newest cycle that covers where the reviewer holds a role, counted over that part."""
    if not reviewing:
        return None
    paths = [h.org_path for h in reviewing]
    cycles = list_cycles(db.session, lambda path: any(p.startswith(path) for p in paths))
    if not cycles:
        return None
    progress = cycle_progress(db.session, cycles[0].cycle.id)
    if progress is None:
        return None
    mine = [b for b in progress.branches if any(b.branch.path.startswith(p) for p in paths)]
    counts = Counter(b.stage for b in mine)
    ordered = [s for s in STAGES if counts.get(s)] + [s for s in counts if s not in STAGES]
    name = db.session.scalar(select(OrgUnit.name).where(OrgUnit.id == reviewing[0].org_id))
    return CycleGlance(cycles[0].cycle, name or "", len(mine), [(s, counts[s]) for s in ordered])
