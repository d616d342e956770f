"""Reads of the organisation tree, role holders, people and users.

Every query takes the session to read with: views pass the request's read session, commands pass
their own write session, so one query serves both without a second copy.
"""

from app.identity.queries.people import PersonRow
from app.identity.queries.people import TokenOwner
from app.identity.queries.people import get_person
from app.identity.queries.people import get_token_owner
from app.identity.queries.people import get_user_by_login
from app.identity.queries.people import get_user_of_person
from app.identity.queries.people import list_api_tokens
from app.identity.queries.people import list_people_in
from app.identity.queries.people import normalise_login
from app.identity.queries.people import search_people
from app.identity.queries.roles import AssignmentRow
from app.identity.queries.roles import Holding
from app.identity.queries.roles import active_on
from app.identity.queries.roles import holds_role
from app.identity.queries.roles import holds_role_in_children
from app.identity.queries.roles import list_assignments_at
from app.identity.queries.roles import list_assignments_of_user
from app.identity.queries.roles import list_holdings
from app.identity.queries.roles import list_role_holders
from app.identity.queries.tree import TreeNode
from app.identity.queries.tree import count_members_by_org
from app.identity.queries.tree import escape_like
from app.identity.queries.tree import get_org
from app.identity.queries.tree import get_org_by_code
from app.identity.queries.tree import get_root
from app.identity.queries.tree import list_ancestors
from app.identity.queries.tree import list_branches_under
from app.identity.queries.tree import list_children
from app.identity.queries.tree import list_subtree
from app.identity.queries.tree import org_forest
from app.identity.queries.tree import subtree_of

__all__ = [
    "AssignmentRow",
    "Holding",
    "PersonRow",
    "TokenOwner",
    "TreeNode",
    "active_on",
    "count_members_by_org",
    "escape_like",
    "get_org",
    "get_org_by_code",
    "get_person",
    "get_root",
    "get_token_owner",
    "get_user_by_login",
    "get_user_of_person",
    "holds_role",
    "holds_role_in_children",
    "list_ancestors",
    "list_api_tokens",
    "list_assignments_at",
    "list_assignments_of_user",
    "list_branches_under",
    "list_children",
    "list_holdings",
    "list_people_in",
    "list_role_holders",
    "list_subtree",
    "normalise_login",
    "org_forest",
    "search_people",
    "subtree_of",
]
