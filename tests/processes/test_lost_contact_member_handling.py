"""失联党员查找与党籍处理 through the commands at the demo branch: the organisation member reports a
member out of contact and records each search; the committee may propose suspension only after six
months (refused before, naming the rule and the day), the unit decides it and the person's status
changes; a member found during the suspension is restored, one still lost after two years is
removed. The register's rows are the records; C09 counts cases not searched for in time."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock as app_clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.lost_contact import unsought_lost_contacts
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task

ATTEMPTS = [
    {"tried_on": "2026-09-10", "means": "phone", "contacted": "本人手机", "result": "停机"},
    {"tried_on": "2026-09-20", "means": "family", "contacted": "其母", "result": "不知去向"},
]


def _lost_member(demo) -> int:
    """A full member of the branch who holds no committee post."""
    committee = set(demo.people("committee"))
    return [p for p in demo.people("full_members") if p not in committee][-1]


def _report(demo, member: int, last_contact: str) -> int:
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="lost_contact_member_handling",
        org_code=demo.branch.code,
    )
    report = {
        "member": member,
        "last_contact_at": last_contact,
        "signs": ["no_contact", "no_dues"],
        "circumstances": "外出务工后长期无法联系，未交党费",
    }
    complete_step(org_member, instance_id, "report", report)
    return instance_id


def _not_found(demo, instance_id: int, attempts=ATTEMPTS) -> None:
    complete_step(
        demo.holder("org_member"), instance_id, "search", {"attempts": attempts, "found": False}
    )


def _status(person_id: int) -> PartyStatus:
    db.session.rollback()
    return db.session.get(Person, person_id).party_status


def test_suspension_is_refused_before_six_months_then_decided_and_the_member_restored(demo, clock):
    member = _lost_member(demo)
    committee = demo.holder("org_member")
    unit = holder_at("HH01", "unit_party_committee")
    instance_id = _report(demo, member, "2026-08-01")
    search = open_task(instance_id)
    assert (search.element_id, search.candidate_role) == ("search", "org_member")
    with pytest.raises(Forbidden):  # a plain member does not record the search
        complete_step(demo.holder("member"), instance_id, "search", {"attempts": ATTEMPTS})
    _not_found(demo, instance_id)

    decide = open_task(instance_id)
    assert (decide.element_id, decide.candidate_role) == ("decide_suspension", "branch_committee")
    proposal = {"lost_since": "2026-08-01", "proposal": "suspend", "opinion": "查找无果"}
    with pytest.raises(ValidationFailed) as refused:  # only three months and a half
        complete_step(committee, instance_id, "decide_suspension", proposal)
    message = refused.value.field_errors["proposal"]
    assert "第二十四条" in message
    assert "2027-02-01" in message
    assert open_task(instance_id).id == decide.id  # nothing changed
    assert _status(member) is PartyStatus.FULL

    # The committee keeps searching; the earlier attempts are kept and new ones added.
    complete_step(
        committee, instance_id, "decide_suspension", proposal | {"proposal": "continue_search"}
    )
    assert open_task(instance_id).element_id == "search"
    clock.set(datetime(2027, 2, 2, 2, 0, tzinfo=UTC))
    more = [*ATTEMPTS, {"tried_on": "2027-01-15", "means": "police", "result": "户籍地无此人消息"}]
    _not_found(demo, instance_id, more)
    complete_step(committee, instance_id, "decide_suspension", proposal)  # six months have passed

    approve = open_task(instance_id)
    assert (approve.element_id, approve.candidate_role) == (
        "approve_suspension",
        "unit_party_committee",
    )
    with pytest.raises(Forbidden):  # the branch does not decide its own suspension
        complete_step(demo.holder("branch_secretary"), instance_id, "approve_suspension", {})
    decision = {
        "approved": True,
        "decided_at": "2027-02-02",
        "decision_no": "采油一党字〔2027〕3号",
    }
    complete_step(unit, instance_id, "approve_suspension", decision | {"opinion": "同意"})
    assert _status(member) is PartyStatus.SUSPENDED

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("review", "branch_committee")
    assert review.due_at.astimezone(app_clock.local_zone()).date() == date(2029, 2, 2)
    with pytest.raises(ValidationFailed) as refused:  # removal waits two years
        complete_step(
            committee, instance_id, "review", {"outcome": "remove", "review_note": "仍无消息"}
        )
    assert "2029-02-02" in refused.value.field_errors["outcome"]
    assert open_task(instance_id).id == review.id

    clock.set(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    found = {"outcome": "restore", "restored_contact_on": "2027-02-25", "review_note": "本人返回"}
    complete_step(committee, instance_id, "review", found)
    approval = {
        "outcome_approved": True,
        "outcome_decided_at": "2027-03-01",
        "outcome_decision_no": "采油一党字〔2027〕9号",
        "outcome_opinion": "同意恢复党籍",
    }
    complete_step(unit, instance_id, "approve_outcome", approval)
    assert _status(member) is PartyStatus.FULL
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    changes = db.session.scalars(
        select(PartyStatusChange).where(PartyStatusChange.instance_id == instance_id)
    ).all()
    assert [(c.to_status, c.effective_on) for c in changes] == [
        (PartyStatus.SUSPENDED, date(2027, 2, 2)),
        (PartyStatus.FULL, date(2027, 3, 1)),
    ]

    ledger = all_ledgers()["lost_contact_register"]
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    cells = dict(zip(table.headings, row.cells, strict=True))
    assert cells["失联党员"] == db.session.get(Person, member).name
    assert cells["最后联系日期"] == "2026-08-01"
    assert "户籍地无此人消息" in cells["查找记录"]
    assert "停机" in cells["查找记录"]
    assert cells["决定文号"] == "采油一党字〔2027〕3号"
    assert cells["停止党籍日期"] == "2027-02-02"


def test_a_member_still_lost_two_years_after_suspension_is_removed(demo, clock):
    member = _lost_member(demo)
    committee, unit = demo.holder("org_member"), holder_at("HH01", "unit_party_committee")
    instance_id = _report(demo, member, "2026-01-10")  # more than six months ago
    _not_found(demo, instance_id)
    complete_step(
        committee,
        instance_id,
        "decide_suspension",
        {"lost_since": "2026-01-10", "proposal": "suspend", "opinion": "失联10个月，查找无果"},
    )
    complete_step(
        unit,
        instance_id,
        "approve_suspension",
        {"approved": True, "decided_at": "2026-11-23", "decision_no": "采油一党字〔2026〕40号"}
        | {"opinion": "同意"},
    )
    clock.set(datetime(2028, 11, 24, 2, 0, tzinfo=UTC))
    complete_step(
        committee, instance_id, "review", {"outcome": "remove", "review_note": "仍无法取得联系"}
    )
    refusal = {"outcome_approved": False, "outcome_opinion": "补充查找材料后再报"}
    complete_step(unit, instance_id, "approve_outcome", refusal)
    assert open_task(instance_id).element_id == "review"  # back to the branch
    assert _status(member) is PartyStatus.SUSPENDED
    complete_step(
        committee, instance_id, "review", {"outcome": "remove", "review_note": "补充查找仍无果"}
    )
    complete_step(
        unit,
        instance_id,
        "approve_outcome",
        {
            "outcome_approved": True,
            "outcome_decided_at": "2028-11-24",
            "outcome_decision_no": "采油一党字〔2028〕51号",
            "outcome_opinion": "同意按自行脱党除名",
        },
    )
    assert _status(member) is PartyStatus.REMOVED
    assert member not in demo.people("members", day=date(2028, 11, 24))


def test_a_member_found_in_the_search_closes_the_case_without_a_status_change(demo):
    member = _lost_member(demo)
    instance_id = _report(demo, member, "2026-10-01")
    found = {"attempts": ATTEMPTS[:1], "found": True, "found_on": "2026-11-20"}
    complete_step(
        demo.holder("org_member"), instance_id, "search", found | {"found_note": "已回电"}
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert _status(member) is PartyStatus.FULL


def test_c09_counts_the_cases_whose_search_was_not_done_in_time(demo, clock):
    branch = demo.branch.id
    late = _report(demo, _lost_member(demo), "2026-08-01")
    in_time = _report(demo, demo.people("full_members")[0], "2026-08-01")
    withdrawn = _report(demo, demo.people("full_members")[1], "2026-08-01")
    _not_found(demo, in_time)
    assert unsought_lost_contacts(db.session, [branch], 2026) == {branch: 0}  # not yet due
    clock.set(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))  # the search was due on 23 December
    assert unsought_lost_contacts(db.session, [branch], 2026) == {branch: 2}
    # A case reported by mistake and cancelled by a manager is no case.
    run(commands.cancel_instance, actor=SYSTEM, instance_id=withdrawn, reason="误报，本人已联系")
    assert unsought_lost_contacts(db.session, [branch], 2026) == {branch: 1}
    _not_found(demo, late)  # searched at last, too late: it still counts for 2026
    assert unsought_lost_contacts(db.session, [branch, branch + 1], 2026) == {
        branch: 1,
        branch + 1: 0,
    }
    assert unsought_lost_contacts(db.session, [branch], 2027) == {branch: 0}
    # The same member reported twice by mistake, neither searched for: one member.
    _report(demo, demo.people("full_members")[2], "2026-08-01")
    _report(demo, demo.people("full_members")[2], "2026-08-01")
    clock.set(datetime(2027, 1, 30, 2, 0, tzinfo=UTC))
    assert unsought_lost_contacts(db.session, [branch], 2027) == {branch: 1}


def test_only_a_full_member_is_reported_lost_and_the_refused_report_changes_nothing(demo):
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="lost_contact_member_handling",
        org_code=demo.branch.code,
    )
    probationary = demo.people("probationary")[0]
    report = {
        "member": probationary,
        "last_contact_at": "2026-05-01",
        "signs": ["no_contact"],
        "circumstances": "长期无法联系",
    }
    with pytest.raises(ValidationFailed) as refused:  # probation is cancelled, not suspended
        complete_step(org_member, instance_id, "report", report)
    assert "member" in refused.value.field_errors
    assert open_task(instance_id).element_id == "report"


def test_the_search_goes_on_from_the_attempts_already_recorded(demo, client, login, app):
    org_member = demo.holder("org_member")
    instance_id = _report(demo, _lost_member(demo), "2026-10-01")
    _not_found(demo, instance_id)
    proposal = {"lost_since": "2026-10-01", "proposal": "continue_search", "opinion": "继续查找"}
    complete_step(org_member, instance_id, "decide_suspension", proposal)
    login(org_member.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert 'value="停机"' in page  # the first round's attempts, to add the new ones below
    assert 'value="不知去向"' in page
