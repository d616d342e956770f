"""The inbox pages: task lists by view, bulk claim, the task page with its form."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core import clock
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import DomainError
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.inbox import commands as inbox_commands
from app.inbox import menu
from app.inbox.policy import visible_task
from app.inbox.queries import TaskFilter
from app.inbox.queries import View
from app.inbox.queries import first_open_task
from app.inbox.queries import get_draft
from app.inbox.queries import list_saved_filters
from app.inbox.queries import list_tasks
from app.inbox.queries import view_counts
from app.inbox.startable import list_startable
from app.inbox.task_page import due_state
from app.inbox.task_page import render_task
from app.inbox.task_page import starting_values
from app.inbox.task_page import submit
from app.inbox.upcoming import LIMIT
from app.inbox.upcoming import list_upcoming
from app.inbox.upcoming import reviewer_holdings
from app.workflow import commands
from app.workflow import english
from app.workflow.queries import latest_definitions_query

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 25


bp.app_context_processor(menu.todo_context)
bp.app_template_filter("local_day")(menu.local_day)


@bp.get("/")
def index() -> str:
    try:
        view = View(request.args.get("view", View.TODO.value))
    except ValueError:
        view = View.TODO
    wanted = TaskFilter.from_args(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    user_id, today, now = current_actor().user_id, clock.local_today(), clock.now()
    rows, total = list_tasks(
        db.session,
        view,
        user_id,
        today,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        wanted=wanted,
        now=now,
    )
    counts = view_counts(db.session, user_id, today)
    g.todo_count = counts[View.TODO.value]  # the menu's badge: no second query
    return render_template(
        "inbox/index.html",
        view=view.value,
        rows=rows,
        due={row.id: due_state(row) for row in rows},
        counts=counts,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        wanted=wanted,
        args=wanted.as_args(),
        processes=[
            (d.process_key, english.definition_name(d))
            for d in db.session.scalars(latest_definitions_query())
        ],
        saved=list_saved_filters(db.session, user_id, today),
        my_roles=sorted({h.role_code for h in current_scope().holdings}),
        user_id=user_id,
        sees_upcoming=bool(reviewer_holdings(current_scope().holdings)),
    )


@bp.get("/upcoming")
def upcoming() -> str:
    """What will reach my unit or company role: for reviewers only (a branch's people are
    refused, there is nothing coming up to them)."""
    holdings = reviewer_holdings(current_scope().holdings)
    if not holdings:
        raise Forbidden(_("Upcoming work is shown to unit and company roles only."))
    counts = view_counts(db.session, current_actor().user_id, clock.local_today())
    g.todo_count = counts[View.TODO.value]
    return render_template(
        "inbox/upcoming.html",
        rows=list_upcoming(db.session, holdings),
        view="upcoming",
        args={},
        counts=counts,
        sees_upcoming=True,
        limit=LIMIT,
    )


@bp.post("/filters")
def save_filter() -> Response:
    view = request.form.get("view", "mine")
    args = {name: request.form.get(name, "") for name in TaskFilter.FIELDS}
    try:
        run(
            inbox_commands.save_filter,
            actor=current_actor(),
            name=request.form.get("name", ""),
            view=view,
            args=args,
            shared_role=request.form.get("shared_role") or None,
        )
    except ValidationFailed as refused:
        flash(" ".join(str(m) for m in refused.field_errors.values()), "error")
    else:
        flash(_("Filter saved."), "success")
    return redirect(url_for(".index", view=view, **TaskFilter.from_args(args).as_args()))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int) -> Response:
    run(inbox_commands.delete_filter, actor=current_actor(), filter_id=filter_id)
    flash(_("Filter deleted."), "info")
    return redirect(url_for(".index"))


@bp.post("/claim")
def claim_many() -> Response:
    """Claim every checked task, one command each: a conflict spoils none of the rest."""
    claimed, refused = 0, 0
    for raw in request.form.getlist("task_id")[:100]:
        if not raw.isdigit():
            continue
        try:
            run(commands.claim_task, actor=current_actor(), task_id=int(raw))
            claimed += 1
        except DomainError:
            refused += 1
    if claimed:
        flash(_("%(n)d task(s) claimed.", n=claimed), "success")
    if refused:
        flash(
            _("%(n)d task(s) could not be claimed: someone else took them first.", n=refused),
            "error",
        )
    return redirect(url_for(".index", view=View.MINE.value))


@bp.get("/tasks/<int:task_id>")
def show_task(task_id: int) -> tuple[str, int]:
    user_id = current_actor().user_id
    row = visible_task(db.session, user_id, task_id, clock.local_today())
    return render_task(row, starting_values(row, get_draft(db.session, task_id, user_id)))


@bp.post("/tasks/<int:task_id>/reassign")
def reassign_task(task_id: int) -> Response:
    try:
        run(
            commands.assign_task,
            actor=current_actor(),
            task_id=task_id,
            login=request.form.get("login", "")[:64],
            reason=request.form.get("reason", "")[:500],
        )
    except ValidationFailed as refused:
        flash(" ".join(str(m) for m in refused.field_errors.values()), "error")
        return redirect(url_for(".show_task", task_id=task_id))
    flash(_("Task handed over."), "success")
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int) -> Response:
    if request.form.get("back") == "list":  # the one-click claim on a row of the list
        return _claim_from_list(task_id)
    run(commands.claim_task, actor=current_actor(), task_id=task_id)
    flash(_("Task claimed: it is now yours to complete."), "success")
    return redirect(url_for(".show_task", task_id=task_id))


def _claim_from_list(task_id: int) -> Response:
    """Claim and go back to the list, saying what happened either way."""
    try:
        run(commands.claim_task, actor=current_actor(), task_id=task_id)
    except Conflict:  # taken (or completed) meanwhile; anything else is an error page as usual
        flash(_("%(n)d task(s) could not be claimed: someone else took them first.", n=1), "error")
    else:
        flash(_("Task claimed: it is now yours to complete."), "success")
    return redirect(url_for(".index", view=View.TODO.value))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim_task(task_id: int) -> Response:
    run(commands.unclaim_task, actor=current_actor(), task_id=task_id)
    flash(_("Task returned to the queue."), "info")
    return redirect(url_for(".show_task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int) -> Response | tuple[str, int]:
    row = visible_task(db.session, current_actor().user_id, task_id, clock.local_today())
    return submit(row)


@bp.get("/start")
def start_page() -> str:
    startable = list_startable(db.session, current_actor().user_id, clock.local_today())
    return render_template("inbox/start.html", startable=startable)


@bp.post("/start")
def start() -> Response:
    process_key = request.form.get("process_key", "")[:100]
    org_code = request.form.get("org_code", "")[:32]
    instance_id = run(
        commands.start_instance, actor=current_actor(), process_key=process_key, org_code=org_code
    )
    flash(_("Started."), "success")
    first = first_open_task(db.session, current_actor().user_id, instance_id, clock.local_today())
    if first is not None:  # the starter usually does the first step: take them straight to it
        return redirect(url_for(".show_task", task_id=first))
    return redirect(url_for(".index"))
