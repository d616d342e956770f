"""Logging in and out: CSRF, wrong passwords, slowing down guessers, sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.conftest import csrf_token
from tests.conftest import log_in
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def secretary(app):
    tree = make_tree()
    person = make_person("王建国", tree.branch1)
    make_user("wangjianguo", person_id=person, name="王建国")
    grant("wangjianguo", "branch_secretary", tree.branch1)
    return "wangjianguo"


def _events(kind: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)))


def test_login_page_is_chinese_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "登录" in page
    assert "用户名" in page
    assert "密码" in page


def test_successful_login_shows_my_branch(client, secretary):
    response = log_in(client, secretary)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "王建国" in home
    assert "东一采油站党支部" in home
    assert "支部书记" in home
    assert _events("user_logged_in")[0].actor_login == "anonymous"


def test_login_is_case_insensitive_and_trims_the_login(client, secretary):
    assert log_in(client, "  WangJianGuo ").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, secretary):
    wrong = log_in(client, secretary, "not-the-password")
    unknown = log_in(client, "nobody", TEST_PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    assert [e.payload for e in _events("login_failed")] == [
        '{"address":"127.0.0.1","login":"wangjianguo"}',
        '{"address":"127.0.0.1","login":"nobody"}',
    ]


def test_post_without_csrf_token_is_rejected(client, secretary):
    response = client.post("/auth/login", data={"login": secretary, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _events("user_logged_in") == []


def test_repeated_failures_lock_the_account_then_time_unlocks_it(client, secretary, clock, app):
    threshold = app.config["LOGIN_ACCOUNT_THRESHOLD"]
    for _ in range(threshold):
        assert log_in(client, secretary, "guess").status_code == 401

    locked = log_in(client, secretary)  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == app.config["LOGIN_LOCK_BASE_SECONDS"]
    assert "秒后重试" in locked.get_data(as_text=True)
    assert len(_events("login_throttled")) == 1

    clock.advance(seconds=app.config["LOGIN_LOCK_BASE_SECONDS"] + 1)
    assert log_in(client, secretary).status_code == 302


def test_lock_doubles_with_each_further_failure(client, secretary, clock, app):
    base = app.config["LOGIN_LOCK_BASE_SECONDS"]
    for _ in range(app.config["LOGIN_ACCOUNT_THRESHOLD"]):
        log_in(client, secretary, "guess")
    clock.advance(seconds=base + 1)
    assert log_in(client, secretary, "guess").status_code == 401
    assert int(log_in(client, secretary).headers["Retry-After"]) == 2 * base


def test_many_failures_from_one_address_slow_every_account_from_it(client, secretary, app):
    make_user("other")
    for index in range(app.config["LOGIN_ADDRESS_THRESHOLD"]):
        log_in(client, f"guess{index}", "guess")  # a different account each time
    assert log_in(client, "other").status_code == 429


def test_logout_ends_the_session_and_needs_post(client, secretary):
    log_in(client, secretary)
    assert client.get("/auth/logout").status_code == 405
    token = csrf_token(client, "/")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert len(_events("user_logged_out")) == 1


def test_changing_the_password_ends_open_sessions(client, secretary, app):
    log_in(client, secretary)
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", secretary], input="a-new-password\na-new-password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302


def test_after_login_only_same_site_targets_are_followed(client, secretary):
    token = csrf_token(client)
    data = {"csrf_token": token, "login": secretary, "password": TEST_PASSWORD}
    evil = client.post("/auth/login", data={**data, "next": "//evil.example/x"})
    assert evil.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite(client, secretary):
    response = log_in(client, secretary)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
