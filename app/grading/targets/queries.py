"""Reads of the annual grading targets (G1, ``targets``): the years' settings, a year's targets
against the units' breakdowns, the branches' declarations and the levels held, the branches behind
each number, and what a branch declared (for the grading cycle's self-assessment). Who sees what:
company users everything, a unit user their own unit (``target_roots``), anyone else nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.grading.targets.commands import AT_LEAST
from app.grading.targets.commands import BRANCH_PROCESS
from app.grading.targets.commands import UNIT_PROCESS
from app.grading.targets.commands import branch_business_key
from app.grading.targets.commands import company_target
from app.grading.targets.commands import current_levels
from app.grading.targets.commands import target_counts
from app.grading.targets.commands import target_of
from app.grading.targets.commands import unit_business_key
from app.grading.targets.models import GradingTarget
from app.grading.targets.models import TargetSetting
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.policy import Scope
from app.identity.queries import get_root
from app.identity.queries import list_branches_under
from app.levels.models import BranchLevel
from app.levels.policy import dashboard_roots
from app.levels.queries import held_on
from app.levels.queries import level_counts
from app.levels.queries import units_under
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

# -- reads ---------------------------------------------------------------------------------------


def target_roots(scope: Scope) -> list[str]:
    """Paths whose units the viewer sees targets of: the company's or their own units'. Anyone
    else (branch roles, no role) is told "not found"."""
    roots = dashboard_roots(scope)
    if not roots:
        raise NotFound()
    return roots


def declared_targets(session: Session, branch_ids: list[int], year: int) -> dict[int, str]:
    """Branch id → the level (a ``Level`` code) it declared as its target for ``year``, for the
    branches that did."""
    if not branch_ids:
        return {}
    return dict(
        session.execute(
            select(GradingTarget.org_unit_id, GradingTarget.level).where(
                GradingTarget.year == year,
                GradingTarget.org_unit_id.in_(branch_ids),
                GradingTarget.level.is_not(None),
            )
        ).all()
    )


def declared_target(session: Session, branch_id: int, year: int) -> str | None:
    return declared_targets(session, [branch_id], year).get(branch_id)


@dataclass(frozen=True)
class SettingRow:
    setting: TargetSetting
    #: running, published, returned or cancelled.
    state: str
    started_by: str | None


def list_settings(session: Session) -> list[SettingRow]:
    """Every target setting, newest year first (company-wide: shown to every target reader)."""
    rows = session.execute(
        select(TargetSetting, ProcessInstance.status, User.display_name)
        .join(ProcessInstance, ProcessInstance.id == TargetSetting.instance_id)
        .outerjoin(User, User.id == TargetSetting.started_by_user_id)
        .order_by(TargetSetting.year.desc(), TargetSetting.id.desc())
    ).all()
    return [SettingRow(setting, _state(setting, status), who) for setting, status, who in rows]


def _state(setting: TargetSetting, status: InstanceStatus) -> str:
    if setting.outcome:
        return setting.outcome
    return "cancelled" if status is InstanceStatus.CANCELLED else "running"


@dataclass
class UnitTargets:
    unit: OrgUnit
    branches: list[OrgUnit]
    target: GradingTarget | None
    #: The unit's breakdown instance (the newest), while or after it runs.
    breakdown_instance_id: int | None
    #: Branch id → declared level code.
    declared: dict[int, str] = field(default_factory=dict)
    #: Level → branches of the unit holding it at the year's end (or today, if earlier).
    held: Counter[Level] = field(default_factory=Counter)

    @property
    def counts(self) -> dict[Level, int] | None:
        return target_counts(self.target) if self.target else None

    def declared_at(self, level: Level) -> int:
        return sum(1 for code in self.declared.values() if code == level.value)

    @property
    def over_committed(self) -> bool:
        """The unit's "at least" targets need more branches than it has."""
        counts = self.counts
        return counts is not None and sum(counts[lv] for lv in AT_LEAST) > len(self.branches)


@dataclass
class YearTargets:
    year: int
    as_of: date
    company: GradingTarget | None
    company_branches: int
    units: list[UnitTargets]

    @property
    def company_counts(self) -> dict[Level, int] | None:
        return target_counts(self.company) if self.company else None

    def units_sum(self, level: Level) -> int:
        return sum(u.counts[level] for u in self.units if u.counts)

    def declared_sum(self, level: Level) -> int:
        return sum(u.declared_at(level) for u in self.units)

    def held_sum(self, level: Level) -> int:
        return sum(u.held[level] for u in self.units)

    @property
    def units_broken_down(self) -> int:
        return sum(1 for u in self.units if u.target)

    @property
    def branches_total(self) -> int:
        return sum(len(u.branches) for u in self.units)

    @property
    def branches_declared(self) -> int:
        return sum(len(u.declared) for u in self.units)

    @property
    def company_over_committed(self) -> bool:
        counts = self.company_counts
        return counts is not None and sum(counts[lv] for lv in AT_LEAST) > self.company_branches


def year_targets(session: Session, year: int, roots: list[str], today: date) -> YearTargets:
    """The targets of ``year`` for the units under ``roots`` (see ``target_roots``)."""
    company = get_root(session)
    units = units_under(session, roots)
    as_of = min(date(year, 12, 31), today)
    held = level_counts(session, units, as_of)
    breakdowns = _latest_instances(session, UNIT_PROCESS, unit_business_key(year), units)
    rows = []
    for unit in units:
        branches = list_branches_under(session, unit)
        rows.append(
            UnitTargets(
                unit=unit,
                branches=branches,
                target=target_of(session, unit.id, year),
                breakdown_instance_id=breakdowns.get(unit.id),
                held=held.get(unit.id, Counter()),
            )
        )
    _add_declarations(session, year, rows)
    return YearTargets(
        year=year,
        as_of=as_of,
        company=company_target(session, year),
        company_branches=len(list_branches_under(session, company)) if company else 0,
        units=rows,
    )


def _latest_instances(
    session: Session, process_key: str, business_key: str, orgs: list[OrgUnit]
) -> dict[int, int]:
    """Organisation id → its newest instance of ``process_key`` with ``business_key``."""
    found: dict[int, int] = {}
    for org_id, instance_id in session.execute(
        select(ProcessInstance.org_unit_id, ProcessInstance.id)
        .where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.business_key == business_key,
            ProcessInstance.org_unit_id.in_([o.id for o in orgs]),
        )
        .order_by(ProcessInstance.id)
    ):
        found[org_id] = instance_id
    return found


def _add_declarations(session: Session, year: int, rows: list[UnitTargets]) -> None:
    unit_of = {b.id: row for row in rows for b in row.branches}
    for branch_id, level in session.execute(
        select(GradingTarget.org_unit_id, GradingTarget.level).where(
            GradingTarget.year == year,
            GradingTarget.level.is_not(None),
            GradingTarget.org_unit_id.in_(list(unit_of)),
        )
    ):
        unit_of[branch_id].declared[branch_id] = level


@dataclass(frozen=True)
class BranchTarget:
    unit: OrgUnit
    branch: OrgUnit
    current: Level | None
    declared: str | None
    declaration_instance_id: int | None


def branches_of(
    session: Session, targets: YearTargets, show: str, level: Level | None
) -> list[BranchTarget]:
    """The branches behind one number of the table: ``show`` is ``declared`` (optionally of one
    level), ``pending`` (not declared yet) or ``held`` (holding ``level``, or any level, on the
    table's day: the year's end, or today while the year runs)."""
    branches = [b for u in targets.units for b in u.branches]
    current = current_levels(session, branches)
    year = targets.year
    instances = _latest_instances(session, BRANCH_PROCESS, branch_business_key(year), branches)
    held = _held_on(session, branches, targets.as_of) if show == "held" else {}
    found = []
    for row in targets.units:
        for branch in row.branches:
            declared = row.declared.get(branch.id)
            if _shown(show, level, declared, held.get(branch.id)):
                found.append(
                    BranchTarget(
                        row.unit, branch, current[branch.id], declared, instances.get(branch.id)
                    )
                )
    return found


def _shown(show: str, level: Level | None, declared: str | None, held: Level | None) -> bool:
    if show == "pending":
        return declared is None
    if show == "declared":
        return declared is not None and (level is None or declared == level.value)
    return held is not None and (level is None or held is level)


def _held_on(session: Session, branches: list[OrgUnit], day: date) -> dict[int, Level]:
    return dict(
        session.execute(
            select(BranchLevel.branch_id, BranchLevel.level).where(
                BranchLevel.branch_id.in_([b.id for b in branches]), held_on(day)
            )
        ).all()
    )
