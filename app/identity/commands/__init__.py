"""Write use cases of the identity domain, one command per function (see ``core.commands.run``).

Each command authorises the actor, changes rows, records audit events, and never commits.
"""

from app.identity.commands.login import LoginOutcome
from app.identity.commands.login import attempt_login
from app.identity.commands.login import record_logout
from app.identity.commands.orgs import OrgDetails
from app.identity.commands.orgs import create_org_unit
from app.identity.commands.orgs import update_org_unit
from app.identity.commands.roles import grant_role
from app.identity.commands.roles import revoke_role
from app.identity.commands.tokens import create_api_token
from app.identity.commands.tokens import revoke_api_token
from app.identity.commands.tokens import stamp_token_use
from app.identity.commands.users import create_user
from app.identity.commands.users import create_user_with_roles
from app.identity.commands.users import set_password
from app.identity.commands.users import set_user_active

__all__ = [
    "LoginOutcome",
    "OrgDetails",
    "attempt_login",
    "create_api_token",
    "create_org_unit",
    "create_user",
    "create_user_with_roles",
    "grant_role",
    "record_logout",
    "revoke_api_token",
    "revoke_role",
    "set_password",
    "set_user_active",
    "stamp_token_use",
    "update_org_unit",
]
