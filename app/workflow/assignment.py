"""Where a new human task goes when its data names a person (``assigneeFrom``) or an organisation
(``orgFrom``), checked against the roster and the organisation tree.

* ``orgFrom``: an organisation id (what the organisation field stores) or code, at or below the
  instance's organisation: the task is scoped there (holders of the lane's role where it answers
  for that organisation), instead of at the instance's own organisation.
* ``assigneeFrom``: a person id (what the people picker stores) or a user login, of a person on the
  rolls of a branch at or below the instance's organisation, with an active user account: the task
  is assigned to that user, as if claimed.

Anything else — an empty value, an unknown person or organisation, a person without an account, one
outside the instance's organisation — leaves the task with the lane's role as without the property,
and the step log says why. Policy is unchanged: an assigned task is its assignee's to complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine.runtime import ReadyTask
from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.identity.queries import get_user_by_login
from app.identity.queries import get_user_of_person
from app.workflow.policy import scope_node_for
from app.workflow.policy import scope_node_id_for


@dataclass(frozen=True)
class Placement:
    org_unit_id: int
    assignee_user_id: int | None = None
    #: Step-log entries explaining the placement: (action, detail).
    notes: tuple[tuple[str, str], ...] = ()


def place_task(session: Session, task: ReadyTask, instance_org_id: int) -> Placement:
    """The scope and assignee of a new human task for an instance at ``instance_org_id``."""
    if task.assignee_from is None and task.org_from is None:  # most tasks: no query at all
        return Placement(scope_node_id_for(session, task.lane, instance_org_id))
    instance_org = session.get(OrgUnit, instance_org_id)
    notes = []
    org, why_not = _organisation(session, task, instance_org)
    if why_not:
        notes.append(("assigned_to_role", _to_role(task, why_not)))
    scope = scope_node_for(session, task.lane, org)
    user, why_not = _assignee(session, task, instance_org)
    if why_not:
        notes.append(("assigned_to_role", _to_role(task, why_not)))
    elif user is not None:
        name = user.display_name
        notes.append(
            (
                "assigned",
                f"按数据（{task.assignee_from}）指派给 {name}"
                f" / assigned from the data ({task.assignee_from}) to {name}",
            )
        )
    return Placement(scope.id, user.id if user else None, tuple(notes))


#: Why the data did not decide: (Chinese, English), each naming the variable and what it held.
Reason = tuple[str, str]


def _to_role(task: ReadyTask, why_not: Reason) -> str:
    role = catalogue.get_role(task.lane) if task.lane else None
    name = role.zh if role else task.lane
    zh, en = why_not
    return f"{zh}，任务交给泳道角色“{name}” / {en}; the task goes to the lane's role ({task.lane})"


def _organisation(
    session: Session, task: ReadyTask, instance_org: OrgUnit
) -> tuple[OrgUnit, Reason | None]:
    """The organisation the task serves, or the instance's with the reason it is not another."""
    if task.org_from is None:
        return instance_org, None
    value, var = task.org_value, task.org_from
    if _empty(value):
        return instance_org, (f"{var} 为空", f"{var} is empty")
    org = _find_org(session, value)
    if org is None:
        return instance_org, (
            f"{var}：未知组织 {value!r}",
            f"{var}: unknown organisation {value!r}",
        )
    if not org.path.startswith(instance_org.path):
        return instance_org, (
            f"{var}：{org.name} 不在 {instance_org.name} 之下",
            f"{var}: {org.name} is outside {instance_org.name}",
        )
    return org, None


def _assignee(
    session: Session, task: ReadyTask, instance_org: OrgUnit
) -> tuple[User | None, Reason | None]:
    """The user the task goes to, or None with the reason it goes to the lane's role."""
    if task.assignee_from is None:
        return None, None
    value, var = task.assignee_value, task.assignee_from
    if _empty(value):
        return None, (f"{var} 为空", f"{var} is empty")
    person, user = _find_person(session, value)
    if person is None:
        return None, (f"{var}：未知人员 {value!r}", f"{var}: unknown person {value!r}")
    if user is None or not user.active:
        return None, (
            f"{var}：{person.name} 没有可用的用户账号",
            f"{var}: {person.name} has no active user account",
        )
    branch = session.get(OrgUnit, person.branch_id)
    if branch is None or not branch.path.startswith(instance_org.path):
        return None, (
            f"{var}：{person.name} 不在 {instance_org.name} 的名册中",
            f"{var}: {person.name} is not on the rolls of {instance_org.name}",
        )
    return user, None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _find_person(session: Session, value: Any) -> tuple[Person | None, User | None]:
    """A person id (the people picker's value) or a user login; the person and their account."""
    if isinstance(value, int) and not isinstance(value, bool):
        person = session.get(Person, value)
        return person, get_user_of_person(session, value) if person else None
    if isinstance(value, str):
        user = get_user_by_login(session, value)
        person = session.get(Person, user.person_id) if user and user.person_id else None
        return person, user if person else None
    return None, None


def _find_org(session: Session, value: Any) -> OrgUnit | None:
    """An organisation id (the organisation field's value) or an organisation code."""
    if isinstance(value, int) and not isinstance(value, bool):
        return session.get(OrgUnit, value)
    if isinstance(value, str):
        return session.scalars(select(OrgUnit).where(OrgUnit.code == value)).one_or_none()
    return None
