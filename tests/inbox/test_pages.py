"""The inbox pages: lists by view and scope, bulk claim, the task form with per-field errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.inbox.models import TaskDraft
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


@pytest.fixture
def started(people):
    deploy("failing_script.bpmn")
    return [
        run(
            commands.start_instance,
            actor=actor("sec1"),
            process_key="failing_script",
            org_code=people.tree.branch1,
        )
        for _ in range(2)
    ]


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_claimable_tasks_are_listed_for_the_branch_only(client, login, started):
    login("sec1")
    page = _text(client.get("/inbox/", query_string={"view": "claimable"}))
    assert page.count('href="/inbox/tasks/') == 2
    assert "会失败的脚本" in page
    assert "东一采油站党支部" in page
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("sec3")
    assert "填写人数" not in _text(client.get("/inbox/", query_string={"view": "claimable"}))


def test_bulk_claim_reports_what_someone_else_took_first(client, login, people, started):
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    first, second = (open_tasks(i)[0] for i in started)
    run(commands.claim_task, actor=actor("deputy1"), task_id=second.id)  # just before
    login("sec1")
    token = csrf_token(client, "/inbox/?view=claimable")
    response = client.post(
        "/inbox/claim", data={"csrf_token": token, "task_id": [first.id, second.id]}
    )
    assert response.status_code == 302
    mine = _text(client.get("/inbox/", query_string={"view": "mine"}))
    assert "已认领 1 项任务" in mine
    assert "1 项任务未能认领" in mine
    db.session.rollback()
    assert db.session.get(HumanTask, first.id).assignee_user_id is not None


def test_form_errors_come_back_per_field_with_the_input_kept(client, login, started):
    task = open_tasks(started[0])[0]
    login("sec1")
    page = _text(client.get(f"/inbox/tasks/{task.id}"))
    assert "人数" in page
    assert "实到人数" in page
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    bad = client.post(
        f"/inbox/tasks/{task.id}/complete",
        data={"csrf_token": token, "count": "十二", "note": "<b>x</b>"},
    )
    assert bad.status_code == 422
    assert "请填写正确类型的值" in _text(bad)
    assert 'value="十二"' in _text(bad)
    assert "&lt;b&gt;x&lt;/b&gt;" in _text(bad)  # kept, and escaped
    negative = client.post(
        f"/inbox/tasks/{task.id}/complete", data={"csrf_token": token, "count": "-1"}
    )
    assert "不能小于 0" in _text(negative)
    done = client.post(
        f"/inbox/tasks/{task.id}/complete", data={"csrf_token": token, "count": "12"}
    )
    assert done.status_code == 302
    assert "已提交" in _text(client.get("/inbox/"))
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).state is HumanTaskState.COMPLETED
    (confirm,) = open_tasks(started[0])
    assert confirm.element_id == "confirm"


def test_another_branch_gets_404_for_the_task_page(client, login, started):
    task = open_tasks(started[0])[0]
    login("sec3")
    assert client.get(f"/inbox/tasks/{task.id}").status_code == 404
    token = csrf_token(client, "/inbox/")
    assert (
        client.post(
            f"/inbox/tasks/{task.id}/complete", data={"csrf_token": token, "count": "1"}
        ).status_code
        == 404
    )


def test_overdue_tasks_are_marked(client, login, people, clock):
    deploy("timer_escalation.bpmn")
    run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
    )
    login("sec1")
    assert "即将到期" in _text(client.get("/inbox/", query_string={"view": "claimable"}))
    clock.advance(hours=2)  # past the PT1H due time (no worker has run)
    assert "已超期" in _text(client.get("/inbox/", query_string={"view": "claimable"}))


def test_claim_and_give_back_from_the_task_page(client, login, started):
    task = open_tasks(started[0])[0]
    login("sec1")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    client.post(f"/inbox/tasks/{task.id}/claim", data={"csrf_token": token})
    assert "退回待认领" in _text(client.get(f"/inbox/tasks/{task.id}"))
    client.post(f"/inbox/tasks/{task.id}/unclaim", data={"csrf_token": token})
    db.session.rollback()
    assert (
        db.session.scalar(select(HumanTask.assignee_user_id).where(HumanTask.id == task.id)) is None
    )


def test_start_page_lists_what_my_roles_may_start_and_takes_me_to_the_first_step(
    client, login, people
):
    deploy("failing_script.bpmn", "unit_round.bpmn", "round_summary.bpmn", "level_decision.dmn")
    login("sec1")
    page = _text(client.get("/inbox/start"))
    assert "会失败的脚本" in page
    assert "东一采油站党支部" in page
    assert "逐支部评分" not in page  # the unit reviewer's procedure
    token = csrf_token(client, "/inbox/start")
    response = client.post(
        "/inbox/start",
        data={"csrf_token": token, "process_key": "failing_script", "org_code": "U1-B1"},
    )
    assert response.status_code == 302
    assert "/inbox/tasks/" in response.headers["Location"]
    assert "填写人数" in _text(client.get(response.headers["Location"]))
    refused = client.post(
        "/inbox/start", data={"csrf_token": token, "process_key": "unit_round", "org_code": "U1"}
    )
    assert refused.status_code == 404  # the unit is not even visible to a branch secretary


def test_filters_narrow_the_list_and_can_be_saved_and_shared(client, login, people, started, clock):
    deploy("timer_escalation.bpmn")
    run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
    )
    login("sec1")
    listing = _text(
        client.get("/inbox/", query_string={"view": "claimable", "process_key": "timer_escalation"})
    )
    assert listing.count('href="/inbox/tasks/') == 1
    assert "按期审批" in listing
    soon = _text(client.get("/inbox/", query_string={"view": "claimable", "due": "soon"}))
    assert soon.count('href="/inbox/tasks/') == 1
    none = _text(client.get("/inbox/", query_string={"view": "claimable", "text": "填写"}))
    assert none.count('href="/inbox/tasks/') == 2
    token = csrf_token(client, "/inbox/")
    client.post(
        "/inbox/filters",
        data={
            "csrf_token": token,
            "name": "本周到期",
            "view": "claimable",
            "due": "soon",
            "shared_role": "branch_secretary",
        },
    )
    assert "本周到期" in _text(client.get("/inbox/"))
    client.post("/auth/logout", data={"csrf_token": token})
    login("sec3")  # another branch's secretary: the shared filter, but not the tasks
    page = _text(client.get("/inbox/"))
    assert "本周到期" in page
    refused = client.post(
        "/inbox/filters",
        data={
            "csrf_token": csrf_token(client, "/inbox/"),
            "name": "x",
            "view": "mine",
            "shared_role": "system_admin",
        },
    )
    assert refused.status_code == 302
    assert "只能与您担任的角色共享" in _text(client.get("/inbox/"))


def test_a_draft_is_kept_for_later_and_goes_when_the_task_is_done(client, login, started):
    task = open_tasks(started[0])[0]
    login("sec1")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    saved = client.post(
        f"/inbox/tasks/{task.id}/complete",
        data={"csrf_token": token, "count": "七", "note": "还差两人", "action": "draft"},
    )
    assert saved.status_code == 302
    page = _text(client.get(f"/inbox/tasks/{task.id}"))
    assert 'value="七"' in page  # kept as typed, not validated yet
    assert "还差两人" in page
    client.post(f"/inbox/tasks/{task.id}/complete", data={"csrf_token": token, "count": "7"})
    db.session.rollback()

    assert db.session.scalars(select(TaskDraft)).all() == []


def test_hand_over_to_another_holder_of_the_role(client, login, people, started):
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    task = open_tasks(started[0])[0]
    run(commands.claim_task, actor=actor("sec1"), task_id=task.id)
    login("sec1")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    nobody = client.post(
        f"/inbox/tasks/{task.id}/reassign",
        data={"csrf_token": token, "login": "sec3", "reason": "出差"},
    )
    assert nobody.status_code == 302
    assert "未担任任务所需的角色" in _text(client.get(f"/inbox/tasks/{task.id}"))
    client.post(
        f"/inbox/tasks/{task.id}/reassign",
        data={"csrf_token": token, "login": "deputy1", "reason": "出差"},
    )
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).assignee_user_id == actor("deputy1").user_id
