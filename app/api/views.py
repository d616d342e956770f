"""The JSON API, /api/v1: bearer tokens, the same commands and policy checks as the pages."""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import g
from flask import jsonify
from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.api.openapi import DOCUMENT
from app.api.openapi import MAX_ID
from app.api.openapi import MAX_PAGE
from app.core import clock
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import DomainError
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.security import public
from app.extensions import csrf
from app.extensions import db
from app.formdefs.registry import form_def
from app.identity.commands import stamp_token_use
from app.identity.commands.tokens import token_digest
from app.identity.policy import load_scope
from app.identity.queries import get_token_owner
from app.inbox.policy import visible_task
from app.inbox.queries import TaskRow
from app.inbox.queries import View
from app.inbox.queries import get_task_row
from app.inbox.queries import list_tasks
from app.workflow import commands
from app.workflow.form_options import form_for_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.policy import is_candidate
from app.workflow.policy import visible_instance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: there is no ambient credential to forge

STAMP_EVERY = timedelta(hours=1)


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.openapi":
        return
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    owner = (
        get_token_owner(db.session, token_digest(token.strip()))
        if scheme.lower() == "bearer"
        else None
    )
    if owner is None:
        raise Unauthorized(_("A valid bearer token is required."))
    g.api_actor = Actor(
        user_id=owner.user_id,
        login=owner.login,
        source="api",
        address=request.remote_addr,
        request_id=g.get("request_id"),
    )
    if owner.last_used_at is None or clock.now() - owner.last_used_at > STAMP_EVERY:
        run(stamp_token_use, actor=g.api_actor, token_id=owner.token_id)
    # Ids are 32-bit in the database: a larger one names nothing (and must not reach the driver).
    for name in ("task_id", "instance_id"):
        if not 1 <= (request.view_args or {}).get(name, 1) <= MAX_ID:
            raise NotFound()


@bp.before_request
def _read_json_body() -> None:
    """Read a POST's JSON body now, after authentication, whatever the route: one nested too deep,
    holding a lone surrogate or not JSON at all is refused the same way everywhere (422, see
    app/web/requests.py), even by a route that would have ignored it."""
    if request.method == "POST" and request.is_json and request.get_data(cache=True):
        request.get_json()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _task_json(row: TaskRow) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": row.id,
        "title": row.title,
        "element_id": row.element_id,
        "state": row.state,
        "candidate_role": row.candidate_role,
        "assignee_user_id": row.assignee_user_id,
        "due_at": _time(row.due_at),
        "overdue": bool(row.due_at and row.state == "ready" and row.due_at < now),
        "priority": row.priority,
        "form_key": row.form_key,
        "created_at": _time(row.created_at),
        "completed_at": _time(row.completed_at),
        "instance_id": row.instance_id,
        "process_key": row.process_key,
        "process_name": row.process_name,
        "business_key": row.business_key,
        "org_code": row.org_code,
        "org_name": row.org_name,
    }


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # isascii: "²" and "٣" are digits to str.isdigit, and int() refuses the first.
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValidationFailed(
            _("Invalid parameters."),
            {name: _("Give a whole number from %(a)d to %(b)d.", a=low, b=high)},
        )
    return int(raw)


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(DOCUMENT)


@bp.get("/tasks")
@public  # authenticated by bearer token above, not by the session
def tasks() -> Response:
    try:
        view = View(request.args.get("view", "mine"))
    except ValueError:
        raise ValidationFailed(
            _("Invalid parameters."), {"view": "mine | claimable | completed"}
        ) from None
    page = _int_arg("page", 1, 1, MAX_PAGE)
    per_page = _int_arg("per_page", 50, 1, 200)
    rows, total = list_tasks(
        db.session,
        view,
        g.api_actor.user_id,
        clock.local_today(),
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return jsonify(items=[_task_json(r) for r in rows], total=total, page=page, per_page=per_page)


def _visible_task(task_id: int) -> TaskRow:
    return visible_task(db.session, g.api_actor.user_id, task_id, clock.local_today())


@bp.get("/tasks/<int:task_id>")
@public
def task(task_id: int) -> Response:
    row = _visible_task(task_id)
    form = None
    if row.form_key:
        instance = db.session.get(ProcessInstance, row.instance_id)
        definition = db.session.get(ProcessDefinition, instance.definition_id)
        written = json.loads(definition.forms_json)[row.form_key]
        form = {
            "key": row.form_key,
            "definition": json.loads(written),
            # What the server validates: every x-type expanded to the shape it is stored in.
            # Options listed by the instance's data (x-optionsFrom) appear as a concrete enum.
            "schema": form_for_instance(
                db.session, form_def(written.encode(), row.form_key), row.instance_id
            ).schema,
        }
    return jsonify({**_task_json(row), "form": form})


@bp.post("/tasks/<int:task_id>/files")
@public
def upload(task_id: int) -> tuple[Response, int]:
    """Files for a task's upload fields (multipart, one part per file, named by the field); the
    references it answers go into the completion's data."""
    _visible_task(task_id)
    uploads = [
        Upload(field=field[:100], filename=file.filename or "", data=file.read())
        for field in request.files
        for file in request.files.getlist(field)
    ]
    if not uploads:
        raise ValidationFailed(_("Some files were refused."), {"_form": _("No file was sent.")})
    refs = run(store_uploads, actor=g.api_actor, task_id=task_id, uploads=uploads)
    return jsonify(files=refs), 201


def _after(task_id: int) -> Response:
    db.end_read_transaction()
    return jsonify(_task_json(get_task_row(db.session, task_id)))


@bp.post("/tasks/<int:task_id>/claim")
@public
def claim(task_id: int) -> Response:
    run(commands.claim_task, actor=g.api_actor, task_id=task_id)
    return _after(task_id)


@bp.post("/tasks/<int:task_id>/unclaim")
@public
def unclaim(task_id: int) -> Response:
    run(commands.unclaim_task, actor=g.api_actor, task_id=task_id)
    return _after(task_id)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    return body


@bp.post("/tasks/<int:task_id>/complete")
@public
def complete(task_id: int) -> tuple[Response, int]:
    data = _json_body().get("data")
    outcome = run(commands.complete_task, actor=g.api_actor, task_id=task_id, data=data)
    return jsonify(
        completed=outcome.completed,
        incident_id=outcome.incident_id,
        next_tasks=_next_tasks(task_id) if outcome.completed else [],
    ), 200 if outcome.completed else 202


def _next_tasks(task_id: int) -> list[dict[str, Any]]:
    """The instance's open tasks the caller may do now (theirs, or theirs to claim): a client
    working through a procedure goes on without listing its tasks again."""
    instance_id = db.session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
    user_id, today = g.api_actor.user_id, clock.local_today()
    ready = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    )
    return [
        {
            "id": t.id,
            "title": t.title,
            "element_id": t.element_id,
            "claimed": t.assignee_user_id is not None,
        }
        for t in ready
        if t.assignee_user_id == user_id
        or (t.assignee_user_id is None and is_candidate(db.session, user_id, t, today))
    ]


def _instance_json(instance_id: int) -> dict[str, Any]:
    scope = load_scope(db.session, g.api_actor.user_id, clock.local_today())
    instance, org = visible_instance(db.session, scope, instance_id)
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    steps = db.session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id == instance.id)
        .order_by(StepLogEntry.seq)
    )
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "process_name": definition.name,
        "version": definition.version,
        "status": instance.status.value,
        "business_key": instance.business_key,
        "org_code": org.code,
        "started_at": _time(instance.started_at),
        "ended_at": _time(instance.ended_at),
        "open_incidents": instance.open_incidents,
        "timeline": [
            {
                "seq": s.seq,
                "at": _time(s.occurred_at),
                "actor": s.actor_login,
                "action": s.action,
                "element_id": s.element_id,
                "task_uuid": s.task_uuid,
            }
            for s in steps
        ],
    }


@bp.post("/instances")
@public
def start() -> tuple[Response, int]:
    body = _json_body()
    fields = {"process_key": body.get("process_key"), "org_code": body.get("org_code")}
    problems = {
        name: _("Required.")
        for name, value in fields.items()
        if not isinstance(value, str) or not value
    }
    business_key = body.get("business_key")
    if business_key is not None and not isinstance(business_key, str):
        problems["business_key"] = _("Give text.")
    if problems:
        raise ValidationFailed(_("Invalid start data."), problems)
    instance_id = run(
        commands.start_instance,
        actor=g.api_actor,
        process_key=fields["process_key"],
        org_code=fields["org_code"],
        business_key=business_key,
        data=body.get("data"),
    )
    db.end_read_transaction()
    return jsonify(_instance_json(instance_id)), 201


@bp.get("/instances/<int:instance_id>")
@public
def instance(instance_id: int) -> Response:
    return jsonify(_instance_json(instance_id))
