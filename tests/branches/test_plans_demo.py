"""The demo history's annual plan and disclosures at the showcase branch (app/demo/plans.py): the
plan quotes the target declared in January, was adopted, filed and reviewed at mid-year, and
waits for the year-end summary; three quarters' disclosures are done and one waits for its check."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.grading.targets.queries import declared_target
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers


def _instances(demo_year, key: str) -> list[ProcessInstance]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.process_key == key,
                ProcessInstance.org_unit_id == demo_year.branch.id,
            )
        )
    )


def test_the_plan_runs_the_year_and_the_disclosures_come_each_quarter(demo_year):
    (plan,) = _instances(demo_year, "annual_work_plan_and_summary")
    answers = earlier_answers(db.session, plan.id)
    assert answers["target_level"] == declared_target(db.session, demo_year.branch.id, 2026)
    assert answers["filing_decision"] == "filed"
    assert answers["midyear_summary"]
    assert plan.status is InstanceStatus.RUNNING
    assert plan.next_timer_at is not None  # the year-end summary comes on 1 December

    disclosures = _instances(demo_year, "party_affairs_disclosure")
    assert Counter(d.status for d in disclosures) == {
        InstanceStatus.COMPLETED: 3,
        InstanceStatus.RUNNING: 1,
    }
    (waiting,) = [d for d in disclosures if d.status is InstanceStatus.RUNNING]
    task = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == waiting.id, HumanTask.state == HumanTaskState.READY
        )
    ).one()
    assert (task.element_id, task.candidate_role) == ("review", "discipline_member")
