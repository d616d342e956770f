"""User accounts: creation, passwords."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity import throttle
from app.identity.commands.roles import grant_role
from app.identity.models import User
from app.identity.passwords import hash_password
from app.identity.policy import SYSTEM_ADMIN
from app.identity.policy import load_scope
from app.identity.policy import require_manages_account
from app.identity.queries import get_root
from app.identity.queries import get_user_by_login
from app.identity.queries import normalise_login

MIN_PASSWORD_LENGTH = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("The password is too short."),
            {"password": _("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)},
        )


def create_user(
    ctx: CommandContext,
    *,
    login: str,
    password: str,
    display_name: str,
    person_id: int | None = None,
) -> int:
    """Create an active user. Records ``user_created``; returns the user id."""
    login = normalise_login(login)
    if (
        not login
        or len(login) > 64
        or not login.replace(".", "").replace("_", "").replace("-", "").isalnum()
    ):
        raise ValidationFailed(
            _("The user was not created."), {"login": _("Use letters, digits, '.', '_' or '-'.")}
        )
    if get_user_by_login(ctx.session, login) is not None:
        raise ValidationFailed(_("The user was not created."), {"login": _("This login is taken.")})
    _check_password(password)
    user = User(
        login=login,
        password_hash=hash_password(password),
        active=True,
        display_name=display_name.strip() or login,
        person_id=person_id,
        session_token=secrets.token_hex(16),
        created_at=ctx.now,
    )
    ctx.session.add(user)
    ctx.session.flush()
    ctx.record("user_created", ("user", user.id), login=login)
    return user.id


def set_password(ctx: CommandContext, *, login: str, password: str) -> None:
    """Replace a user's password and end all their sessions. Records ``password_changed``."""
    user = get_user_by_login(ctx.session, login)
    if user is None:
        raise NotFound()
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    throttle.clear(ctx.session, throttle.ACCOUNT, user.login)
    ctx.record("password_changed", ("user", user.id))


def create_user_with_roles(
    ctx: CommandContext, *, login: str, password: str, display_name: str, admin: bool
) -> int:
    """Create a user and, when ``admin``, make them system administrator at the company node."""
    user_id = create_user(ctx, login=login, password=password, display_name=display_name)
    if admin:
        root = get_root(ctx.session)
        if root is None:
            raise ValidationFailed(
                _("There is no organisation yet; load or create the company first.")
            )
        grant_role(ctx, org_code=root.code, login=login, role_code=SYSTEM_ADMIN)
    return user_id


def set_user_active(ctx: CommandContext, *, user_id: int, active: bool, reason: str) -> None:
    """Deactivate an account (it can no longer log in, and its sessions end) or reactivate it.

    The actor must manage the account (policy.require_manages_account).
    Records ``user_deactivated`` or ``user_reactivated``.
    """
    user = ctx.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    if ctx.actor.user_id is not None:
        scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today)
        require_manages_account(ctx.session, scope, user, ctx.today)
    if user.id == ctx.actor.user_id:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(
            _("The account was not changed."),
            {"reason": _("Give a reason of at most 500 characters.")},
        )
    if user.active == active:
        return
    user.active = active
    user.session_token = secrets.token_hex(16)
    ctx.record(
        "user_reactivated" if active else "user_deactivated",
        ("user", user.id),
        login=user.login,
        reason=reason,
    )
