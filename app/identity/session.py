"""The logged-in user of a request and their scope, for views and templates."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Flask
from flask import g
from flask import request
from flask_login import UserMixin
from flask_login import current_user

from app.core.clock import local_today
from app.core.commands import Actor
from app.extensions import db
from app.extensions import login_manager
from app.identity.models import User
from app.identity.policy import Scope
from app.identity.policy import load_scope


@dataclass(frozen=True)
class LoginUser(UserMixin):
    """What the login session knows of a user: no ORM object outlives its session."""

    id: int
    login: str
    display_name: str
    person_id: int | None
    session_token: str

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


def init_app(app: Flask) -> None:
    """Flask-Login finds the signed-in user through ``load_user`` (called by ``create_app``)."""
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> LoginUser | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return LoginUser(user.id, user.login, user.display_name, user.person_id, user.session_token)


def current_scope() -> Scope:
    """The roles the current user holds today; loaded once per request."""
    if "scope" not in g:
        g.scope = load_scope(db.session, current_user.id, local_today())
    return g.scope


def current_actor() -> Actor:
    return Actor(
        user_id=current_user.id,
        login=current_user.login,
        source="web",
        address=request.remote_addr,
        request_id=g.get("request_id"),
    )


def anonymous_actor() -> Actor:
    return Actor(
        user_id=None,
        login="anonymous",
        source="web",
        address=request.remote_addr,
        request_id=g.get("request_id"),
    )
