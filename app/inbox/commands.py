"""Saving and deleting inbox filters."""

from __future__ import annotations

import json

from flask_babel import gettext as _

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.policy import load_scope
from app.inbox.models import SavedFilter
from app.inbox.queries import TaskFilter
from app.inbox.queries import View


def save_filter(
    ctx: CommandContext, *, name: str, view: str, args: dict[str, str], shared_role: str | None
) -> int:
    """Keep a filter under a name, for oneself or for a role one holds. Records ``filter_saved``."""
    name = name.strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = _("Give a name of at most 100 characters.")
    if view not in {v.value for v in View}:
        errors["view"] = _("Invalid parameters.")
    held = {h.role_code for h in load_scope(ctx.session, ctx.actor.user_id, ctx.today).holdings}
    if shared_role and shared_role not in held:
        errors["shared_role"] = _("You can share only with a role you hold.")
    if errors:
        raise ValidationFailed(_("The filter was not saved."), errors)
    row = SavedFilter(
        owner_user_id=ctx.actor.user_id,
        name=name,
        view=view,
        query_json=json.dumps(TaskFilter.from_args(args).as_args(), ensure_ascii=False),
        shared_role=shared_role or None,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record("filter_saved", ("saved_filter", row.id), name=name, shared_role=shared_role or None)
    return row.id


def delete_filter(ctx: CommandContext, *, filter_id: int) -> None:
    """Delete one's own saved filter. Records ``filter_deleted``."""
    row = ctx.session.get(SavedFilter, filter_id)
    if row is None or row.owner_user_id != ctx.actor.user_id:
        raise NotFound()
    ctx.session.delete(row)
    ctx.record("filter_deleted", ("saved_filter", filter_id), name=row.name)
