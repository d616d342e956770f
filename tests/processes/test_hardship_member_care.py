"""困难党员帮扶与党内关怀 through the commands at the demo branch: the organisation member reports a
member's hardship, the committee verifies it, the secretary sets the care plan, the unit approves
the subsidy, the secretary visits, and the committee's yearly review sends the support round again
or ends it. The hardship register's row is the record."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from app.core import clock as app_clock
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task


def _report(demo, beneficiary: int) -> int:
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="hardship_member_care",
        org_code=demo.branch.code,
    )
    report = {
        "beneficiary": beneficiary,
        "hardship_type": "illness",
        "reported_on": "2026-11-20",
        "reported_by": "screening",
        "description": "本人患重病住院，家庭收入减少",
    }
    complete_step(org_member, instance_id, "identify", report)
    return instance_id


def _person_of(actor) -> int:
    return db.session.get(User, actor.user_id).person_id


def _status(instance_id: int) -> InstanceStatus:
    db.session.rollback()
    return db.session.get(ProcessInstance, instance_id).status


def test_a_member_in_hardship_gets_a_plan_a_subsidy_visits_and_a_yearly_review(demo, clock):
    beneficiary = demo.people("members")[-1]
    secretary, committee = demo.holder("branch_secretary"), demo.holder("org_member")
    instance_id = _report(demo, beneficiary)
    verify = open_task(instance_id)
    assert (verify.element_id, verify.candidate_role) == ("verify", "branch_committee")
    verified = {"verified": True, "verify_note": "经走访核实属实"}
    with pytest.raises(Forbidden):  # a plain member does not verify
        complete_step(demo.holder("member"), instance_id, "verify", verified)
    complete_step(committee, instance_id, "verify", verified)

    plan = open_task(instance_id)
    assert (plan.element_id, plan.candidate_role) == ("plan", "branch_secretary")
    measures = [
        {"measure": "书记每月看望一次", "owner": _person_of(secretary), "due": "2026-12-31"}
    ]
    care_plan = {
        "measures": measures,
        "subsidy_needed": True,
        "subsidy_requested": 2000,
        "subsidy_reason": "住院费用负担重",
    }
    with pytest.raises(ValidationFailed) as refused:  # a plan names at least one measure
        complete_step(secretary, instance_id, "plan", care_plan | {"measures": []})
    assert "measures" in refused.value.field_errors
    assert open_task(instance_id).id == plan.id
    complete_step(secretary, instance_id, "plan", care_plan)

    fund = open_task(instance_id)
    assert (fund.element_id, fund.candidate_role) == ("fund_request", "unit_party_committee")
    grant = {
        "subsidy_approved": True,
        "amount": 2000,
        "fund_source": "dues",
        "fund_opinion": "同意",
    }
    complete_step(holder_at("HH01", "unit_party_committee"), instance_id, "fund_request", grant)

    first = {
        "visited_on": "2026-11-23",
        "visit_kind": "hospital",
        "led_by": _person_of(secretary),
        "aid_given": 2000,
        "visit_record": "到医院看望，送去慰问金2000元",
    }
    complete_step(secretary, instance_id, "visit", {"visits": [first]})
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("review", "branch_committee")
    assert review.due_at.astimezone(app_clock.local_zone()).date() == date(2027, 11, 23)

    clock.set(datetime(2027, 11, 20, 2, 0, tzinfo=UTC))
    complete_step(
        committee, instance_id, "review", {"outcome": "continue", "review_note": "仍在治疗"}
    )
    assert open_task(instance_id).element_id == "visit"  # another round of support
    second = first | {"visited_on": "2027-11-20", "visit_kind": "home_visit", "aid_given": 0}
    complete_step(secretary, instance_id, "visit", {"visits": [first, second]})
    review = open_task(instance_id)
    assert review.due_at.astimezone(app_clock.local_zone()).date() == date(2028, 11, 20)
    complete_step(
        committee, instance_id, "review", {"outcome": "resolved", "review_note": "已康复返岗"}
    )
    assert _status(instance_id) is InstanceStatus.COMPLETED

    ledger = all_ledgers()["hardship_register"]
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    cells = dict(zip(table.headings, row.cells, strict=True))
    assert cells["帮扶对象"] == db.session.get(Person, beneficiary).name
    assert cells["困难类型"] == "重病"
    assert "书记每月看望一次" in cells["帮扶措施"]
    assert cells["经费来源"] == "党费"
    assert "2026-11-23" in cells["走访慰问记录"]  # every visit, not only the latest
    assert "2027-11-20" in cells["走访慰问记录"]


def test_hardship_the_committee_does_not_verify_closes_the_case(demo):
    instance_id = _report(demo, demo.people("members")[-1])
    assert open_task(instance_id).element_id == "verify"
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "verify",
        {"verified": False, "verify_note": "家庭收入高于困难标准"},
    )
    assert _status(instance_id) is InstanceStatus.COMPLETED
