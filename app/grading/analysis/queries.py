"""Reads of the annual dynamic analysis: the analyses of a year, the improvement plans and the
软弱涣散 designations a reader sees."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.analysis.models import DynamicAnalysis
from app.grading.analysis.models import ImprovementPlan
from app.grading.analysis.models import WeakDesignation
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance


@dataclass(frozen=True)
class AnalysisRow:
    analysis: DynamicAnalysis
    started_by: str | None
    instance_status: InstanceStatus
    plans: int

    @property
    def status(self) -> str:
        """The stored status, "cancelled" for a running analysis whose instance was cancelled."""
        running = self.analysis.status == "running"
        if running and self.instance_status is InstanceStatus.CANCELLED:
            return "cancelled"
        return self.analysis.status

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads(self.analysis.summary_json)


def list_analyses(session: Session, year: int | None = None) -> list[AnalysisRow]:
    """Every analysis (of ``year``), newest first."""
    query = (
        select(DynamicAnalysis, User.display_name, ProcessInstance.status)
        .join(ProcessInstance, ProcessInstance.id == DynamicAnalysis.instance_id)
        .outerjoin(User, User.id == DynamicAnalysis.started_by_user_id)
        .order_by(DynamicAnalysis.year.desc(), DynamicAnalysis.id.desc())
    )
    if year is not None:
        query = query.where(DynamicAnalysis.year == year)
    plans = Counter(session.scalars(select(ImprovementPlan.analysis_id)))
    return [
        AnalysisRow(analysis, who, status, plans[analysis.id])
        for analysis, who, status in session.execute(query)
    ]


@dataclass(frozen=True)
class PlanRow:
    plan: ImprovementPlan
    branch: OrgUnit
    instance: ProcessInstance
    stage: str


def plans_of(session: Session, analysis_id: int, roots: list[str]) -> list[PlanRow]:
    """The analysis's plans of branches under these paths, with the stage each stands at."""
    rows = session.execute(
        select(ImprovementPlan, OrgUnit, ProcessInstance)
        .join(OrgUnit, OrgUnit.id == ImprovementPlan.branch_id)
        .join(ProcessInstance, ProcessInstance.id == ImprovementPlan.instance_id)
        .where(ImprovementPlan.analysis_id == analysis_id)
        .order_by(OrgUnit.path)
    ).all()
    shown = [r for r in rows if any(r[1].path.startswith(root) for root in roots)]
    open_steps = dict(
        session.execute(
            select(HumanTask.instance_id, HumanTask.element_id).where(
                HumanTask.instance_id.in_([r[2].id for r in shown]),
                HumanTask.state == HumanTaskState.READY,
            )
        ).all()
    )
    return [
        PlanRow(plan, branch, instance, _plan_stage(instance, open_steps.get(instance.id)))
        for plan, branch, instance in shown
    ]


def _plan_stage(instance: ProcessInstance, open_step: str | None) -> str:
    if instance.status is InstanceStatus.COMPLETED:
        return "completed"
    if instance.status is InstanceStatus.CANCELLED:
        return "cancelled"
    if instance.open_incidents:
        return "incident"
    return open_step or "other"


@dataclass(frozen=True)
class DesignationRow:
    designation: WeakDesignation
    branch: OrgUnit
    designated_by: str | None


def designations_of(session: Session, year: int, roots: list[str]) -> list[DesignationRow]:
    """The designations proposed to the year's analysis (withdrawn ones included), of branches
    under these paths, by branch code."""
    rows = session.execute(
        select(WeakDesignation, OrgUnit, User.display_name)
        .join(OrgUnit, OrgUnit.id == WeakDesignation.branch_id)
        .outerjoin(User, User.id == WeakDesignation.designated_by_user_id)
        .where(WeakDesignation.year == year)
        .order_by(OrgUnit.code, WeakDesignation.id)
    ).all()
    return [
        DesignationRow(d, branch, who)
        for d, branch, who in rows
        if any(branch.path.startswith(root) for root in roots)
    ]
