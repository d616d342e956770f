"""支部委员会换届选举 in a real browser, at a demo branch whose term ends in 50 days: the steps
before the assembly go through the commands (as the branch's people would have done them), then
the branch secretary records the election assembly — refused without the four-fifths quorum, the
ticks and votes kept — the elected committee's first meeting divides the posts, the unit party
committee approves, and the winners hold their roles: the new secretary is offered the
secretary's procedures, the old one's post has ended. Another branch than the showcase one, so
the other browser tests keep their secretary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from app.branches.election_alert import PROCESS
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from app.workflow import commands
from app.workflow import roster
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads

pytestmark = pytest.mark.e2e

#: Branches other browser tests use (their secretaries must stay): this test takes another.
TAKEN = ("HH01-01", "HH01-02")
MARK = "e2e"  # in the business key: this test's election, whatever else the inbox lists
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _holder(code: str, role: str, day) -> Actor:
    user = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == role, OrgUnit.code == code, active_on(day))
        .order_by(User.id)
    ).first()
    return Actor(user_id=user.id, login=user.login, source="e2e")


def _step(actor: Actor, instance_id: int, element: str, data: dict, files=()) -> None:
    db.session.rollback()
    task = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == element,
            HumanTask.state == HumanTaskState.READY,
        )
    ).one()
    for field in files:
        stored = run(
            store_uploads, actor=actor, task_id=task.id, uploads=[Upload(field, "材料.pdf", PDF)]
        )
        data[field] = stored[field][0]
    run(commands.complete_task, actor=actor, task_id=task.id, data=data)


def _branch_with_a_committee(today) -> OrgUnit:
    """A branch of HH01 no other browser test uses, with 8 or more full members."""
    for branch in db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.code.like("HH01-%"), OrgUnit.code.not_in(TAKEN))
        .order_by(OrgUnit.code)
    ):
        if branch.code.startswith(TAKEN):  # nor the branches below a taken general branch
            continue
        question = roster.RosterQuestion("full_members", branch, today)
        if len(roster.roster_options(db.session, question)) >= 8:
            return branch
    raise AssertionError("the demo has no branch of HH01 with 8 full members left")


def _up_to_the_assembly(live_server) -> dict:
    """Start the election and do the steps before the assembly; who is who."""
    today = live_server.clock.now().date()
    branch = _branch_with_a_committee(today)
    code = branch.code
    branch.term_end = today + timedelta(days=50)
    db.session.commit()
    instance_id = run(
        commands.start_instance,
        actor=SYSTEM,
        process_key=PROCESS,
        org_code=code,
        business_key=f"换届选举 {branch.term_end.isoformat()} {MARK}",
        data={"term_end": branch.term_end.isoformat()},
    )
    ask = roster.RosterQuestion
    committee = [
        o.value for o in roster.roster_options(db.session, ask("committee", branch, today))
    ]
    full = [o.value for o in roster.roster_options(db.session, ask("full_members", branch, today))]
    newcomers = [p for p in full if p not in committee]
    candidates = [*newcomers[:2], *committee[:2]]  # four candidates for three seats
    resolution = {"seats": 3, "deputy_seat": False, "planned_date": today.isoformat()}
    _step(
        _holder(code, "branch_committee", today),
        instance_id,
        "committee_resolution",
        resolution,
        ["work_report_draft"],
    )
    _step(_holder(code, "branch_secretary", today), instance_id, "request", {}, ["request_doc"])
    unit = _holder("HH01", "unit_party_committee", today)
    _step(unit, instance_id, "upper_reply", {"approved": True, "opinion": "同意"}, ["reply_doc"])
    _step(
        _holder(code, "member", today),
        instance_id,
        "nominate",
        {"candidates": candidates, "nominations": "各党小组酝酿推荐"},
    )
    _step(
        _holder("HH01", "unit_org_reviewer", today),
        instance_id,
        "candidates_approval",
        {"approved": True, "opinion": "同意"},
    )
    at = f"{today.isoformat()}T09:00:00+08:00"
    _step(
        _holder(code, "org_member", today),
        instance_id,
        "prepare",
        {"scrutineers": newcomers[-1:], "assembly_at": at},
        ["rules_draft"],
    )
    names = dict(
        db.session.execute(select(Person.id, Person.name).where(Person.id.in_(full))).all()
    )
    login_of = dict(
        db.session.execute(select(User.person_id, User.login).where(User.person_id.in_(full))).all()
    )
    return {
        "instance_id": instance_id,
        "candidates": candidates,
        "full": full,
        "names": names,
        "login_of": login_of,
        "secretary": _holder(code, "branch_secretary", today).login,
        "unit": unit.login,
        "code": code,
    }


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def _open(page: Page, title: str) -> None:
    """Open this election's step from the claimable list and claim it."""
    page.goto("/inbox/?view=claimable")
    row = page.locator("tr").filter(has_text=MARK)
    row.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    with page.expect_navigation():
        page.get_by_role("button", name="认领").click()


def test_the_secretary_runs_the_election_and_the_winners_hold_their_posts(
    new_page, login, live_server
):
    with live_server.app.app_context():
        case = _up_to_the_assembly(live_server)
    instance_id, candidates = case["instance_id"], case["candidates"]
    votes = {
        candidates[0]: len(case["full"]),
        candidates[1]: len(case["full"]) - 1,
        candidates[2]: len(case["full"]) - 2,
        candidates[3]: 1,
    }

    secretary = login(new_page(), case["secretary"])
    _open(secretary, "召开党员大会选举")
    present = secretary.locator("#f-attendance-present input[type=checkbox]")
    expect(present).to_have_count(len(case["full"]))
    for index in range(len(case["full"]) * 4 // 5):  # four fifths exactly: not enough
        present.nth(index).check()
    add_row = secretary.locator("#f-ballots .add-row")
    for _ in range(len(candidates) - 2):
        add_row.click()
    for row, person in enumerate(candidates, start=1):
        secretary.get_by_label(f"候选人 {row}", exact=True).select_option(str(person))
        secretary.get_by_label(f"得票数 {row}", exact=True).fill(str(votes[person]))
    secretary.get_by_label("会议记录").fill("选举大会：无记名投票，监票人、计票人清点选票。")
    _submit(secretary)
    expect(secretary.locator("#f-ballots-error")).to_contain_text("须超过五分之四")
    expect(secretary.get_by_label("得票数 4", exact=True)).to_have_value("1")  # input kept
    for index in range(len(case["full"])):
        present.nth(index).check()
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_be_visible()

    # The elected sit on the committee: the first of them records the first meeting.
    chair = login(new_page(), case["login_of"][candidates[0]])
    _open(chair, "新一届支委会第一次会议")
    chair.locator("#f-secretary").select_option(str(candidates[0]))
    chair.locator("#f-organisation").select_option(str(candidates[1]))
    chair.locator("#f-propaganda").select_option(str(candidates[2]))
    chair.locator("#f-discipline").select_option(str(candidates[1]))
    chair.get_by_label("会议记录").fill("等额选举书记，委员分工。")
    _submit(chair)
    expect(chair.locator(".flash-success")).to_be_visible()

    unit = login(new_page(), case["unit"])
    _open(unit, "选举结果报上级批复")
    unit.locator("#f-approved").check()
    unit.locator("#f-opinion").fill("同意选举结果")
    unit.locator("#f-approval_doc").set_input_files(
        {"name": "批复.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    _submit(unit)
    expect(unit.locator(".flash-success")).to_be_visible()

    # The instance is done; the new secretary may start the secretary's procedures there.
    chair.goto(f"/instances/{instance_id}")
    expect(chair.locator(".tag.status-completed")).to_have_text("已办结")
    chair.goto("/inbox/start")
    card = chair.locator("section.card").filter(has_text="支部委员会会议")
    expect(card.get_by_label("发起单位").locator(f'option[value="{case["code"]}"]')).to_have_count(
        1
    )
    with live_server.app.app_context():
        today = live_server.clock.now().date()
        holders = db.session.scalars(
            select(User.login)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                OrgUnit.code == case["code"],
                RoleAssignment.role_code == "branch_secretary",
                active_on(today),
            )
        ).all()
    assert holders == [case["login_of"][candidates[0]]]
