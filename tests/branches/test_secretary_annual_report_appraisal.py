"""支部书记抓党建工作述职评议 at the demo branch, through the commands: the unit's notice, the
secretary's written report returned once for revision, the report in person with the full members
present from the rolls, the anonymous poll counted (more ballots than members present refused), the
unit committee's grade recorded with the secretary told, the rectification list; criterion C03
measured from the grade; the ledger."""

from __future__ import annotations

from datetime import UTC
from datetime import date

import pytest
from sqlalchemy import select

from app.branches.secretary_report import poll_grade
from app.core import clock as app_clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import User
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SESSION_AT = "2026-12-10T09:00:00+08:00"
SESSION_DAY = date(2026, 12, 10)


def _report(demo, instance_id: int) -> dict:
    secretary = demo.holder("branch_secretary")
    task = open_task(instance_id)
    stored = run(
        store_uploads,
        actor=secretary,
        task_id=task.id,
        uploads=[Upload("report", "述职报告.pdf", PDF)],
    )
    return {"report": stored["report"][0], "summary": "落实三会一课，抓好一带二，发展党员两名"}


def _to_poll(demo, year: int = 2026) -> int:
    """Notice, report accepted and the session held; the poll's count is open."""
    reviewer = holder_at("HH01", "unit_org_reviewer")
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=reviewer,
        process_key="secretary_annual_report_appraisal",
        org_code=demo.branch.code,
    )
    notice = {
        "year": year,
        "focus": "落实全面从严治党责任、三会一课和发展党员",
        "report_due": "2026-12-05",
        "session_at": SESSION_AT,
    }
    complete_step(reviewer, instance_id, "notice", notice)
    complete_step(secretary, instance_id, "write_report", _report(demo, instance_id))
    complete_step(reviewer, instance_id, "review_report", {"accepted": True, "opinion": "同意"})
    present = demo.people("full_members", SESSION_DAY)[:10]
    session = {
        "held_at": SESSION_AT,
        "session_type": ["assembly"],
        "attendance": {"present": present},
        "minutes": "书记述职，党员提问并发表意见",
    }
    complete_step(secretary, instance_id, "report_session", session)
    return instance_id


def _poll(good: int, fairly_good: int, average: int = 0, poor: int = 0) -> dict:
    ballots = good + fairly_good + average + poor
    votes = {"good": good, "fairly_good": fairly_good, "average": average, "poor": poor}
    return {"ballots_cast": ballots, **votes, "tellers": "计票人甲、监票人乙"}


def _c03(branch_id: int, year: int = 2026) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, branch_id)],
        year=year,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch_id]["measured_C03"]


def test_the_report_runs_from_the_notice_to_the_grade_and_the_rectification(demo):
    reviewer = holder_at("HH01", "unit_org_reviewer")
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=reviewer,
        process_key="secretary_annual_report_appraisal",
        org_code=demo.branch.code,
    )
    notice = {"year": 2026, "focus": "抓党建第一责任人职责", "report_due": "2026-12-05"}
    complete_step(reviewer, instance_id, "notice", notice | {"session_at": SESSION_AT})
    write = open_task(instance_id)
    assert (write.element_id, write.candidate_role) == ("write_report", "branch_secretary")
    complete_step(secretary, instance_id, "write_report", _report(demo, instance_id))

    # Returned once: the secretary revises and hands it in again.
    complete_step(
        reviewer, instance_id, "review_report", {"accepted": False, "opinion": "未查摆问题"}
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_report", "branch_secretary")
    assert secretary.user_id in told_of_return(instance_id)
    revised = _report(demo, instance_id) | {"revision_note": "补充存在问题三条"}
    complete_step(secretary, instance_id, "revise_report", revised)
    complete_step(reviewer, instance_id, "review_report", {"accepted": True, "opinion": "同意"})

    session = open_task(instance_id)
    assert (session.element_id, session.candidate_role) == ("report_session", "branch_secretary")
    entitled = demo.people("full_members", SESSION_DAY)
    with pytest.raises(ValidationFailed):  # only the branch's full members on the day
        complete_step(
            secretary,
            instance_id,
            "report_session",
            {
                "held_at": SESSION_AT,
                "session_type": ["assembly", "upper_meeting"],
                "attendance": {"present": [*entitled[:3], 999999]},
                "minutes": "书记述职，党员提问并发表意见",
            },
        )
    complete_step(
        secretary,
        instance_id,
        "report_session",
        {
            "held_at": SESSION_AT,
            "session_type": ["assembly", "upper_meeting"],
            "attendance": {"present": entitled[:10]},
            "minutes": "书记述职，党员提问并发表意见",
        },
    )
    poll = open_task(instance_id)
    assert (poll.element_id, poll.candidate_role) == ("evaluation", "unit_org_reviewer")
    with pytest.raises(ValidationFailed) as refused:  # eleven ballots, ten members present
        complete_step(reviewer, instance_id, "evaluation", _poll(5, 6))
    assert "ballots_cast" in refused.value.field_errors
    assert open_task(instance_id).id == poll.id  # nothing moved
    complete_step(reviewer, instance_id, "evaluation", _poll(3, 6, 1))
    assert instance_data(instance_id)["poll_grade"] == "fairly_good"

    comment = open_task(instance_id)
    assert (comment.element_id, comment.candidate_role) == ("upper_comment", "unit_party_committee")
    decided = {
        "final_grade": "fairly_good",
        "comments": "履职较好，发展党员工作需加强",
        "decided_on": "2026-12-15",
    }
    with pytest.raises(Forbidden):  # the unit's committee decides, not its reviewer
        complete_step(reviewer, instance_id, "upper_comment", decided)
    complete_step(holder_at("HH01", "unit_party_committee"), instance_id, "upper_comment", decided)

    result = instance_data(instance_id)["appraisal_result"]
    person = db.session.get(User, secretary.user_id).person_id
    assert result == {
        "year": 2026,
        "grade": "fairly_good",
        "secretary": person,
        "points": 4.0,
        "decided_on": "2026-12-15",
    }
    told = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.instance_id == instance_id
        )
    ).all()
    assert "2026年度抓党建工作述职评议等次：较好" in told
    assert _c03(demo.branch.id) == 4.0  # 较好 4 of 5

    rectify = open_task(instance_id)
    assert (rectify.element_id, rectify.candidate_role) == ("rectification", "branch_secretary")
    assert rectify.due_at is not None
    due = rectify.due_at.replace(tzinfo=rectify.due_at.tzinfo or UTC)
    assert due.astimezone(app_clock.local_zone()).date() == date(2026, 12, 30)  # 15 days on
    items = [{"issue": "发展党员计划性不强", "measure": "制定三年发展规划", "due": "2027-03-31"}]
    complete_step(secretary, instance_id, "rectification", {"items": items})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    ledger = parse_ledger(
        "secretary_report_file", (ROOT / "ledgers" / "secretary_report_file.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = table.rows
    assert row.cells[0] == "2026"
    assert "较好" in row.cells
    assert "2026-12-15" in row.cells


def test_c03_reads_last_years_grade_until_this_years_is_decided(demo):
    instance_id = _to_poll(demo, year=2025)
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "evaluation", _poll(2, 2, 6))
    assert instance_data(instance_id)["poll_grade"] == "average"
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "upper_comment",
        {"final_grade": "average", "comments": "抓党建措施不够具体", "decided_on": "2026-12-15"},
    )
    assert _c03(demo.branch.id, 2026) == 2.0  # 2025's 一般 while 2026 is not graded
    assert _c03(demo.branch.id, 2028) is None  # two years on: nothing to read


def test_the_poll_gives_the_grade_with_most_votes_a_tie_the_lower():
    assert poll_grade(10, 10, {"good": 6, "fairly_good": 4, "average": 0, "poor": 0}) == "good"
    assert poll_grade(10, 10, {"good": 5, "fairly_good": 5, "average": 0, "poor": 0}) == (
        "fairly_good"
    )
    with pytest.raises(ValidationFailed):  # more votes than ballots
        poll_grade(10, 8, {"good": 5, "fairly_good": 4, "average": 0, "poor": 0})


def test_only_the_units_reviewer_opens_the_appraisal(demo):
    with pytest.raises((Forbidden, NotFound)):
        run(
            commands.start_instance,
            actor=demo.holder("branch_secretary"),
            process_key="secretary_annual_report_appraisal",
            org_code=demo.branch.code,
        )
    assert not db.session.scalars(select(ProcessInstance.id)).all()
