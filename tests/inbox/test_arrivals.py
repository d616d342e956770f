"""A task arriving for my role tells me: batched per step, today's holders only, not the actor."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.identity.models import OrgUnit
from app.notify.commands import Arrival
from app.notify.commands import notify_arrivals
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from tests.conftest import csrf_token
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.factories import grant
from tests.factories import make_user
from tests.inbox.test_default_view import count_statements
from tests.inbox.test_notifications import REVIEW
from tests.plugins.demo import holder_at
from tests.plugins.people import actor
from tests.plugins.people import open_tasks


def _notes(login: str) -> list[tuple[str, str, int | None]]:
    user_id = actor(login).user_id
    return [
        (n.kind, n.title, n.task_id)
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
    ]


def _submitted_for_review(people) -> int:
    run(deploy_definitions, actor=SYSTEM, sources={"review.bpmn": REVIEW})
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="review_loop",
        org_code=people.tree.branch1,
    )
    (submit,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=submit.id, data={})
    return instance_id


def test_a_task_for_my_role_at_my_unit_tells_me_with_a_link(client, login, people):
    make_user("rev2")
    grant("rev2", "unit_org_reviewer", people.tree.unit1)
    make_user("former")  # held the role until yesterday
    grant("former", "unit_org_reviewer", people.tree.unit1, date(2025, 1, 1), date(2026, 11, 22))
    make_user("elsewhere")  # the same role at another unit
    grant("elsewhere", "unit_org_reviewer", people.tree.unit2)
    instance_id = _submitted_for_review(people)
    (review,) = open_tasks(instance_id)
    told = ("arrived", f"{review.title} · 东一采油站党支部", review.id)  # whose review it is
    assert _notes("rev1") == [told]
    assert _notes("rev2") == [told]
    assert _notes("former") == []
    assert _notes("elsewhere") == []
    assert _notes("sec1") == []  # who caused it sees it at once
    login("rev1")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "本角色的新任务" in page
    assert f'href="/inbox/tasks/{review.id}"' in page


def _chain() -> None:
    body = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
    body += user_task("t1") + user_task("t2")
    body += flow("f0", "start", "t1") + flow("f1", "t1", "t2") + flow("f2", "t2", "end")
    lanes = {"branch_secretary": ["start", "t1", "t2", "end"]}
    run(deploy_definitions, actor=SYSTEM, sources={"c.bpmn": document("chain", body, lanes)})


def test_the_next_step_of_my_own_lane_tells_nobody(people):
    _chain()
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="chain",
        org_code=people.tree.branch1,
    )
    (first,) = open_tasks(instance_id)
    told = ("arrived", f"{first.title} · 东一采油站党支部", first.id)
    assert _notes("deputy1") == [told]  # a new instance: told
    run(commands.complete_task, actor=actor("sec1"), task_id=first.id, data={"a": "一"})
    (second,) = open_tasks(instance_id)
    assert second.element_id == "t2"
    assert _notes("deputy1") == [told]  # sec1's work going on


def test_the_unread_count_shows_in_the_menu_after_the_arrival(client, login, people):
    _submitted_for_review(people)
    login("rev1")
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 条未读"' in page
    client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/notifications/")})
    assert "条未读" not in client.get("/").get_data(as_text=True)


def test_several_arrivals_are_told_in_one_statement(people):
    make_user("gl1")
    grant("gl1", "group_leader", people.tree.branch1_group1)
    sec3 = actor("sec3")
    b1, b3 = (
        db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
        for code in (people.tree.branch1, people.tree.branch3)
    )
    arrivals = [
        Arrival(101, 1, "甲", "branch_secretary", b1),
        Arrival(102, 1, "乙", "branch_secretary", b3),  # sec3's own: not told
        Arrival(103, 1, "丙", "group_leader", b1),  # held at a group of that branch
        Arrival(104, 1, "丁", None, b1, assignee_user_id=actor("rev1").user_id),
    ]
    with count_statements() as seen:
        run(_tell, actor=sec3, arrivals=arrivals)
    assert len([s for s in seen if "INSERT INTO notifications" in s]) == 2  # roles; assignee
    assert _notes("sec1") == [("arrived", "甲", 101)]
    assert _notes("sec3") == []
    assert _notes("gl1") == [("arrived", "丙", 103)]
    assert _notes("rev1") == [("assigned", "丁", 104)]


def _tell(ctx, *, arrivals):
    notify_arrivals(ctx, arrivals)


def test_a_cycle_started_for_many_branches_tells_each_secretary_in_one_go(demo):
    """85 branches: more than a step makes ready, so the holders are found and told in bulk."""
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH"
    )
    db.session.rollback()
    instances = select(CycleBranch.instance_id).where(CycleBranch.cycle_id == cycle_id)
    started = db.session.scalar(select(func.count()).select_from(instances.subquery()))
    told = db.session.scalar(
        select(func.count(func.distinct(Notification.instance_id))).where(
            Notification.instance_id.in_(instances)
        )
    )
    assert started > 1
    assert told == started  # every branch's self-assessment reached someone's notifications
