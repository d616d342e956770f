"""Writing notifications (inside the command that causes them) and marking them read."""

from __future__ import annotations

from collections import defaultdict
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
    title_en: str = "",
) -> None:
    """Tell each user (once each) about a task; part of the caller's transaction. ``title_en``:
    the title in English, for a title the caller wrote as a sentence."""
    if kind not in KINDS:
        raise ValueError(kind)
    for user_id in sorted(set(user_ids)):
        ctx.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                title=title[:200],
                title_en=title_en[:200],
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


#: Up to this many arrivals are told by one INSERT ... SELECT (what a step makes ready); more
#: (a batch of starts) are told in bulk.
FEW = 20


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
            by_role.append(arrival)
    if not by_role:
        return
    if len(by_role) > FEW:
        _tell_holders_in_bulk(ctx, by_role)
        return
    columns = ["user_id", "kind", "title", "task_id", "instance_id", "created_at"]
    holders = [_holders(ctx, arrival) for arrival in by_role]
    rows = holders[0] if len(holders) == 1 else union(*holders)
    ctx.session.execute(insert(Notification).from_select(columns, rows))


def _tell_holders_in_bulk(ctx: CommandContext, arrivals: list[Arrival]) -> None:
    """Many arrivals at once (a cycle started for hundreds of branches): the holders of every
    role and place in two queries, who was told already in this command in one, and the notices
    in one INSERT — building a statement per arrival cost more than the starts themselves."""
    group_roles = {code for code, role in catalogue.roles().items() if role.tier == "group"}
    wanted = {(a.role, a.org_unit_id) for a in arrivals}
    holders: dict[tuple[str | None, int], set[int]] = defaultdict(set)
    active = (User.active.is_(True), active_on(ctx.today))
    direct = {(r, o) for r, o in wanted if r not in group_roles}
    if direct:
        for user_id, role, org_id in ctx.session.execute(
            select(RoleAssignment.user_id, RoleAssignment.role_code, RoleAssignment.org_unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role_code.in_({r for r, _o in direct}),
                RoleAssignment.org_unit_id.in_({o for _r, o in direct}),
                *active,
            )
        ):
            holders[(role, org_id)].add(user_id)
    at_groups = {o for r, o in wanted if r in group_roles}
    if at_groups:  # held at a group, answering for its branch
        for user_id, role, branch_id in ctx.session.execute(
            select(RoleAssignment.user_id, RoleAssignment.role_code, OrgUnit.parent_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role_code.in_(group_roles),
                OrgUnit.parent_id.in_(at_groups),
                *active,
            )
        ):
            holders[(role, branch_id)].add(user_id)
    told = {
        (user_id, instance_id)
        for user_id, instance_id in ctx.session.execute(
            select(Notification.user_id, Notification.instance_id).where(
                Notification.instance_id.in_({a.instance_id for a in arrivals}),
                Notification.created_at == ctx.now,
            )
        )
    }
    rows = [
        {
            "user_id": user_id,
            "kind": "arrived",
            "title": a.title[:200],
            "task_id": a.task_id,
            "instance_id": a.instance_id,
            "created_at": ctx.now,
        }
        for a in arrivals
        for user_id in sorted(holders[(a.role, a.org_unit_id)])
        if user_id != ctx.actor.user_id and (user_id, a.instance_id) not in told
    ]
    if rows:
        ctx.session.execute(insert(Notification), rows)


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
