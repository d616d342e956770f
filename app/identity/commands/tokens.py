"""API tokens: created on the profile page or by ``flask users token``, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.models import ApiToken
from app.identity.policy import load_scope
from app.identity.queries import get_user_by_login

TOKEN_PREFIX = "bf_"  # noqa: S105 - a marker that makes leaked tokens easy to find, not a secret


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str  # shown once, never stored


def create_api_token(ctx: CommandContext, *, login: str, name: str) -> NewToken:
    """A token for ``login`` (one's own; anyone's for the system). Records ``api_token_created``."""
    user = get_user_by_login(ctx.session, login)
    if user is None or not user.active:
        raise NotFound()
    if ctx.actor.user_id is not None and ctx.actor.user_id != user.id:
        raise NotFound()
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            _("The token was not created."), {"name": _("Give a name of at most 100 characters.")}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_digest(token),
        prefix=token[:10],
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record("api_token_created", ("api_token", row.id), user_login=user.login, name=name)
    return NewToken(row.id, token)


def revoke_api_token(ctx: CommandContext, *, token_id: int) -> None:
    """Revoke a token: its owner or a system administrator. Records ``api_token_revoked``."""
    row = ctx.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound()
    owner_or_system = ctx.actor.user_id in (None, row.user_id)
    if (
        not owner_or_system
        and not load_scope(ctx.session, ctx.actor.user_id, ctx.today).is_system_admin
    ):
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.record("api_token_revoked", ("api_token", row.id))


def stamp_token_use(ctx: CommandContext, *, token_id: int) -> None:
    """Note when a token was last used (at most hourly: reads should not all become writes)."""
    row = ctx.session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = ctx.now
