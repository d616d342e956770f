"""The scheme in force and its versions: the shipped default is version 1 (the project's proposal);
the company's organisation department publishes a changed document as version 2, 3, … (checked
first, with a reason, recorded in the audit trail). Points are always computed with the version in
force; a row is never changed, so what each version said stays readable."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import CommandContext
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.kinds import OrgKind
from app.identity.policy import load_scope
from app.members.points.models import PointsSchemeVersion
from app.members.points.scheme import Scheme
from app.members.points.scheme import default_scheme
from app.members.points.scheme import parse
from app.members.points.scheme import validate

EDITOR_ROLE = "company_org_dept"
REASON_LIMIT = 1000


def current_scheme(session: Session) -> Scheme:
    """The newest published version, else the shipped default."""
    row = session.scalars(
        select(PointsSchemeVersion).order_by(PointsSchemeVersion.version.desc()).limit(1)
    ).first()
    return parse(json.loads(row.content_json)) if row else default_scheme()


def publish_scheme(ctx: CommandContext, *, document: dict[str, Any], reason: str) -> int:
    """Store ``document`` as the next version; its number. Records ``points_scheme_published``."""
    _require_editor(ctx)
    errors = {p.split(":", 1)[0]: p for p in validate(document)}
    reason = reason.strip()
    if not reason or len(reason) > REASON_LIMIT:
        errors["reason"] = _(
            "Give the reason for the change (at most %(n)d characters).", n=REASON_LIMIT
        )
    if errors:
        raise ValidationFailed(_("The points scheme was not published."), errors)
    newest = ctx.session.scalar(select(func.max(PointsSchemeVersion.version))) or 1
    row = PointsSchemeVersion(
        version=newest + 1,
        content_json=json.dumps({**document, "version": newest + 1}, ensure_ascii=False),
        created_at=ctx.now,
        created_by_user_id=ctx.actor.user_id,
        created_by_login=ctx.actor.login,
        reason=reason,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(
        "points_scheme_published",
        ("points_scheme_version", row.id),
        version=row.version,
        reason=reason,
    )
    return row.version


def _require_editor(ctx: CommandContext) -> None:
    """The company's organisation department (and administrators, the terminal): others holding a
    role are refused, anyone holding none is told "not found"."""
    if ctx.actor.user_id is None:
        return
    scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today)
    if not scope.holdings:
        raise NotFound()
    if not scope.is_system_admin and not any(
        h.role_code == EDITOR_ROLE and h.org_kind is OrgKind.COMPANY for h in scope.holdings
    ):
        raise Forbidden(_("Only the company's organisation department changes the points scheme."))
