"""Annual grading targets (年度创建目标与计划, domain.md §5 G1): the company sets the year's
targets, each unit breaks them down, each branch declares the level it aims for.

Three processes under processes/grading/ carry it; the engine has no multi-instance, so the fan-out
happens in their completion hooks (``target_result``), inside the completing transaction:

* ``annual_grading_target_setting`` at the company, started here (``start_target_setting``) for a
  year: published, it stores the company's target and starts one ``unit_target_breakdown`` per unit;
* ``unit_target_breakdown`` at a unit: approved, it stores the unit's target and starts one
  ``branch_target_declaration`` per branch of the unit;
* ``branch_target_declaration`` at a branch: confirmed, it stores the level the branch declared.

Reads: ``list_settings`` (the years), ``year_targets`` (the company's targets against the sum of
the units' breakdowns, the branches' declarations and the levels held at the year's end, per unit),
``declared_target`` (what a branch declared, for the grading cycle's self-assessment). Who sees
what: company users everything, a unit user their own unit (``target_roots``), anyone else nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.policy import require_org_department
from app.grading.queries import current_rubric
from app.grading.target_models import GradingTarget
from app.grading.target_models import TargetSetting
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.policy import Scope
from app.identity.queries import get_root
from app.identity.queries import list_branches_under
from app.levels.models import BranchLevel
from app.levels.policy import dashboard_roots
from app.levels.queries import LEVELS_HIGH_FIRST
from app.levels.queries import RANK
from app.levels.queries import held_on
from app.levels.queries import level_counts
from app.levels.queries import units_under
from app.workflow.instances import start_instance
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

COMPANY_PROCESS = "annual_grading_target_setting"
UNIT_PROCESS = "unit_target_breakdown"
BRANCH_PROCESS = "branch_target_declaration"
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: The count columns of a company or unit target, highest level first (the table's order).
COUNT_FIELDS = {
    Level.MODEL: "model_count",
    Level.RED_FLAG: "red_flag_count",
    Level.STANDARDISED: "standardised_count",
    Level.BASIC: "basic_max",
    Level.NOT_UP_TO_STANDARD: "not_up_to_standard_max",
}
#: Levels counted "at least" (the rest are ceilings: "at most").
AT_LEAST = (Level.MODEL, Level.RED_FLAG, Level.STANDARDISED)
UNGRADED = "ungraded"
#: Chinese names used in the texts the processes carry (data, shown as it was written).
ZH_LEVEL = {
    Level.MODEL: "示范党支部",
    Level.RED_FLAG: "红旗党支部",
    Level.STANDARDISED: "标准化党支部",
    Level.BASIC: "基本达标党支部",
    Level.NOT_UP_TO_STANDARD: "未达标党支部",
}


def company_business_key(year: int) -> str:
    return f"{year}年度创建目标"


def unit_business_key(year: int) -> str:
    return f"{year}年度创建目标分解"


def branch_business_key(year: int) -> str:
    return f"{year}年度创建目标申报"


# -- levels and the start data the processes carry ------------------------------------------------


def current_levels(session: Session, branches: list[OrgUnit]) -> dict[int, Level | None]:
    """Branch id → the level it holds now (its level history; a branch without one: its recorded
    level, None when never graded)."""
    ids = [b.id for b in branches]
    held = dict(
        session.execute(
            select(BranchLevel.branch_id, BranchLevel.level).where(
                BranchLevel.branch_id.in_(ids), BranchLevel.held_to.is_(None)
            )
        ).all()
    )
    return {b.id: held.get(b.id, b.level) for b in branches}


def highest_declarable(current: Level | None) -> Level:
    """One level above the current one at most (晋等升级: up one level per cycle). The prior-level
    rules follow from it: 红旗 only from 标准化 held, 示范 only from 红旗 held. Never graded counts
    as 未达标."""
    order = list(Level)
    rank = RANK[current] if current is not None else 0
    return order[min(rank + 1, len(order) - 1)]


def distribution(levels: dict[int, Level | None]) -> dict[str, int]:
    """``current_<level>`` → how many of these branches hold it now, and ``current_ungraded``."""
    counted = Counter(levels.values())
    found = {f"current_{level.value}": counted.get(level, 0) for level in Level}
    found["current_ungraded"] = counted.get(None, 0)
    return found


def distribution_text(total: int, counts: dict[str, int], who: str) -> str:
    parts = "，".join(
        f"{ZH_LEVEL[level]}{counts[f'current_{level.value}']}个" for level in LEVELS_HIGH_FIRST
    )
    return f"{who}共{total}个党支部，现有：{parts}，未定级{counts['current_ungraded']}个。"


def targets_text(year: int, counts: dict[Level, int], who: str) -> str:
    parts = [
        f"{ZH_LEVEL[level]}{'不少于' if level in AT_LEAST else '不多于'}{counts[level]}个"
        for level in LEVELS_HIGH_FIRST
    ]
    return f"{year}年度{who}目标（年底）：{'，'.join(parts)}。"


def key_tasks_text(items: list[dict[str, Any]]) -> str:
    lines = []
    for number, item in enumerate(items, start=1):
        extra = "，".join(
            part
            for part in (
                f"牵头：{item['lead']}" if item.get("lead") else "",
                f"完成时限：{item['due']}" if item.get("due") else "",
            )
            if part
        )
        lines.append(f"{number}. {item.get('task', '')}" + (f"（{extra}）" if extra else ""))
    return "\n".join(lines)


def target_counts(target: GradingTarget) -> dict[Level, int]:
    return {level: getattr(target, name) or 0 for level, name in COUNT_FIELDS.items()}


def unit_start_data(
    session: Session, year: int, unit: OrgUnit, company_target: GradingTarget
) -> dict[str, Any] | None:
    """What a unit's breakdown starts with; None for a unit without branches (nothing to break
    down)."""
    branches = list_branches_under(session, unit)
    if not branches:
        return None
    counts = distribution(current_levels(session, branches))
    company = target_counts(company_target)
    details = json.loads(company_target.details_json)
    return {
        "target_year": year,
        "unit_branches": len(branches),
        **counts,
        **{f"company_{level.value}": company[level] for level in Level},
        "unit_status_text": distribution_text(len(branches), counts, "本单位"),
        "company_targets_text": targets_text(year, company, "公司"),
        "company_key_tasks_text": key_tasks_text(details.get("key_tasks") or []),
    }


def branch_start_data(
    year: int, current: Level | None, unit_target: GradingTarget, unit: OrgUnit
) -> dict[str, Any]:
    """What a branch's declaration starts with: its level, the highest it may declare, the unit's
    targets."""
    allowed = highest_declarable(current)
    now = ZH_LEVEL[current] if current is not None else "未定级党支部"
    counts = target_counts(unit_target)
    return {
        "target_year": year,
        "current_level": current.value if current is not None else None,
        "max_level": allowed.value,
        "branch_status_text": (
            f"本支部现为{now}，{year}年度最多可申报{ZH_LEVEL[allowed]}（每年最多晋升一级）。"
        ),
        **{f"unit_{level.value}": counts[level] for level in Level},
        "unit_targets_text": targets_text(year, counts, unit.name),
    }


# -- starting the year's target setting ----------------------------------------------------------


def blocking_setting(session: Session, year: int) -> TargetSetting | None:
    """The target setting of ``year`` that stands in the way of another: one running (not
    cancelled) or published. A returned or cancelled one leaves the year open."""
    rows = session.execute(
        select(TargetSetting, ProcessInstance.status)
        .join(ProcessInstance, ProcessInstance.id == TargetSetting.instance_id)
        .where(TargetSetting.year == year)
        .order_by(TargetSetting.id)
    ).all()
    for setting, status in rows:
        if setting.outcome == "published":
            return setting
        if setting.outcome is None and status is not InstanceStatus.CANCELLED:
            return setting
    return None


def start_target_setting(ctx: CommandContext, *, year: int) -> int:
    """Start ``annual_grading_target_setting`` of ``year`` at the company; the setting's id.

    For the company organisation department (and administrators). Refused with ``Conflict`` while
    a setting of the year runs or after one was published; a returned one may be started again.
    Records ``grading_targets_started``.
    """
    require_org_department(
        ctx, _("Only the company organisation department sets the annual targets.")
    )
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            _("Invalid year."), {"year": _("Give a year between 2000 and 2100.")}
        )
    company = get_root(ctx.session)
    if company is None:
        raise NotFound()
    if blocking_setting(ctx.session, year) is not None or company_target(ctx.session, year):
        raise Conflict(
            _(
                "The targets of %(year)d are already being set or have been published.",
                year=year,
            )
        )
    branches = list_branches_under(ctx.session, company)
    if not branches:
        raise ValidationFailed(
            _("There is no branch under this organisation."), {"year": _("No branches.")}
        )
    counts = distribution(current_levels(ctx.session, branches))
    rubric = current_rubric(ctx.session)
    status = distribution_text(len(branches), counts, "全公司")
    data = {
        "target_year": year,
        "company_branches": len(branches),
        **counts,
        "company_status_text": f"{status}现行评分细则：第{rubric.version}版。",
    }
    instance_id = start_instance(
        ctx,
        process_key=COMPANY_PROCESS,
        org_code=company.code,
        business_key=company_business_key(year),
        data=data,
    )
    setting = TargetSetting(
        year=year,
        org_unit_id=company.id,
        instance_id=instance_id,
        started_by_user_id=ctx.actor.user_id,
        started_at=ctx.now,
    )
    ctx.session.add(setting)
    ctx.session.flush()
    ctx.record(
        "grading_targets_started",
        ("grading_target_setting", setting.id),
        org_unit_id=company.id,
        year=year,
        instance_id=instance_id,
        branches=len(branches),
    )
    return setting.id


def start_children(
    ctx: CommandContext, process_key: str, business_key: str, starts: list[tuple[OrgUnit, dict]]
) -> int:
    """Start ``process_key`` at each organisation with its start data; how many were started."""
    for org, data in starts:
        start_instance(
            ctx, process_key=process_key, org_code=org.code, business_key=business_key, data=data
        )
    return len(starts)


# -- reads ---------------------------------------------------------------------------------------


def target_roots(scope: Scope) -> list[str]:
    """Paths whose units the viewer sees targets of: the company's or their own units'. Anyone
    else (branch roles, no role) is told "not found"."""
    roots = dashboard_roots(scope)
    if not roots:
        raise NotFound()
    return roots


def company_target(session: Session, year: int) -> GradingTarget | None:
    company = get_root(session)
    if company is None:
        return None
    return target_of(session, company.id, year)


def target_of(session: Session, org_id: int, year: int) -> GradingTarget | None:
    return session.scalars(
        select(GradingTarget).where(GradingTarget.year == year, GradingTarget.org_unit_id == org_id)
    ).one_or_none()


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
