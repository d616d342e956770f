"""The annual dynamic analysis (年度动态分析/过筛体检, domain.md §5 G7, §10.2): screen every branch,
classify A/B/C, designate 软弱涣散 branches, and give every class-C branch its 一支部一策 plan.

* the screening itself (``screen``: every branch's level, stars, class, trend, rectifications
  and designation) is in app/grading/analysis/screening.py.
* ``propose_weak`` / ``withdraw_weak``: the company organisation department proposes 软弱涣散
  designations on the analysis page *before* the analysis starts. The forms of a process cannot
  offer a variable list of branches with a reason each (an item list has no organisation column,
  forms/README.md), and a fixed number of optional org slots would cap the designations
  arbitrarily; proposing them here, one command each, keeps every designation validated and
  audited, and the process then confirms the classification that includes them.
* ``start_analysis`` starts ``processes/grading/annual_dynamic_analysis.bpmn`` at the company with
  the screening summary in its start data (class counts, the C-class list as ``{value, label}``),
  once per year: a second start is refused while an analysis of the year runs or was approved
  (one returned by the committee, or cancelled, leaves room for a new start). The proposals are
  frozen while it runs. When the committee approves it, ``analysis_result`` confirms the
  designations and ``start_plans`` starts one ``branch_improvement_plan`` per class-C branch.
"""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import SYSTEM
from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.grading.analysis.models import HOLDING_STATUSES
from app.grading.analysis.models import DynamicAnalysis
from app.grading.analysis.models import ImprovementPlan
from app.grading.analysis.models import WeakDesignation
from app.grading.analysis.screening import WHY_ZH
from app.grading.analysis.screening import Screening
from app.grading.analysis.screening import screen
from app.grading.analysis.weak import in_force
from app.grading.policy import require_org_department
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.queries import get_org_by_code
from app.identity.queries import get_root
from app.levels.queries import units_under
from app.workflow.instances import start_instance
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

PROCESS_KEY = "annual_dynamic_analysis"
PLAN_PROCESS_KEY = "branch_improvement_plan"
#: The steps of ``branch_improvement_plan`` in process order, then the ends.
PLAN_STAGES = ("draft", "approve", "implement", "verify", "completed")
FIRST_YEAR, LAST_YEAR = 2000, 2100
REASON_MAX = 500
#: A designation lasts at most this long: a branch committee's term (domain.md §4).
LONGEST_DESIGNATION = timedelta(days=3 * 366)


def business_key(year: int) -> str:
    return f"{year}年度动态分析"


def plan_business_key(year: int) -> str:
    return f"{year}年度一支部一策"


# -- commands --------------------------------------------------------------------------------------


def _check_year(year: Any, today: date) -> int:
    if (
        not isinstance(year, int)
        or isinstance(year, bool)
        or not FIRST_YEAR <= year <= min(LAST_YEAR, today.year)
    ):
        raise ValidationFailed(
            _("Invalid year."), {"year": _("Give a year between 2000 and this year.")}
        )
    return year


def holding_analysis(session: Session, year: int) -> DynamicAnalysis | None:
    """The analysis of the year that is running or approved (there is at most one)."""
    return session.scalars(
        select(DynamicAnalysis).where(
            DynamicAnalysis.year == year, DynamicAnalysis.status.in_(HOLDING_STATUSES)
        )
    ).first()


def _refuse_if_holding(ctx: CommandContext, year: int, message: str) -> None:
    """Refuse with ``message`` while an analysis of the year runs or was approved. A running
    analysis whose instance an administrator cancelled no longer holds the year."""
    current = holding_analysis(ctx.session, year)
    if current is None:
        return
    instance = ctx.session.get(ProcessInstance, current.instance_id)
    if current.status == "running" and instance.status is InstanceStatus.CANCELLED:
        current.status = "cancelled"
        ctx.session.flush()
        ctx.record(
            "dynamic_analysis_cancelled",
            ("dynamic_analysis", current.id),
            org_unit_id=current.scope_org_id,
            year=year,
            instance_id=current.instance_id,
        )
        return
    raise Conflict(message)


def _read_until(value: Any, today: date) -> tuple[date | None, str | None]:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            return None, _("Give a date (YYYY-MM-DD).")
    if day < today:
        return None, _("The designation cannot end in the past.")
    if day > today + LONGEST_DESIGNATION:
        return None, _("A designation lasts at most three years.")
    return day, None


def propose_weak(
    ctx: CommandContext, *, year: int, branch_code: str, reason: str, valid_until: Any
) -> int:
    """Propose to the ``year``'s analysis that a branch be designated 软弱涣散 until
    ``valid_until``; the new designation's id. Records ``weak_branch_proposed``."""
    require_org_department(
        ctx, _("Only the company organisation department runs the dynamic analysis.")
    )
    year = _check_year(year, ctx.today)
    errors: dict[str, str] = {}
    branch = get_org_by_code(ctx.session, (branch_code or "").strip())
    if branch is None or branch.kind is not OrgKind.BRANCH:
        errors["branch_code"] = _("No party branch has this code.")
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > REASON_MAX or "\x00" in reason:
        errors["reason"] = _("Give the reason in 2 to 500 characters.")
    until, problem = _read_until(valid_until, ctx.today)
    if problem:
        errors["valid_until"] = problem
    if branch is not None and "branch_code" not in errors:
        errors.update(_already_designated(ctx, branch, year))
    if errors:
        raise ValidationFailed(_("The designation was not recorded."), errors)
    _refuse_if_holding(
        ctx,
        year,
        _(
            "The dynamic analysis of %(year)d is under way or approved: "
            "its designations can no longer change.",
            year=year,
        ),
    )
    row = WeakDesignation(
        branch_id=branch.id,
        year=year,
        reason=reason,
        valid_until=until,
        status="proposed",
        designated_by_user_id=ctx.actor.user_id,
        designated_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(
        "weak_branch_proposed",
        ("weak_designation", row.id),
        org_unit_id=branch.id,
        branch_code=branch.code,
        year=year,
        reason=reason,
        valid_until=until.isoformat(),
    )
    return row.id


def _already_designated(ctx: CommandContext, branch: OrgUnit, year: int) -> dict[str, str]:
    proposed = ctx.session.scalars(
        select(WeakDesignation.id).where(
            WeakDesignation.branch_id == branch.id,
            WeakDesignation.year == year,
            WeakDesignation.status == "proposed",
        )
    ).first()
    if proposed is not None:
        return {"branch_code": _("This branch is already proposed.")}
    current = in_force(ctx.session, [branch.id], ctx.today).get(branch.id)
    if current is not None:
        return {
            "branch_code": _(
                "This branch is designated weak and lax until %(day)s already.",
                day=current.valid_until.isoformat(),
            )
        }
    return {}


def withdraw_weak(ctx: CommandContext, *, designation_id: int) -> None:
    """Withdraw a proposal before the analysis starts. Records ``weak_branch_withdrawn``."""
    require_org_department(
        ctx, _("Only the company organisation department runs the dynamic analysis.")
    )
    row = ctx.session.get(WeakDesignation, designation_id)
    if row is None:
        raise NotFound()
    if row.status != "proposed":
        raise Conflict(_("Only a proposed designation can be withdrawn."))
    _refuse_if_holding(
        ctx,
        row.year,
        _(
            "The dynamic analysis of %(year)d is under way or approved: "
            "its designations can no longer change.",
            year=row.year,
        ),
    )
    row.status, row.ended_on = "withdrawn", ctx.today
    ctx.session.flush()
    ctx.record(
        "weak_branch_withdrawn",
        ("weak_designation", row.id),
        org_unit_id=row.branch_id,
        year=row.year,
    )


def start_analysis(ctx: CommandContext, *, year: int) -> int:
    """Screen every branch of the company and start ``annual_dynamic_analysis`` for ``year``; the
    analysis id. Refused with ``Conflict`` while an analysis of the year runs or was approved.
    Records ``dynamic_analysis_started``."""
    require_org_department(
        ctx, _("Only the company organisation department runs the dynamic analysis.")
    )
    year = _check_year(year, ctx.today)
    _refuse_if_holding(
        ctx, year, _("The dynamic analysis of %(year)d was already started.", year=year)
    )
    root = get_root(ctx.session)
    if root is None:
        raise NotFound()
    screening = screen(ctx.session, units_under(ctx.session, [root.path]), year, ctx.today, ctx.now)
    if not screening.rows:
        raise ValidationFailed(_("There is no branch to analyse."), {"year": _("No branches.")})
    data = start_data(screening)
    instance_id = start_instance(
        ctx, process_key=PROCESS_KEY, org_code=root.code, business_key=business_key(year), data=data
    )
    analysis = DynamicAnalysis(
        year=year,
        scope_org_id=root.id,
        instance_id=instance_id,
        status="running",
        summary_json=json.dumps(data, ensure_ascii=False),
        started_by_user_id=ctx.actor.user_id,
        started_at=ctx.now,
    )
    ctx.session.add(analysis)
    ctx.session.flush()
    ctx.record(
        "dynamic_analysis_started",
        ("dynamic_analysis", analysis.id),
        org_unit_id=root.id,
        year=year,
        instance_id=instance_id,
        class_counts=data["class_counts"],
        weak_designation_ids=data["weak_designation_ids"],
    )
    return analysis.id


def start_data(screening: Screening) -> dict[str, Any]:
    """What the analysis starts with: the summary the department confirms and the committee
    approves (the C-class list is the list of plans to start)."""
    counts = screening.counts
    c_rows = screening.at("C")
    return {
        "analysis_year": screening.year,
        "as_of": screening.as_of.isoformat(),
        "branch_count": len(screening.rows),
        "class_counts": counts,
        "weak_count": sum(1 for r in c_rows if r.why == "weak"),
        "c_branches": [
            {
                "value": r.branch.id,
                "label": f"{r.branch.name}（{r.branch.code}）",
                "why": r.why,
                "note": r.note_zh(),
            }
            for r in c_rows
        ],
        "weak_designation_ids": [
            r.weak.id for r in c_rows if r.weak is not None and r.weak.status == "proposed"
        ],
        "screening_summary": summary_zh(screening),
    }


def summary_zh(screening: Screening) -> str:
    """The screening in one paragraph, as the confirmation step shows it."""
    counts = screening.counts
    c_rows = screening.at("C")
    names = "、".join(f"{r.branch.name}（{WHY_ZH[r.why]}）" for r in c_rows) or "无"
    unrated = f"，尚未评定星级{counts['unrated']}个" if counts["unrated"] else ""
    return (
        f"{screening.year}年度过筛体检（截至{screening.as_of.isoformat()}）：共体检党支部"
        f"{len(screening.rows)}个，A类（先进）{counts['A']}个，B类（中间）{counts['B']}个，"
        f"C类（后进）{counts['C']}个{unrated}。C类党支部：{names}。"
    )


# -- the improvement plans (一支部一策), started when the committee approves ----------------------


def _as_system(ctx: CommandContext) -> CommandContext:
    """The same transaction acting as the system: the committee's approval is what authorises the
    plans, and its members hold no role that may start a branch's procedure. Audit events and
    after-commit effects go to the outer command."""
    system = CommandContext(ctx.session, SYSTEM, ctx.now, ctx.command)
    system.events = ctx.events
    system.effects = ctx.effects
    return system


def start_plans(ctx: CommandContext, analysis: DynamicAnalysis, c_branches: list[dict]) -> int:
    """One ``branch_improvement_plan`` per class-C branch of the approved summary; how many."""
    system = _as_system(ctx)
    started = 0
    for entry in c_branches:
        value = entry.get("value")
        branch = ctx.session.get(OrgUnit, value) if isinstance(value, int) else None
        if branch is None or branch.kind is not OrgKind.BRANCH:
            continue  # removed from the tree since the screening
        instance_id = start_instance(
            system,
            process_key=PLAN_PROCESS_KEY,
            org_code=branch.code,
            business_key=plan_business_key(analysis.year),
            data={
                "analysis_year": analysis.year,
                "branch_code": branch.code,
                "branch_name": branch.name,
                "c_reason": entry.get("why"),
                "c_reason_text": entry.get("note") or WHY_ZH.get(entry.get("why"), ""),
            },
        )
        ctx.session.add(
            ImprovementPlan(
                analysis_id=analysis.id,
                branch_id=branch.id,
                instance_id=instance_id,
                reason=entry.get("why"),
                started_at=ctx.now,
            )
        )
        started += 1
    ctx.session.flush()
    return started
