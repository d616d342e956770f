"""The forms a draft carries: list, new, copy-on-write edit, save (issue 14, item 5).

The form page uses the form editor (``designer/_form_editor.html``) when it is installed, and a
raw JSON text area otherwise; both save through ``draft_forms.save_form``, one command.
"""

from __future__ import annotations

import json

from flask import Response
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.designer import draft_forms
from app.designer.models import DraftStatus
from app.designer.policy import require_entry
from app.designer.views import _draft
from app.designer.views import bp
from app.extensions import db
from app.identity.session import current_actor
from app.identity.session import current_scope

EDITOR_TEMPLATE = "designer/_form_editor.html"


@bp.post("/drafts/<int:draft_id>/forms/new")
def new_draft_form(draft_id: int) -> Response:
    require_entry(current_scope())
    try:
        key = run(
            draft_forms.new_form,
            actor=current_actor(),
            draft_id=draft_id,
            key=request.form.get("key", ""),
            title=request.form.get("title", ""),
            title_en=request.form.get("title_en", ""),
        )
    except (ValidationFailed, Conflict) as refused:
        fields = getattr(refused, "field_errors", {}) or {}
        flash(" ".join([str(refused.message), *map(str, fields.values())]), "error")
        return redirect(url_for(".draft_page", draft_id=draft_id) + "#draft-forms")
    flash(_("The form was added to the draft."), "success")
    return redirect(url_for(".draft_form_page", draft_id=draft_id, key=key))


@bp.post("/drafts/<int:draft_id>/forms/<key>/edit")
def edit_draft_form(draft_id: int, key: str) -> Response:
    """Copy the form into the draft (copy-on-write); the published one stays as it is."""
    require_entry(current_scope())
    try:
        run(draft_forms.copy_form, actor=current_actor(), draft_id=draft_id, key=key)
    except Conflict as refused:
        flash(str(refused.message), "error")
        return redirect(url_for(".draft_page", draft_id=draft_id))
    return redirect(url_for(".draft_form_page", draft_id=draft_id, key=key))


@bp.get("/drafts/<int:draft_id>/forms/<key>")
def draft_form_page(draft_id: int, key: str) -> str:
    rights = require_entry(current_scope())
    draft = _draft(draft_id, with_xml=True)
    own = draft_forms.draft_forms(db.session, draft.id)
    text = draft_forms.form_text(db.session, draft, key)
    if text is None:
        raise NotFound()
    loader = current_app.jinja_env.loader
    return render_template(
        "designer/draft_form.html",
        draft=draft,
        key=key,
        text=_pretty(text),
        in_draft=key in own,
        editable=rights.designs and draft.status == DraftStatus.OPEN and key in own,
        has_editor=loader is not None and EDITOR_TEMPLATE in loader.list_templates(),
        preview_url=(
            url_for("designer.preview_form")
            if "designer.preview_form" in current_app.view_functions
            else ""
        ),
        problems=[],
    )


@bp.get("/drafts/<int:draft_id>/forms/<key>.json")
def draft_form_json(draft_id: int, key: str) -> Response:
    require_entry(current_scope())
    text = draft_forms.form_text(db.session, _draft(draft_id, with_xml=True), key)
    if text is None:
        raise NotFound()
    return Response(text, mimetype="application/json")


@bp.post("/drafts/<int:draft_id>/forms/<key>/save.json")
def save_draft_form_json(draft_id: int, key: str) -> Response | tuple[Response, int]:
    """The form editor's save: ``{"form": {...}}`` → ``{ok, problems: [{path, message}]}``."""
    require_entry(current_scope())
    try:
        document = draft_forms.parse_posted_form(request.get_data(cache=False))
        run(
            draft_forms.save_form,
            actor=current_actor(),
            draft_id=draft_id,
            key=key,
            document=document,
        )
    except (ValidationFailed, Conflict) as refused:
        fields = getattr(refused, "field_errors", {}) or {"": str(refused.message)}
        problems = [{"path": p, "message": str(m)} for p, m in fields.items()]
        return jsonify({"ok": False, "message": str(refused.message), "problems": problems}), 422
    return jsonify({"ok": True, "problems": []})


@bp.post("/drafts/<int:draft_id>/forms/<key>/save")
def save_draft_form(draft_id: int, key: str) -> Response | tuple[str, int]:
    """The raw JSON text area's save (without the form editor)."""
    rights = require_entry(current_scope())
    raw = request.form.get("form_json", "")
    try:
        document = draft_forms.parse_posted_form(raw.encode("utf-8"))
        run(
            draft_forms.save_form,
            actor=current_actor(),
            draft_id=draft_id,
            key=key,
            document=document,
        )
    except (ValidationFailed, Conflict) as refused:
        fields = getattr(refused, "field_errors", {}) or {"": str(refused.message)}
        draft = _draft(draft_id, with_xml=True)
        page = render_template(
            "designer/draft_form.html",
            draft=draft,
            key=key,
            text=raw,
            in_draft=True,
            editable=rights.designs and draft.status == DraftStatus.OPEN,
            has_editor=False,
            preview_url="",
            problems=[{"path": p, "message": str(m)} for p, m in fields.items()],
        )
        return page, 422
    flash(_("The form was saved in the draft."), "success")
    return redirect(url_for(".draft_form_page", draft_id=draft_id, key=key))


def _pretty(data: bytes) -> str:
    try:
        return json.dumps(json.loads(data), ensure_ascii=False, indent=2)
    except ValueError:
        return data.decode("utf-8", errors="replace")
