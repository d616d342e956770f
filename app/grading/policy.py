"""Who may read and who may change the grading rubric.

Everyone holding a role anywhere in the organisation reads the rubric they are scored by. Changing
it is for the company organisation department (``company_org_dept`` held at the company node) and
system administrators; other readers are refused (403: they know the rubric exists). Someone holding
no role at all is told "not found", as everywhere else.
"""

from __future__ import annotations

from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity.kinds import OrgKind
from app.identity.policy import Scope

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
