"""组织关系转接 from start to end through the commands: a member of HH01-01 (第一采油厂) transferred to
a branch of another unit (HH02). The person stays on the old branch's rolls, with their roles, until
the receiving branch's secretary confirms the 报到; then they move and their roles at the old branch
end. Refusals (the same branch, a unit instead of a branch, a person of another branch, a letter
valid too long, a step taken by the wrong branch) change nothing; the transfer register shows what
the steps recorded; an expired letter is followed up and counts for C09."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.auditing.replay import replay_instance
from app.core import clock as core_clock
from app.core.audit import verify_chain
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.members import branch_on
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.transfers import check_letter
from app.members.transfers import overdue_transfers
from app.members.transfers import transfer_key
from app.worker import run_once
from app.workflow import commands
from app.workflow.form_options import instance_data
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import log_in
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_party_dues import _disclose
from tests.processes.test_party_dues import _remit
from tests.processes.test_party_dues import _round

RECEIVING = "HH02-01"
REQUEST = {
    "reason": "job_change",
    "destination": "第二采油厂 HH02-01 党支部",
    "to_branch": RECEIVING,
    "requested_on": "2026-11-23",
}
LETTER = {
    "letter_no": "HH01-2026-017",
    "issued_on": "2026-11-23",
    "valid_until": "2027-01-20",
    "channel": "online",
}


def _org(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _person_of(actor) -> Person:
    return db.session.get(Person, db.session.get(User, actor.user_id).person_id)


def _in_instance(out_id: int) -> ProcessInstance:
    db.session.rollback()
    return db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.business_key == transfer_key(out_id))
    ).one()


def _active_roles(user_id: int, org_id: int, day: date) -> list[str]:
    return sorted(
        db.session.scalars(
            select(RoleAssignment.role_code).where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.org_unit_id == org_id,
                RoleAssignment.valid_from <= day,
                (RoleAssignment.valid_to.is_(None)) | (RoleAssignment.valid_to >= day),
            )
        )
    )


def _start_and_issue(demo, person_id: int, letter: dict) -> int:
    org_member = demo.holder("org_member")
    out_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="membership_transfer_out",
        org_code=demo.branch.code,
    )
    complete_step(org_member, out_id, "request", REQUEST | {"person": person_id})
    complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-11"})
    complete_step(holder_at("HH01", "unit_org_reviewer"), out_id, "issue_letter", letter)
    return out_id


def _task_page(app, actor, task_id: int) -> str:
    """The task page as ``actor`` sees it (each actor in a client of their own)."""
    client = app.test_client()
    assert log_in(client, actor.login, "demo123456").status_code == 302
    page = client.get(f"/inbox/tasks/{task_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_member_moves_to_another_units_branch_only_when_it_confirms_the_registration(
    demo, clock, app
):
    org_member = demo.holder("org_member")
    leaving = demo.holder("propaganda_member")  # a committee member: their role must end
    person = _person_of(leaving)
    old, new = demo.branch, _org(RECEIVING)
    old_code, person_id = old.code, person.id
    assert old.parent_id != new.parent_id
    assert new.code.startswith("HH02")
    today = date(2026, 11, 23)
    roles_before = _active_roles(leaving.user_id, old.id, today)
    assert "propaganda_member" in roles_before

    out_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="membership_transfer_out",
        org_code=old.code,
    )
    request = open_task(out_id)
    assert (request.element_id, request.candidate_role) == ("request", "org_member")
    assert "接收党支部代码" in _task_page(app, org_member, request.id)
    outsider = db.session.scalars(select(Person.id).where(Person.branch_id == new.id)).first()
    refusals = [
        (REQUEST | {"person": person.id, "to_branch": old.code}, "to_branch"),  # same branch
        (REQUEST | {"person": person.id, "to_branch": "HH02"}, "to_branch"),  # a unit
        (REQUEST | {"person": person.id, "to_branch": "XX99-99"}, "to_branch"),  # nothing
        (REQUEST | {"person": outsider}, "person"),  # not on this branch's rolls
        (REQUEST | {"person": person.id, "requested_on": "2026-12-01"}, "requested_on"),
    ]
    for answers, field in refusals:
        with pytest.raises(ValidationFailed) as refused:
            complete_step(org_member, out_id, "request", answers)
        assert field in refused.value.field_errors
        assert open_task(out_id).id == request.id  # nothing changed
    complete_step(org_member, out_id, "request", REQUEST | {"person": person.id})
    with pytest.raises(ValidationFailed) as refused:  # dues paid up to the month of the transfer
        complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-10"})
    assert "dues_paid_until" in refused.value.field_errors
    assert open_task(out_id).element_id == "branch_check"
    complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-11"})

    letter_task = open_task(out_id)
    assert (letter_task.element_id, letter_task.candidate_role) == (
        "issue_letter",
        "unit_org_reviewer",
    )
    reviewer = holder_at("HH01", "unit_org_reviewer")
    with pytest.raises(ValidationFailed) as refused:  # a letter is valid for 3 months at most
        complete_step(reviewer, out_id, "issue_letter", LETTER | {"valid_until": "2027-03-01"})
    assert "valid_until" in refused.value.field_errors
    assert open_task(out_id).id == letter_task.id
    complete_step(reviewer, out_id, "issue_letter", LETTER)
    second = run(
        commands.start_instance,
        actor=org_member,
        process_key="membership_transfer_out",
        org_code=old.code,
    )
    with pytest.raises(ValidationFailed) as refused:  # one transfer of a person at a time
        complete_step(org_member, second, "request", REQUEST | {"person": person.id})
    assert "person" in refused.value.field_errors
    assert open_task(second).element_id == "request"

    # The letter reaches the receiving branch: the member is still on the old rolls.
    incoming = _in_instance(out_id)
    incoming_id = incoming.id
    assert incoming.org_unit_id == new.id
    assert incoming.status is InstanceStatus.RUNNING
    receive = open_task(incoming_id)
    assert (receive.element_id, receive.candidate_role) == ("receive", "unit_org_reviewer")
    with pytest.raises((Forbidden, NotFound)):  # the sending unit's reviewer has no say here
        complete_step(reviewer, incoming_id, "receive", {"letter_no": LETTER["letter_no"]})
    receiving_reviewer = holder_at("HH02", "unit_org_reviewer")
    assert LETTER["letter_no"] in _task_page(app, receiving_reviewer, receive.id)  # prefilled
    complete_step(
        receiving_reviewer,
        incoming_id,
        "receive",
        {"letter_no": LETTER["letter_no"], "letter_checked": True, "dossier_checked": True},
    )
    report = open_task(incoming_id)
    assert (report.element_id, report.candidate_role) == ("report_in", "branch_secretary")
    # due within the letter's validity: by the end of its last day, Beijing time
    assert report.due_at.replace(tzinfo=UTC) == datetime(2027, 1, 20, 15, 59, 59, tzinfo=UTC)
    db.session.refresh(person)
    assert person.branch_id == old.id
    assert branch_on(db.session, person, today) == old.id
    assert _active_roles(leaving.user_id, old.id, today) == roles_before
    with pytest.raises((Forbidden, NotFound)):  # the old branch cannot confirm it
        complete_step(
            demo.holder("branch_secretary"), incoming_id, "report_in", {"reported_at": "2026-11-23"}
        )
    db.session.refresh(person)
    assert person.branch_id == old.id  # nothing changed

    # The receiving branch confirms the 报到: now, and only now, the person moves.
    secretary = holder_at(RECEIVING, "branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # not before the letter was issued
        complete_step(secretary, incoming_id, "report_in", {"reported_at": "2026-11-20"})
    assert "reported_at" in refused.value.field_errors
    assert open_task(incoming_id).element_id == "report_in"
    assert db.session.get(Person, person_id).branch_id == old.id  # nothing changed
    complete_step(secretary, incoming_id, "report_in", {"reported_at": "2026-11-23"})
    db.session.rollback()
    person = db.session.get(Person, person.id)
    assert person.branch_id == new.id
    assert branch_on(db.session, person, today) == new.id
    assert branch_on(db.session, person, date(2026, 11, 22)) == old.id
    assert _active_roles(leaving.user_id, old.id, today) == []  # the old role ended
    assert _active_roles(leaving.user_id, old.id, date(2026, 11, 22)) == roles_before

    talk = open_task(incoming_id)
    assert (talk.element_id, talk.candidate_role) == ("welcome_talk", "branch_secretary")
    complete_step(
        secretary,
        incoming_id,
        "welcome_talk",
        {
            "held_on": "2026-11-23",
            "talker": _person_of(secretary).id,
            "talk_partner": person_id,
            "talk_summary": "了解工作调动后的思想和工作情况，提出要求",
        },
    )
    group = db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == new.id)).first()
    assert "党小组" in _task_page(app, secretary, open_task(incoming_id).id)
    other_group = db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == old.id)).first()
    with pytest.raises(ValidationFailed) as refused:  # a group of this branch only
        complete_step(
            secretary, incoming_id, "assign_group", {"party_group": other_group, "dues_base": 6200}
        )
    assert "party_group" in refused.value.field_errors
    assert db.session.get(Person, person_id).party_group_id is None
    complete_step(secretary, incoming_id, "assign_group", {"party_group": group, "dues_base": 6200})
    assert db.session.get(Person, person_id).party_group_id == group
    complete_step(
        receiving_reviewer, incoming_id, "return_receipt", {"receipt_sent_at": "2026-11-24"}
    )
    assert db.session.get(ProcessInstance, incoming_id).status is InstanceStatus.COMPLETED

    # The out process waits for the letter's validity, then reads the receipt and closes.
    out = db.session.get(ProcessInstance, out_id)
    assert out.status is InstanceStatus.RUNNING
    assert out.next_timer_at == datetime(2027, 1, 20, 15, 59, 59, tzinfo=UTC)
    clock.set(out.next_timer_at)
    clock.advance(seconds=1)
    assert run_once().timers_fired >= 1
    db.session.rollback()
    assert db.session.get(ProcessInstance, out_id).status is InstanceStatus.COMPLETED
    assert overdue_transfers(db.session, [old.id, new.id], 2027) == {old.id: 0, new.id: 0}
    assert verify_chain_ok()
    _assert_replays(out_id, incoming_id)  # the auditor's replay re-derives every stored state

    # The register of each branch shows the transfer as its steps recorded it.
    person_name, old, new = person_name_of(person_id), _org(old_code), _org(RECEIVING)
    ledger = all_ledgers()["transfer_register"]
    zone = core_clock.local_zone()
    sent = ledger_table(db.session, ledger, old, 2026, zone, "zh")
    (row,) = [r for r in sent.rows if r.instance_id == out_id]
    assert row.cells[1:9] == (
        person_name,
        REQUEST["destination"],
        "HH01-2026-017",
        "2026-11-23",
        "2027-01-20",
        "2026-11",
        "",
        "",
    )
    received = ledger_table(db.session, ledger, new, 2026, zone, "zh")
    (row,) = [r for r in received.rows if r.instance_id == incoming_id]
    assert row.cells[1:9] == (
        person_name,
        old.name,
        "HH01-2026-017",
        "2026-11-23",
        "2027-01-20",
        "2026-11",
        "2026-11-23",
        "2026-11-24",
    )


def person_name_of(person_id: int) -> str:
    return db.session.get(Person, person_id).name


def _assert_replays(*instance_ids: int) -> None:
    db.session.commit()
    for instance_id in instance_ids:
        result = replay_instance(db.session, instance_id)
        assert (result.diverged_at, result.not_replayable) == (None, None), result


def verify_chain_ok() -> bool:
    return verify_chain(db.session).ok


def test_an_expired_letter_is_followed_up_reissued_and_counted_overdue(demo, clock):
    person = demo.holder("member")
    person_id = _person_of(person).id
    out_id = _start_and_issue(
        demo, person_id, LETTER | {"issued_on": "2026-11-23", "valid_until": "2026-12-10"}
    )
    branch_id = demo.branch.id
    assert overdue_transfers(db.session, [branch_id], 2026) == {branch_id: 0}

    clock.set(datetime(2026, 12, 11, 2, 0, tzinfo=UTC))
    assert run_once().timers_fired >= 1
    follow_up = open_task(out_id)
    assert (follow_up.element_id, follow_up.candidate_role) == (
        "overdue_follow_up",
        "branch_secretary",
    )
    other = _org("HH01-02").id  # every branch asked for is answered, with 0 where none
    assert overdue_transfers(db.session, [branch_id, other], 2026) == {branch_id: 1, other: 0}
    assert overdue_transfers(db.session, [], 2026) == {}
    db.session.rollback()
    assert db.session.get(Person, person_id).branch_id == branch_id  # still ours

    secretary = demo.holder("branch_secretary")
    complete_step(
        secretary,
        out_id,
        "overdue_follow_up",
        {"follow_up_action": "reissue", "contact_note": "电话联系，党员因出差未能报到"},
    )
    reviewer = holder_at("HH01", "unit_org_reviewer")
    reissue = open_task(out_id)
    assert reissue.element_id == "reissue_letter"
    with pytest.raises(ValidationFailed):
        complete_step(
            reviewer,
            out_id,
            "reissue_letter",
            LETTER | {"issued_on": "2026-12-11", "valid_until": "2026-12-01"},
        )
    complete_step(
        reviewer,
        out_id,
        "reissue_letter",
        LETTER
        | {"letter_no": "HH01-2026-021", "issued_on": "2026-12-11", "valid_until": "2027-01-10"},
    )
    out = db.session.get(ProcessInstance, out_id)
    assert out.next_timer_at == datetime(2027, 1, 10, 15, 59, 59, tzinfo=UTC)
    # Still counted once, in the year of the first letter.
    assert overdue_transfers(db.session, [branch_id], 2026) == {branch_id: 1}
    assert overdue_transfers(db.session, [branch_id], 2027) == {branch_id: 0}
    _assert_replays(out_id)


def test_a_letter_is_valid_for_three_calendar_months_at_most(app):
    check_letter({"issued_on": "2026-11-30", "valid_until": "2027-02-28"})  # February is short
    with pytest.raises(ValidationFailed):
        check_letter({"issued_on": "2026-11-30", "valid_until": "2027-03-01"})
    with pytest.raises(ValidationFailed):
        check_letter({"issued_on": "2026-11-30", "valid_until": "2026-11-29"})


def test_a_member_who_never_registers_is_searched_for_at_the_sending_branch(demo, clock, app):
    person_id = _person_of(demo.holder("member")).id
    letter = LETTER | {"issued_on": "2026-11-23", "valid_until": "2026-12-10"}
    out_id = _start_and_issue(demo, person_id, letter)
    clock.set(datetime(2026, 12, 11, 2, 0, tzinfo=UTC))
    assert run_once().timers_fired >= 1
    follow_up = {"follow_up_action": "lost_contact", "contact_note": "电话停机，家属不知去向"}
    complete_step(demo.holder("branch_secretary"), out_id, "overdue_follow_up", follow_up)
    db.session.rollback()
    assert db.session.get(ProcessInstance, out_id).status is InstanceStatus.COMPLETED

    case = db.session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_key == "lost_contact_member_handling",
            ProcessInstance.org_unit_id == demo.branch.id,
        )
    ).one()
    assert case.status is InstanceStatus.RUNNING
    started = instance_data(db.session, case.id)
    assert (started["member"], started["last_contact_at"]) == (person_id, "2026-11-23")
    report = open_task(case.id)
    assert (report.element_id, report.candidate_role) == ("report", "org_member")
    page = _task_page(app, demo.holder("org_member"), report.id)
    assert 'value="2026-11-23"' in page  # the last contact, prefilled
    assert person_name_of(person_id) in page
    _assert_replays(out_id)


def test_the_branch_check_starts_from_the_dues_register_and_may_be_changed(demo, app):
    person_id = _person_of(demo.holder("member")).id
    org_member = demo.holder("org_member")

    def requested(person: int) -> int:
        out_id = run(
            commands.start_instance,
            actor=org_member,
            process_key="membership_transfer_out",
            org_code=demo.branch.code,
        )
        complete_step(org_member, out_id, "request", REQUEST | {"person": person})
        return out_id

    def typed_in(page: str) -> str:
        (field,) = re.findall(r'<input[^>]*name="dues_paid_until"[^>]*>', page)
        return re.search(r'value="([^"]*)"', field).group(1) if "value=" in field else ""

    other = _person_of(demo.holder("probationary_member")).id
    before = requested(other)  # no round recorded yet: nothing to start from
    assert typed_in(_task_page(app, org_member, open_task(before).id)) == ""

    _disclose(demo, demo.people("members", date(2026, 11, 23)))
    _remit(demo, _round(demo, "2026-10", unpaid=set()))
    _remit(demo, _round(demo, "2026-11", unpaid={person_id}))  # November not paid yet
    out_id = requested(person_id)
    check = open_task(out_id)
    assert check.element_id == "branch_check"
    assert typed_in(_task_page(app, org_member, check.id)) == "2026-10"
    with pytest.raises(ValidationFailed):  # as recorded: not paid up to the transfer's month
        complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-10"})
    # Paid at the branch today, before the register is updated: the check types it.
    complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-11"})
    assert open_task(out_id).element_id == "issue_letter"
