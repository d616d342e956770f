"""What the ends of the annual dynamic analysis and of a branch's improvement plan record, in the
transaction that completes the instance (service tasks before the end events,
``app.grading.actions``).

* ``annual_dynamic_analysis`` (processes/grading/annual_dynamic_analysis.bpmn) approved by the
  company party committee: the analysis is ``approved``; the 软弱涣散 designations proposed to it
  take effect today (``confirmed``: class C from now until their end date); one
  ``branch_improvement_plan`` starts for every class-C branch of the approved summary. Returned
  (退回): the analysis is ``returned``, the proposals stay open, and the department may start the
  year's analysis again. An instance started by hand, outside ``start_analysis``, carries no
  screening: its end is audited and changes nothing.
* ``branch_improvement_plan`` (processes/grading/branch_improvement_plan.bpmn) verified by the
  unit: the plan's outcome, target and the reviewer's comment are recorded; an improved branch's
  软弱涣散 designation ends today (``lifted``: 整顿转化).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.core.commands import CommandContext
from app.grading.analysis.commands import start_plans
from app.grading.analysis.models import DynamicAnalysis
from app.grading.analysis.models import ImprovementPlan
from app.grading.analysis.models import WeakDesignation
from app.grading.analysis.weak import in_force
from app.workflow.models import ProcessInstance


def apply_analysis_result(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    analysis = ctx.session.scalars(
        select(DynamicAnalysis).where(DynamicAnalysis.instance_id == row.id)
    ).one_or_none()
    if analysis is None:
        ctx.record(
            "dynamic_analysis_unbound",
            ("process_instance", row.id),
            org_unit_id=row.org_unit_id,
            decision=data.get("analysis_decision"),
        )
        return
    analysis.decided_on = ctx.today
    if data.get("analysis_decision") != "approved":
        analysis.status = "returned"
        ctx.session.flush()
        ctx.record(
            "dynamic_analysis_returned",
            ("dynamic_analysis", analysis.id),
            org_unit_id=analysis.scope_org_id,
            year=analysis.year,
            instance_id=row.id,
            opinion=str(data.get("approve_opinion") or ""),
        )
        return
    analysis.status = "approved"
    analysis.decision_no = str(data.get("decision_no") or "")[:100] or None
    confirmed = _confirm_designations(ctx, analysis, data.get("weak_designation_ids") or [])
    plans = start_plans(ctx, analysis, list(data.get("c_branches") or []))
    ctx.record(
        "dynamic_analysis_approved",
        ("dynamic_analysis", analysis.id),
        org_unit_id=analysis.scope_org_id,
        year=analysis.year,
        instance_id=row.id,
        decision_no=analysis.decision_no,
        weak_designation_ids=confirmed,
        plans_started=plans,
    )


def _confirm_designations(
    ctx: CommandContext, analysis: DynamicAnalysis, ids: list[int]
) -> list[int]:
    """The proposals the approved summary listed take effect today."""
    confirmed = []
    for designation in ctx.session.scalars(
        select(WeakDesignation)
        .where(
            WeakDesignation.id.in_([int(i) for i in ids]),
            WeakDesignation.status == "proposed",
            WeakDesignation.year == analysis.year,
        )
        .order_by(WeakDesignation.id)
    ):
        designation.status = "confirmed"
        designation.analysis_id = analysis.id
        designation.confirmed_on = ctx.today
        confirmed.append(designation.id)
    ctx.session.flush()
    return confirmed


def apply_plan_result(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    plan = ctx.session.scalars(
        select(ImprovementPlan).where(ImprovementPlan.instance_id == row.id)
    ).one_or_none()
    if plan is None:  # started by hand by the unit, outside an analysis
        plan = ImprovementPlan(
            analysis_id=None,
            branch_id=row.org_unit_id,
            instance_id=row.id,
            started_at=row.started_at,
        )
        ctx.session.add(plan)
    outcome = data.get("verify_outcome")
    plan.outcome = outcome if outcome in ("improved", "not_improved") else None
    plan.target_class = data.get("target_class")
    plan.target_level = data.get("target_level")
    plan.deadline = _day(data.get("plan_deadline"))
    plan.verified_on = ctx.today
    plan.verify_comment = str(data.get("verify_comment") or "")
    ctx.session.flush()
    lifted = _lift_designation(ctx, row) if plan.outcome == "improved" else None
    ctx.record(
        "improvement_plan_verified",
        ("improvement_plan", plan.id),
        org_unit_id=row.org_unit_id,
        instance_id=row.id,
        analysis_id=plan.analysis_id,
        outcome=plan.outcome,
        target_class=plan.target_class,
        target_level=plan.target_level,
        weak_designation_lifted=lifted,
    )


def _lift_designation(ctx: CommandContext, row: ProcessInstance) -> int | None:
    """An improved branch is no longer 软弱涣散 from today (整顿转化)."""
    designation = in_force(ctx.session, [row.org_unit_id], ctx.today).get(row.org_unit_id)
    if designation is None:
        return None
    designation.status = "lifted"
    designation.ended_on = ctx.today
    designation.ended_by_instance_id = row.id
    ctx.session.flush()
    return designation.id


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
