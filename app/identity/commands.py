"""Write use cases of the identity domain: logging in and out, granting and revoking roles, users.

Each function is a command for ``core.commands.run``: it authorises, changes rows, records audit
events, and never commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity import catalogue
from app.identity import throttle
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.policy import SYSTEM_ADMIN
from app.identity.policy import load_scope
from app.identity.policy import require_administers
from app.identity.queries import active_on
from app.identity.queries import get_org_by_code
from app.identity.queries import get_root
from app.identity.queries import get_user_by_login
from app.identity.queries import normalise_login

MIN_PASSWORD_LENGTH = 8


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
    return generate_password_hash(secrets.token_hex(16))


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


def grant_role(
    ctx: CommandContext,
    *,
    org_code: str,
    login: str,
    role_code: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> int:
    """Give a user a role at an organisation node. Records ``role_granted``; returns its id."""
    today = ctx.today
    org = get_org_by_code(ctx.session, org_code)
    if org is None:
        raise NotFound()
    if ctx.actor.user_id is not None:  # the system (CLI, demo loader) is not scoped
        require_administers(load_scope(ctx.session, ctx.actor.user_id, today), org.path)

    valid_from = valid_from or today
    user = _validate_grant(ctx, org, login, role_code, valid_from, valid_to)
    assignment = RoleAssignment(
        user_id=user.id,
        role_code=role_code,
        org_unit_id=org.id,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by_user_id=ctx.actor.user_id,
        granted_at=ctx.now,
    )
    ctx.session.add(assignment)
    ctx.session.flush()
    ctx.record(
        "role_granted",
        ("role_assignment", assignment.id),
        org_unit_id=org.id,
        user_login=user.login,
        role_code=role_code,
        org_code=org.code,
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat() if valid_to else None,
    )
    return assignment.id


def _validate_grant(
    ctx: CommandContext,
    org: OrgUnit,
    login: str,
    role_code: str,
    valid_from: date,
    valid_to: date | None,
) -> User:
    errors: dict[str, str] = {}
    role = catalogue.get_role(role_code)
    if role is None or not role.grantable:
        errors["role_code"] = _("Unknown role.")
    elif org.kind not in role.applies_at:
        errors["role_code"] = _("This role cannot be held at this kind of organisation.")
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The end date must not be before the start date.")
    user = get_user_by_login(ctx.session, login)
    if user is None or not user.active:
        errors["login"] = _("No active user has this login.")
    elif not errors and _holds_already(ctx, user.id, role_code, org.id, valid_from):
        errors["login"] = _("This user already holds this role here.")
    if errors or user is None:
        raise ValidationFailed(_("The role was not granted."), errors)
    return user


def _holds_already(
    ctx: CommandContext, user_id: int, role_code: str, org_id: int, day: date
) -> bool:
    return (
        ctx.session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.role_code == role_code,
                RoleAssignment.org_unit_id == org_id,
                active_on(day),
            )
        )
        is not None
    )


def revoke_role(ctx: CommandContext, *, assignment_id: int, reason: str) -> str:
    """End a role assignment now, keeping it in the history. Records ``role_revoked``.

    Returns the code of the organisation node the assignment was at.
    """
    assignment = ctx.session.get(RoleAssignment, assignment_id, with_for_update=True)
    if assignment is None:
        raise NotFound()
    org = assignment.org_unit
    if ctx.actor.user_id is not None:
        require_administers(load_scope(ctx.session, ctx.actor.user_id, ctx.today), org.path)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("The role was not revoked."), {"reason": _("Give a reason.")})
    if len(reason) > 500:
        raise ValidationFailed(
            _("The role was not revoked."), {"reason": _("At most 500 characters.")}
        )
    if assignment.revoked_at is not None:
        raise ValidationFailed(_("This assignment was already revoked."))
    if assignment.role_code == SYSTEM_ADMIN and _is_last_admin(ctx, assignment.id):
        raise ValidationFailed(_("The last system administrator cannot be revoked."))
    assignment.revoked_at = ctx.now
    assignment.revoked_by_user_id = ctx.actor.user_id
    assignment.revoke_reason = reason
    ctx.record(
        "role_revoked",
        ("role_assignment", assignment.id),
        org_unit_id=org.id,
        user_login=assignment.user.login,
        role_code=assignment.role_code,
        org_code=org.code,
        reason=reason,
    )
    return org.code


def _is_last_admin(ctx: CommandContext, assignment_id: int) -> bool:
    others = ctx.session.scalar(
        select(RoleAssignment.id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role_code == SYSTEM_ADMIN,
            RoleAssignment.id != assignment_id,
            User.active.is_(True),
            active_on(ctx.today),
        )
        .limit(1)
    )
    return others is None


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
        password_hash=generate_password_hash(password),
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
    user.password_hash = generate_password_hash(password)
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
