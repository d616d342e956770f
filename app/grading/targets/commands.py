"""Annual grading targets (年度创建目标与计划, domain.md §5 G1): the company sets the year's
targets, each unit breaks them down, each branch declares the level it aims for.

Three processes under processes/grading/ carry it; the engine has no multi-instance, so the fan-out
happens in their service tasks (``target_result``), inside the completing transaction:

* ``annual_grading_target_setting`` at the company, started here (``start_target_setting``) for a
  year: published, it stores the company's target and starts one ``unit_target_breakdown`` per unit;
* ``unit_target_breakdown`` at a unit: approved, it stores the unit's target and starts one
  ``branch_target_declaration`` per branch of the unit;
* ``branch_target_declaration`` at a branch: confirmed, it stores the level the branch declared.

The reads (the years, a year's comparison, the branches behind each number, what a branch
declared) are in ``target_queries``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.policy import require_org_department
from app.grading.rubric.queries import current_rubric
from app.grading.targets.models import GradingTarget
from app.grading.targets.models import TargetSetting
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.queries import get_root
from app.identity.queries import list_branches_under
from app.levels.models import BranchLevel
from app.levels.queries import LEVELS_HIGH_FIRST
from app.levels.queries import RANK
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


# -- reads the commands need --------------------------------------------------------------------


def company_target(session: Session, year: int) -> GradingTarget | None:
    company = get_root(session)
    if company is None:
        return None
    return target_of(session, company.id, year)


def target_of(session: Session, org_id: int, year: int) -> GradingTarget | None:
    return session.scalars(
        select(GradingTarget).where(GradingTarget.year == year, GradingTarget.org_unit_id == org_id)
    ).one_or_none()
