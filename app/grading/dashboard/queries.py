"""The dashboard's other sections: star ratings and classes per unit, the C-class list, the latest
grading cycle's progress and the overdue rectifications — each limited to the viewer's units."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.cycle.commands import OTHER_STAGES
from app.grading.cycle.commands import STAGES
from app.grading.cycle.commands import BranchStage
from app.grading.cycle.commands import CycleRow
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.commands import list_cycles
from app.grading.ratings.queries import RatedBranch
from app.grading.ratings.queries import rated_branches
from app.grading.ratings.rules import CLASSES
from app.grading.ratings.rules import STARS_HIGH_FIRST
from app.identity.models import OrgUnit
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance

REINSPECTION = "reinspection"
#: The branch's rectification step of ``processes/grading/reinspection.bpmn``.
RECTIFY_STEP = "rectify"


# -- star ratings and classes ---------------------------------------------------------------------


@dataclass
class RatingTable:
    rows: list[RatedBranch]
    #: unit id → key ("5" … "1", "A", "B", "C") → branches.
    counts: dict[int, Counter[str]] = field(default_factory=dict)
    totals: Counter[str] = field(default_factory=Counter)

    @property
    def c_class(self) -> list[RatedBranch]:
        return [r for r in self.rows if r.rating_class == "C"]


KEYS = (*(str(s) for s in STARS_HIGH_FIRST), *CLASSES)


def rating_table(session: Session, units: list[OrgUnit], day: date) -> RatingTable:
    rows = rated_branches(session, units, day)
    table = RatingTable(rows, {u.id: Counter() for u in units})
    for r in rows:
        for key in (str(r.rating.stars), r.rating_class):
            table.counts[r.unit.id][key] += 1
            table.totals[key] += 1
    return table


def select_rated(rows: list[RatedBranch], key: str | None) -> list[RatedBranch]:
    """The rows behind one number: ``key`` is a star count ("1"–"5"), a class, or None (all)."""
    if key is None:
        return rows
    if key in CLASSES:
        return [r for r in rows if r.rating_class == key]
    return [r for r in rows if str(r.rating.stars) == key]


# -- the latest grading cycle ---------------------------------------------------------------------


@dataclass
class CycleSection:
    row: CycleRow
    #: Every stage of ``STAGES`` (zero included), then any other stage that occurs.
    counts: dict[str, int]
    branches: list[BranchStage]

    @property
    def total(self) -> int:
        return len(self.branches)

    def at(self, stage: str | None) -> list[BranchStage]:
        return self.branches if stage is None else [b for b in self.branches if b.stage == stage]


def _overlaps(path: str, units: list[OrgUnit]) -> bool:
    return any(u.path.startswith(path) or path.startswith(u.path) for u in units)


def latest_cycle(
    session: Session, units: list[OrgUnit], cycle_id: int | None = None
) -> CycleSection | None:
    """The newest cycle (or cycle ``cycle_id``) covering any of these units, with only the branches
    within them."""
    if not units:
        return None
    cycles = list_cycles(session, lambda path: _overlaps(path, units))
    row = next((c for c in cycles if cycle_id is None or c.cycle.id == cycle_id), None)
    if row is None:
        return None
    progress = cycle_progress(session, row.cycle.id)
    inside = [b for b in progress.branches if any(b.branch.path.startswith(u.path) for u in units)]
    counted = Counter(b.stage for b in inside)
    counts = {stage: counted.get(stage, 0) for stage in STAGES}
    counts.update({s: counted[s] for s in OTHER_STAGES if counted.get(s)})
    counts.update({s: n for s, n in counted.items() if s not in counts})
    return CycleSection(row, counts, inside)


# -- overdue rectifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRectification:
    task: HumanTask
    instance: ProcessInstance
    branch: OrgUnit
    unit: OrgUnit


def overdue_rectifications(
    session: Session, units: list[OrgUnit], now: datetime
) -> list[OverdueRectification]:
    """Open rectification steps of re-inspections (``reinspection``, element ``rectify``) past their
    due time, of branches within these units, the most overdue first."""
    if not units:
        return []
    rows = session.execute(
        select(HumanTask, ProcessInstance, OrgUnit)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(
            ProcessInstance.process_key == REINSPECTION,
            HumanTask.element_id == RECTIFY_STEP,
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at.is_not(None),
            HumanTask.due_at < now,
            or_(*(OrgUnit.path.like(f"{u.path}%") for u in units)),
        )
        .order_by(HumanTask.due_at, HumanTask.id)
    ).all()
    found = []
    for task, instance, branch in rows:
        unit = next(u for u in units if branch.path.startswith(u.path))
        found.append(OverdueRectification(task, instance, branch, unit))
    return found
