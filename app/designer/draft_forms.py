"""The forms a draft carries: new forms and changed copies of existing ones (issue 14, item 5).

A form used by a published process changes only as a new version of that process: editing it
copies it into a draft of the process (copy-on-write), and the draft's checks, dry run, publication
and export use the draft's copy. A form made in the designer lives afterwards only in the versions
that were published with it, so later drafts of the same model are checked with those too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import undefer

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.json_input import loads as safe_json
from app.designer import imports
from app.designer.models import DraftForm
from app.designer.models import DraftStatus
from app.designer.models import ModelDraft
from app.designer.policy import require_designer
from app.designer.sources import file_hash
from app.designer.sources import model_file
from app.formdefs.english import untranslated
from app.formdefs.registry import MAX_FORM_BYTES
from app.formdefs.registry import FormFileError
from app.formdefs.registry import load_registry
from app.formdefs.registry import parse_form
from app.identity.policy import load_scope
from app.workflow.models import ProcessDefinition

FORM_KEY = re.compile(r"^[a-z][a-z0-9_]{2,63}$")


@dataclass(frozen=True)
class UsedForm:
    key: str
    title: str
    #: "draft" (the draft's own copy), "published" (as published, unlike forms/), "shipped"
    #: (forms/) or "missing".
    source: str


def draft_forms(session: Session, draft_id: int) -> dict[str, bytes]:
    rows = session.scalars(select(DraftForm).where(DraftForm.draft_id == draft_id))
    return {row.form_key: row.json_text.encode("utf-8") for row in rows}


def published_only_forms(session: Session, file_name: str) -> dict[str, bytes]:
    """The forms the model's newest published versions hold where forms/ differs or has none
    (made or changed in the designer): the next draft starts from them, so that a form changed
    with one version is not silently changed back by the next."""
    shipped = _shipped()
    found: dict[str, bytes] = {}
    model = model_file(session, file_name)
    for definition in model.definitions if model else []:
        session.refresh(definition, ["forms_json"])
        for key, text in json.loads(definition.forms_json).items():
            data = text.encode("utf-8")
            if shipped.get(key) != data:
                found[key] = data
    return found


def forms_for(session: Session, draft: ModelDraft) -> dict[str, bytes]:
    """What the draft is checked, tried, published and exported with, beside forms/."""
    return published_only_forms(session, draft.file_name) | draft_forms(session, draft.id)


def used_forms(session: Session, draft: ModelDraft) -> list[UsedForm]:
    """The forms the draft's model names, and the draft's own forms it does not name (yet)."""
    own = draft_forms(session, draft.id)
    published = published_only_forms(session, draft.file_name)
    shipped = _shipped()
    keys = imports.form_keys(draft.xml.encode("utf-8")) | set(own)
    rows = []
    for key in sorted(keys):
        for source, files in (("draft", own), ("published", published), ("shipped", shipped)):
            if key in files:
                rows.append(UsedForm(key, _title(key, files[key]), source))
                break
        else:
            rows.append(UsedForm(key, key, "missing"))
    return rows


def form_text(session: Session, draft: ModelDraft, key: str) -> bytes | None:
    """The form as the draft sees it: its own copy, else the published or shipped one."""
    return (_shipped() | forms_for(session, draft)).get(key)


def problems_of_form(key: str, data: bytes) -> list[dict[str, str]]:
    """Why the server's form loader or the English check refuses the form, by path (empty: the
    form is fine)."""
    if len(data) > MAX_FORM_BYTES:
        return [
            {
                "path": "",
                "message": _("The form is larger than %(kib)d KiB.", kib=MAX_FORM_BYTES // 1024),
            }
        ]
    try:
        parse_form(key, data)
    except FormFileError as refused:
        return [{"path": "", "message": str(refused)}]
    message = _("Chinese text without its English counterpart.")
    return [{"path": path, "message": message} for path in untranslated(json.loads(data))]


# -- commands ------------------------------------------------------------------------------


def new_form(ctx: CommandContext, *, draft_id: int, key: str, title: str, title_en: str) -> str:
    """A new form in the draft: one required text field to start from. Returns its key."""
    draft = _open(ctx, draft_id)
    key, title, title_en = key.strip(), title.strip(), title_en.strip()
    errors = {}
    if not FORM_KEY.match(key):
        errors["key"] = _(
            "Use 3 to 64 lower-case letters, digits or underscores, starting with a letter."
        )
    elif key in _shipped() or key in forms_for(ctx.session, draft) or _deployed_anywhere(ctx, key):
        errors["key"] = _("A form with this key exists already; edit it instead.")
    if not title or len(title) > 100:
        errors["title"] = _("Give the form a title of at most 100 characters.")
    if not title_en or len(title_en) > 100 or untranslated({"x": title_en}):
        errors["title_en"] = _("Give the form an English title of at most 100 characters.")
    if errors:
        raise ValidationFailed(_("The form was not created."), field_errors=errors)
    document = {
        "title": title,
        "x-title-en": title_en,
        "schema": {
            "type": "object",
            "properties": {
                "summary": {
                    "type": "string",
                    "title": "内容",
                    "x-title-en": "Content",
                    "x-widget": "textarea",
                }
            },
            "required": ["summary"],
        },
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    _store(ctx, draft, key, text, "created")
    return key


def copy_form(ctx: CommandContext, *, draft_id: int, key: str) -> None:
    """Copy a published or shipped form into the draft, to be changed there (copy-on-write)."""
    draft = _open(ctx, draft_id)
    if key in draft_forms(ctx.session, draft.id):
        return
    data = form_text(ctx.session, draft, key)
    if data is None:
        raise NotFound()
    _store(ctx, draft, key, data.decode("utf-8"), "copied")


def save_form(ctx: CommandContext, *, draft_id: int, key: str, document: object) -> None:
    """Store the draft's form; refused (field_errors by path) when the server's form loader or
    the English check finds a problem, so that a draft never holds a form that cannot deploy."""
    draft = _open(ctx, draft_id)
    if not isinstance(document, dict):
        raise ValidationFailed(
            _("The form must be a JSON object."),
            field_errors={"": _("The form must be a JSON object.")},
        )
    text = json.dumps(document, ensure_ascii=False, indent=2)
    problems = problems_of_form(key, text.encode("utf-8"))
    if problems:
        raise ValidationFailed(
            _("The form has %(n)d problems; it was not saved.", n=len(problems)),
            field_errors={p["path"]: p["message"] for p in problems},
        )
    if key not in draft_forms(ctx.session, draft.id) and form_text(ctx.session, draft, key) is None:
        raise NotFound()
    _store(ctx, draft, key, text, "saved")


def parse_posted_form(body: bytes) -> object:
    """The ``form`` of a posted ``{"form": {...}}`` (the form editor's), or the whole object."""
    try:
        posted = safe_json(body)
    except ValueError:
        raise ValidationFailed(
            _("The request is not JSON."), field_errors={"": _("The request is not JSON.")}
        ) from None
    if isinstance(posted, dict) and isinstance(posted.get("form"), dict):
        return posted["form"]
    return posted


def _store(ctx: CommandContext, draft: ModelDraft, key: str, text: str, how: str) -> None:
    row = ctx.session.scalars(
        select(DraftForm).where(DraftForm.draft_id == draft.id, DraftForm.form_key == key)
    ).first()
    if row is None:
        row = DraftForm(draft_id=draft.id, form_key=key)
        ctx.session.add(row)
    row.json_text, row.content_hash = text, file_hash(text.encode("utf-8"))
    row.updated_by, row.updated_at = ctx.actor.login, ctx.now
    draft.updated_by, draft.updated_at = ctx.actor.login, ctx.now
    ctx.record(
        "model_draft_form_saved",
        ("model_draft", draft.id),
        form_key=key,
        how=how,
        content_hash=row.content_hash,
    )


def _open(ctx: CommandContext, draft_id: int) -> ModelDraft:
    require_designer(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    draft = ctx.session.get(ModelDraft, draft_id, options=[undefer(ModelDraft.xml)])
    if draft is None:
        raise NotFound()
    if draft.status != DraftStatus.OPEN:
        raise Conflict(_("This draft waits for approval or is published; it cannot be changed."))
    return draft


def _deployed_anywhere(ctx: CommandContext, key: str) -> bool:
    """Whether any published version holds a form of this key (another model's new form)."""
    pattern = f'%"{key}":%'
    return (
        ctx.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.forms_json.like(pattern)).limit(1)
        )
        is not None
    )


def _shipped() -> dict[str, bytes]:
    return load_registry(current_app.config["FORMS_DIR"]).file_bytes()


def _title(key: str, data: bytes) -> str:
    try:
        return parse_form(key, data).title
    except FormFileError:
        return key
