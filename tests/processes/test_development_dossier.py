"""The development dossier (发展党员全程纪实档案) of a person taken from the application through the
activist's filing at the demo branch: its rows are the procedures' records (the day entered, the
documents, who acted), the later steps show as not yet reached, it prints on A4, and only the
branch's committee and the reviewers above it read it."""

from __future__ import annotations

from sqlalchemy import select

from app.core.clock import local_zone
from app.demo.development import load_member_development
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.dossier import dossier_rows
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.conftest import log_in
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_activist_selection_and_cultivation import refused_until
from tests.processes.test_activist_selection_and_cultivation import start_with_activist


def _name(actor) -> str:
    return db.session.get(User, actor.user_id).display_name


def _talk(demo, person_id: int) -> None:
    """The intake's talk, held by the secretary whom the secretary assigns to themself."""
    secretary = demo.holder("branch_secretary")
    intake = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == "membership_application_intake"
        )
    ).first()
    talker = db.session.get(User, secretary.user_id).person_id
    complete_step(secretary, intake, "assign_talker", {"talker": talker})
    complete_step(
        secretary, intake, "interview", {"talked_on": "2026-11-23", "talk_record": "谈话记录"}
    )
    assert person_id


def _plain_member(demo) -> User:
    committee = set(demo.people("committee"))
    return db.session.scalars(
        select(User)
        .join(Person, Person.id == User.person_id)
        .where(Person.branch_id == demo.branch.id, Person.id.not_in(committee))
        .order_by(User.id)
    ).first()


def developed(demo, clock) -> int:
    instance_id, person_id = start_with_activist(demo, clock)
    _talk(demo, person_id)
    at(clock, "2026-11-30")
    reviewer = holder_at("HH01", "unit_org_reviewer")
    returned = {"filed": False, "filed_on": "2026-11-30", "filing_opinion": "请补充材料"}
    complete_step(reviewer, instance_id, "file_upward", returned)
    revised = {
        "agreed": True,
        "activist_date": "2026-11-23",
        "committee_opinion": "同意",
        "revision_note": "已补充",
    }
    complete_step(demo.holder("org_member"), instance_id, "revise_decision", revised)
    filed = {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"}
    complete_step(reviewer, instance_id, "file_upward", filed)
    return person_id


def test_the_dossier_lists_the_steps_done_from_the_records(demo, clock):
    person_id = developed(demo, clock)
    rows = dossier_rows(db.session, db.session.get(Person, person_id))
    assert [r.step.number for r in rows] == list(range(1, 26))
    done = {r.step.number: r.done for r in rows if r.reached}
    assert sorted(done) == [1, 2, 3, 4]
    org_member = _name(demo.holder("org_member"))
    assert (done[1][0].day, done[1][0].actor, done[1][0].documents) == (
        "2026-11-20",
        org_member,
        ["入党申请书.pdf"],
    )
    assert (done[2][0].day, done[2][0].actor) == (
        "2026-11-23",
        _name(demo.holder("branch_secretary")),
    )
    assert (done[3][0].day, done[3][0].actor) == ("2026-11-23", org_member)
    assert len(done[4]) == 1  # the filing, not the return before it
    assert (done[4][0].day, done[4][0].actor) == (
        "2026-11-30",
        _name(holder_at("HH01", "unit_org_reviewer")),
    )


def test_the_dossier_page_and_its_print_are_for_the_branch_and_the_reviewers_above(
    demo, clock, client, login, app
):
    person_id = developed(demo, clock)
    password = app.config["DEMO_PASSWORD"]
    login(demo.holder("branch_secretary").login, password)
    page = client.get(f"/members/{person_id}/dossier").get_data(as_text=True)
    assert "林晓东" in page
    assert "2026-11-30" in page
    assert "入党申请书.pdf" in page
    assert "递交入党申请书" in page
    assert "材料归档" in page
    printed = client.get(f"/members/{person_id}/dossier/print")
    assert printed.status_code == 200
    assert "dossier-steps" in printed.get_data(as_text=True)
    listing = client.get("/members/development").get_data(as_text=True)
    assert f"/members/{person_id}/dossier" in listing
    person_page = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert f"/members/{person_id}/dossier" in person_page

    reviewer = app.test_client()
    log_in(reviewer, holder_at("HH01", "unit_org_reviewer").login, password)
    assert reviewer.get(f"/members/{person_id}/dossier").status_code == 200

    other = app.test_client()  # the secretary of another branch
    log_in(other, holder_at("HH01-02", "branch_secretary").login, password)
    assert other.get(f"/members/{person_id}/dossier").status_code == 404
    assert other.get(f"/members/{person_id}/dossier/print").status_code == 404
    member = app.test_client()  # a member of the same branch without a committee role
    log_in(member, _plain_member(demo).login, password)
    assert member.get(f"/members/{person_id}/dossier").status_code == 404


def test_the_registers_list_the_applicant_and_the_activist(demo, clock):
    person_id = developed(demo, clock)
    name = db.session.get(Person, person_id).name
    applications = ledger_table(
        db.session,
        all_ledgers()["development_applications"],
        demo.branch,
        2026,
        local_zone(),
        "zh",
    )
    (row,) = [r for r in applications.rows if name in r.cells]
    assert "2026-11-20" in row.cells
    assert "2026-11-23" in row.cells  # the talk
    assert _name(demo.holder("branch_secretary")) in row.cells
    activists = ledger_table(
        db.session, all_ledgers()["activist_register"], demo.branch, 2026, local_zone(), "zh"
    )
    (row,) = [r for r in activists.rows if name in r.cells]
    assert row.running
    assert (row.cells[2], row.cells[3]) == ("2026-11-23", "2026-11-30")


def _open_step(person: Person) -> str | None:
    """The open development step about ``person`` at the demo branch."""
    db.session.rollback()
    for task in db.session.scalars(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            HumanTask.state == HumanTaskState.READY,
            ProcessInstance.org_unit_id == person.branch_id,
        )
    ):
        answers = earlier_answers(db.session, task.instance_id)
        if (
            person.id == answers.get("candidate")
            or answers.get("employee_no") == person.employee_no
        ):
            return task.element_id
    return None


def test_the_demo_branch_has_someone_waiting_at_each_first_stage(demo, clock):
    assert load_member_development(DEMO_BRANCH, local_zone()) == 4
    db.session.rollback()
    by_number = {
        p.employee_no: p
        for p in db.session.scalars(select(Person).where(Person.employee_no.like("HH-DEV-%")))
    }
    assert {n: (p.party_status.value, _open_step(p)) for n, p in by_number.items()} == {
        "HH-DEV-001": ("activist", "year_gate"),
        "HH-DEV-002": ("activist", "second_review"),
        "HH-DEV-003": ("applicant", "interview"),
        "HH-DEV-004": ("applicant", "assign_talker"),
    }
    second = by_number["HH-DEV-002"]
    instance_id = db.session.scalars(
        select(HumanTask.instance_id).where(
            HumanTask.element_id == "second_review", HumanTask.state == HumanTaskState.READY
        )
    ).first()
    refused_until(
        demo.holder("org_member"),
        instance_id,
        "second_review",
        {"reviewed_on": "2026-11-23", "second_assessment": "表现良好"},
        "2027-01-15",
        "第十二条",
    )
    # steps 1-6 under way: the cultivation (step 6) shows its first assessment so far
    reached = [r.step.number for r in dossier_rows(db.session, second) if r.reached]
    assert reached == [1, 2, 3, 4, 5, 6]
