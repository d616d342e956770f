"""主题党日 from start to end through the commands, at the demo branch: the committee plans it, the
secretary checks the plan (returning it once) and notifies the members, holds the day with the
members on the rolls and the study hours, and has its decisions carried out; the day held counts
for the monthly calendar and criterion C13, and a month without one costs half a point."""

from __future__ import annotations

import json
import re
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.meetings.commands import check_meeting_schedule
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import earlier_answers
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return
from tests.plugins.demo import without_branch_names

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
DAY_AT = "2026-12-02T14:30:00+08:00"  # a Wednesday afternoon, 9 days after the test's "now"
PLAN = {
    "theme": "学习贯彻党的二十届四中全会精神",
    "activity_types": ["study", "deliberation", "volunteering"],
    "content": "集中学习全会公报；民主议事：冬季安全生产；志愿服务：清扫井场道路",
    "day_at": DAY_AT,
    "place": "站党员活动室",
}


def _start(demo, actor) -> int:
    return run(
        commands.start_instance,
        actor=actor,
        process_key="themed_party_day",
        org_code=demo.branch.code,
    )


def _records(instance_id: int) -> list[tuple[str, int, dict]]:
    return [
        (e.element_id, e.actor_user_id, json.loads(e.submitted_json))
        for e in db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed")
            .order_by(StepLogEntry.seq)
        )
    ]


def _measured_c13(branch_id: int, year: int) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, branch_id)],
        year=year,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch_id]["measured_C13"]


def test_a_themed_party_day_runs_from_the_plan_to_its_decisions_carried_out(
    demo, clock, client, login, app
):
    secretary = demo.holder("branch_secretary")
    org_member = demo.holder("org_member")  # a committee member who is not the secretary
    assert org_member.user_id != secretary.user_id
    branch_id, branch_code = demo.branch.id, demo.branch.code

    instance_id = _start(demo, secretary)
    plan = open_task(instance_id)
    assert (plan.element_id, plan.candidate_role) == ("set_theme", "branch_committee")
    with pytest.raises(ValidationFailed) as refused:  # the members must have 3 days' notice
        complete_step(
            org_member, instance_id, "set_theme", PLAN | {"day_at": "2026-11-25T10:00:00+08:00"}
        )
    assert "day_at" in refused.value.field_errors
    assert open_task(instance_id).id == plan.id  # nothing changed
    complete_step(org_member, instance_id, "set_theme", PLAN | {"theme": "冬季安全生产"})

    # The secretary returns the plan: this month follows the unit's theme.
    notify = open_task(instance_id)
    assert (notify.element_id, notify.candidate_role) == ("notify", "branch_secretary")
    with pytest.raises(Forbidden):  # the secretary's step, not another committee member's
        complete_step(org_member, instance_id, "notify", {"plan_confirmed": True, "notified": True})
    assert open_task(instance_id).id == notify.id
    complete_step(
        secretary,
        instance_id,
        "notify",
        {"plan_confirmed": False, "changes_required": "按厂党委统一部署，主题改为学习全会精神"},
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_theme", "branch_committee")
    assert org_member.user_id in told_of_return(instance_id)
    complete_step(
        org_member, instance_id, "revise_theme", PLAN | {"revision_note": "主题按厂党委部署调整"}
    )
    complete_step(
        secretary,
        instance_id,
        "notify",
        {
            "plan_confirmed": True,
            "notified": True,
            "notice": "12月2日14:30在站党员活动室开展主题党日",
        },
    )

    # The day, recorded by the secretary on the day (December): the members on the rolls.
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    members = demo.people("members", day=date(2026, 12, 2))
    outsider = db.session.scalars(
        select(Person.id).where(Person.branch_id != demo.branch.id).limit(1)
    ).one()
    held = {
        "attendees": {"present": members[:-1]},
        "hours": 3,
        "record": "书记领学全会公报；党员讨论冬季安全生产措施；清扫井场道路2公里",
        "decisions_made": True,
        "decisions": [{"matter": "冬季巡井增加一次", "owner": members[0], "due": "2026-12-31"}],
    }
    with pytest.raises(ValidationFailed) as refused:  # only members on the rolls can be ticked
        complete_step(secretary, instance_id, "hold", held | {"attendees": {"present": [outsider]}})
    assert refused.value.field_errors["attendees.present"] == "请选择本支部在册人员。"
    with pytest.raises(ValidationFailed) as refused:  # the photos are part of the record
        complete_step(secretary, instance_id, "hold", held)
    assert "photos" in refused.value.field_errors
    photos = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("photos", "活动照片.png", PNG)],
    )["photos"]
    with pytest.raises(Forbidden):
        complete_step(org_member, instance_id, "hold", held | {"photos": photos})
    assert open_task(instance_id).element_id == "hold"  # nothing changed
    complete_step(secretary, instance_id, "hold", held | {"photos": photos})

    implement = open_task(instance_id)
    assert (implement.element_id, implement.candidate_role) == ("implement", "branch_secretary")
    complete_step(
        secretary,
        instance_id,
        "implement",
        {"implementation": [{"matter": "冬季巡井增加一次", "result": "done", "note": "已排班"}]},
    )

    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    records = _records(instance_id)
    assert [(step, actor) for step, actor, _ in records] == [
        ("set_theme", org_member.user_id),
        ("notify", secretary.user_id),
        ("revise_theme", org_member.user_id),
        ("notify", secretary.user_id),
        ("hold", secretary.user_id),
        ("implement", secretary.user_id),
    ]
    day = records[4][2]
    assert (
        day["attendees"]
        == {
            "entitled": len(members),  # counted from the rolls, whatever was typed
            "present": members[:-1],
            "quorum_met": True,
        }
    )
    assert day["hours"] == 3
    assert verify_chain(db.session).ok
    # The ledger reads its columns from the procedure's records: each one is recorded.
    ledger = json.loads((ROOT / "ledgers" / "themed_party_day.json").read_text(encoding="utf-8"))
    answers = earlier_answers(db.session, instance_id)
    assert [c["field"] for c in ledger["columns"] if c["field"] not in answers] == []
    assert answers["theme"] == PLAN["theme"]  # the revised plan, not the returned one

    # December counts as held; the calendar and C13 show it once the month is over.
    clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    assert _measured_c13(branch_id, 2026) == 4.0
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/orgs/{branch_code}?year=2026").get_data(as_text=True)
    assert "2026 年三会一课和主题党日" in page
    assert "主题党日" in page
    assert "指标 C13（主题党日）当前得分： <strong>4.0</strong> / 4.0" in page
    # January 2027 passes without one: half a point off.
    clock.set(datetime(2027, 2, 3, 2, 0, tzinfo=UTC))
    assert _measured_c13(branch_id, 2027) == 3.5


def test_the_day_page_reads_in_english_but_for_the_names(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    instance_id = _start(demo, secretary)
    complete_step(
        secretary,
        instance_id,
        "set_theme",
        PLAN | {"theme": "Fourth plenum", "content": "Study the communique", "place": "Room 1"},
    )
    complete_step(secretary, instance_id, "notify", {"plan_confirmed": True, "notified": True})
    login(secretary.login, app.config["DEMO_PASSWORD"])
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    card = form_card(page)
    assert "<h2>Hold the themed party day</h2>" in card
    assert "Members present" in card
    assert "Study hours" in card
    card = without_branch_names(card, demo.branch.id)
    assert not CJK.findall(card)


def test_a_month_ending_without_one_reminds_the_secretary(demo, clock):
    secretary = demo.holder("branch_secretary")
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))  # December's last week, none held
    while run(check_meeting_schedule, actor=SYSTEM):  # as many worker rounds as it takes
        pass
    reminders = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.kind == "reminder"
        )
    ).all()
    assert "2026年12月尚未开展主题党日（2026-12-31 截止）" in reminders  # an activity
