"""Saving and deleting inbox filters; drafts of task forms."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.policy import load_scope
from app.inbox.models import SavedFilter
from app.inbox.models import TaskDraft
from app.inbox.queries import TaskFilter
from app.inbox.queries import View
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.policy import is_candidate
from app.workflow.policy import require_can_work_on
from app.workflow.tasks import Completion
from app.workflow.tasks import complete_task


def save_filter(
    ctx: CommandContext, *, name: str, view: str, args: dict[str, str], shared_role: str | None
) -> int:
    """Keep a filter under a name, for oneself or for a role one holds. Records ``filter_saved``."""
    name = name.strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = _("Give a name of at most 100 characters.")
    if view not in {v.value for v in View}:
        errors["view"] = _("Invalid parameters.")
    held = {h.role_code for h in load_scope(ctx.session, ctx.actor.user_id, ctx.today).holdings}
    if shared_role and shared_role not in held:
        errors["shared_role"] = _("You can share only with a role you hold.")
    if errors:
        raise ValidationFailed(_("The filter was not saved."), errors)
    row = SavedFilter(
        owner_user_id=ctx.actor.user_id,
        name=name,
        view=view,
        query_json=json.dumps(TaskFilter.from_args(args).as_args(), ensure_ascii=False),
        shared_role=shared_role or None,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record("filter_saved", ("saved_filter", row.id), name=name, shared_role=shared_role or None)
    return row.id


def delete_filter(ctx: CommandContext, *, filter_id: int) -> None:
    """Delete one's own saved filter. Records ``filter_deleted``."""
    row = ctx.session.get(SavedFilter, filter_id)
    if row is None or row.owner_user_id != ctx.actor.user_id:
        raise NotFound()
    ctx.session.delete(row)
    ctx.record("filter_deleted", ("saved_filter", filter_id), name=row.name)


MAX_DRAFT_BYTES = 256 * 1024


def save_draft(ctx: CommandContext, *, task_id: int, values: dict[str, list[str]]) -> None:
    """Keep what the actor typed into a task's form, to finish later (tasks they may work on)."""
    task = ctx.session.get(HumanTask, task_id)
    if task is None or task.state is not HumanTaskState.READY:
        raise NotFound()
    candidate = is_candidate(ctx.session, ctx.actor.user_id, task, ctx.today)
    require_can_work_on(ctx.actor.user_id, task, candidate)
    encoded = json.dumps({k: v for k, v in values.items() if k != "csrf_token"}, ensure_ascii=False)
    if len(encoded.encode()) > MAX_DRAFT_BYTES:
        raise ValidationFailed(_("The draft is too large."))
    draft = ctx.session.scalars(
        select(TaskDraft).where(
            TaskDraft.task_id == task_id, TaskDraft.user_id == ctx.actor.user_id
        )
    ).one_or_none()
    if draft is None:
        draft = TaskDraft(
            task_id=task_id, user_id=ctx.actor.user_id, values_json=encoded, saved_at=ctx.now
        )
        ctx.session.add(draft)
    else:
        draft.values_json, draft.saved_at = encoded, ctx.now


def discard_drafts(ctx: CommandContext, *, task_id: int) -> None:
    ctx.session.execute(
        delete(TaskDraft)
        .where(TaskDraft.task_id == task_id)
        .execution_options(synchronize_session=False)
    )


def complete_task_form(ctx: CommandContext, *, task_id: int, data: dict) -> Completion:
    """Complete a task from its page; the drafts of its form go with it (one transaction)."""
    outcome = complete_task(ctx, task_id=task_id, data=data)
    if outcome.completed:
        discard_drafts(ctx, task_id=task_id)
    return outcome
