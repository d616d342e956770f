"""The profile page: API tokens created (shown once), listed by prefix, revoked."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.identity.models import ApiToken
from tests.conftest import csrf_token
from tests.factories import make_user


def test_create_list_and_revoke_a_token(client, login, app):
    make_user("wang")
    login("wang")
    page = client.post(
        "/profile/tokens", data={"csrf_token": csrf_token(client, "/profile"), "name": "手机"}
    )
    assert page.status_code == 200
    token = re.search(r"bf_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)
    assert "仅显示这一次" in page.get_data(as_text=True)
    assert (
        client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    listing = client.get("/profile").get_data(as_text=True)
    assert token not in listing  # only its prefix is shown again
    assert token[:10] in listing
    stored = db.session.scalars(select(ApiToken)).one()
    response = client.post(
        f"/profile/tokens/{stored.id}/revoke", data={"csrf_token": csrf_token(client, "/profile")}
    )
    assert response.status_code == 302
    assert (
        client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_someone_elses_token_cannot_be_revoked(client, login):
    make_user("wang")
    make_user("li")
    app_client = client
    login("li")
    app_client.post(
        "/profile/tokens", data={"csrf_token": csrf_token(client, "/profile"), "name": "li"}
    )
    token_id = db.session.scalar(select(ApiToken.id))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("wang")
    response = client.post(
        f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/profile")}
    )
    assert response.status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None
