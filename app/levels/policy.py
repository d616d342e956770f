"""Who may record level decisions, and what each user's dashboard covers.

Recording a level is the company's decision (domain.md §5 G5/G6: the company party committee
decides, the organisation department records it): only the system itself (the demo loader, a
future grading cycle step, the terminal) and holders of ``company_org_dept`` or
``company_party_committee`` at the company node may record. A unit decides 未达标/基本达标
itself, but files it with the company, which records it here; a branch never records its own
level.

The dashboard compares branches across units, so it belongs to people who hold a role at the company
(the whole company) or at a unit (that unit). Someone whose roles are all below unit level (a branch
secretary, a general-branch or party-group holder) is refused with 403 and the menu hides the
link: their own branch's level, since when, its plaque and the whole history are on the branch
page, and a one-branch "table per unit" would only repeat it. Someone holding no role at all is
told "not found", as everywhere else.
"""

from __future__ import annotations

from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity.kinds import OrgKind
from app.identity.policy import Scope

RECORDER_ROLES = frozenset({"company_org_dept", "company_party_committee"})
DASHBOARD_KINDS = frozenset({OrgKind.COMPANY, OrgKind.UNIT})


def may_record_levels(scope: Scope) -> bool:
    return any(
        h.role_code in RECORDER_ROLES and h.org_kind is OrgKind.COMPANY for h in scope.holdings
    )


def require_level_recorder(scope: Scope) -> None:
    if not scope.holdings:
        raise NotFound()
    if not may_record_levels(scope):
        raise Forbidden()


def dashboard_roots(scope: Scope) -> list[str]:
    """Paths of the company or units whose branches this user's dashboard counts (no overlaps)."""
    roots: list[str] = []
    for path in sorted(
        {h.org_path for h in scope.holdings if h.org_kind in DASHBOARD_KINDS}, key=len
    ):
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def sees_dashboard(scope: Scope) -> bool:
    return bool(dashboard_roots(scope))


def require_dashboard(scope: Scope) -> list[str]:
    if not scope.holdings:
        raise NotFound()
    roots = dashboard_roots(scope)
    if not roots:
        raise Forbidden()
    return roots
