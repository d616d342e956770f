"""流动党员管理 through the commands at the demo branch: a member going away for four months is
registered with their activity card, briefed by the secretary, contacted every month while away,
and reports back on return (the task is theirs alone); a member going away for longer at a fixed
place is to transfer their membership instead. The register shows what was recorded."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock as core_clock
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.mobile_records import lapsed_mobile_contacts
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

DEPARTURE = {
    "destination": "塔里木油田 轮南作业区（项目派遣）",
    "receiving_org": "轮南作业区联合党支部",
    "departed_on": "2026-11-30",
    "expected_months": 4,
    "fixed_location": False,
    "contact": "13899990001",
    "card_no": "LD-HH01-2026-003",
}
CONTACT = {
    "contacted_on": "2026-12-20",
    "contact_way": "online",
    "contact_log": "寄送十二月学习资料；参加轮南作业区主题党日；党费已交",
    "dues_paid_until": "2026-12",
    "returned": False,
}


def _start(demo) -> int:
    return run(
        commands.start_instance,
        actor=demo.holder("org_member"),
        process_key="mobile_member_management",
        org_code=demo.branch.code,
    )


def test_a_mobile_member_is_registered_contacted_monthly_and_reports_back(demo, clock):
    org_member, secretary = demo.holder("org_member"), demo.holder("branch_secretary")
    away = demo.holder("member")
    person_id = db.session.get(User, away.user_id).person_id
    outsider = db.session.scalars(
        select(Person.id).where(Person.branch_id != demo.branch.id).limit(1)
    ).one()
    instance_id = _start(demo)
    register = open_task(instance_id)
    assert (register.element_id, register.candidate_role) == ("register_outflow", "org_member")
    with pytest.raises(ValidationFailed) as refused:  # only a member on the branch's rolls
        complete_step(org_member, instance_id, "register_outflow", DEPARTURE | {"person": outsider})
    assert "person" in refused.value.field_errors
    assert open_task(instance_id).id == register.id
    complete_step(org_member, instance_id, "register_outflow", DEPARTURE | {"person": person_id})

    briefing = {
        "briefing": "外出期间遵守纪律，按月交纳党费，参加流入地组织生活",
        "card_issued": True,
    }
    with pytest.raises(Forbidden):  # the secretary's step
        complete_step(org_member, instance_id, "pre_departure_education", briefing)
    complete_step(secretary, instance_id, "pre_departure_education", briefing)

    contact = open_task(instance_id)
    assert (contact.element_id, contact.candidate_role) == ("periodic_contact", "org_member")
    complete_step(org_member, instance_id, "periodic_contact", CONTACT)
    branch_id = demo.branch.id
    assert lapsed_mobile_contacts(db.session, [branch_id], core_clock.now()) == {branch_id: 0}
    clock.set(datetime(2027, 1, 25, 2, 0, tzinfo=UTC))  # a month on, no contact made: lapsed
    assert lapsed_mobile_contacts(db.session, [branch_id], core_clock.now()) == {branch_id: 1}
    clock.set(datetime(2027, 1, 20, 2, 0, tzinfo=UTC))
    again = open_task(instance_id)  # still away: the next month's contact
    assert again.element_id == "periodic_contact"
    assert again.id != contact.id
    complete_step(
        org_member,
        instance_id,
        "periodic_contact",
        CONTACT | {"contacted_on": "2027-01-20", "dues_paid_until": "2027-01", "returned": True},
    )

    report = open_task(instance_id)
    assert report.element_id == "return_report"
    assert report.assignee_user_id == away.user_id  # the member's own task
    returned = {"returned_on": "2027-01-18", "report": "完成轮南项目，参加流入地组织生活4次"}
    with pytest.raises((Forbidden, Conflict)):  # another member cannot take it over
        complete_step(org_member, instance_id, "return_report", returned)
    complete_step(away, instance_id, "return_report", returned)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    table = ledger_table(
        db.session,
        all_ledgers()["mobile_member_register"],
        demo.branch,
        2026,
        core_clock.local_zone(),
        "zh",
    )
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    assert row.cells[1:] == (
        DEPARTURE["destination"],
        DEPARTURE["receiving_org"],
        DEPARTURE["card_no"],
        "2026-11-30",
        "4",
        DEPARTURE["contact"],
        "2027-01-20",  # the latest contact
        "2027-01",
        "2027-01-18",
        "已办结",
    )
    assert row.cells[0] == db.session.get(Person, person_id).name


def test_away_half_a_year_at_a_fixed_place_means_transferring_the_membership(demo):
    person_id = demo.people("members")[0]
    instance_id = _start(demo)
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "register_outflow",
        DEPARTURE | {"person": person_id, "expected_months": 8, "fixed_location": True},
    )
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "pre_departure_education",
        {"briefing": "长期驻外且地点固定，应转移组织关系", "card_issued": False},
    )
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
