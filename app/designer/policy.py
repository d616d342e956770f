"""Who may do what in the designer workspace.

Process designers (``process_designer`` at the company) edit, check and propose; the company
organisation department (``company_org_dept`` at the company) approves or rejects what they
propose, and may look at everything; a system administrator may do both. Anyone else — a branch
secretary, a unit reviewer, a process auditor — is answered "not found" on every page and command.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity.kinds import OrgKind
from app.identity.policy import Scope

DESIGNER_ROLE = "process_designer"
PUBLISHER_ROLE = "company_org_dept"


@dataclass(frozen=True)
class DesignerRights:
    designs: bool
    approves: bool

    @property
    def enters(self) -> bool:
        return self.designs or self.approves


def rights_of(scope: Scope) -> DesignerRights:
    at_company = {h.role_code for h in scope.holdings if h.org_kind == OrgKind.COMPANY}
    return DesignerRights(
        designs=scope.is_system_admin or DESIGNER_ROLE in at_company,
        approves=scope.is_system_admin or PUBLISHER_ROLE in at_company,
    )


def require_entry(scope: Scope) -> DesignerRights:
    rights = rights_of(scope)
    if not rights.enters:
        raise NotFound()
    return rights


def require_designer(scope: Scope) -> None:
    rights = require_entry(scope)
    if not rights.designs:
        raise Forbidden()


def require_approver(scope: Scope) -> None:
    rights = require_entry(scope)
    if not rights.approves:
        raise Forbidden()


def tries_at(scope: Scope, org_path: str) -> bool:
    """Whether a designer (or approver) may dry-run a model at this organisation: at or below
    where they hold their designer role (an administrator anywhere)."""
    if scope.is_system_admin:
        return True
    roles = (DESIGNER_ROLE, PUBLISHER_ROLE)
    return any(h.role_code in roles and org_path.startswith(h.org_path) for h in scope.holdings)


def require_migrator(scope: Scope) -> None:
    """Moving running instances onto a published version: the designers who made it and the
    department that approved it (each move is audited with both versions)."""
    require_entry(scope)
