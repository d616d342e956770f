"""An evidence package for one instance: a zip an inspector can keep and check on their own.

It holds the definition version's files (the BPMN and forms as deployed), the step log as JSON
and CSV, the verification results at the time of export, the uploaded documents with their
SHA-256, a printable summary (HTML, A4) and a manifest with the SHA-256 of every file in it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auditing.records import step_context
from app.auditing.replay import replay_instance
from app.core.audit import ChainReport
from app.core.audit import verify_chain
from app.files.models import Attachment
from app.files.storage import path_of
from app.identity.models import OrgUnit
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import verify_instance_log

STEP_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_login",
    "action",
    "element_id",
    "task_uuid",
    "submitted_json",
    "data_change_json",
    "detail",
    "state_hash",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes


def evidence_package(
    session: Session,
    trail_session: Session,
    instance_id: int,
    now: datetime,
    names: dict[int, str],
    locale: str,
    trail: ChainReport | None = None,
) -> Package:
    """The zip for ``instance_id``; ``trail_session`` replays it and walks the whole audit trail
    (it is emptied as it goes, so it is not the caller's) unless ``trail`` is that walk's result
    already (a package of many instances walks it once)."""
    row = session.get(ProcessInstance, instance_id)
    definition = session.get(ProcessDefinition, row.definition_id)
    org = session.get(OrgUnit, row.org_unit_id)
    steps = list(
        session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    )
    documents = list(
        session.scalars(
            select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.id)
        )
    )
    checked, broken = verify_instance_log(session, instance_id)
    replayed = replay_instance(trail_session, instance_id)
    trail_session.rollback()
    trail = trail or verify_chain(trail_session)
    verification = {
        "exported_at": now.isoformat(timespec="seconds"),
        "step_log": {
            "intact": broken is None,
            "steps_checked": checked,
            "broken_at_step": broken.seq if broken else None,
            "problem": broken.problem if broken else None,
            "last_step_hash": row.last_step_hash,
        },
        "replay": {
            "identical": replayed.identical,
            "states_compared": replayed.states_checked,
            "diverged_at_step": replayed.diverged_at,
            "problem": replayed.problem,
            "not_replayable": replayed.not_replayable,
        },
        "audit_trail": {
            "intact": trail.ok,
            "events_checked": trail.checked,
            "broken_at_event": trail.broken_seq,
            "problem": trail.problem,
        },
    }
    files: dict[str, bytes] = {}
    for name, text in json.loads(definition.sources_json).items():
        files[f"definition/{_safe(name)}"] = text.encode()
    for key, text in json.loads(definition.forms_json or "{}").items():
        files[f"definition/forms/{_safe(key)}.json"] = text.encode()
    files["step-log.json"] = _json(
        [{c: _value(getattr(s, c)) for c in STEP_COLUMNS} for s in steps]
    )
    files["step-log.csv"] = _csv(steps)
    files["verification.json"] = _json(verification)
    listed = []
    for doc in documents:
        stored = path_of(doc.sha256)
        content = stored.read_bytes() if stored.exists() else b""
        name = f"documents/{doc.id}-{_safe(doc.original_name)}"
        if content:
            files[name] = content
        listed.append(
            {
                "file": name if content else None,
                "original_name": doc.original_name,
                "sha256": doc.sha256,
                "matches": hashlib.sha256(content).hexdigest() == doc.sha256 if content else False,
                "size": doc.size,
                "uploaded_at": doc.uploaded_at.isoformat(timespec="seconds"),
            }
        )
    files["documents.json"] = _json(listed)
    files["summary.html"] = render_template(
        "auditing/evidence_summary.html",
        row=row,
        org=org,
        definition=definition,
        steps=steps,
        names=names,
        **step_context(session, definition, steps, locale),
        verification=verification,
        documents=listed,
        now=now,
    ).encode()
    manifest = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    files["manifest.json"] = _json(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return Package(f"evidence-{row.process_key}-{row.id}.zip", buffer.getvalue())


def _safe(name: str) -> str:
    """A file name without directories or characters a zip reader could misuse."""
    kept = "".join(c for c in name.replace("\\", "/").split("/")[-1] if c.isprintable())
    return kept.strip(". ") or "file"


def _value(value: Any) -> Any:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode()


def _csv(steps: list[StepLogEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STEP_COLUMNS)
    for s in steps:
        writer.writerow([_cell(_value(getattr(s, c))) for c in STEP_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: Excel opens UTF-8 as UTF-8


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


#: A search's package holds at most this many instances (its manifest says when it was cut).
MAX_SEARCH_PACKAGE = 200


def search_package(
    session: Session,
    trail_session: Session,
    instance_ids: list[int],
    now: datetime,
    names: dict[int, str],
    locale: str,
    search_args: dict[str, str],
) -> Package:
    """One zip holding the package of each instance a search found (the trail walked once), and a
    manifest naming the search, the instances and the SHA-256 of each inner package."""
    trail = verify_chain(trail_session)
    trail_session.rollback()
    kept = instance_ids[:MAX_SEARCH_PACKAGE]
    inner = {}
    for instance_id in kept:
        package = evidence_package(
            session, trail_session, instance_id, now, names, locale, trail=trail
        )
        inner[package.filename] = package.data
    manifest = {
        "exported_at": now.isoformat(timespec="seconds"),
        "search": search_args,
        "instances_found": len(instance_ids),
        "instances_packaged": len(kept),
        "audit_trail_intact": trail.ok,
        "packages": {name: hashlib.sha256(data).hexdigest() for name, data in inner.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # the packages are zips
        for name, data in inner.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", _json(manifest))
    return Package(f"evidence-search-{now.strftime('%Y%m%d-%H%M')}.zip", buffer.getvalue())
