"""The home page starts with one's work: to do, overdue, due within a day, and shortcuts to the
procedures one starts most."""

from __future__ import annotations

from app.core.commands import run
from app.workflow import commands
from tests.conftest import csrf_token
from tests.inbox.test_default_view import count_statements
from tests.plugins.people import actor
from tests.plugins.people import deploy


def _start(people, key: str) -> int:
    return run(
        commands.start_instance, actor=actor("sec1"), process_key=key, org_code=people.tree.branch1
    )


def test_the_home_page_counts_my_work_and_links_to_it(client, login, people, clock):
    deploy("failing_script.bpmn", "timer_escalation.bpmn")
    _start(people, "failing_script")
    _start(people, "timer_escalation")  # due in an hour
    login("sec1")
    home = client.get("/").get_data(as_text=True)
    assert "2 项待办</a>" in home
    assert "1 项一天内到期" in home
    assert 'href="/inbox/?view=todo&amp;due=soon"' in home
    assert "项逾期" not in home
    clock.advance(hours=2)
    home = client.get("/").get_data(as_text=True)
    assert "1 项逾期" in home
    assert 'href="/inbox/?view=todo&amp;due=overdue"' in home


def test_the_home_page_reads_the_counts_once(client, login, people):
    deploy("failing_script.bpmn")
    _start(people, "failing_script")
    login("sec1")
    with count_statements() as seen:
        home = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 项待办">1</span>' in home  # the menu's badge, from the same figures
    assert len([s for s in seen if "FROM human_tasks" in s]) == 1


def test_shortcuts_start_what_i_start_most_in_one_click(client, login, people):
    deploy("failing_script.bpmn", "timer_escalation.bpmn")
    login("sec1")
    assert "常用发起" not in client.get("/").get_data(as_text=True)  # nothing started yet
    for key in ("failing_script", "failing_script", "timer_escalation"):
        _start(people, key)
    home = client.get("/").get_data(as_text=True)
    first, second = home.index("会失败的脚本”"), home.index("超时升级")
    assert "常用发起" in home
    assert first < second  # most started first
    response = client.post(
        "/inbox/start",
        data={
            "csrf_token": csrf_token(client, "/"),
            "process_key": "failing_script",
            "org_code": people.tree.branch1,
        },
    )
    assert "/inbox/tasks/" in response.headers["Location"]


def test_a_reviewer_is_pointed_to_what_is_coming_up(client, login, people):
    login("rev1")
    assert 'href="/inbox/upcoming"' in client.get("/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("sec1")
    assert 'href="/inbox/upcoming"' not in client.get("/").get_data(as_text=True)
