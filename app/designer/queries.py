"""What the designer pages read: models with their versions, drafts and requests, running
instances per version, and the catalogue the modeler's panels offer."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import undefer

from app.designer.models import DraftRevision
from app.designer.models import DraftStatus
from app.designer.models import ModelDraft
from app.designer.models import PublishRequest
from app.designer.models import RequestStatus
from app.designer.sources import ModelFile
from app.designer.sources import file_hash
from app.designer.sources import model_files
from app.formdefs.registry import form_def
from app.formdefs.registry import load_registry
from app.identity import catalogue
from app.workflow.actions import describe_actions
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance


@dataclass(frozen=True)
class VersionRow:
    definition: ProcessDefinition
    file_hash: str | None  # of this model file in that version
    running: int


def running_by_definition(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.status == InstanceStatus.RUNNING)
        .group_by(ProcessInstance.definition_id)
    )
    return dict(rows.all())


def open_drafts(session: Session) -> list[ModelDraft]:
    return list(
        session.scalars(
            select(ModelDraft)
            .where(ModelDraft.status != DraftStatus.PUBLISHED)
            .order_by(ModelDraft.updated_at.desc())
        )
    )


def pending_requests(session: Session) -> list[PublishRequest]:
    return list(
        session.scalars(
            select(PublishRequest)
            .where(PublishRequest.status == RequestStatus.PENDING)
            .order_by(PublishRequest.requested_at)
        )
    )


def index(session: Session) -> dict[str, object]:
    files = model_files(session)
    running = running_by_definition(session)
    totals: dict[str, int] = {}
    for definition_id, count in running.items():
        key = session.get(ProcessDefinition, definition_id)
        if key is not None:
            totals[key.process_key] = totals.get(key.process_key, 0) + count
    drafts = open_drafts(session)
    return {
        "processes": [m for m in files.values() if m.kind == "bpmn"],
        "decisions": [m for m in files.values() if m.kind == "dmn"],
        "running": {
            name: sum(totals.get(d.process_key, 0) for d in model.definitions)
            for name, model in files.items()
        },
        "drafts": drafts,
        "problem_counts": {d.id: len(json.loads(d.problems_json)) for d in drafts},
        "drafted": {d.file_name for d in drafts},
        "requests": pending_requests(session),
    }


def versions_of(session: Session, model: ModelFile) -> list[VersionRow]:
    """Every deployed version of every process that uses the file, newest first."""
    keys = [d.process_key for d in model.definitions]
    running = running_by_definition(session)
    rows = []
    for definition in session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key.in_(keys))
        .options(undefer(ProcessDefinition.sources_json))
        .order_by(ProcessDefinition.process_key, ProcessDefinition.version.desc())
    ):
        text = json.loads(definition.sources_json).get(model.file_name)
        rows.append(
            VersionRow(
                definition,
                file_hash(text.encode("utf-8")) if text is not None else None,
                running.get(definition.id, 0),
            )
        )
    return rows


def drafts_of(session: Session, file_name: str) -> list[ModelDraft]:
    return list(
        session.scalars(
            select(ModelDraft)
            .where(ModelDraft.file_name == file_name)
            .order_by(ModelDraft.created_at.desc(), ModelDraft.id.desc())
        )
    )


def requests_of(session: Session, file_name: str) -> list[PublishRequest]:
    return list(
        session.scalars(
            select(PublishRequest)
            .where(PublishRequest.file_name == file_name)
            .order_by(PublishRequest.requested_at.desc(), PublishRequest.id.desc())
        )
    )


def revisions_of(session: Session, draft_ids: list[int]) -> list[DraftRevision]:
    return list(
        session.scalars(
            select(DraftRevision)
            .where(DraftRevision.draft_id.in_(draft_ids))
            .order_by(DraftRevision.saved_at.desc(), DraftRevision.id.desc())
        )
    )


def problems_of(draft: ModelDraft, locale: str) -> list[dict[str, object]]:
    """The draft's stored problems as the modeler shows them, in the reader's language."""
    return localised(json.loads(draft.problems_json), locale)


def localised(problems: list[dict[str, object]], locale: str) -> list[dict[str, object]]:
    english = locale.startswith("en")
    return [
        {
            "element_id": p.get("element_id"),
            "file": p.get("file"),
            "line": p.get("line"),
            "category": p.get("category"),
            "message": p.get("message_en") if english else p.get("message_zh"),
            "severity": "error",
        }
        for p in problems
    ]


def modeler_catalogue(session: Session, locale: str) -> dict[str, object]:
    """Roles, forms and domain actions as the modeler's properties panel offers them."""
    roles = [
        {"code": code, "name": role.label(locale)}
        for code, role in catalogue.roles().items()
        if role.code != "system_admin"
    ]
    registry = load_registry(current_app.config["FORMS_DIR"])
    forms = {
        key: {"key": key, "title": registry[key].title, "url": _form_url(key)} for key in registry
    }
    for definition in session.scalars(
        select(ProcessDefinition).options(undefer(ProcessDefinition.forms_json))
    ):
        for key, text in json.loads(definition.forms_json).items():
            if key not in forms:
                forms[key] = {"key": key, "title": _title(key, text), "url": None}
    english = locale.startswith("en")
    actions = [
        {
            "name": action["name"],
            "title": action["label"]["en" if english else "zh"],
            "params": [
                {
                    "name": p["name"],
                    "type": p["type"],
                    "title": p["label"]["en" if english else "zh"],
                    "required": p["required"],
                }
                for p in action["parameters"]
            ],
        }
        for action in describe_actions()
    ]
    return {
        "roles": roles,
        "forms": sorted(forms.values(), key=lambda f: f["key"]),
        "actions": actions,
    }


def with_draft_forms(forms: list[dict], draft_id: int, used: list) -> list[dict]:
    """The catalogue's forms with those a draft carries (new ones, or its changed copies)."""
    by_key = {f["key"]: f for f in forms}
    for form in used:
        if form.source in ("draft", "published"):
            url = url_for("designer.draft_form_page", draft_id=draft_id, key=form.key)
            by_key[form.key] = {"key": form.key, "title": form.title, "url": url}
    return sorted(by_key.values(), key=lambda f: f["key"])


def _form_url(key: str) -> str:
    return url_for("designer.form_file", key=key)


def _title(key: str, text: str) -> str:
    try:
        return form_def(text.encode("utf-8"), key).title
    except Exception:  # noqa: BLE001 - an old version's form that no longer parses is still listed
        return key
