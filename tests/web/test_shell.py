"""Health check, security headers, login required everywhere, language switch, error pages."""

from __future__ import annotations

from app import create_app
from tests.conftest import csrf_token
from tests.conftest import make_settings
from tests.factories import make_user


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    # A port nothing listens on (PostgreSQL) and a directory that does not exist (SQLite).
    for url in (
        "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1",
        f"sqlite:///{tmp_path}/no/such/dir/x.db",
    ):
        app = create_app(make_settings(tmp_path, url))
        response = app.test_client().get("/healthz")
        assert response.status_code == 503, url
        assert response.get_json()["status"] == "unavailable"


def test_every_page_sends_security_headers(client):
    response = client.get("/auth/login")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_require_login(client):
    for path in ("/", "/admin/", "/orgs/C", "/people/1", "/admin/people"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_language_switch_turns_the_ui_english_and_back(client):
    assert "登录" in client.get("/auth/login").get_data(as_text=True)
    token = csrf_token(client)
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/auth/login"})
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)
    client.post("/language", data={"csrf_token": token, "language": "zh_CN", "next": "/auth/login"})
    assert "登录" in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"csrf_token": token, "language": "xx", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert "branchflow_lang" not in response.headers.get("Set-Cookie", "")


def test_not_found_page_is_chinese(client, login, app):
    make_user("somebody")
    login("somebody")
    response = client.get("/orgs/NOPE")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_building_the_app_never_touches_the_database(tmp_path):
    # The engines connect lazily: an app for a server nobody listens on is still built, and its
    # first connection is only tried when a request needs one.
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    app = create_app(make_settings(tmp_path, url))
    assert app.config["DATABASE_URL"] == url
    assert app.extensions["branchflow.db"].write.pool.checkedout() == 0
