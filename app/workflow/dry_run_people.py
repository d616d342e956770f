"""Who a dry run's task would go to, and what its instance waits for when the walk stops.

The people are those the inbox would offer the task to (``policy.is_candidate``): holders of the
lane's role at the organisation the task is scoped to, on the day — at the party groups below it
for a group role — or the one person the data assigned it to.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries import list_assignments_at
from app.identity.queries.tree import list_children
from app.workflow.dry_run_report import DryStep
from app.workflow.models import HumanTask
from app.workflow.models import MessageSubscription
from app.workflow.models import ProcessInstance


def task_step(session: Session, task: HumanTask, day: date) -> tuple[DryStep, int | None]:
    """The report's step for a new task, and the user who will do it in the walk (the assignee,
    else the first of the role's holders; None when nobody holds the role)."""
    org = session.get(OrgUnit, task.org_unit_id)
    step = DryStep(
        task.element_id,
        task.title,
        "user_task",
        role=task.candidate_role,
        org_name=org.name if org else None,
        due=task.due_at,
        arrived=task.created_at,
        form_key=task.form_key,
    )
    if task.assignee_user_id is not None:
        user = session.get(User, task.assignee_user_id)
        step.candidates = [user.display_name] if user else []
        step.notes.append("指派给个人 / assigned to one person")
        return step, task.assignee_user_id
    holders = role_holders(session, task.candidate_role, org, day)
    step.candidates = [name for _user_id, name in holders]
    if not holders:
        step.notes.append("没有人担任该角色 / nobody holds the role there on the day")
    return step, holders[0][0] if holders else None


def role_holders(
    session: Session, role_code: str | None, org: OrgUnit | None, day: date
) -> list[tuple[int, str]]:
    """(user id, name) of those holding ``role_code`` where the task is scoped, on ``day``."""
    if role_code is None or org is None:
        return []
    role = catalogue.get_role(role_code)
    nodes = [org]
    if role is not None and role.tier == "group":
        nodes = list_children(session, org.id)
    holders: dict[int, str] = {}
    for node in nodes:
        for row in list_assignments_at(session, node.id, day):
            if row.role_code == role_code:
                holders.setdefault(row.user_id, row.display_name)
    return list(holders.items())


def waits_of(session: Session, row: ProcessInstance) -> list[str]:
    waits = []
    if row.next_timer_at is not None:
        local = row.next_timer_at.astimezone(local_zone()) if row.next_timer_at.tzinfo else None
        shown = (local or row.next_timer_at).strftime("%Y-%m-%d %H:%M")
        waits.append(f"定时器 / timer: {shown}")
    for name in session.scalars(
        select(MessageSubscription.message_name).where(MessageSubscription.instance_id == row.id)
    ):
        waits.append(f"消息 / message: {name}")
    return waits
