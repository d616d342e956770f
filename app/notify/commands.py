"""Writing notifications (inside the command that causes them) and marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy import update
from sqlalchemy.orm import aliased

from app.core.commands import CommandContext
from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from app.notify.models import Notification

KINDS = ("assigned", "arrived", "overdue", "returned", "reminder", "published")


def notify(
    ctx: CommandContext,
    user_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    task_id: int | None = None,
    instance_id: int | None = None,
) -> None:
    """Tell each user (once each) about a task; part of the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(kind)
    for user_id in sorted(set(user_ids)):
        ctx.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                title=title[:200],
                task_id=task_id,
                instance_id=instance_id,
                created_at=ctx.now,
            )
        )


def mark_all_read(ctx: CommandContext) -> None:
    ctx.session.execute(
        update(Notification)
        .where(Notification.user_id == ctx.actor.user_id, Notification.read_at.is_(None))
        .values(read_at=ctx.now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Arrival:
    """A task that has just become ready: for its assignee, or else for its role's holders at
    ``org_unit_id`` (a party-group role: at the groups of that branch)."""

    task_id: int
    instance_id: int
    title: str
    role: str | None
    org_unit_id: int
    assignee_user_id: int | None = None


#: Arrivals told in one statement (a batch of starts can bring hundreds).
UNION_LIMIT = 200


def notify_arrivals(ctx: CommandContext, arrivals: Iterable[Arrival]) -> None:
    """Tell whoever may now do each task that it has arrived, except the actor (who caused it and
    sees it at once): the assignee as ``assigned``, the role's holders on today as ``arrived``.
    Holders are found and told in one INSERT ... SELECT for all the arrivals, never a query per
    person."""
    actor = ctx.actor.user_id
    by_role = []
    for arrival in arrivals:
        if arrival.assignee_user_id is not None:
            if arrival.assignee_user_id != actor:
                notify(
                    ctx,
                    [arrival.assignee_user_id],
                    kind="assigned",
                    title=arrival.title,
                    task_id=arrival.task_id,
                    instance_id=arrival.instance_id,
                )
        elif arrival.role:
            by_role.append(_holders(ctx, arrival))
    columns = ["user_id", "kind", "title", "task_id", "instance_id", "created_at"]
    for start in range(0, len(by_role), UNION_LIMIT):  # SQLite joins at most 500 SELECTs
        part = by_role[start : start + UNION_LIMIT]
        rows = part[0] if len(part) == 1 else union(*part)
        ctx.session.execute(insert(Notification).from_select(columns, rows))


def _holders(ctx: CommandContext, arrival: Arrival) -> Select:
    """One notification row per active user holding the arrival's role where the task is."""
    role = catalogue.get_role(arrival.role or "")
    query = (
        select(
            RoleAssignment.user_id,
            literal("arrived"),
            literal(arrival.title[:200]),
            literal(arrival.task_id),
            literal(arrival.instance_id),
            literal(ctx.now),
        )
        .distinct()
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role_code == arrival.role,
            User.active.is_(True),
            active_on(ctx.today),
        )
    )
    if actor := ctx.actor.user_id:
        query = query.where(RoleAssignment.user_id != actor)
    # One word per person per instance and command: who was just told the step came back to them
    # ("returned") is not told again that it arrived for their role.
    told = aliased(Notification)
    query = query.where(
        ~exists().where(
            told.user_id == RoleAssignment.user_id,
            told.instance_id == arrival.instance_id,
            told.created_at == ctx.now,
        )
    )
    if role is not None and role.tier == "group":  # held at a group, answering for its branch
        held_at = select(OrgUnit.id).where(OrgUnit.parent_id == arrival.org_unit_id)
        return query.where(RoleAssignment.org_unit_id.in_(held_at))
    return query.where(RoleAssignment.org_unit_id == arrival.org_unit_id)
