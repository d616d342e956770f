"""Writing notifications (inside the command that causes them) and marking them read."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update

from app.core.commands import CommandContext
from app.notify.models import Notification

KINDS = ("assigned", "overdue", "returned", "reminder", "published")


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
