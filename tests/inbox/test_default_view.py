"""The default inbox view: what I must do and what my roles may take, claimed in one click."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.engine import Engine

from app.core.commands import run
from app.extensions import db
from app.inbox.queries import View
from app.inbox.queries import list_tasks
from app.inbox.queries import view_counts
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.tasks import complete_task
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


@pytest.fixture
def started(people):
    deploy("failing_script.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="failing_script",
        org_code=people.tree.branch1,
    )


@contextmanager
def count_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(sql)

    event.listen(Engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_inbox_opens_on_to_do_with_the_task_my_role_may_claim(client, login, started):
    login("sec1")
    page = _text(client.get("/inbox/"))
    assert 'aria-current="page">待办' in page
    assert page.count('href="/inbox/tasks/') == 1
    assert "填写人数" in page
    assert ">认领</button>" in page


def test_claiming_in_one_click_makes_it_mine_and_returns_to_the_list(client, login, started):
    (task,) = open_tasks(started)
    login("sec1")
    token = csrf_token(client, "/inbox/")
    response = client.post(
        f"/inbox/tasks/{task.id}/claim", data={"csrf_token": token, "back": "list"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox/?view=todo")
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).assignee_user_id is not None
    todo = _text(client.get("/inbox/"))
    assert "已认领，此任务由您办理。" in todo
    assert todo.count('href="/inbox/tasks/') == 1  # still in the default view, now as mine
    assert ">认领</button>" not in todo
    mine = _text(client.get("/inbox/", query_string={"view": "mine"}))
    assert mine.count('href="/inbox/tasks/') == 1


def test_a_task_someone_else_took_is_refused_with_a_message(client, login, people, started):
    (task,) = open_tasks(started)
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    login("sec1")
    token = csrf_token(client, "/inbox/")
    run(commands.claim_task, actor=actor("deputy1"), task_id=task.id)
    response = client.post(
        f"/inbox/tasks/{task.id}/claim", data={"csrf_token": token, "back": "list"}
    )
    assert response.status_code == 302
    assert "1 项任务未能认领" in _text(client.get("/inbox/"))


def test_the_claim_needs_the_csrf_token(client, login, started):
    (task,) = open_tasks(started)
    login("sec1")
    refused = client.post(f"/inbox/tasks/{task.id}/claim", data={"back": "list"})
    assert refused.status_code == 400
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).assignee_user_id is None


def test_the_completed_list_heads_its_time_column_as_completion(client, login, started):
    (task,) = open_tasks(started)
    run(complete_task, actor=actor("sec1"), task_id=task.id, data={"count": 12})
    login("sec1")
    page = _text(client.get("/inbox/", query_string={"view": "completed"}))
    assert "完成时间" in page
    assert "<th>办理期限</th>" not in page
    assert page.count('href="/inbox/tasks/') == 1


def test_the_menu_and_the_home_page_show_how_much_is_to_do(client, login, started):
    login("sec1")
    home = _text(client.get("/"))
    assert '<span class="badge todo" aria-label="1 项待办">1</span>' in home  # the menu
    assert "1 项待办</a>" in home  # the home page's figure, linking to the inbox
    other = _text(client.get("/notifications/"))
    assert 'aria-label="1 项待办">1</span>' in other


def test_the_menu_badge_costs_one_query_per_page(client, login, started):
    login("sec1")
    with count_statements() as seen:
        client.get("/notifications/")
    counts = [s for s in seen if "human_tasks" in s]
    assert len(counts) == 1, counts


def test_nobody_signed_in_sees_no_badge_and_no_count_query(client, started):
    with count_statements() as seen:
        page = _text(client.get("/auth/login"))
    assert "项待办" not in page
    assert not [s for s in seen if "human_tasks" in s]


def test_deadlines_read_as_dates_unless_the_hour_matters(client, login, people):
    deploy("two_step.bpmn", "timer_escalation.bpmn")
    for key in ("two_step", "timer_escalation"):  # due in three days; due in an hour
        run(
            commands.start_instance,
            actor=actor("sec1"),
            process_key=key,
            org_code=people.tree.branch1,
        )
    login("sec1")
    page = _text(client.get("/inbox/"))
    shown = sorted(re.findall(r'data-label="办理期限">([^<\n]+)', page))
    assert shown == ["2026-11-23 11:00", "2026-11-26"], shown  # Beijing time
    (far,) = [t for t in _with_deadline() if t.due_at.day == 26]
    assert "<dd>2026-11-26" in _text(client.get(f"/inbox/tasks/{far.id}"))


def _with_deadline() -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.due_at.is_not(None))))


def test_the_claimable_list_also_claims_in_one_click(client, login, started):
    login("sec1")
    page = _text(client.get("/inbox/", query_string={"view": "claimable"}))
    assert ">认领</button>" in page
    assert 'name="task_id"' in page  # and the bulk claim is still there


def test_the_default_view_as_a_prepared_statement_for_the_api(people, started):
    sec1 = actor("sec1").user_id
    rows, total = list_tasks(db.session, View.TODO, sec1, date(2026, 11, 23))
    assert total == 1
    assert [r.title for r in rows] == ["填写人数"]
    assert view_counts(db.session, sec1, date(2026, 11, 23)) == {
        "mine": 0,
        "claimable": 1,
        "completed": 0,
        "todo": 1,
    }
    assert list_tasks(db.session, View.TODO, actor("sec3").user_id, date(2026, 11, 23))[1] == 0
