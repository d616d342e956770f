"""Every write of the designer workspace, one command per use case, each in one transaction.

A draft is saved whatever its problems (each is stored with element, line and message); it is
published only when the deployment checks find none, through the ordinary deploy path, so that the
new version is exactly what ``flask processes deploy`` would have made of the same files.
"""

from __future__ import annotations

import json

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.designer import imports
from app.designer.diff import diff_summary
from app.designer.draft_forms import forms_for
from app.designer.draft_forms import published_only_forms
from app.designer.models import DraftRevision
from app.designer.models import DraftStatus
from app.designer.models import ModelDraft
from app.designer.models import PublishRequest
from app.designer.models import RequestStatus
from app.designer.policy import require_approver
from app.designer.policy import require_designer
from app.designer.sources import check_problems
from app.designer.sources import file_hash
from app.designer.sources import model_file
from app.designer.sources import model_files
from app.designer.sources import model_set
from app.designer.template import GROUPS
from app.designer.template import PROCESS_KEY
from app.designer.template import template_xml
from app.engine.models import DeploymentRefused
from app.formdefs.registry import load_registry
from app.identity.policy import load_scope
from app.workflow.deploy import deploy_definitions
from app.workflow.models import ProcessDefinition

MAX_NOTE = 2000


def _designer(ctx: CommandContext) -> None:
    require_designer(load_scope(ctx.session, ctx.actor.user_id, ctx.today))


def new_from_template(ctx: CommandContext, *, key: str, name: str, group: str) -> int:
    """A draft of a new process ``key`` from the template; returns the draft's id."""
    _designer(ctx)
    key, name = key.strip(), name.strip()
    errors = {}
    if not PROCESS_KEY.match(key):
        errors["key"] = _(
            "Use 3 to 61 lower-case letters, digits or underscores, starting with a letter."
        )
    if not name or len(name) > 100:
        errors["name"] = _("Give the process a name of at most 100 characters.")
    if group not in GROUPS:
        errors["group"] = _("Choose a group.")
    file_name = f"{group}/{key}.bpmn"
    if not errors and (_taken(ctx, key) or model_file(ctx.session, file_name)):
        errors["key"] = _("A process with this identifier exists already.")
    if errors:
        raise ValidationFailed(_("The new model was not created."), field_errors=errors)
    forms = sorted(load_registry(current_app.config["FORMS_DIR"]))
    form_key = "mm_explain" if "mm_explain" in forms else (forms[0] if forms else "form")
    xml = template_xml(key, name, group, form_key)
    return _create(ctx, file_name, name, xml.encode("utf-8"), None, "template")


def import_model(ctx: CommandContext, *, upload_name: str, data: bytes) -> int:
    """A draft from an uploaded .bpmn/.dmn file (Camunda Modeler, bpmn.io, Signavio … exports).

    A file the hardened parser refuses, or that is no BPMN/DMN document, is refused with the
    reason; anything else is kept as a draft with every problem the checks find named.
    """
    _designer(ctx)
    found = imports.read_upload(upload_name, data, current_app.config["DESIGNER_UPLOAD_MAX_BYTES"])
    file_name = _deployed_file_of(ctx, found.process_ids) or _free_name(ctx, found.file_name)
    base = model_file(ctx.session, file_name)
    base_id = base.definitions[-1].id if base and base.definitions else None
    return _create(ctx, file_name, found.title, data, base_id, "import")


def open_draft(ctx: CommandContext, *, file_name: str) -> int:
    """The open draft of a model file, started from its newest deployed (or shipped) text."""
    _designer(ctx)
    draft = _open_draft_of(ctx, file_name)
    if draft is not None:
        return draft.id
    model = model_file(ctx.session, file_name)
    if model is None or model.text is None:
        raise NotFound()
    base_id = model.definitions[-1].id if model.definitions else None
    title = model.definitions[-1].name if model.definitions else file_name
    return _create(ctx, file_name, title, model.text.encode("utf-8"), base_id, "edit")


def save_draft(ctx: CommandContext, *, draft_id: int, xml: str) -> list[dict[str, object]]:
    """Store the draft's new XML and its problems (the deployment checks); returns the problems."""
    _designer(ctx)
    draft = _draft(ctx, draft_id)
    if draft.status != DraftStatus.OPEN:
        raise Conflict(_("This draft waits for approval or is published; it cannot be changed."))
    data = xml.encode("utf-8")
    limit = current_app.config["DESIGNER_UPLOAD_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationFailed(_("The model is larger than %(kib)d KiB.", kib=limit // 1024))
    problems = check_problems(ctx.session, draft.file_name, data, forms_for(ctx.session, draft))
    draft.xml, draft.content_hash = xml, file_hash(data)
    draft.problems_json = json.dumps(problems, ensure_ascii=False)
    draft.updated_by, draft.updated_at = ctx.actor.login, ctx.now
    _revision(ctx, draft, len(problems), "save")
    ctx.record(
        "model_draft_saved",
        ("model_draft", draft.id),
        file=draft.file_name,
        content_hash=draft.content_hash,
        problems=len(problems),
    )
    return problems


def request_publish(ctx: CommandContext, *, draft_id: int, change_note: str) -> int:
    """Propose the draft for publishing; published at once when no approval is configured.
    Returns the request's id."""
    _designer(ctx)
    draft = _draft(ctx, draft_id)
    note = change_note.strip()
    if not note or len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("Say what changed and why (at most 2000 characters)."),
            field_errors={"change_note": _("Required.")},
        )
    if draft.status != DraftStatus.OPEN:
        raise Conflict(_("This draft waits for approval or is published already."))
    data = draft.xml.encode("utf-8")
    problems = check_problems(ctx.session, draft.file_name, data, forms_for(ctx.session, draft))
    if problems:
        draft.problems_json = json.dumps(problems, ensure_ascii=False)
        raise ValidationFailed(
            _("The draft has %(n)d problems; fix them before publishing.", n=len(problems))
        )
    model = model_file(ctx.session, draft.file_name)
    old_text = model.text if model and model.deployed else None
    request = PublishRequest(
        draft_id=draft.id,
        file_name=draft.file_name,
        change_note=note,
        status=RequestStatus.PENDING,
        requested_by=ctx.actor.login,
        requested_at=ctx.now,
        old_hash=file_hash(old_text.encode("utf-8")) if old_text is not None else None,
        new_hash=draft.content_hash,
        diff_json=json.dumps(_diff(ctx, draft, old_text), ensure_ascii=False),
        decision_note="",
        deployed_json="[]",
    )
    ctx.session.add(request)
    draft.status = DraftStatus.PROPOSED
    ctx.session.flush()
    ctx.record(
        "model_publish_requested",
        ("publish_request", request.id),
        file=draft.file_name,
        old_hash=request.old_hash,
        new_hash=request.new_hash,
    )
    if not current_app.config["DESIGNER_PUBLISH_APPROVAL"]:
        _publish(ctx, request, draft, "")
    return request.id


def approve_publish(ctx: CommandContext, *, request_id: int, note: str = "") -> list[dict]:
    """The department approves: the draft is deployed as a new version. Returns what deployed."""
    require_approver(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    request, draft = _pending(ctx, request_id)
    if request.requested_by == ctx.actor.login:
        raise ValidationFailed(_("Someone other than the requester approves a publication."))
    return _publish(ctx, request, draft, note.strip()[:MAX_NOTE])


def reject_publish(ctx: CommandContext, *, request_id: int, note: str) -> None:
    """The department sends the draft back to the designers with its reason."""
    require_approver(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    request, draft = _pending(ctx, request_id)
    reason = note.strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the request is rejected."), field_errors={"note": _("Required.")}
        )
    request.status = RequestStatus.REJECTED
    request.decided_by, request.decided_at = ctx.actor.login, ctx.now
    request.decision_note = reason[:MAX_NOTE]
    draft.status = DraftStatus.OPEN
    ctx.record("model_publish_rejected", ("publish_request", request.id), file=request.file_name)


def _publish(
    ctx: CommandContext, request: PublishRequest, draft: ModelDraft, note: str
) -> list[dict]:
    data = draft.xml.encode("utf-8")
    model = model_file(ctx.session, draft.file_name)
    old = {d.process_key: d.content_hash for d in (model.definitions if model else [])}
    try:
        deployed = deploy_definitions(
            ctx,
            sources=model_set(ctx.session, draft.file_name, data),
            authorised=True,
            forms=forms_for(ctx.session, draft),
        )
    except DeploymentRefused as refused:
        raise ValidationFailed(
            _("The checks refused the draft: %(first)s", first=refused.errors[0].message_zh)
        ) from None
    created = [{"process_key": d.process_key, "version": d.version} for d in deployed if d.created]
    versions = {
        (d.process_key, d.version): d
        for d in ctx.session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.process_key.in_([c["process_key"] for c in created])
            )
        )
    }
    for entry in created:
        entry["old_hash"] = old.get(entry["process_key"])
        entry["new_hash"] = versions[(entry["process_key"], entry["version"])].content_hash
    request.status = RequestStatus.PUBLISHED
    request.decided_by, request.decided_at, request.decision_note = ctx.actor.login, ctx.now, note
    request.deployed_json = json.dumps(created)
    draft.status = DraftStatus.PUBLISHED
    ctx.record(
        "model_published",
        ("publish_request", request.id),
        file=draft.file_name,
        requested_by=request.requested_by,
        change_note=request.change_note,
        old_file_hash=request.old_hash,
        new_file_hash=request.new_hash,
        versions=created,
    )
    return created


def _diff(ctx: CommandContext, draft: ModelDraft, old_text: str | None) -> dict[str, object]:
    model = model_file(ctx.session, draft.file_name)
    old_forms: dict[str, str] = {}
    for definition in model.definitions if model else []:
        old_forms.update(json.loads(definition.forms_json))
    current = load_registry(current_app.config["FORMS_DIR"]).file_bytes()
    current |= forms_for(ctx.session, draft)
    new_forms = {
        key: current[key].decode("utf-8")
        for key in imports.form_keys(draft.xml.encode("utf-8"))
        if key in current
    }
    old_data = old_text.encode("utf-8") if old_text is not None else None
    used_before = imports.form_keys(old_data) if old_data else set()
    old_forms = {k: v for k, v in old_forms.items() if k in used_before}
    return diff_summary(old_data, draft.xml.encode("utf-8"), old_forms, new_forms)


def _create(
    ctx: CommandContext, file_name: str, title: str, data: bytes, base_id: int | None, how: str
) -> int:
    if _open_draft_of(ctx, file_name) is not None:
        raise Conflict(_("This model has an open draft already; continue that one."))
    published = published_only_forms(ctx.session, file_name)
    problems = check_problems(ctx.session, file_name, data, published)
    draft = ModelDraft(
        file_name=file_name,
        title=title[:200],
        xml=data.decode("utf-8"),
        content_hash=file_hash(data),
        problems_json=json.dumps(problems, ensure_ascii=False),
        base_definition_id=base_id,
        status=DraftStatus.OPEN,
        created_by=ctx.actor.login,
        created_at=ctx.now,
        updated_by=ctx.actor.login,
        updated_at=ctx.now,
    )
    ctx.session.add(draft)
    ctx.session.flush()
    _revision(ctx, draft, len(problems), how)
    ctx.record(
        "model_draft_created",
        ("model_draft", draft.id),
        file=file_name,
        how=how,
        content_hash=draft.content_hash,
        problems=len(problems),
    )
    return draft.id


def _revision(ctx: CommandContext, draft: ModelDraft, problems: int, how: str) -> None:
    ctx.session.add(
        DraftRevision(
            draft_id=draft.id,
            saved_at=ctx.now,
            saved_by=ctx.actor.login,
            content_hash=draft.content_hash,
            problem_count=problems,
            how=how,
        )
    )


def _draft(ctx: CommandContext, draft_id: int) -> ModelDraft:
    draft = ctx.session.get(ModelDraft, draft_id)
    if draft is None:
        raise NotFound()
    return draft


def _pending(ctx: CommandContext, request_id: int) -> tuple[PublishRequest, ModelDraft]:
    request = ctx.session.get(PublishRequest, request_id)
    if request is None:
        raise NotFound()
    if request.status != RequestStatus.PENDING:
        raise Conflict(_("This request has been decided already."))
    return request, _draft(ctx, request.draft_id)


def _open_draft_of(ctx: CommandContext, file_name: str) -> ModelDraft | None:
    return ctx.session.scalars(
        select(ModelDraft).where(
            ModelDraft.file_name == file_name, ModelDraft.status != DraftStatus.PUBLISHED
        )
    ).first()


def _free_name(ctx: CommandContext, file_name: str) -> str:
    """``file_name``, or with a number added when a model or draft of that name exists (two
    tools' exports often share a process id such as ``Process_1``)."""
    taken = set(model_files(ctx.session)) | set(ctx.session.scalars(select(ModelDraft.file_name)))
    stem, dot, suffix = file_name.rpartition(".")
    candidate, number = file_name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}{dot}{suffix}"
    return candidate


def _taken(ctx: CommandContext, key: str) -> bool:
    return (
        ctx.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.process_key == key).limit(1)
        )
        is not None
    )


def _deployed_file_of(ctx: CommandContext, process_ids: list[str]) -> str | None:
    """The file a deployed process of the same id lives in: an import replaces that model."""
    for process_id in process_ids:
        definition = ctx.session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_key == process_id)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        ).first()
        if definition is not None:
            for name, text in json.loads(definition.sources_json).items():
                if f'id="{process_id}"' in text and not name.lower().endswith(".dmn"):
                    return name
    return None
