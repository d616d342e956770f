"""Logging in and out: password checks with throttling per account and address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash

from app.core.commands import CommandContext
from app.identity import throttle
from app.identity.passwords import hash_password
from app.identity.queries import get_user_by_login
from app.identity.queries import normalise_login


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None = None
    session_token: str | None = None
    retry_after: int = 0

    @property
    def succeeded(self) -> bool:
        return self.user_id is not None


@cache
def _decoy_hash() -> str:
    # Checked against when the login is unknown, so that unknown and known logins take equally long.
    return hash_password(secrets.token_hex(16))


def _policies() -> dict[str, throttle.ThrottlePolicy]:
    cfg = current_app.config
    common = {
        "window": timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"]),
        "base": timedelta(seconds=cfg["LOGIN_LOCK_BASE_SECONDS"]),
        "maximum": timedelta(seconds=cfg["LOGIN_LOCK_MAX_SECONDS"]),
    }
    return {
        throttle.ACCOUNT: throttle.ThrottlePolicy(cfg["LOGIN_ACCOUNT_THRESHOLD"], **common),
        throttle.ADDRESS: throttle.ThrottlePolicy(cfg["LOGIN_ADDRESS_THRESHOLD"], **common),
    }


def attempt_login(ctx: CommandContext, *, login: str, password: str, address: str) -> LoginOutcome:
    """Check a login and password, counting failures per account and per address.

    Records ``login_throttled``, ``login_failed`` or ``user_logged_in``. A failed attempt is
    committed (it must count), so failure is a returned outcome, not an exception.
    """
    key = normalise_login(login)[:64]
    rows = throttle.load_rows(
        ctx.session, [(throttle.ACCOUNT, key), (throttle.ADDRESS, address)], ctx.now
    )
    wait = throttle.seconds_locked(rows, ctx.now)
    if wait:
        ctx.record("login_throttled", login=key, address=address, retry_after=wait)
        return LoginOutcome(retry_after=wait)

    user = get_user_by_login(ctx.session, key)
    password_ok = check_password_hash(user.password_hash if user else _decoy_hash(), password)
    if user is None or not user.active or not password_ok:
        policies = _policies()
        for row in rows:
            throttle.register_failure(row, policies[row.scope], ctx.now)
        ctx.record("login_failed", login=key, address=address)
        return LoginOutcome()

    throttle.clear(ctx.session, throttle.ACCOUNT, key)
    user.last_login_at = ctx.now
    ctx.record("user_logged_in", ("user", user.id), address=address)
    return LoginOutcome(user_id=user.id, session_token=user.session_token)


def record_logout(ctx: CommandContext, *, user_id: int) -> None:
    ctx.record("user_logged_out", ("user", user_id))
