"""The designer workspace's pages and the modeler's JSON endpoints.

Every route first asks the designer policy: process designers and the company organisation
department (and administrators) enter; anyone else gets "not found". Writes are commands.
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import undefer

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.json_input import loads as safe_json
from app.designer import commands
from app.designer import queries
from app.designer.diff import is_empty
from app.designer.draft_forms import forms_for
from app.designer.draft_forms import used_forms
from app.designer.export import draft_zip
from app.designer.export import version_zip
from app.designer.flow import process_keys
from app.designer.models import DraftStatus
from app.designer.models import ModelDraft
from app.designer.models import PublishRequest
from app.designer.policy import DesignerRights
from app.designer.policy import require_entry
from app.designer.sources import check_problems
from app.designer.sources import model_file
from app.designer.template import GROUPS
from app.extensions import db
from app.formdefs.registry import load_registry
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.workflow.models import ProcessDefinition

bp = Blueprint("designer", __name__, url_prefix="/designer")


def _rights() -> DesignerRights:
    return require_entry(current_scope())


def _locale() -> str:
    return str(get_locale() or "zh")


@bp.get("/")
def index() -> str:
    rights = _rights()
    return render_template("designer/index.html", rights=rights, **queries.index(db.session))


@bp.get("/models/<path:file_name>")
def model_page(file_name: str) -> str:
    rights = _rights()
    model = model_file(db.session, file_name)
    drafts = queries.drafts_of(db.session, file_name)
    if model is None and not drafts:
        raise NotFound()
    return render_template(
        "designer/model.html",
        rights=rights,
        file_name=file_name,
        model=model,
        versions=queries.versions_of(db.session, model) if model else [],
        drafts=drafts,
        requests=queries.requests_of(db.session, file_name),
        revisions=queries.revisions_of(db.session, [d.id for d in drafts]),
    )


@bp.post("/models/<path:file_name>/edit")
def edit_model(file_name: str) -> Response:
    _rights()
    draft_id = run(commands.open_draft, actor=current_actor(), file_name=file_name)
    return redirect(url_for(".draft_page", draft_id=draft_id))


@bp.get("/new")
def new_model() -> str:
    _rights()
    return _new_page({}, 200)[0]


def _new_page(errors: dict[str, str], status: int) -> tuple[str, int]:
    return render_template(
        "designer/new.html",
        groups=GROUPS,
        errors=errors,
        values=request.form,
        max_kib=current_app.config["DESIGNER_UPLOAD_MAX_BYTES"] // 1024,
    ), status


@bp.post("/new/template")
def new_from_template() -> Response | tuple[str, int]:
    _rights()
    try:
        draft_id = run(
            commands.new_from_template,
            actor=current_actor(),
            key=request.form.get("key", ""),
            name=request.form.get("name", ""),
            group=request.form.get("group", ""),
        )
    except ValidationFailed as refused:
        return _new_page({k: str(v) for k, v in refused.field_errors.items()}, 422)
    flash(_("A new model was created from the template."), "success")
    return redirect(url_for(".draft_page", draft_id=draft_id))


@bp.post("/new/import")
def import_model() -> Response | tuple[str, int]:
    _rights()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _new_page({"file": _("Choose a .bpmn or .dmn file.")}, 422)
    limit = current_app.config["DESIGNER_UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    try:
        draft_id = run(
            commands.import_model, actor=current_actor(), upload_name=upload.filename, data=data
        )
    except (ValidationFailed, Conflict) as refused:
        fields = getattr(refused, "field_errors", {}) or {"file": str(refused.message)}
        return _new_page({k: str(v) for k, v in fields.items()}, 422)
    flash(_("The file was imported as a draft."), "success")
    return redirect(url_for(".draft_page", draft_id=draft_id))


def _draft(draft_id: int, *, with_xml: bool = False) -> ModelDraft:
    query = db.session.query(ModelDraft)
    if with_xml:
        query = query.options(undefer(ModelDraft.xml))
    draft = query.filter(ModelDraft.id == draft_id).one_or_none()
    if draft is None:
        raise NotFound()
    return draft


@bp.get("/drafts/<int:draft_id>")
def draft_page(draft_id: int) -> str:
    rights = _rights()
    draft = _draft(draft_id, with_xml=True)
    return render_template(
        "designer/draft.html",
        rights=rights,
        draft=draft,
        editable=rights.designs and draft.status == DraftStatus.OPEN,
        problems=queries.problems_of(draft, _locale()),
        requests=queries.requests_of(db.session, draft.file_name),
        approval=current_app.config["DESIGNER_PUBLISH_APPROVAL"],
        has_modeler=_has_modeler(),
        forms=used_forms(db.session, draft),
        process_keys=process_keys(draft.xml),
    )


def _has_modeler() -> bool:
    loader = current_app.jinja_env.loader
    return loader is not None and "designer/_modeler.html" in loader.list_templates()


@bp.get("/drafts/<int:draft_id>/model.xml")
def draft_xml(draft_id: int) -> Response:
    _rights()
    draft = _draft(draft_id, with_xml=True)
    return Response(draft.xml, mimetype="application/xml")


@bp.post("/drafts/<int:draft_id>/save")
def save_draft(draft_id: int) -> Response:
    """The plain form: the XML from the text area, for a designer without JavaScript."""
    _rights()
    try:
        problems = run(
            commands.save_draft,
            actor=current_actor(),
            draft_id=draft_id,
            xml=request.form.get("xml", ""),
        )
    except ValidationFailed as refused:
        flash(str(refused.message), "error")
    else:
        if problems:
            flash(_("Saved with %(n)d problems.", n=len(problems)), "warning")
        else:
            flash(_("Saved; the checks found no problem."), "success")
    return redirect(url_for(".draft_page", draft_id=draft_id))


def _xml_from_json() -> str:
    # A model as JSON is the XML and a few bytes more; a larger body is not read at all.
    if (request.content_length or 0) > 2 * current_app.config["DESIGNER_UPLOAD_MAX_BYTES"]:
        raise ValidationFailed(_("The model is too large."))
    try:
        body = safe_json(request.get_data(cache=False))
    except ValueError:
        raise ValidationFailed(_("The request is not JSON.")) from None
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str):
        raise ValidationFailed(_("The request names no model XML."))
    return xml


@bp.post("/drafts/<int:draft_id>/save.json")
def save_draft_json(draft_id: int) -> Response | tuple[Response, int]:
    _rights()
    try:
        xml = _xml_from_json()
        problems = run(commands.save_draft, actor=current_actor(), draft_id=draft_id, xml=xml)
    except (ValidationFailed, Conflict) as refused:
        status = refused.status_code
        return jsonify({"ok": False, "message": str(refused.message), "problems": []}), status
    return jsonify({"ok": True, "problems": queries.localised(problems, _locale())})


@bp.post("/drafts/<int:draft_id>/check.json")
def check_draft_json(draft_id: int) -> Response | tuple[Response, int]:
    """The deployment checks of XML not yet saved; nothing is written."""
    _rights()
    draft = _draft(draft_id)
    try:
        data = _xml_from_json().encode("utf-8")
    except ValidationFailed as refused:
        return jsonify({"problems": [], "message": str(refused.message)}), 422
    if len(data) > current_app.config["DESIGNER_UPLOAD_MAX_BYTES"]:
        return jsonify({"problems": [], "message": _("The model is too large.")}), 413
    problems = check_problems(db.session, draft.file_name, data, forms_for(db.session, draft))
    db.session.rollback()  # a read: leave no transaction open
    return jsonify({"problems": queries.localised(problems, _locale())})


@bp.get("/catalog.json")
def catalog() -> Response:
    """The panels' catalogue; with ``?draft=ID`` also the forms that draft carries."""
    _rights()
    found = queries.modeler_catalogue(db.session, _locale())
    draft_id = request.args.get("draft", type=int)
    if draft_id is not None:
        draft = _draft(draft_id, with_xml=True)
        found["forms"] = queries.with_draft_forms(
            found["forms"], draft.id, used_forms(db.session, draft)
        )
    return jsonify(found)


@bp.get("/forms/<key>.json")
def form_file(key: str) -> Response:
    _rights()
    files = load_registry(current_app.config["FORMS_DIR"]).file_bytes()
    if key not in files:
        raise NotFound()
    return Response(files[key], mimetype="application/json")


@bp.get("/drafts/<int:draft_id>/export.zip")
def export_draft(draft_id: int) -> Response:
    _rights()
    draft = _draft(draft_id, with_xml=True)
    own = forms_for(db.session, draft)
    return _zip_response(draft_zip(draft, own), f"draft-{draft.id}.zip")


@bp.get("/versions/<int:definition_id>/export.zip")
def export_version(definition_id: int) -> Response:
    _rights()
    definition = (
        db.session.query(ProcessDefinition)
        .options(undefer(ProcessDefinition.sources_json), undefer(ProcessDefinition.forms_json))
        .filter(ProcessDefinition.id == definition_id)
        .one_or_none()
    )
    if definition is None:
        raise NotFound()
    name = f"{definition.process_key}-v{definition.version}.zip"
    return _zip_response(version_zip(definition), name)


def _zip_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/drafts/<int:draft_id>/publish")
def request_publish(draft_id: int) -> Response:
    _rights()
    try:
        request_id = run(
            commands.request_publish,
            actor=current_actor(),
            draft_id=draft_id,
            change_note=request.form.get("change_note", ""),
        )
    except (ValidationFailed, Conflict) as refused:
        flash(str(refused.message), "error")
        return redirect(url_for(".draft_page", draft_id=draft_id))
    if current_app.config["DESIGNER_PUBLISH_APPROVAL"]:
        flash(_("The publish request waits for the organisation department's approval."), "success")
    else:
        flash(_("The model was published as a new version."), "success")
    return redirect(url_for(".request_page", request_id=request_id))


@bp.get("/requests/<int:request_id>")
def request_page(request_id: int) -> str:
    rights = _rights()
    publish = db.session.get(PublishRequest, request_id)
    if publish is None:
        raise NotFound()
    summary = json.loads(publish.diff_json)
    return render_template(
        "designer/request.html",
        rights=rights,
        publish=publish,
        summary=summary,
        unchanged=is_empty(summary),
        deployed=json.loads(publish.deployed_json),
        has_modeler=_has_modeler(),
    )


@bp.post("/requests/<int:request_id>/approve")
def approve(request_id: int) -> Response:
    return _decide(
        commands.approve_publish,
        request_id,
        _("Approved: the model was published as a new version."),
    )


@bp.post("/requests/<int:request_id>/reject")
def reject(request_id: int) -> Response:
    return _decide(
        commands.reject_publish, request_id, _("Rejected: the draft went back to the designers.")
    )


def _decide(command, request_id: int, done: str) -> Response:
    """The department's decision on a publish request, with its note; back to the request."""
    _rights()
    try:
        note = request.form.get("note", "")
        run(command, actor=current_actor(), request_id=request_id, note=note)
    except (ValidationFailed, Conflict) as refused:
        flash(str(refused.message), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".request_page", request_id=request_id))
