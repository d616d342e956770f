"""Who may see a task: its assignee, whoever completed it, its candidates, and the managers of its
organisation. Everyone else is told it does not exist. (Instances: app/workflow/policy.py.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.identity.policy import load_scope
from app.identity.queries import get_org
from app.inbox.queries import TaskRow
from app.inbox.queries import get_task_row
from app.workflow.models import HumanTask
from app.workflow.models import ProcessInstance
from app.workflow.policy import is_candidate


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
