"""Who reads a branch's ledgers: its committee and record keepers, and the reviewers and auditors
above it, for their own subtree. Anyone else is told "not found" (identity.policy's rule)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import SYSTEM_ADMIN
from app.identity.policy import Scope

LEDGER_READERS = frozenset(
    {
        "branch_secretary",
        "deputy_secretary",
        "org_member",
        "propaganda_member",
        "discipline_member",
        "dues_clerk",
        "branch_committee",
        "unit_party_committee",
        "unit_org_reviewer",
        "unit_organizer",
        "company_party_committee",
        "company_org_dept",
        "auditor",
        "process_auditor",
        SYSTEM_ADMIN,
    }
)


def ledger_roots(scope: Scope) -> list[str]:
    """The paths under which the user reads ledgers (their own node and below)."""
    return sorted({h.org_path for h in scope.holdings if h.role_code in LEDGER_READERS})


def reads_ledgers_of(scope: Scope, path: str) -> bool:
    return any(path.startswith(root) for root in ledger_roots(scope))


def readable_orgs(session: Session, scope: Scope, kinds: set[str]) -> list[OrgUnit]:
    """The organisations of ``kinds`` (where ledgers are kept) whose ledgers the user reads."""
    roots = ledger_roots(scope)
    if not roots or not kinds:
        return []
    return list(
        session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.kind.in_([OrgKind(kind) for kind in kinds]),
                or_(*(OrgUnit.path.startswith(root) for root in roots)),
            )
            .order_by(OrgUnit.path)
        )
    )


def readable_org(session: Session, scope: Scope, code: str) -> OrgUnit:
    org = session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()
    if org is None or not reads_ledgers_of(scope, org.path):
        raise NotFound()
    return org


#: Who reads and downloads a branch's sealed archives: its committee, and the reviewers and
#: auditors above it (not the dues clerk, not the administrators of the tree).
ARCHIVE_READERS = frozenset(
    {
        "branch_secretary",
        "deputy_secretary",
        "org_member",
        "propaganda_member",
        "discipline_member",
        "branch_committee",
        "unit_party_committee",
        "unit_org_reviewer",
        "unit_organizer",
        "company_party_committee",
        "company_org_dept",
        "auditor",
        "process_auditor",
    }
)


def reads_archives_of(scope: Scope, path: str) -> bool:
    return any(
        path.startswith(h.org_path) for h in scope.holdings if h.role_code in ARCHIVE_READERS
    )
