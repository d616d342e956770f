"""党务公开 at the demo branch, through the commands: the organisation member proposes, the
discipline member's secrecy check sends it back, the committee approves, the secretary posts it
(the members are told; a day ahead is refused), the views are collected once the posting period is
over, and the disclosure register lists it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core import clock as app_clock
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.notify.models import Notification
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PROPOSAL = {
    "category": "dues",
    "content": "2026年第三季度党费收缴情况：应缴32人，实缴32人，合计4,812.60元，已全额上缴。",
    "scope": "branch",
    "channel": ["board", "online"],
    "period_days": 7,
}


def _start(demo) -> int:
    return run(
        commands.start_instance,
        actor=demo.holder("org_member"),
        process_key="party_affairs_disclosure",
        org_code=demo.branch.code,
    )


def test_a_disclosure_is_checked_approved_posted_and_answered(demo, clock):
    proposer = demo.holder("org_member")
    instance_id = _start(demo)
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("propose", "org_member")
    complete_step(proposer, instance_id, "propose", PROPOSAL)

    # The secrecy check fails: back to the proposer, who is told.
    complete_step(
        demo.holder("discipline_member"),
        instance_id,
        "review",
        {"secrecy_ok": False, "accuracy_ok": True, "review_opinion": "删去个人缴费明细"},
    )
    assert open_task(instance_id).element_id == "propose"
    assert proposer.user_id in told_of_return(instance_id)
    complete_step(proposer, instance_id, "propose", PROPOSAL)

    # Beyond the branch's authority the higher approval must be named.
    complete_step(
        demo.holder("discipline_member"),
        instance_id,
        "review",
        {"secrecy_ok": True, "accuracy_ok": True},
    )
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            demo.holder("branch_committee"),
            instance_id,
            "approve",
            {"approval_decision": "approve", "needs_upper": True},
        )
    assert "upper_approved_by" in refused.value.field_errors
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "approve",
        {"approval_decision": "approve", "needs_upper": False},
    )

    publish = open_task(instance_id)
    assert (publish.element_id, publish.candidate_role) == ("publish", "branch_secretary")
    secretary = demo.holder("branch_secretary")
    today = app_clock.local_today()
    tomorrow = today.fromordinal(today.toordinal() + 1)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            secretary,
            instance_id,
            "publish",
            {"published_on": tomorrow.isoformat(), "published_where": "站务公开栏"},
        )
    assert refused.value.field_errors["published_on"] == "日期不能晚于今天。"
    posted = {"published_on": today.isoformat(), "published_where": "站务公开栏"}
    complete_step(secretary, instance_id, "publish", posted)

    # The branch's members with an account are told.
    db.session.rollback()
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.instance_id == instance_id, Notification.kind == "published"
            )
        )
    )
    members = set(
        db.session.scalars(
            select(User.id)
            .join(Person, Person.id == User.person_id)
            .where(Person.branch_id == demo.branch.id)
        )
    )
    assert told
    assert told == members

    run_once()  # the posting period runs a week: nothing to collect yet
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).next_timer_at is not None
    clock.advance(days=8)
    run_once()
    feedback = open_task(instance_id)
    assert (feedback.element_id, feedback.candidate_role) == ("feedback", "branch_secretary")
    answered = {
        "feedback_received": True,
        "responses": [{"opinion": "建议同时公开党费使用情况", "response": "下季度一并公开"}],
        "feedback_note": "收到意见1条，已答复",
    }
    complete_step(secretary, instance_id, "feedback", answered)
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    ledger = parse_ledger(
        "disclosure_register", (ROOT / "ledgers" / "disclosure_register.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, today.year, app_clock.local_zone(), "zh")
    (row,) = table.rows
    assert row.cells[1] == "党费收缴、使用和管理情况"
    assert "站务公开栏" in row.cells
    assert "收到意见1条，已答复" in row.cells


def test_the_committee_can_send_a_disclosure_back(demo):
    instance_id = _start(demo)
    complete_step(demo.holder("org_member"), instance_id, "propose", PROPOSAL)
    complete_step(
        demo.holder("discipline_member"),
        instance_id,
        "review",
        {"secrecy_ok": True, "accuracy_ok": True},
    )
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "approve",
        {"approval_decision": "return", "needs_upper": False, "approval_opinion": "补充使用情况"},
    )
    assert open_task(instance_id).element_id == "propose"
