"""The worker's check of the branches' membership (党支部设立、调整与撤销, the trigger), through the
records: members moved in and out of a demo branch day by day, the check run as the worker runs it.
One procedure per branch and crossing, addressed to the unit's organisation reviewer with the
counts and the line, the secretary told; never a second while one is open."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from app.branches.lines import branch_counts
from app.branches.models import BranchLineCrossing
from app.branches.trigger import PROCESS_KEY
from app.branches.trigger import check_branch_lines
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.commands.members import transfer_member
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.notify.models import Notification
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.conftest import TEST_NOW
from tests.plugins.demo import Demo
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task

TODAY = TEST_NOW.date()


def at(clock, day: date) -> None:
    """10:00 Beijing time on ``day``."""
    clock.set(datetime(day.year, day.month, day.day, 2, tzinfo=UTC))


def branch(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def counts_of(code: str, day: date):
    db.session.rollback()
    return branch_counts(db.session, [branch(code).id], day, {})[branch(code).id]


def full_members(code: str, day: date) -> list[int]:
    return Demo(branch(code), []).people("full_members", day)


def move(person_id: int, to_code: str, day: date) -> None:
    run(
        transfer_member,
        actor=SYSTEM,
        person_id=person_id,
        to_branch_code=to_code,
        effective_on=day,
        reason="机构调整",
    )


def start_data(instance_id: int) -> dict:
    db.session.rollback()
    return earlier_answers(db.session, instance_id)


def check() -> int:
    return run(check_branch_lines, actor=SYSTEM)


def instances_at(code: str) -> list[ProcessInstance]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(ProcessInstance)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(
                ProcessDefinition.process_key == PROCESS_KEY,
                ProcessInstance.org_unit_id == branch(code).id,
            )
            .order_by(ProcessInstance.id)
        )
    )


def crossings_at(code: str) -> list[BranchLineCrossing]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(BranchLineCrossing)
            .where(BranchLineCrossing.branch_id == branch(code).id)
            .order_by(BranchLineCrossing.id)
        )
    )


def small_branch() -> tuple[str, str]:
    """A demo branch outside the showcase unit with no committee and 4 to 6 full members, and the
    largest branch of its unit (with a committee) to move members between."""
    db.session.rollback()
    branches = db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH).order_by(OrgUnit.code)
    ).all()
    counts = branch_counts(db.session, [b.id for b in branches], TODAY, {})
    small = next(
        b
        for b in branches
        if not b.code.startswith("HH01")
        and not counts[b.id].has_committee
        and 4 <= counts[b.id].full_members <= 6
    )
    unit = small.path.strip("/").split("/")[1]
    large = max(
        (b for b in branches if f"/{unit}/" in b.path and counts[b.id].full_members > 10),
        key=lambda b: (counts[b.id].full_members, b.code),
    )
    return small.code, large.code


def line_branch() -> str:
    """The demo's branch across a line (app/demo/branch_lines.py)."""
    db.session.rollback()
    (crossing,) = db.session.scalars(select(BranchLineCrossing)).all()
    return db.session.get(OrgUnit, crossing.branch_id).code


def test_the_demo_branch_below_seven_with_a_committee_waits_for_the_units_proposal(demo_year):
    code = line_branch()
    (crossing,) = crossings_at(code)
    assert (crossing.line, crossing.full_members, crossing.cleared_on) == (
        "committee_undue",
        6,
        None,
    )
    (instance,) = instances_at(code)
    assert instance.status is InstanceStatus.RUNNING
    assert instance.business_key == "设有支部委员会，正式党员不足7人"
    task = open_task(instance.id)
    assert (task.element_id, task.candidate_role) == ("proposal", "unit_org_reviewer")
    data = start_data(instance.id)
    assert (data["reason"], data["full_members"], data["has_committee"]) == (
        "committee_undue",
        6,
        True,
    )
    assert data["situation"].startswith("正式党员6人")
    secretary = holder_at(code, "branch_secretary")
    told = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.instance_id == instance.id
        )
    ).all()
    assert len(told) == 1
    assert "正式党员6人" in told[0]

    assert check() == 0  # the worker's next rounds open nothing more
    assert check() == 0
    assert len(instances_at(code)) == 1
    assert len(crossings_at(code)) == 1


def test_two_full_members_open_the_procedure_and_three_do_not(demo, clock):
    small, large = small_branch()
    day = TODAY
    while len(full_members(small, day)) > 3:  # out to three full members: still a branch
        move(full_members(small, day)[-1], large, day)
        day += timedelta(days=1)
        at(clock, day)
    assert counts_of(small, day).full_members == 3
    check()
    assert instances_at(small) == []
    assert crossings_at(small) == []

    leaving = full_members(small, day)[-1]
    move(leaving, large, day)  # two full members: below the line
    assert check() >= 1
    (instance,) = instances_at(small)
    assert start_data(instance.id)["reason"] == "below_three"
    assert start_data(instance.id)["full_members"] == 2
    assert open_task(instance.id).candidate_role == "unit_org_reviewer"

    day += timedelta(days=1)
    at(clock, day)
    move(leaving, small, day)  # back to three: the crossing ends, the procedure stays open
    check()
    (crossing,) = crossings_at(small)
    assert crossing.cleared_on == day

    day += timedelta(days=1)
    at(clock, day)
    move(leaving, large, day)  # below again while the procedure is still open: no second one
    check()
    assert [c.cleared_on for c in crossings_at(small)] == [day - timedelta(days=1), None]
    assert [i.id for i in instances_at(small)] == [instance.id]
    assert crossings_at(small)[-1].instance_id == instance.id


def test_seven_full_members_without_a_committee_open_the_procedure_and_six_do_not(demo, clock):
    small, large = small_branch()
    day = TODAY
    while len(full_members(small, day)) < 6:
        move(full_members(large, day)[-1], small, day)
        day += timedelta(days=1)
        at(clock, day)
    check()
    assert instances_at(small) == []

    move(full_members(large, day)[-1], small, day)  # the seventh
    check()
    (instance,) = instances_at(small)
    data = start_data(instance.id)
    assert (data["reason"], data["full_members"], data["has_committee"]) == (
        "committee_due",
        7,
        False,
    )
    assert instance.business_key == "正式党员达7人，尚未设立支部委员会"


def test_the_reviewer_reads_the_counts_and_the_line_on_the_task_page(demo_year, app, client, login):
    code = line_branch()
    (instance,) = instances_at(code)
    reviewer = holder_at("HH01", "unit_org_reviewer")
    login(reviewer.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance.id).id}").get_data(as_text=True)
    assert "提出党支部设置方案" in page
    assert "正式党员6人" in page  # the situation, prefilled from what the check found
    assert "不再设支部委员会（设书记、副书记）" in page  # among the options
