"""Writing demo history as it would have happened: the app's clock moved back for each command,
the people who held the roles that day, and each step completed through the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update

from app.core import clock
from app.core.commands import Actor
from app.core.commands import CommandContext
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.roles import active_on
from app.notify.models import Notification
from app.workflow import commands
from app.workflow import roster
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads


@contextmanager
def at_time(moment: datetime) -> Iterator[None]:
    """Run the enclosed commands as if it were ``moment`` (the app's clock is swapped back);
    never later than the real now (a month's last follow-up may fall after today)."""
    key = "branchflow.clock"
    real = current_app.extensions[key]
    current_app.extensions[key] = clock.FrozenClock(min(moment, real.now() - timedelta(hours=1)))
    try:
        yield
    finally:
        current_app.extensions[key] = real


def moment(day: date, hour: int, zone: Any) -> datetime:
    return datetime.combine(day, time(hour), zone)


def holder(role: str, org_code: str, day: date) -> Actor:
    user = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == role, OrgUnit.code == org_code, active_on(day))
        .order_by(User.id)
    ).first()
    return Actor(user_id=user.id, login=user.login, source="demo")


def people(rule: str, org_code: str, day: date, group_id: int | None = None) -> list[int]:
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == org_code)).one()
    question = roster.RosterQuestion(rule, org, day, group_id)
    return [o.value for o in roster.roster_options(db.session, question)]


def step(
    actor: Actor,
    instance_id: int,
    when: datetime,
    data: dict[str, Any],
    element_id: str | None = None,
) -> None:
    """Complete the instance's open task (the one at ``element_id`` where steps run in
    parallel)."""
    with at_time(when):
        db.end_read_transaction()
        query = select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
        )
        if element_id is not None:
            query = query.where(HumanTask.element_id == element_id)
        complete(actor, db.session.scalar(query), data)


def complete(actor: Actor, task_id: int, data: dict[str, Any]) -> None:
    try:
        run(commands.complete_task, actor=actor, task_id=task_id, data=data)
    except ValidationFailed as refused:  # the generator's own mistake: say which field
        task = db.session.get(HumanTask, task_id)
        raise RuntimeError(
            f"demo history: {task.element_id} refused {refused.field_errors}"
        ) from None


def start(actor: Actor, process_key: str, org_code: str, when: datetime) -> int:
    with at_time(when):
        return run(commands.start_instance, actor=actor, process_key=process_key, org_code=org_code)


def step_claimed(actor: Actor, instance_id: int, when: datetime, data: dict[str, Any]) -> None:
    """A group leader's step: offered to every leader of the branch's groups, so claimed first."""
    with at_time(when):
        db.end_read_transaction()
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        ).one()
        if task.assignee_user_id is None:
            run(commands.claim_task, actor=actor, task_id=task.id)
        complete(actor, task.id, data)


#: The smallest file that reads as a PDF (uploads are checked by their bytes): the demo's
#: courseware and records.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(
    actor: Actor,
    instance_id: int,
    field: str,
    name: str,
    when: datetime,
    content: bytes = DEMO_PDF,
) -> list:
    with at_time(when):
        db.end_read_transaction()
        task_id = db.session.scalar(
            select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
        refs = run(
            store_uploads, actor=actor, task_id=task_id, uploads=[Upload(field, name, content)]
        )
    return refs[field]


def read_notifications_before(ctx: CommandContext, *, before: datetime) -> int:
    """The demo's people have read what they were told before ``before``: a newcomer's bell shows
    this week's news, not a year of history. Returns how many were marked read."""
    marked = ctx.session.execute(
        update(Notification)
        .where(Notification.created_at < before, Notification.read_at.is_(None))
        .values(read_at=before)
    )
    return marked.rowcount or 0
