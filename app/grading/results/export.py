"""Results application (结果运用, domain.md §5 G9): a grading cycle's results as the workbook the
units' performance appraisal, the secretaries' evaluation and the honours nomination work from.

Three sheets (openpyxl, the house style of app/grading/dashboard/export.py):

* unit performance (单位业绩考核): per unit, its branches, how many were decided at each level,
  how many went up, down or kept the level held before the cycle, the average final score, the
  C-class branches (acceptance rating of the cycle) and the branches with a veto;
* secretary evaluation (书记考核评价): per branch, its secretary today, the level before and the
  level decided, the final score and the movement;
* honours nomination (评先选优推荐): the 示范 and 红旗 branches, 示范 first — the priority list
  for 两优一先 and collective honours.

``cycle_results`` reads every branch of the cycle once; ``within`` keeps the rows a reader may see
(a unit's people their unit's branches).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.dashboard.export import FORMULA_STARTS
from app.grading.results.models import ResultsPublication
from app.grading.sites.models import ModelSite
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.labels import LEVEL
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.roles import active_on
from app.levels.models import BranchRating
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

ORDER = list(Level)  # lowest first
SECRETARY = "branch_secretary"
HONOURS_LEVELS = (Level.MODEL, Level.RED_FLAG)


@dataclass(frozen=True)
class BranchResult:
    unit: OrgUnit | None
    branch: OrgUnit
    decided: bool
    level: Level | None
    previous: Level | None
    final_score: float | None
    has_veto: bool
    rating_class: str | None
    secretary: str
    model_site: bool
    #: None until the results are published; then whether the company put it on the priority list.
    honours_priority: bool | None = None

    @property
    def movement(self) -> str | None:
        """``up``, ``down`` or ``kept`` against the level held when the cycle started."""
        if not self.decided or self.level is None or self.previous is None:
            return None
        change = ORDER.index(self.level) - ORDER.index(self.previous)
        return "up" if change > 0 else "down" if change < 0 else "kept"


def _level(value: Any) -> Level | None:
    try:
        return Level(value) if value else None
    except ValueError:
        return None


def cycle_results(
    session: Session, cycle: GradingCycle, within: Callable[[str], bool], today: date
) -> list[BranchResult]:
    """Every branch of the cycle ``within`` accepts (by its path), in tree order."""
    rows = [
        (branch, instance)
        for branch, instance in session.execute(
            select(OrgUnit, ProcessInstance)
            .select_from(CycleBranch)
            .join(OrgUnit, OrgUnit.id == CycleBranch.branch_id)
            .join(ProcessInstance, ProcessInstance.id == CycleBranch.instance_id)
            .where(CycleBranch.cycle_id == cycle.id)
            .order_by(OrgUnit.path)
        ).all()
        if within(branch.path)
    ]
    ids = [branch.id for branch, _instance in rows]
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.UNIT))}
    secretaries = _secretaries(session, ids, today)
    classes = _classes(session, ids, cycle.year)
    sites = set(session.scalars(select(ModelSite.branch_id).where(ModelSite.cycle_id == cycle.id)))
    published = session.scalar(
        select(ResultsPublication.priority_json).where(ResultsPublication.cycle_id == cycle.id)
    )
    priority = set(json.loads(published)) if published else None
    results = []
    for branch, instance in rows:
        decided = instance.status is InstanceStatus.COMPLETED
        data = json.loads(instance.state_json).get("data", {}) if decided else {}
        score = data.get("final_score")
        results.append(
            BranchResult(
                unit=next((units[i] for i in branch.ancestor_ids if i in units), None),
                branch=branch,
                decided=decided,
                level=_level(data.get("level")),
                previous=_level(data.get("current_level")),
                final_score=float(score) if isinstance(score, int | float) else None,
                has_veto=bool(data.get("has_veto")),
                rating_class=classes.get(branch.id),
                secretary="、".join(secretaries.get(branch.id, [])),
                model_site=branch.id in sites,
                honours_priority=None if priority is None else branch.id in priority,
            )
        )
    return results


def _secretaries(session: Session, branch_ids: list[int], today: date) -> dict[int, list[str]]:
    """Branch id → the names of whoever holds its secretary role today."""
    found: dict[int, list[str]] = {}
    for org_id, name in session.execute(
        select(RoleAssignment.org_unit_id, func.coalesce(Person.name, User.display_name))
        .join(User, User.id == RoleAssignment.user_id)
        .outerjoin(Person, Person.id == User.person_id)
        .where(
            RoleAssignment.role_code == SECRETARY,
            RoleAssignment.org_unit_id.in_(branch_ids),
            User.active.is_(True),
            active_on(today),
        )
        .order_by(RoleAssignment.org_unit_id, RoleAssignment.valid_from, RoleAssignment.id)
    ):
        found.setdefault(org_id, []).append(name)
    return found


def _classes(session: Session, branch_ids: list[int], year: int) -> dict[int, str]:
    """Branch id → the A/B/C class of its acceptance rating in this cycle (the newest one)."""
    classes: dict[int, str] = {}
    for branch_id, rating_class in session.execute(
        select(BranchRating.branch_id, BranchRating.rating_class)
        .where(
            BranchRating.branch_id.in_(branch_ids),
            BranchRating.source == "acceptance",
            BranchRating.cycle == str(year),
        )
        .order_by(BranchRating.rated_on, BranchRating.id)
    ):
        classes[branch_id] = rating_class
    return classes


# -- the unit sheet --------------------------------------------------------------------------------


@dataclass
class UnitSummary:
    unit: OrgUnit | None
    branches: int = 0
    decided: int = 0
    levels: dict[Level, int] | None = None
    up: int = 0
    down: int = 0
    kept: int = 0
    scores: list[float] | None = None
    c_class: int = 0
    vetoes: int = 0

    @property
    def average(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 2) if self.scores else None


def unit_summaries(results: list[BranchResult]) -> list[UnitSummary]:
    by_unit: dict[int | None, UnitSummary] = {}
    for r in results:
        key = r.unit.id if r.unit else None
        summary = by_unit.setdefault(key, UnitSummary(r.unit, levels={}, scores=[]))
        summary.branches += 1
        if not r.decided:
            continue
        summary.decided += 1
        if r.level is not None:
            summary.levels[r.level] = summary.levels.get(r.level, 0) + 1
        if r.movement:
            setattr(summary, r.movement, getattr(summary, r.movement) + 1)
        if r.final_score is not None:
            summary.scores.append(r.final_score)
        summary.c_class += r.rating_class == "C"
        summary.vetoes += r.has_veto
    return list(by_unit.values())


def honours(results: list[BranchResult]) -> list[BranchResult]:
    """示范 first, then 红旗; the higher score first within a level."""
    chosen = [r for r in results if r.decided and r.level in HONOURS_LEVELS]
    return sorted(chosen, key=lambda r: (HONOURS_LEVELS.index(r.level), -(r.final_score or 0)))


# -- the workbook ----------------------------------------------------------------------------------


def _movement_label(movement: str | None) -> str:
    return {
        "up": _("Upgraded"),
        "down": _("Downgraded"),
        "kept": _("Kept"),
    }.get(movement or "", _("Not decided yet"))


def _priority_label(listed: bool | None) -> str:
    if listed is None:
        return _("Not published yet")
    return _("Yes") if listed else _("No")


def _level_label(level: Level | None) -> str:
    return str(LEVEL[level]) if level else ""


def _text(cell: Any) -> None:
    """Names typed by users stay text, never a formula (Excel injection), as in the dashboard's."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]):
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            _text(cell)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"


def _unit_name(unit: OrgUnit | None) -> str:
    return unit.name if unit else _("Directly under the company")


def workbook_bytes(results: list[BranchResult]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    levels = list(reversed(ORDER))  # 示范 first
    _sheet(
        book,
        _("Unit performance appraisal"),
        [
            _("Unit"),
            _("Branches in the cycle"),
            _("Branches decided"),
            *(_level_label(level) for level in levels),
            _("Upgraded"),
            _("Downgraded"),
            _("Kept"),
            _("Average final score"),
            _("C-class branches"),
            _("Branches with a veto"),
        ],
        [
            [
                _unit_name(s.unit),
                s.branches,
                s.decided,
                *(s.levels.get(level, 0) for level in levels),
                s.up,
                s.down,
                s.kept,
                s.average,
                s.c_class,
                s.vetoes,
            ]
            for s in unit_summaries(results)
        ],
        [24, 10, 10, 8, 8, 10, 12, 12, 8, 8, 8, 12, 12, 12],
    )
    _sheet(
        book,
        _("Secretary evaluation"),
        [
            _("Unit"),
            _("Branch code"),
            _("Party branch"),
            _("Secretary"),
            _("Level before"),
            _("Level this cycle"),
            _("Final score"),
            _("Movement"),
            _("Class"),
        ],
        [
            [
                _unit_name(r.unit),
                r.branch.code,
                r.branch.name,
                r.secretary,
                _level_label(r.previous),
                _level_label(r.level) if r.decided else "",
                r.final_score,
                _movement_label(r.movement),
                r.rating_class or "",
            ]
            for r in results
        ],
        [24, 12, 30, 14, 14, 14, 10, 12, 8],
    )
    _sheet(
        book,
        _("Honours nomination"),
        [
            _("Priority"),
            _("Unit"),
            _("Branch code"),
            _("Party branch"),
            _("Level this cycle"),
            _("Final score"),
            _("Model site"),
            _("On the published priority list"),
            _("Recommended for"),
        ],
        [
            [
                HONOURS_LEVELS.index(r.level) + 1,
                _unit_name(r.unit),
                r.branch.code,
                r.branch.name,
                _level_label(r.level),
                r.final_score,
                _("Yes") if r.model_site else _("No"),
                _priority_label(r.honours_priority),
                _(
                    'Outstanding party organisation ("two excellences and one advanced")'
                    " and collective honours"
                ),
            ]
            for r in honours(results)
        ],
        [8, 24, 12, 30, 12, 10, 10, 14, 44],
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
