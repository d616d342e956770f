"""Who may read and who may change the grading rubric.

Everyone holding a role anywhere in the organisation reads the rubric they are scored by. Changing
it is for the company organisation department (``company_org_dept`` held at the company node) and
system administrators; other readers are refused (403: they know the rubric exists). Someone holding
no role at all is told "not found", as everywhere else.
"""

from __future__ import annotations

from app.core.commands import CommandContext
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity.kinds import OrgKind
from app.identity.policy import Scope
from app.identity.policy import load_scope

EDITOR_ROLE = "company_org_dept"


def may_edit_rubric(scope: Scope) -> bool:
    return scope.is_system_admin or any(
        h.role_code == EDITOR_ROLE and h.org_kind is OrgKind.COMPANY for h in scope.holdings
    )


def require_rubric_reader(scope: Scope) -> bool:
    """Refuse anyone outside the organisation; say whether this reader may also edit."""
    if not scope.holdings:
        raise NotFound()
    return may_edit_rubric(scope)


def require_rubric_editor(scope: Scope) -> None:
    if not require_rubric_reader(scope):
        raise Forbidden()


def require_org_department(ctx: CommandContext, refusal: str) -> None:
    """Commands of the company organisation department (starting a cycle, the targets or the
    analysis, drawing the sample, selecting model sites): administrators and the system pass too;
    anyone else holding a role is refused with ``refusal``, anyone holding none is told "not
    found"."""
    if ctx.actor.user_id is None:
        return
    scope = load_scope(ctx.session, ctx.actor.user_id, ctx.today)
    if not scope.holdings and not scope.is_system_admin:
        raise NotFound()
    if not may_edit_rubric(scope):
        raise Forbidden(refusal)
