"""Task lists of a user: assigned to me, claimable by my roles where I hold them, completed by me.

They read only the ``human_tasks`` projection (joined to instances, definitions and organisations
for names), never workflow state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Date
from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import Subquery
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy import union
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.queries import active_on
from app.identity.queries import escape_like
from app.identity.queries import list_holdings
from app.inbox.models import SavedFilter
from app.inbox.models import TaskDraft
from app.workflow import english
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance


class View(StrEnum):
    #: The default: what I must do and what my roles may take (``MINE`` + ``CLAIMABLE``).
    TODO = "todo"
    MINE = "mine"
    CLAIMABLE = "claimable"
    COMPLETED = "completed"


@dataclass(frozen=True)
class TaskRow:
    id: int
    title: str
    element_id: str
    state: str
    candidate_role: str | None
    assignee_user_id: int | None
    due_at: datetime | None
    priority: int
    form_key: str | None
    created_at: datetime
    completed_at: datetime | None
    instance_id: int
    process_key: str
    process_name: str
    business_key: str | None
    org_code: str
    org_name: str


def _group_roles() -> list[str]:
    return [code for code, role in catalogue.roles().items() if role.tier == "group"]


def candidate_holdings(user_id: int, day: date) -> Subquery:
    """The (role, node) pairs whose tasks the user may claim today, each pair once: every role
    they hold where they hold it, and a party-group role also at the group's branch."""
    held_at = aliased(OrgUnit)
    direct = select(
        RoleAssignment.role_code.label("role_code"),
        RoleAssignment.org_unit_id.label("org_unit_id"),
    ).where(RoleAssignment.user_id == user_id, active_on(day))
    at_branch = (
        select(RoleAssignment.role_code, held_at.parent_id)
        .join(held_at, held_at.id == RoleAssignment.org_unit_id)
        .where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.role_code.in_(_group_roles()),
            active_on(day),
        )
    )
    return union(direct, at_branch).subquery("holdings")


@cache
def _base() -> Select:
    """Tasks with the names the lists show. Only three columns of the instance: its state (which
    may be large) is never read here. Built once (a statement is immutable; building it costs more
    than running it)."""
    org = aliased(OrgUnit)
    return (
        select(
            HumanTask,
            ProcessInstance.process_key,
            ProcessInstance.business_key,
            ProcessDefinition.name,
            org.code,
            org.name,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(org, org.id == ProcessInstance.org_unit_id)
    )


def _scoped(query: Select, view: View, user_id: int, day: date) -> Select:
    """``query``, which reads ``human_tasks``, narrowed to one view of one user's tasks."""
    if view is View.TODO:
        # Mine or claimable, in one list: "claimable" as a tuple IN over the holdings (a join
        # cannot be OR-ed with the assignee test).
        held = candidate_holdings(user_id, day)
        claimable = and_(
            HumanTask.assignee_user_id.is_(None),
            tuple_(HumanTask.candidate_role, HumanTask.org_unit_id).in_(
                select(held.c.role_code, held.c.org_unit_id)
            ),
        )
        return query.where(
            HumanTask.state == HumanTaskState.READY,
            or_(HumanTask.assignee_user_id == user_id, claimable),
        )
    if view is View.MINE:
        return query.where(
            HumanTask.state == HumanTaskState.READY, HumanTask.assignee_user_id == user_id
        )
    if view is View.CLAIMABLE:
        # Joined to the user's holdings (each pair once: no task comes twice) rather than tested
        # by a correlated EXISTS on every open task: the database then finds the tasks through
        # ix_human_tasks_candidates, one probe per holding.
        held = candidate_holdings(user_id, day)
        return query.join(
            held,
            and_(
                HumanTask.candidate_role == held.c.role_code,
                HumanTask.org_unit_id == held.c.org_unit_id,
            ),
        ).where(HumanTask.state == HumanTaskState.READY, HumanTask.assignee_user_id.is_(None))
    return query.where(
        HumanTask.state == HumanTaskState.COMPLETED, HumanTask.completed_by_user_id == user_id
    )


#: The same, for the package's other summaries of the views (``home.py``).
scoped = _scoped


def _filtered(view: View, user_id: int, day: date) -> Select:
    return _scoped(_base(), view, user_id, day)


def first_open_task(session: Session, user_id: int, instance_id: int, day: date) -> int | None:
    """The instance's oldest ready task the user holds or may claim: where starting leads them."""
    for view in (View.MINE, View.CLAIMABLE):
        query = _filtered(view, user_id, day).where(HumanTask.instance_id == instance_id)
        found = session.scalar(query.with_only_columns(HumanTask.id).order_by(HumanTask.id))
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class TaskFilter:
    """What a user narrows a list to; kept as plain query arguments (and in saved filters)."""

    process_key: str = ""
    org_code: str = ""  # that organisation and everything below it
    due: str = ""  # overdue | soon | none
    text: str = ""  # in titles and business keys
    sort: str = "due"  # due | priority | newest

    FIELDS = ("process_key", "org_code", "due", "text", "sort")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TaskFilter:
        values = {name: str(args.get(name, ""))[:100].strip() for name in cls.FIELDS}
        if values["due"] not in ("", "overdue", "soon", "none"):
            values["due"] = ""
        if values["sort"] not in ("due", "priority", "newest"):
            values["sort"] = "due"
        return cls(**values)

    def as_args(self) -> dict[str, str]:
        return {
            name: getattr(self, name)
            for name in self.FIELDS
            if getattr(self, name) not in ("", "due")
        }


SOON = timedelta(hours=24)


def _needs_instance(wanted: TaskFilter | None) -> bool:
    return wanted is not None and bool(wanted.process_key or wanted.org_code or wanted.text)


def _narrowed(query: Select, wanted: TaskFilter, now: datetime, path: str | None) -> Select:
    """``query`` narrowed by ``wanted``; ``path`` is that of ``wanted.org_code``."""
    if wanted.process_key:
        query = query.where(ProcessInstance.process_key == wanted.process_key)
    if wanted.org_code:
        instance_org = aliased(OrgUnit)
        query = query.join(instance_org, instance_org.id == ProcessInstance.org_unit_id).where(
            instance_org.path.like((path or "/nowhere/") + "%")
        )
    if wanted.due == "overdue":
        query = query.where(HumanTask.due_at < now)
    elif wanted.due == "soon":
        query = query.where(HumanTask.due_at >= now, HumanTask.due_at < now + SOON)
    elif wanted.due == "none":
        query = query.where(HumanTask.due_at.is_(None))
    if wanted.text:
        pattern = "%" + escape_like(wanted.text) + "%"
        query = query.where(
            or_(
                HumanTask.title.like(pattern, escape="\\"),
                ProcessInstance.business_key.like(pattern, escape="\\"),
            )
        )
    return query


def list_tasks(
    session: Session,
    view: View,
    user_id: int,
    day: date,
    *,
    limit: int = 50,
    offset: int = 0,
    wanted: TaskFilter | None = None,
    now: datetime | None = None,
) -> tuple[list[TaskRow], int]:
    """One page of a view, most urgent first (completed: newest first), and the total count."""
    if wanted is None:
        counted, query = _plain_view(view)
        values = {"user_id": user_id, "day": day}
        total = session.scalar(counted, values) or 0
        if limit == 0:
            return [], total
        page = session.execute(query, values | {"limit": limit, "offset": offset}).all()
        return [_row(*row) for row in page], total
    moment, path = now or datetime.now(UTC), None
    if wanted is not None and wanted.org_code:
        path = session.scalar(select(OrgUnit.path).where(OrgUnit.code == wanted.org_code))
    # The count reads human_tasks alone unless a filter is about the instance: every task has its
    # instance, definition and organisation (foreign keys), so those joins cannot change it.
    counted = _scoped(select(func.count()).select_from(HumanTask), view, user_id, day)
    if _needs_instance(wanted):
        counted = counted.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if wanted is not None:
        counted = _narrowed(counted, wanted, moment, path)
    total = session.scalar(counted) or 0
    if limit == 0:  # only the count is wanted
        return [], total
    query = _filtered(view, user_id, day)
    if wanted is not None:
        query = _narrowed(query, wanted, moment, path)
    query = _ordered(query, view, wanted.sort if wanted is not None else None)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return [_row(*row) for row in rows], total


def _ordered(query: Select, view: View, sort: str | None) -> Select:
    if view is View.COMPLETED:
        return query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    if sort == "priority":
        return query.order_by(
            HumanTask.priority.desc(), HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id
        )
    if sort == "newest":
        return query.order_by(HumanTask.created_at.desc(), HumanTask.id.desc())
    return query.order_by(
        HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.priority.desc(), HumanTask.id
    )


@cache
def _plain_view(view: View) -> tuple[Select, Select]:
    """The count and the page of a view without filters (the API's lists, the inbox's first page),
    built once per process with the user, day and page as parameters: building these statements
    cost more than running them (issue 12). The role catalogue they embed is fixed per process."""
    user_id, day = bindparam("user_id", type_=Integer), bindparam("day", type_=Date)
    counted = _scoped(select(func.count()).select_from(HumanTask), view, user_id, day)  # type: ignore[arg-type]
    query = _ordered(_filtered(view, user_id, day), view, None)  # type: ignore[arg-type]
    return counted, query.limit(bindparam("limit")).offset(bindparam("offset"))


#: The views the default view's size is made of (``mine`` and ``claimable`` are disjoint).
TODO = (View.MINE, View.CLAIMABLE)
ALL = (*TODO, View.COMPLETED)


@cache
def _counts_statement(views: tuple[View, ...]) -> Select:
    """The sizes of ``views`` in one round trip: one scalar subquery per view, each using its own
    index."""
    user_id, day = bindparam("user_id", type_=Integer), bindparam("day", type_=Date)
    counted = select(func.count()).select_from(HumanTask)
    return select(
        *(
            _scoped(counted, view, user_id, day).scalar_subquery().label(view.value)  # type: ignore[arg-type]
            for view in views
        )
    )


def view_counts(
    session: Session, user_id: int, day: date, views: tuple[View, ...] = ALL
) -> dict[str, int]:
    """How many tasks each view holds for the user (the tabs' and the menu's figures); the
    default view's size, from ``mine`` and ``claimable``, is always included."""
    row = session.execute(_counts_statement(views), {"user_id": user_id, "day": day}).one()
    counts = {name: value or 0 for name, value in row._mapping.items()}
    counts[View.TODO.value] = counts[View.MINE.value] + counts[View.CLAIMABLE.value]
    return counts


def _row(
    task: HumanTask,
    process_key: str,
    business_key: str | None,
    process_name: str,
    org_code: str,
    org_name: str,
) -> TaskRow:
    return TaskRow(
        id=task.id,
        title=english.step_title(process_key, task.element_id, task.title),
        element_id=task.element_id,
        state=task.state.value,
        candidate_role=task.candidate_role,
        assignee_user_id=task.assignee_user_id,
        due_at=task.due_at,
        priority=task.priority,
        form_key=task.form_key,
        created_at=task.created_at,
        completed_at=task.completed_at,
        instance_id=task.instance_id,
        process_key=process_key,
        process_name=english.process_name(process_key, process_name),
        business_key=business_key,
        org_code=org_code,
        org_name=org_name,
    )


def get_task_row(session: Session, task_id: int) -> TaskRow | None:
    row = session.execute(_base().where(HumanTask.id == task_id)).one_or_none()
    return _row(*row) if row else None


def list_saved_filters(session: Session, user_id: int, day: date) -> list[SavedFilter]:
    """One's own filters and those shared with a role one holds today."""
    roles = {h.role_code for h in list_holdings(session, user_id, day)}
    return list(
        session.scalars(
            select(SavedFilter)
            .where(or_(SavedFilter.owner_user_id == user_id, SavedFilter.shared_role.in_(roles)))
            .order_by(SavedFilter.name, SavedFilter.id)
        )
    )


def get_draft(session: Session, task_id: int, user_id: int) -> dict[str, Any] | None:
    draft = session.scalars(
        select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.user_id == user_id)
    ).one_or_none()
    return json.loads(draft.values_json) if draft else None
