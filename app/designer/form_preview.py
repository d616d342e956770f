"""The form editor's server side: a form definition checked, previewed and tried, statelessly.

The editor (templates/designer/_form_editor.html, static/js/form-editor.js) posts the definition
it holds; the server answers with the problems its own loader and English check find, each by its
place in the file, and with the form rendered by the task page's own macros — and, given sample
input, with the errors the task page's own reading and validation would show. Nothing is written:
a designer may try anything here, so only designer rights are asked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import clock
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.json_input import loads as safe_json
from app.designer.policy import require_designer
from app.designer.views import bp
from app.formdefs.english import untranslated
from app.formdefs.fields import FormInput
from app.formdefs.fields import parse_submission
from app.formdefs.model import UPLOAD_KINDS
from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef
from app.formdefs.registry import MAX_FORM_BYTES
from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.formdefs.registry import load_registry
from app.formdefs.validation import message_for
from app.formdefs.validation import validation_errors
from app.identity.session import current_scope
from app.workflow.form_options import Option

PREVIEW_KEY = "preview"
#: People the preview's pickers offer: the preview has no branch, so no one's real rolls.
SAMPLE_PEOPLE = (
    ("张伟", "书记"),
    ("王芳", "组织委员"),
    ("李娜", "宣传委员"),
    ("刘洋", ""),
    ("陈静", ""),
)
_LOCATION = re.compile(r"^(?:[\w.-]+\.json: )?((?:field '[^']*': )*)")
_NAMED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True)
class PreviewAids:
    """The task page's form aids, none of which the preview has data for (no instance)."""

    needed_below: dict[str, Any] = field(default_factory=dict)
    needed_if_changed: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    measured: dict[str, Any] = field(default_factory=dict)
    tally: None = None


@dataclass(frozen=True)
class PreviewView:
    """What the form macros need besides the field (the shape of the task page's FormView)."""

    values: FormInput
    errors: dict[str, str]
    pickers: dict[str, list[Option]]
    locale: str
    kept: dict[str, list[Any]] = field(default_factory=dict)
    blank_rows: int = 2
    aids: PreviewAids = field(default_factory=PreviewAids)

    @property
    def choices(self) -> dict[str, tuple[tuple[int, str], ...]]:
        return {
            name: tuple((o.value, f"{o.label} · {o.detail}" if o.detail else o.label) for o in opts)
            for name, opts in self.pickers.items()
        }


def definition_problems(document: Any, key: str = PREVIEW_KEY) -> tuple[FormDef | None, list]:
    """The parsed form (None when the loader refuses it) and every problem, by place."""
    if not isinstance(document, dict):
        return None, [Problem("", _("A form definition is a JSON object."))]
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    if len(data) > MAX_FORM_BYTES:
        return None, [Problem("", _("The form definition is too large."))]
    try:
        form = form_def(data, key)
    except FormFileError as refused:
        return None, [_loader_problem(str(refused))]
    return form, [
        Problem(place, _("Chinese text without its English beside it."))
        for place in untranslated(document)
    ]


def _loader_problem(message: str) -> Problem:
    """The loader names the file and field in its message; the editor wants a path in the file."""
    location = _LOCATION.match(message)
    fields = _NAMED.findall(location.group(1)) if location else []
    text = message[location.end() :] if location else message
    if fields:
        path = f"schema.properties.{fields[0]}"
        path += "".join(f".items.properties.{column}" for column in fields[1:])
    else:
        path = _place_of_form_problem(text)
    return Problem(path, text)


def _place_of_form_problem(text: str) -> str:
    named = _NAMED.findall(text)
    if text.startswith("visibleWhen of") and named:
        return f"ui.visibleWhen.{named[0]}"
    if text.startswith("required field"):
        return "schema.required"
    if "layout" in text or "section" in text or "placed twice" in text:
        return "ui.sections"
    if "x-measuredBy" in text and named:
        return f"schema.properties.{named[0]}"
    if text.startswith(("invalid JSON Schema", "'schema")):
        return "schema"
    return ""


def sample_pickers(form: FormDef) -> dict[str, list[Option]]:
    """A fixed sample for every picker: the preview shows the control, not anyone's records."""
    people = [Option(i, name, detail) for i, (name, detail) in enumerate(SAMPLE_PEOPLE, 1)]
    orgs = [Option(1, _("First party branch")), Option(2, _("Second party branch"))]
    procedures = [Option(n, _("Sample procedure %(n)d", n=n)) for n in (1, 2)]
    found: dict[str, list[Option]] = {}
    for f in form.fields:
        if f.kind in ("person", "persons", "attendance", "vote_tally") or any(
            c.kind == "person" for c in f.columns
        ):
            found[f.name] = people
        elif f.kind == "org":
            found[f.name] = orgs
        elif f.kind == "process_ref":
            found[f.name] = procedures
    return found


def try_input(form: FormDef, values: FormInput) -> dict[str, str]:
    """The errors the task page would show for this input, short of the records' own checks
    (rolls, uploads, earlier answers): the same reading, the same schema, the same messages."""
    data, unreadable = parse_submission(form, values)
    errors = {name: message_for("type", None) for name in unreadable}
    data = {k: v for k, v in data.items() if k not in form.hidden_fields(data)}
    for f in form.fields:
        if f.name in data:
            data[f.name] = _computed(f, data[f.name], errors)
    skipped = form.hidden_fields(data) | {f.name for f in form.fields if f.kind in UPLOAD_KINDS}
    for path, message in validation_errors(form.schema, data).items():
        if path.split(".")[0] not in skipped:
            errors.setdefault(path, message)
    return errors


def _computed(f: FieldDef, value: Any, errors: dict[str, str]) -> Any:
    """What the server computes on submission, for the sample: quorum, outcome, signature."""
    if f.kind == "signature" and value is True:
        now = clock.now().isoformat(timespec="seconds")
        return {"user_id": current_user.id, "name": current_user.display_name, "signed_at": now}
    if f.kind == "attendance" and isinstance(value, dict):
        if f.people:
            value = {**value, "entitled": len(SAMPLE_PEOPLE)}
        entitled, present = value.get("entitled"), value.get("present")
        if isinstance(entitled, int) and isinstance(present, list):
            quorum = len(present) * 2 > entitled
            if f.require_quorum and not quorum:
                errors.setdefault(
                    f.name, _("Not more than half are present: the meeting cannot be held.")
                )
            value = {**value, "quorum_met": quorum}
    if f.kind == "vote_tally" and isinstance(value, dict):
        if f.people or f.attendance_from:
            value = {**value, "eligible": len(SAMPLE_PEOPLE)}
        if f.attendance_from:
            value = {**value, "present": len(SAMPLE_PEOPLE)}
        if isinstance(value.get("for"), int) and isinstance(value.get("eligible"), int):
            value = {**value, "passed": value["for"] * 2 > value["eligible"]}
    return value


def _body() -> dict[str, Any]:
    """The posted JSON object; a body larger than a form and its sample input is not read."""
    if (request.content_length or 0) > 2 * MAX_FORM_BYTES:
        raise ValidationFailed(_("The form definition is too large."))
    try:
        body = safe_json(request.get_data(cache=False))
    except ValueError:
        raise ValidationFailed(_("The request is not JSON.")) from None
    return body if isinstance(body, dict) else {}


def _refused(refused: ValidationFailed, **empty: Any) -> tuple[Response, int]:
    problems = [{"path": "", "message": str(refused.message)}]
    return jsonify({"problems": problems, **empty}), refused.status_code


def _as_json(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"path": p.path, "message": p.message} for p in problems]


@bp.post("/forms/preview")
def preview_form() -> tuple[Response, int]:
    """The posted form rendered as a task shows it, with the errors of the sample input."""
    require_designer(current_scope())
    try:
        body = _body()
    except ValidationFailed as refused:
        return _refused(refused, html="", errors={})
    form, problems = definition_problems(body.get("form"))
    if form is None:
        return jsonify({"html": "", "problems": _as_json(problems), "errors": {}}), 422
    locale = str(get_locale() or "zh")
    values = FormInput.of(body["data"]) if isinstance(body.get("data"), dict) else FormInput()
    errors = try_input(form, values) if body.get("data") is not None else {}
    view = PreviewView(values=values, errors=errors, pickers=sample_pickers(form), locale=locale)
    html = render_template("designer/_form_preview.html", form=form.in_language(locale), view=view)
    return jsonify({"html": html, "problems": _as_json(problems), "errors": errors}), 200


@bp.post("/forms/check")
def check_form() -> tuple[Response, int]:
    """The editor's checks alone, storing nothing: the save of a page that keeps no drafts."""
    require_designer(current_scope())
    try:
        body = _body()
    except ValidationFailed as refused:
        return _refused(refused, ok=False)
    _form, problems = definition_problems(body.get("form"))
    return jsonify({"ok": not problems, "problems": _as_json(problems)}), 422 if problems else 200


@bp.get("/forms/<key>/edit")
def edit_form_copy(key: str) -> str:
    """The editor on a copy of a form as the forms directory holds it; saving only checks it
    (drafts of forms, and their publishing with a process version, are kept elsewhere)."""
    require_designer(current_scope())
    if key not in load_registry(current_app.config["FORMS_DIR"]).file_bytes():
        raise NotFound()
    return render_template(
        "designer/form_copy.html",
        key=key,
        form_url=url_for(".form_file", key=key),
        save_url=url_for(".check_form"),
        preview_url=url_for(".preview_form"),
        back_url=url_for(".index"),
    )
