"""Receiving uploads into a task's form: check each file, keep its bytes, record it."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from jinja2.filters import do_filesizeformat

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.files import storage
from app.files.models import Attachment
from app.files.sniff import sniff
from app.formdefs.model import UPLOAD_KINDS
from app.formdefs.registry import form_def
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.policy import is_candidate
from app.workflow.policy import require_can_work_on

MAX_FILES_PER_FIELD = 20


@dataclass(frozen=True)
class Upload:
    field: str
    filename: str
    data: bytes


def clean_name(filename: str) -> str:
    """A file name safe to show and to offer for download: no paths, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    return name.strip()[:255] or "file"


def store_uploads(
    ctx: CommandContext, *, task_id: int, uploads: list[Upload]
) -> dict[str, list[dict[str, object]]]:
    """Keep the files uploaded into a task's form; field name → references to put in the data.

    Every file is checked before anything is kept: one refused file refuses them all, with a
    message on its field. Records ``file_uploaded`` for each file.
    """
    task = ctx.session.get(HumanTask, task_id)
    if task is None or task.state is not HumanTaskState.READY or not task.form_key:
        raise NotFound()
    require_can_work_on(
        ctx.actor.user_id, task, is_candidate(ctx.session, ctx.actor.user_id, task, ctx.today)
    )
    instance = ctx.session.get(ProcessInstance, task.instance_id)
    definition = ctx.session.get(ProcessDefinition, instance.definition_id)
    form = form_def(json.loads(definition.forms_json)[task.form_key].encode(), task.form_key)
    errors: dict[str, str] = {}
    checked: list[tuple[Upload, str]] = []
    for upload in uploads:
        field = form.find(upload.field)
        if field is None or field.kind not in UPLOAD_KINDS:
            errors[upload.field] = _("This field does not take files.")
            continue
        media_type = sniff(upload.data)
        if len(upload.data) > field.max_bytes:
            errors[field.name] = _(
                "%(name)s is larger than %(limit)s.",
                name=clean_name(upload.filename),
                limit=do_filesizeformat(field.max_bytes, binary=True),
            )
        elif media_type is None or media_type not in field.accept:
            errors[field.name] = _(
                "%(name)s is not a file type this field accepts.", name=clean_name(upload.filename)
            )
        elif sum(u.field == field.name for u, _t in checked) >= MAX_FILES_PER_FIELD:
            errors[field.name] = _("At most %(n)s files.", n=MAX_FILES_PER_FIELD)
        else:
            checked.append((upload, media_type))
    if errors:
        raise ValidationFailed(_("Some files were refused."), errors)
    refs: dict[str, list[dict[str, object]]] = {}
    for upload, media_type in checked:
        row = Attachment(
            instance_id=instance.id,
            task_id=task.id,
            field=upload.field,
            sha256=storage.store(upload.data),
            size=len(upload.data),
            content_type=media_type,
            original_name=clean_name(upload.filename),
            uploaded_by_user_id=ctx.actor.user_id,
            uploaded_at=ctx.now,
        )
        ctx.session.add(row)
        ctx.session.flush()
        ctx.record(
            "file_uploaded",
            ("attachment", row.id),
            org_unit_id=instance.org_unit_id,
            task_id=task.id,
            sha256=row.sha256,
            size=row.size,
            type=media_type,
        )
        refs.setdefault(upload.field, []).append(row.as_ref())
    return refs
