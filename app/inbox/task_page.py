"""The task page's form: what it shows (pickers, kept uploads, the user's input) and how a post
becomes stored files, a draft or a completion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core import clock
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import DomainError
from app.core.errors import ValidationFailed
from app.extensions import db
from app.files.models import Attachment
from app.formdefs.fields import FormInput
from app.formdefs.fields import parse_submission
from app.formdefs.fields import prefilled
from app.formdefs.model import UPLOAD_KINDS
from app.formdefs.model import FormDef
from app.formdefs.registry import form_def
from app.formdefs.validation import message_for
from app.identity.models import OrgUnit
from app.identity.queries import get_org
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.inbox import commands as inbox_commands
from app.inbox.form_aids import Aids
from app.inbox.form_aids import aids_for
from app.inbox.form_aids import with_defaults
from app.inbox.queries import TaskRow
from app.workflow import due_display
from app.workflow import form_options
from app.workflow import roster
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.timing_rules import waiting_for
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads

NEAR_DUE_HOURS = 24
BLANK_ITEM_ROWS = 2


def due_state(row: TaskRow) -> str | None:
    if row.due_at is None or row.state != "ready":
        return None
    # a deadline read as a day ends with that day
    due = due_display.end_of_due_day(row.due_at, row.created_at, clock.local_zone())
    left = (due - clock.now()).total_seconds()
    if left < 0:
        return "overdue"
    return "near" if left < NEAR_DUE_HOURS * 3600 else None


@dataclass(frozen=True)
class _Loaded:
    org: OrgUnit
    form: FormDef | None
    #: The form file's ``ui`` object as deployed (the parsed form keeps only its sections).
    ui: dict[str, Any]


def _loaded(row: TaskRow) -> _Loaded:
    """The task's organisation and form, read once per request (the page needs them often)."""
    memo = g.setdefault("task_page", {})
    if row.id not in memo:
        instance = db.session.get(ProcessInstance, row.instance_id)
        form, ui = None, {}
        if row.form_key:
            forms_json = db.session.scalar(
                select(ProcessDefinition.forms_json).where(
                    ProcessDefinition.id == instance.definition_id
                )
            )
            text = json.loads(forms_json)[row.form_key]
            form = form_def(text.encode(), row.form_key)
            form = form_options.form_for_instance(db.session, form, instance.id)  # x-optionsFrom
            form = form.in_language(str(get_locale() or "zh"))  # texts in the reader's language
            ui = json.loads(text).get("ui") or {}
        memo[row.id] = _Loaded(get_org(db.session, instance.org_unit_id), form, ui)
    return memo[row.id]


def form_of(row: TaskRow) -> FormDef | None:
    """The task's form as deployed with the instance's definition version."""
    return _loaded(row).form


def _instance_org(row: TaskRow) -> OrgUnit:
    return _loaded(row).org


def _aids(row: TaskRow) -> Aids:
    """Running total, conditional notes, measured values and defaults of the task's form."""
    loaded = _loaded(row)
    if loaded.form is None:
        return Aids()
    memo = g.setdefault("task_aids", {})
    if row.id not in memo:
        # Only a running total (ui.total) and measured values read the instance's data.
        reads_data = "total" in loaded.ui or any(f.measured_by for f in loaded.form.fields)
        data = _earlier(row) if reads_data else {}
        memo[row.id] = aids_for(loaded.form, loaded.ui, data, str(get_locale() or "zh"))
    return memo[row.id]


def _earlier(row: TaskRow) -> dict[str, Any]:
    """The instance's answers so far, read once per request (prefill, aids and rosters use them)."""
    memo = g.setdefault("task_earlier", {})
    if row.instance_id not in memo:
        memo[row.instance_id] = earlier_answers(db.session, row.instance_id)
    return memo[row.instance_id]


def _with_computed(form: FormDef, row: TaskRow, earlier: dict[str, Any]) -> dict[str, Any]:
    """The answers, with what a service task or script computed before this task for a prefill
    no step answered (a dues round's lines, from the disclosed base sheet)."""
    missing = {f.prefill for f in form.fields if f.prefill and f.prefill not in earlier}
    if not missing:
        return earlier
    data = form_options.instance_data(db.session, row.instance_id)
    return {**{k: data[k] for k in missing if k in data}, **earlier}


def _pickers(form: FormDef, row: TaskRow) -> dict[str, list[form_options.Option]]:
    org = _instance_org(row)
    found: dict[str, list[form_options.Option]] = {}
    people: list[form_options.Option] | None = None
    for f in form.fields:
        ruled = f.people or next((c for c in f.columns if c.people), None)
        wants_people = f.kind in ("person", "persons", "attendance") or any(
            c.kind == "person" for c in f.columns
        )
        if ruled:  # who the records name on the meeting's date, the same list the server checks
            answers = _earlier(row)
            rule_of = f if f.people else ruled
            question = roster.question_for(rule_of, org, answers, clock.now())
            found[f.name] = roster.roster_options(db.session, question)
        elif wants_people:
            people = people if people is not None else form_options.people_of(db.session, org)
            found[f.name] = people
        elif f.kind == "org":
            found[f.name] = form_options.orgs_for(db.session, current_scope(), f.org_kinds)
        elif f.kind == "process_ref":
            found[f.name] = form_options.instances_of(db.session, org.id, f.process_key or "")
    return found


def _kept_files(form: FormDef, values: FormInput, instance_id: int) -> dict[str, list[Attachment]]:
    """The uploads the form holds on to (after a refused submit or from a draft)."""
    kept: dict[str, list[Attachment]] = {}
    for f in form.fields:
        ids = [int(v) for v in values.many(f.name) if v.isdigit()] if f.kind in UPLOAD_KINDS else []
        if ids:
            kept[f.name] = list(
                db.session.scalars(
                    select(Attachment)
                    .where(Attachment.id.in_(ids), Attachment.instance_id == instance_id)
                    .order_by(Attachment.id)
                )
            )
    return kept


@dataclass(frozen=True)
class FormView:
    """What the form macros need besides the field itself."""

    values: FormInput
    errors: dict[str, str]
    pickers: dict[str, list[form_options.Option]]
    kept: dict[str, list[Attachment]]
    locale: str
    blank_rows: int = BLANK_ITEM_ROWS
    aids: Aids = field(default_factory=Aids)

    @property
    def choices(self) -> dict[str, tuple[tuple[int, str], ...]]:
        """Picker options as (value, label) pairs for a select."""
        return {
            name: tuple((o.value, f"{o.label} · {o.detail}" if o.detail else o.label) for o in opts)
            for name, opts in self.pickers.items()
        }


def starting_values(row: TaskRow, draft: dict[str, Any] | None) -> FormInput:
    """A saved draft, else what the form takes over from earlier steps."""
    if draft is not None:
        return FormInput.of(draft)
    form = form_of(row)
    if form is None:
        return FormInput()
    values = FormInput()
    months = [f for f in form.fields if f.widget == "month"]
    if months or any(f.prefill or f.attendance_from for f in form.fields):
        earlier = _with_computed(form, row, _earlier(row))
        values = prefilled(form, earlier)
        for f in months:  # the meeting's month (this month until the meeting date is typed)
            if not values.one(f.name):
                day = roster.meeting_day(earlier.get(f.date_from or ""), clock.now())
                values[f.name] = [day.strftime("%Y-%m")]
    return with_defaults(values, _aids(row).defaults)


def render_task(
    row: TaskRow,
    values: FormInput | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    form = form_of(row)
    values = values or FormInput()
    page = render_template(
        "inbox/task.html",
        task=row,
        due=due_state(row),
        form=form,
        errors=errors or {},
        view=FormView(
            values=values,
            errors=errors or {},
            pickers=_pickers(form, row) if form else {},
            kept=_kept_files(form, values, row.instance_id) if form else {},
            locale=str(get_locale() or "zh"),
            aids=_aids(row),
        ),
        mine=row.assignee_user_id == current_actor().user_id,
        manages=current_scope().administers(_instance_org(row).path),
        not_yet=waiting_for(db.session, row.id, clock.now()) if row.state == "ready" else None,
    )
    return page, status


def _store_posted_files(row: TaskRow, form: FormDef) -> dict[str, list[int]]:
    uploads = [
        Upload(field=f.name, filename=file.filename or "", data=file.read())
        for f in form.fields
        if f.kind in UPLOAD_KINDS
        for file in request.files.getlist(f.name)
        if file and file.filename
    ]
    if not uploads:
        return {}
    refs = run(store_uploads, actor=current_actor(), task_id=row.id, uploads=uploads)
    return {name: [int(r["id"]) for r in stored] for name, stored in refs.items()}


def submit(row: TaskRow) -> Response | tuple[str | Response, int]:
    """Keep the uploads, then save a draft or complete the task; a refusal shows the form again
    with the user's input (and the files already kept)."""
    form = form_of(row) or form_def(b'{"schema": {"type": "object"}}', "empty")
    values = FormInput.of(request.form)
    if request.form.get("action") == "autosave":
        return _autosave(row, values)
    try:
        stored = _store_posted_files(row, form)
    except ValidationFailed as refused:
        return render_task(row, values, {k: str(v) for k, v in refused.field_errors.items()}, 422)
    for name, ids in stored.items():
        values[name] = values.many(name) + [str(i) for i in ids]
    if request.form.get("action") == "draft":
        run(inbox_commands.save_draft, actor=current_actor(), task_id=row.id, values=values)
        flash(_("Draft saved. You can finish it later."), "success")
        return redirect(url_for(".show_task", task_id=row.id))
    data, unreadable = parse_submission(form, with_defaults(values, _aids(row).defaults))
    if unreadable:
        errors = {name: message_for("type", None) for name in unreadable}
        return render_task(row, values, errors, 422)
    return _complete(row, values, data)


def _autosave(row: TaskRow, values: FormInput) -> Response | tuple[Response, int]:
    """A draft saved while the user types (forms.js, no uploads): JSON, not a page, and no flash
    message to pile up for the next page."""
    values.pop("action", None)
    try:
        run(inbox_commands.save_draft, actor=current_actor(), task_id=row.id, values=values)
    except DomainError as refused:
        message = str(refused.message or _("The draft was not saved."))
        return jsonify(saved=False, message=message), refused.status_code
    saved_at = clock.now().astimezone(clock.local_zone()).strftime("%H:%M")
    return jsonify(saved=True, message=_("Draft saved automatically at %(time)s.", time=saved_at))


def _complete(row: TaskRow, values: FormInput, data: dict[str, Any]) -> Response | tuple[str, int]:
    try:
        outcome = run(
            inbox_commands.complete_task_form, actor=current_actor(), task_id=row.id, data=data
        )
    except ValidationFailed as refused:
        return render_task(row, values, {k: str(v) for k, v in refused.field_errors.items()}, 422)
    except Conflict as conflict:
        flash(
            str(conflict.message or _("This task has already been completed or cancelled.")),
            "error",
        )
        return redirect(url_for(".index"))
    if outcome.completed:
        flash(_("Submitted. The next step has been passed on."), "success")
    else:
        flash(_("Your submission was kept, but the next step failed; it will be retried."), "error")
    return redirect(url_for(".index"))
