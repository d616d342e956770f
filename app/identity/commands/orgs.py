"""Building and maintaining the organisation tree.

Grading decisions set a branch's level (the grading package); here an administrator creates nodes,
renames them and records branch types and committee terms. The level given when a node is created
is the one it already holds on paper, for installations that start mid-way; the level history it
opens is the levels package's (levels.commands.create_org_unit_with_level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.kinds import ALLOWED_PARENTS
from app.identity.kinds import BranchType
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.identity.policy import require_administers
from app.identity.policy import require_administers_children_of
from app.identity.queries import get_org_by_code

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")


@dataclass(frozen=True)
class OrgDetails:
    """What an administrator may set on a node (the kind is fixed once created)."""

    name: str
    branch_type: BranchType | None = None
    term_start: date | None = None
    term_end: date | None = None

    def errors(self, kind: OrgKind) -> dict[str, str]:
        errors = {}
        if not self.name.strip() or len(self.name) > 200:
            errors["name"] = _("Give a name of at most 200 characters.")
        if kind is OrgKind.BRANCH and self.branch_type is None:
            errors["branch_type"] = _("A party branch needs its type.")
        if kind is not OrgKind.BRANCH and self.branch_type is not None:
            errors["branch_type"] = _("Only a party branch has a type.")
        if self.term_start and self.term_end and self.term_end <= self.term_start:
            errors["term_end"] = _("The term must end after it starts.")
        if kind is OrgKind.PARTY_GROUP and (self.term_start or self.term_end):
            errors["term_start"] = _("A party group has no committee term.")
        return errors


def create_org_unit(
    ctx: CommandContext,
    *,
    parent_code: str | None,
    code: str,
    kind: OrgKind,
    details: OrgDetails,
    level: Level | None = None,
) -> int:
    """Add a node below ``parent_code`` (the company has none). Records ``org_unit_created``."""
    parent = _parent(ctx, parent_code)
    errors = details.errors(kind)
    code = code.strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = _("Use 1 to 32 letters, digits or '-', starting with a letter or digit.")
    elif get_org_by_code(ctx.session, code) is not None:
        errors["code"] = _("This code is already used.")
    if (parent.kind if parent else None) not in ALLOWED_PARENTS[kind]:
        errors["kind"] = _("This kind of organisation cannot be placed here.")
    if level is not None and kind is not OrgKind.BRANCH:
        errors["level"] = _("Only a party branch has a level.")
    if errors:
        raise ValidationFailed(_("The organisation was not created."), errors)

    node = OrgUnit(
        code=code,
        name=details.name.strip(),
        kind=kind,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        path="",
        sort_order=_next_sort_order(ctx, parent),
        branch_type=details.branch_type,
        term_start=details.term_start,
        term_end=details.term_end,
        level=level,
        created_at=ctx.now,
    )
    ctx.session.add(node)
    ctx.session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    ctx.record(
        "org_unit_created",
        ("org_unit", node.id),
        org_unit_id=node.id,
        code=code,
        kind=kind.value,
        parent_code=parent.code if parent else None,
        **_as_values(details),
        level=level.value if level else None,
    )
    return node.id


def _parent(ctx: CommandContext, parent_code: str | None) -> OrgUnit | None:
    if parent_code is None:
        if ctx.actor.user_id is not None:
            scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today)
            if not scope.is_system_admin:
                raise NotFound()
        return None
    parent = get_org_by_code(ctx.session, parent_code)
    if parent is None:
        raise NotFound()
    if ctx.actor.user_id is not None:
        scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today)
        require_administers_children_of(scope, parent.path)
    return parent


def _next_sort_order(ctx: CommandContext, parent: OrgUnit | None) -> int:
    query = select(OrgUnit.sort_order).order_by(OrgUnit.sort_order.desc()).limit(1)
    query = (
        query.where(OrgUnit.parent_id == parent.id)
        if parent
        else query.where(OrgUnit.parent_id.is_(None))
    )
    last = ctx.session.scalar(query)
    return 0 if last is None else last + 1


def update_org_unit(ctx: CommandContext, *, code: str, details: OrgDetails) -> None:
    """Rename a node or correct its type and term. Records ``org_unit_updated`` with old and new."""
    node = get_org_by_code(ctx.session, code)
    if node is None:
        raise NotFound()
    if ctx.actor.user_id is not None:
        require_administers(load_scope(ctx.session, ctx.actor.user_id, ctx.today), node.path)
    errors = details.errors(node.kind)
    if errors:
        raise ValidationFailed(_("The organisation was not changed."), errors)
    before = _as_values(OrgDetails(node.name, node.branch_type, node.term_start, node.term_end))
    after = _as_values(details)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        return
    node.name = details.name.strip()
    node.branch_type = details.branch_type
    node.term_start, node.term_end = details.term_start, details.term_end
    ctx.record(
        "org_unit_updated", ("org_unit", node.id), org_unit_id=node.id, code=code, changes=changes
    )


def _as_values(details: OrgDetails) -> dict[str, Any]:
    return {
        "name": details.name.strip(),
        "branch_type": details.branch_type.value if details.branch_type else None,
        "term_start": details.term_start.isoformat() if details.term_start else None,
        "term_end": details.term_end.isoformat() if details.term_end else None,
    }
