"""Notifications: a task handed to me, a task overdue (told once), a task sent back round."""

from __future__ import annotations

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.notify.models import Notification
from app.worker import run_once
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from tests.conftest import csrf_token
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _notes(login: str) -> list[tuple[str, str]]:
    user_id = actor(login).user_id
    return [
        (n.kind, n.title)
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
    ]


def test_a_hand_over_tells_the_new_assignee(client, login, people):
    deploy("two_step.bpmn")
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    run(commands.claim_task, actor=actor("sec1"), task_id=task.id)
    run(commands.assign_task, actor=actor("sec1"), task_id=task.id, login="deputy1", reason="出差")
    # told when the task came to the role they share, then when it was handed to them
    assert _notes("deputy1") == [
        ("arrived", "填写会议通知 · 东一采油站党支部"),
        ("assigned", "填写会议通知"),
    ]
    login("deputy1")
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="2 条未读"' in page
    client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/notifications/")})
    assert "条未读" not in client.get("/").get_data(as_text=True)


def test_overdue_tasks_are_announced_once_to_the_roles_holders(people, clock):
    deploy("two_step.bpmn")  # the first task is due in three days (dueIn P3D)
    run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )
    clock.advance(days=2, hours=23)
    run_once()
    assert _notes("sec1") == []
    clock.advance(hours=2)
    run_once()
    run_once()
    assert _notes("sec1") == [("overdue", "填写会议通知")]
    assert _notes("sec3") == []  # another branch's secretary


REVIEW = document(
    "review_loop",
    '<bpmn:startEvent id="start"/>'
    + user_task("submit", name="提交材料")
    + user_task("review", name="审核材料")
    + '<bpmn:exclusiveGateway id="ok" default="back"/>'
    + '<bpmn:userTask id="revise" name="修改材料"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formKey" value="test_any"/>'
    '<spiffworkflow:property name="correctionOf" value="submit"/>'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>'
    + flow("f1", "start", "submit")
    + flow("f2", "submit", "review")
    + flow("f3", "review", "ok")
    + flow("yes", "ok", "end", "approved")
    + flow("back", "ok", "revise")
    + flow("f4", "revise", "end2"),
    {
        "branch_secretary": ["start", "submit", "revise", "end2"],
        "unit_org_reviewer": ["review", "ok", "end"],
    },
)


def test_a_correction_step_tells_who_submitted(people):
    run(deploy_definitions, actor=SYSTEM, sources={"review.bpmn": REVIEW})
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="review_loop",
        org_code=people.tree.branch1,
    )
    (submit,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=submit.id, data={})
    (review,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("rev1"), task_id=review.id, data={"approved": False})
    assert _notes("sec1") == [("returned", "修改材料")]
