"""Who may start, work on and manage process instances, and where a lane's role is looked up.

A task for a branch role goes to holders of the role at the instance's own organisation; a task for
a unit or company role goes to holders at the unit or company above it (the role's tier decides).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.identity import catalogue
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.identity.policy import load_scope
from app.identity.queries import Holding
from app.identity.queries import get_org
from app.identity.queries import holds_role
from app.identity.queries import holds_role_in_children
from app.identity.queries import list_ancestors
from app.workflow.models import HumanTask
from app.workflow.models import ProcessInstance
from app.workflow.queries import involved_in

TIER_KINDS = {
    "company": (OrgKind.COMPANY,),
    "unit": (OrgKind.UNIT,),
    "company_or_unit": (OrgKind.UNIT, OrgKind.COMPANY),
}


def scope_node_id_for(session: Session, role_code: str | None, org_id: int) -> int:
    """The id of the node at which holders of ``role_code`` answer for an instance at ``org_id``.

    Branch-level roles answer at the instance's own node, so no query is needed for them."""
    role = catalogue.get_role(role_code) if role_code else None
    if not role or role.tier not in TIER_KINDS:
        return org_id
    return scope_node_for(session, role_code, session.get(OrgUnit, org_id)).id


def scope_node_for(session: Session, role_code: str | None, org: OrgUnit) -> OrgUnit:
    """The node at which holders of ``role_code`` answer for a task of an instance at ``org``."""
    role = catalogue.get_role(role_code) if role_code else None
    kinds = TIER_KINDS.get(role.tier) if role else None
    if not kinds or org.kind in kinds:
        return org
    chain = list(reversed(list_ancestors(session, org)))  # nearest first
    for kind in kinds:
        for node in chain:
            if node.kind == kind:
                return node
    return org


def require_can_start(
    session: Session,
    user_id: int | None,
    org: OrgUnit,
    day: date,
    starter_roles: list[str],
    *,
    scope: Scope | None = None,
) -> None:
    """Starting by hand: a holder of a start lane's role where it answers for ``org``, or a manager.

    A process whose start events have no lane is started by managers (and the system) only.
    ``scope``: the user's, when the caller has read it already (starting many at once).
    """
    if user_id is None:
        return
    scope = scope or load_scope(session, user_id, day)
    for holding in scope.holdings:
        if holding.role_code in starter_roles and _answers_for(session, holding, org):
            return
    if not scope.sees(org.path):
        raise NotFound()
    if not scope.administers(org.path):
        raise Forbidden()


def _answers_for(session: Session, holding: Holding, org: OrgUnit) -> bool:
    role = catalogue.get_role(holding.role_code)
    if role is not None and role.tier == "group":  # a group leader starts for the group's branch
        return (
            holding.org_path.startswith(org.path)
            and holding.org_path.count("/") == org.path.count("/") + 1
        )
    return scope_node_id_for(session, holding.role_code, org.id) == holding.org_id


def is_candidate(session: Session, user_id: int, task: HumanTask, day: date) -> bool:
    """Holds the task's role where it is scoped; a party-group role, at any group of the branch."""
    if task.candidate_role is None:
        return False
    role = catalogue.get_role(task.candidate_role)
    if role is not None and role.tier == "group":
        return holds_role_in_children(session, user_id, task.candidate_role, task.org_unit_id, day)
    return holds_role(session, user_id, task.candidate_role, task.org_unit_id, day)


def require_can_work_on(user_id: int | None, task: HumanTask, candidate: bool) -> None:
    """The assignee works on a task; an unassigned task, any candidate (``is_candidate``)."""
    if user_id is None or task.assignee_user_id == user_id:
        return
    if task.assignee_user_id is not None:
        raise Conflict(_("This task is already claimed."))
    if not candidate:
        raise Forbidden()


def require_can_manage(session: Session, user_id: int | None, org: OrgUnit, day: date) -> None:
    """Cancelling, suspending, reassigning and retrying: administrators of the organisation."""
    if user_id is None:
        return
    scope = load_scope(session, user_id, day)
    if not scope.sees(org.path):
        raise NotFound()
    if not scope.administers(org.path) and not scope.is_system_admin:
        raise Forbidden()


def visible_instance(
    session: Session, scope: Scope, instance_id: int
) -> tuple[ProcessInstance, OrgUnit]:
    """The instance and its organisation, for whoever's roles reach its organisation and whoever
    worked on one of its tasks (pages, API and downloads alike); anyone else is told it does not
    exist."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound()
    org = get_org(session, instance.org_unit_id)
    if scope.sees(org.path) or involved_in(session, scope.user_id, instance_id):
        return instance, org
    raise NotFound()
