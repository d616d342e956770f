"""Who may see and do what in the identity domain.

A user's *scope* is the set of roles they hold today and where. Seeing follows the tree downwards:
holding any role at a node lets one see that node and everything below it (a unit reviewer sees all
the unit's branches; a member sees their own branch). Administering is narrower: a holder of an
administering role (``administers = true`` in the catalogue) manages the nodes strictly below where
they hold it; only a system administrator manages the company node itself.

Anything outside a user's scope is answered as "not found", never "forbidden", so that nobody learns
what other organisations hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity import catalogue
from app.identity.models import User
from app.identity.queries import Holding
from app.identity.queries import list_holdings

SYSTEM_ADMIN = "system_admin"

#: Roles whose holders see members' personal records (birth dates, key dates), besides admins.
RECORD_KEEPERS = frozenset(
    {
        "branch_secretary",
        "deputy_secretary",
        "org_member",
        "dues_clerk",
        "unit_party_committee",
        "unit_org_reviewer",
        "unit_organizer",
        "company_party_committee",
        "company_org_dept",
        "auditor",
    }
)


@dataclass(frozen=True)
class Scope:
    user_id: int
    holdings: tuple[Holding, ...]

    @property
    def is_system_admin(self) -> bool:
        return any(h.role_code == SYSTEM_ADMIN for h in self.holdings)

    @property
    def is_administrator(self) -> bool:
        return any(h.role_code in catalogue.administering_roles() for h in self.holdings)

    def sees(self, path: str) -> bool:
        return any(path.startswith(h.org_path) for h in self.holdings)

    def sees_records(self, path: str) -> bool:
        return self.administers(path) or any(
            h.role_code in RECORD_KEEPERS and path.startswith(h.org_path) for h in self.holdings
        )

    def administers(self, path: str) -> bool:
        admin_roles = catalogue.administering_roles()
        for holding in self.holdings:
            if holding.role_code not in admin_roles or not path.startswith(holding.org_path):
                continue
            if holding.role_code == SYSTEM_ADMIN or path != holding.org_path:
                return True
        return False

    def administers_children_of(self, path: str) -> bool:
        """Whether a node placed under ``path`` (strictly below it) is this user's to manage."""
        admin_roles = catalogue.administering_roles()
        return any(
            h.role_code in admin_roles and path.startswith(h.org_path) for h in self.holdings
        )

    def visible_roots(self) -> list[str]:
        """The smallest set of paths whose subtrees make up everything this user sees."""
        roots: list[str] = []
        for path in sorted({h.org_path for h in self.holdings}, key=len):
            if not any(path.startswith(root) for root in roots):
                roots.append(path)
        return roots

    def administered_roots(self) -> list[str]:
        return [h.org_path for h in self.holdings if h.role_code in catalogue.administering_roles()]


def load_scope(session: Session, user_id: int, day: date) -> Scope:
    return Scope(user_id=user_id, holdings=tuple(list_holdings(session, user_id, day)))


def require_visible(scope: Scope, path: str) -> None:
    if not scope.sees(path):
        raise NotFound()


def require_administers(scope: Scope, path: str) -> None:
    require_visible(scope, path)
    if not scope.administers(path):
        raise Forbidden()


def require_administers_children_of(scope: Scope, path: str) -> None:
    require_visible(scope, path)
    if not scope.administers_children_of(path):
        raise Forbidden()


def require_manages_account(session: Session, scope: Scope, user: User, day: date) -> None:
    """Only who administers every node where ``user`` holds a role, and their person's branch, may
    change their account. An account out of sight, or tied to no organisation (the system
    administrators' business), is answered NotFound: as if it did not exist, so that a refusal
    never tells whose it is."""
    paths = [h.org_path for h in list_holdings(session, user.id, day)]
    if user.person is not None:
        paths.append(user.person.branch.path)
    if not paths and not scope.is_system_admin:
        raise NotFound()
    for path in paths:
        require_administers(scope, path)


def sees_person_of(scope: Scope, user: User) -> bool:
    """Whether the person behind an account (if any) is within sight: a person of another unit is,
    to this user, nobody."""
    return user.person is None or scope.sees(user.person.branch.path)
