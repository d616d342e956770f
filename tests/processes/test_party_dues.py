"""党费: the yearly base sheet and the monthly rounds through the commands at the demo branch. The
dues clerk collects the bases, the system computes the dues by the ratios, the committee confirms
(returning the sheet once; a typed amount off the ratios is refused), the secretary publishes it;
a round starts from the published sheet, refuses lines that change it or miss a member, and a
member 6 months unpaid goes to the branch committee. C09 loses 0.5 per member 3 months behind;
the ledger rows are the recorded lines."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.auditing.replay import replay_instance
from app.core import clock as app_clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.cycle.organisational_life import months_without_life
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.meetings.commands import check_meeting_schedule
from app.members import dues_records
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.form_options import instance_data
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import holder_at
from tests.plugins.demo import missed_procedures
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return
from tests.plugins.demo import without_branch_names

TODAY = date(2026, 11, 23)
BASES = ((3000, "in_service"), (3000.01, "in_service"), (6000, "retired"), (0, "student"))
# (amount due, rate) the ratios give for BASES; everyone else: in service on 8000 → 1.5%, 120.00
EXPECTED = ((15.0, 0.005), (30.0, 0.01), (60.0, 0.01), (0.2, 0.0))


def _start(actor, process_key: str, demo) -> int:
    return run(
        commands.start_instance, actor=actor, process_key=process_key, org_code=demo.branch.code
    )


def _bases(members: list[int]) -> list[dict]:
    given = [
        {"person": p, "base": b, "category": c} for p, (b, c) in zip(members, BASES, strict=False)
    ]
    rest = [{"person": p, "base": 8000, "category": "in_service"} for p in members[len(BASES) :]]
    return given + rest


def _status(instance_id: int) -> InstanceStatus:
    db.session.rollback()
    return db.session.get(ProcessInstance, instance_id).status


def _disclose(demo, members: list[int]) -> int:
    clerk, committee = demo.holder("dues_clerk"), demo.holder("org_member")
    instance_id = _start(clerk, "party_dues_base_and_disclosure", demo)
    declared = {"year": 2026, "bases": _bases(members), "has_reductions": False}
    complete_step(clerk, instance_id, "declare_bases", declared)
    sheet = instance_data(db.session, instance_id)["computed_sheet"]
    complete_step(committee, instance_id, "committee_confirm", _confirmed(sheet))
    published = {"disclosed_on": "2026-11-23", "channel": "board", "last_year_summary": "应交全额"}
    complete_step(demo.holder("branch_secretary"), instance_id, "disclose", published)
    return instance_id


def _confirmed(sheet: list[dict]) -> dict:
    return {"sheet": sheet, "sheet_confirmed": True, "changes_required": "无"}


def test_the_base_sheet_follows_the_ratios_and_is_published(demo):
    clerk, committee = demo.holder("dues_clerk"), demo.holder("org_member")
    member = demo.holder("probationary_member")
    members = demo.people("members", TODAY)
    with pytest.raises(Forbidden):  # a member does not start the branch's base setting
        _start(member, "party_dues_base_and_disclosure", demo)
    instance_id = _start(clerk, "party_dues_base_and_disclosure", demo)
    declare = open_task(instance_id)
    assert (declare.element_id, declare.candidate_role) == ("declare_bases", "dues_clerk")
    with pytest.raises(Forbidden):
        complete_step(member, instance_id, "declare_bases", {"year": 2026, "bases": []})
    assert open_task(instance_id).id == declare.id
    hardship = {"person": members[4], "reason": "家庭困难，申请少交", "requested_amount": 10.0}
    declared = {
        "year": 2026,
        "bases": _bases(members),
        "has_reductions": True,
        "reductions": [hardship],
    }
    complete_step(clerk, instance_id, "declare_bases", declared)

    confirm = open_task(instance_id)
    assert (confirm.element_id, confirm.candidate_role) == ("committee_confirm", "branch_committee")
    sheet = instance_data(db.session, instance_id)["computed_sheet"]
    got = [(line["amount_due"], line["rate"]) for line in sheet]
    assert got[: len(EXPECTED)] == list(EXPECTED)
    assert {line["amount_due"] for line in sheet[len(EXPECTED) :]} == {120.0}
    tampered = [dict(sheet[0], amount_due=10.0), *sheet[1:]]
    with pytest.raises(ValidationFailed) as refused:  # not what the ratios give
        complete_step(committee, instance_id, "committee_confirm", _confirmed(tampered))
    assert "sheet" in refused.value.field_errors
    assert open_task(instance_id).id == confirm.id  # nothing changed

    returned = {"sheet": sheet, "sheet_confirmed": False, "changes_required": "核实退休人员基数"}
    complete_step(committee, instance_id, "committee_confirm", returned)
    assert open_task(instance_id).element_id == "revise_bases"
    assert clerk.user_id in told_of_return(instance_id)
    revised = _bases(members)
    revised[2]["base"] = 4800  # the pension checked: 0.5%
    complete_step(
        clerk,
        instance_id,
        "revise_bases",
        declared | {"bases": revised, "revision_note": "按养老金发放单核实"},
    )
    sheet = instance_data(db.session, instance_id)["computed_sheet"]
    assert sheet[2]["amount_due"] == 24.0
    complete_step(committee, instance_id, "committee_confirm", _confirmed(sheet))

    # The member's request, agreed by the committee, goes to the unit's party committee.
    approve = open_task(instance_id)
    assert (approve.element_id, approve.candidate_role) == (
        "approve_reductions",
        "unit_party_committee",
    )
    decided = [hardship | {"decision": "approved", "approved_amount": 20.0}]
    with pytest.raises(Forbidden):  # not the branch's to approve
        complete_step(committee, instance_id, "approve_reductions", {})
    unit = holder_at("HH01", "unit_party_committee")
    complete_step(unit, instance_id, "approve_reductions", {"reductions_approved": decided})
    disclose = open_task(instance_id)
    assert (disclose.element_id, disclose.candidate_role) == ("disclose", "branch_secretary")
    with pytest.raises(Forbidden):  # the secretary publishes, not another committee member
        complete_step(committee, instance_id, "disclose", {})
    published = {"disclosed_on": "2026-11-23", "channel": "board", "last_year_summary": "应交全额"}
    complete_step(demo.holder("branch_secretary"), instance_id, "disclose", published)
    assert _status(instance_id) == InstanceStatus.COMPLETED

    table = ledger_table(
        db.session, all_ledgers()["party_dues_base_sheet"], demo.branch, 2026, _zone(), "zh"
    )
    assert len(table.rows) == len(members)
    assert table.rows[2].cells[2:6] == ("离退休", "4800.00", "0.005", "24.00")
    assert table.rows[4].cells[5:] == ("120.00", "批准", "20.00")
    bills = dues_records.bills_for(db.session, demo.branch.id, "2026-11", TODAY)
    assert next(b for b in bills if b["person"] == members[4])["amount_due"] == 20.0


def _zone():
    return app_clock.local_zone()


def _round(demo, month: str, unpaid: set[int]) -> int:
    """A round of ``month`` with everyone paid but ``unpaid``; returns the instance id."""
    clerk = demo.holder("dues_clerk")
    instance_id = _start(clerk, "party_dues_collection", demo)
    complete_step(clerk, instance_id, "open_round", {"month": month})
    bills = instance_data(db.session, instance_id)["bills"]
    complete_step(clerk, instance_id, "record_payments", {"lines": _paid(bills, unpaid)})
    return instance_id


def _paid(bills: list[dict], unpaid: set[int]) -> list[dict]:
    lines = []
    for bill in bills:
        line = {k: v for k, v in bill.items() if v is not None}
        if bill["person"] not in unpaid:
            line |= {"paid_amount": bill["amount_due"], "paid_on": "2026-11-20", "status": "paid"}
        lines.append(line)
    return lines


def _remit(demo, instance_id: int) -> None:
    remitted = {"remitted": 100.0, "remitted_on": "2026-11-23"}
    complete_step(demo.holder("dues_clerk"), instance_id, "remit", remitted)


def test_a_round_starts_from_the_sheet_and_refuses_what_changes_it(demo):
    members = demo.people("members", TODAY)
    _disclose(demo, members)
    clerk = demo.holder("dues_clerk")
    with pytest.raises(Forbidden):
        _start(demo.holder("probationary_member"), "party_dues_collection", demo)
    instance_id = _start(clerk, "party_dues_collection", demo)
    complete_step(clerk, instance_id, "open_round", {"month": "2026-11"})
    record = open_task(instance_id)
    assert (record.element_id, record.candidate_role) == ("record_payments", "dues_clerk")
    bills = instance_data(db.session, instance_id)["bills"]
    assert {b["person"] for b in bills} == set(members)
    assert bills[0]["amount_due"] in {line for line, _rate in EXPECTED} | {120.0}

    probationer = demo.holder("probationary_member")
    owes = db.session.get(User, probationer.user_id).person_id
    lines = _paid(bills, unpaid={owes})
    cheaper = [dict(lines[1], amount_due=1.0, paid_amount=1.0), *lines[2:], lines[0]]
    for wrong in (lines[1:], cheaper):  # a member left out; an amount off the published sheet
        with pytest.raises(ValidationFailed) as refused:
            complete_step(clerk, instance_id, "record_payments", {"lines": wrong})
        assert "lines" in refused.value.field_errors
        assert open_task(instance_id).id == record.id
    complete_step(clerk, instance_id, "record_payments", {"lines": lines})
    assert open_task(instance_id).element_id == "remit"  # nobody 6 months behind
    # the remittance starts from what was recorded as paid, the unpaid line left out
    collected = sum(line["amount_due"] for line in lines if line["person"] != owes)
    assert instance_data(db.session, instance_id)["collected"] == pytest.approx(collected)
    reminded = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == probationer.user_id, Notification.kind == "reminder"
        )
    ).all()
    assert reminded == ["2026-11 党费尚未交纳（已连续 1 个月）"]
    # Recorded but not yet remitted: the dues ledger already shows the month, marked running.
    recorded = ledger_table(
        db.session, all_ledgers()["party_dues_ledger"], demo.branch, 2026, _zone(), "zh"
    )
    assert len(recorded.rows) == len(lines)
    assert all(row.running for row in recorded.rows)
    _remit(demo, instance_id)
    assert _status(instance_id) == InstanceStatus.COMPLETED
    answers = earlier_answers(db.session, instance_id)
    assert answers["month"] == "2026-11"
    again = _start(clerk, "party_dues_collection", demo)
    with pytest.raises(ValidationFailed) as refused:  # one round a month
        complete_step(clerk, again, "open_round", {"month": "2026-11"})
    assert "month" in refused.value.field_errors
    assert open_task(again).element_id == "open_round"

    table = ledger_table(
        db.session, all_ledgers()["party_dues_ledger"], demo.branch, 2026, _zone(), "zh"
    )
    assert len(table.rows) == len(answers["lines"])
    shown = {row.cells[1]: row.cells for row in table.rows}
    assert all(cells[0] == "2026-11" for cells in shown.values())
    statuses = sorted(cells[7] for cells in shown.values())
    assert statuses == sorted("已交" if line["status"] == "paid" else "未交" for line in lines)


def test_six_months_unpaid_go_to_the_committee_and_cost_c09(demo, clock):
    members = demo.people("members", TODAY)
    _disclose(demo, members)
    june = set(demo.people("members", date(2026, 6, 30)))
    behind, late = [m for m in members if m in june][-2:]
    for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        instance_id = _round(
            demo, month, unpaid={behind} | ({late} if month >= "2026-08" else set())
        )
        assert open_task(instance_id).element_id == "remit"  # five months: not yet
        _remit(demo, instance_id)
    assert _c09(demo) == 4.0  # 5 less 0.5 for each of the two members 3 months or more behind

    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # November is over
    instance_id = _round(demo, "2026-11", unpaid={behind})
    escalate = open_task(instance_id)
    assert (escalate.element_id, escalate.candidate_role) == ("handle_arrears", "branch_committee")
    lapsed = instance_data(db.session, instance_id)["lapsed"]
    assert lapsed == [{"person": behind, "months": 6}]
    with pytest.raises(Forbidden):  # the committee decides, not the member
        complete_step(demo.holder("probationary_member"), instance_id, "handle_arrears", {})
    decision = {"person": behind, "months": 6, "action": "start_disposal", "reason": "无正当理由"}
    complete_step(
        demo.holder("org_member"), instance_id, "handle_arrears", {"decisions": [decision]}
    )
    _remit(demo, instance_id)
    assert _status(instance_id) == InstanceStatus.COMPLETED
    replayed = replay_instance(db.session, instance_id)  # the lines computed are the recorded ones
    assert (replayed.diverged_at, replayed.not_replayable) == (None, None)
    assert _c09(demo) == 4.5  # the late member paid in November: only one behind now


def _c09(demo) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, demo.branch.id)],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    return found[demo.branch.id]["measured_C09"]


def test_c09_is_not_measured_without_a_round(demo):
    other = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01-02")).one()
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[other],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    assert found[other.id]["measured_C09"] is None


def test_a_month_without_a_round_reminds_the_secretary_then_leaves_a_task(demo, clock):
    secretary = demo.holder("branch_secretary")
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))  # December's last week, no round
    while run(check_meeting_schedule, actor=SYSTEM):
        pass
    reminders = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.kind == "reminder"
        )
    ).all()
    assert "2026年12月尚未完成党费收缴（2026-12-31 截止）" in reminders  # collected, not convened
    in_english = db.session.scalars(
        select(Notification.title_en).where(
            Notification.user_id == secretary.user_id, Notification.kind == "reminder"
        )
    ).all()
    assert (
        "Monthly party dues collection not yet completed for 2026-12 (due 2026-12-31)" in in_english
    )
    clock.set(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    missed = missed_procedures(demo.branch.id)
    assert "党费收缴 2026年12月" in missed


def test_a_round_recorded_in_a_month_keeps_it_off_the_missed_list_but_not_v4(demo, clock):
    members = demo.people("members", TODAY)
    _disclose(demo, members)
    clock.set(datetime(2026, 12, 20, 2, 0, tzinfo=UTC))  # recorded in December: held then
    _remit(demo, _round(demo, "2026-12", unpaid=set()))
    clock.set(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    missed = missed_procedures(demo.branch.id)
    assert "党费收缴 2026年12月" not in missed
    # A dues round is not organisational life: December still counts as a month without any.
    gaps = months_without_life(db.session, [demo.branch.id], 2026, date(2027, 1, 4))
    assert gaps[demo.branch.id] == 1


def test_the_demo_year_has_its_dues_and_two_members_behind(demo_year):
    counts = demo_year.counts
    db.session.rollback()
    assert counts.dues_rounds == 11  # one a month, the sheet published in the first
    table = ledger_table(
        db.session, all_ledgers()["party_dues_ledger"], demo_year.branch, 2026, _zone(), "zh"
    )
    months = sorted({row.cells[0] for row in table.rows})
    assert months == [f"2026-{m:02d}" for m in range(1, 11)]
    assert sum(row.cells[7] == "未交" for row in table.rows) == 5 + 3
    assert _c09(demo_year) == 4.0  # two members 3 months or more behind
    cycle = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == "grading_cycle",
            ProcessInstance.org_unit_id == demo_year.branch.id,
        )
    ).first()
    assert earlier_answers(db.session, cycle)["measured_C09"] == 4.0  # the self-assessment's
    waiting = open_task(
        db.session.scalars(
            select(ProcessInstance.id).where(
                ProcessInstance.process_key == "party_dues_collection",
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
        ).one()
    )
    assert (waiting.element_id, waiting.candidate_role) == ("record_payments", "dues_clerk")


def test_the_clerk_finds_the_lines_filled_in_on_the_task_page(demo, client, login, app):
    members = demo.people("members", TODAY)
    _disclose(demo, members)
    clerk = demo.holder("dues_clerk")
    instance_id = _start(clerk, "party_dues_collection", demo)
    complete_step(clerk, instance_id, "open_round", {"month": "2026-11"})
    login(clerk.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert "登记交纳情况" in page
    due = re.search(r'<input id="f-lines-0-amount_due"[^>]*>', page).group(0)
    # the first member's amount due, from the published sheet, in yuan and fen, not to be typed
    assert 'value="15.00"' in due
    assert " readonly " in due
    paid = re.search(r'<input id="f-lines-0-paid_amount"[^>]*>', page).group(0)
    assert "readonly" not in paid
    assert f'name="lines.{len(members) - 1}.amount_due"' in page  # a line per member
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    card = form_card(page)
    assert "<h2>Record the payments</h2>" in card
    card = without_branch_names(card, demo.branch.id)
    assert not re.findall(r"[\u3400-\u9fff]", card)
