"""Who may see a task or an instance. A task: its assignee, whoever completed it, its candidates,
and the managers of its organisation. An instance: whoever's roles reach its organisation, and
whoever worked on one of its tasks. Everyone else is told it does not exist."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.identity.policy import load_scope
from app.identity.queries import get_org
from app.inbox.queries import TaskRow
from app.inbox.queries import get_task_row
from app.workflow.models import HumanTask
from app.workflow.models import ProcessInstance
from app.workflow.policy import is_candidate
from app.workflow.queries import involved_in


def visible_task(session: Session, user_id: int, task_id: int, day: date) -> TaskRow:
    row = get_task_row(session, task_id)
    if row is None:
        raise NotFound()
    task = session.get(HumanTask, task_id)
    if user_id in (task.assignee_user_id, task.completed_by_user_id):
        return row
    if is_candidate(session, user_id, task, day):
        return row
    instance = session.get(ProcessInstance, row.instance_id)
    if load_scope(session, user_id, day).administers(get_org(session, instance.org_unit_id).path):
        return row
    raise NotFound()


def visible_instance(
    session: Session, scope: Scope, instance_id: int
) -> tuple[ProcessInstance, OrgUnit]:
    """The instance and its organisation, for the page and the API alike."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound()
    org = get_org(session, instance.org_unit_id)
    if scope.sees(org.path) or involved_in(session, scope.user_id, instance_id):
        return instance, org
    raise NotFound()
