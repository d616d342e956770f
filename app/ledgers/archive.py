"""The annual archive (年度归档): a closed year's ledgers and documents of a branch as one sealed,
hashed bundle.

The bundle is a zip: each ledger the branch keeps, for the year, as canonical JSON (what the
ledger page shows, row by row) and as the Excel workbook of its export, plus every document
uploaded into the branch's procedures during the year (Beijing time), and ``manifest.json``. The
manifest is canonical JSON — branch, year, each file's name, size and SHA-256, when and by whom
it was sealed — and its SHA-256 is the archive's fingerprint: it is kept on the archive's row and
written into the hash-chained audit trail by the seal's event, so rewriting the bundle, the row or
the event is each caught by ``verify_archive``.

A year is archived once. Archiving it again (a ledger corrected after the seal) supersedes the
first archive with a reason; both rows stay, the first is never changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.audit import AuditEvent
from app.core.audit import PendingEvent
from app.core.audit import canonical_json
from app.core.audit import event_hash
from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.files import storage
from app.files.models import Attachment
from app.identity.models import OrgUnit
from app.ledgers.definitions import LedgerDef
from app.ledgers.export import workbook_bytes
from app.ledgers.models import LedgerArchive
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow.models import ProcessInstance

SEALED_EVENT = "ledger_archive_sealed"
FORMAT = "branchflow-ledger-archive/1"
MANIFEST = "manifest.json"
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def branch_ledgers(org: OrgUnit) -> list[LedgerDef]:
    """The ledgers ``org`` keeps itself (not the roll-ups of those kept below it), by key."""
    return sorted(
        (d for d in all_ledgers().values() if org.kind.value in d.org_kinds),
        key=lambda d: d.key,
    )


def archives_of(session: Session, org_id: int) -> list[LedgerArchive]:
    """Every archive of the organisation, newest year first, a year's newest seal first."""
    return list(
        session.scalars(
            select(LedgerArchive)
            .where(LedgerArchive.org_unit_id == org_id)
            .order_by(LedgerArchive.year.desc(), LedgerArchive.id.desc())
        )
    )


def current_archive(session: Session, org_id: int, year: int) -> LedgerArchive | None:
    """The year's archive in force: the newest one no later archive supersedes."""
    rows = [a for a in archives_of(session, org_id) if a.year == year]
    superseded = {a.supersedes_id for a in rows}
    return next((a for a in rows if a.id not in superseded), None)


def seal_archive(
    ctx: CommandContext,
    *,
    org_id: int,
    year: int,
    instance_id: int | None = None,
    supersede_reason: str | None = None,
) -> LedgerArchive:
    """Build, store and record the year's bundle. Refused while the year is open, and when the
    year is archived already unless a reason to supersede that archive is given. Records
    ``ledger_archive_sealed`` with the manifest's hash."""
    # Two seals of one branch at once: the second waits here and then finds the first.
    org = ctx.session.scalars(select(OrgUnit).where(OrgUnit.id == org_id).with_for_update()).one()
    if year >= ctx.today.year:
        raise ValidationFailed(
            _("The year %(year)d is not over yet; it is archived after it closes.", year=year),
            {"year": _("Not before %(day)s.", day=f"{year + 1}-01-01")},
        )
    reason = (supersede_reason or "").strip() or None
    before = current_archive(ctx.session, org.id, year)
    if before is not None and reason is None:
        raise Conflict(
            _(
                "The year %(year)d is archived already (sealed on %(day)s); archiving it again "
                "supersedes that archive and needs a reason.",
                year=year,
                day=before.sealed_at.astimezone(clock.local_zone()).date().isoformat(),
            )
        )
    files = _bundle_files(ctx.session, org, year)
    manifest = {
        "format": FORMAT,
        "branch": {"code": org.code, "name": org.name},
        "year": year,
        "sealed_at": ctx.now.isoformat(),
        "sealed_by": ctx.actor.login,
        "supersedes": before.id if before else None,
        "reason": reason if before else None,
        "files": [{"name": name, "size": len(data), "sha256": _sha(data)} for name, data in files],
    }
    manifest_json = canonical_json(manifest)
    bundle = _zip([*files, (MANIFEST, manifest_json.encode("utf-8"))], ctx.now)
    row = LedgerArchive(
        org_unit_id=org.id,
        year=year,
        bundle_sha256=storage.store(bundle),
        bundle_size=len(bundle),
        file_count=len(files),
        manifest_json=manifest_json,
        manifest_hash=_sha(manifest_json.encode("utf-8")),
        sealed_at=ctx.now,
        sealed_by_user_id=ctx.actor.user_id,
        sealed_by_login=ctx.actor.login,
        instance_id=instance_id,
        supersedes_id=before.id if before else None,
        supersede_reason=reason if before else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(
        SEALED_EVENT,
        ("ledger_archive", row.id),
        org_unit_id=org.id,
        year=year,
        manifest_hash=row.manifest_hash,
        bundle_sha256=row.bundle_sha256,
        supersedes=row.supersedes_id,
        reason=row.supersede_reason,
    )
    return row


def _bundle_files(session: Session, org: OrgUnit, year: int) -> list[tuple[str, bytes]]:
    """(name in the zip, bytes): the ledgers, then the documents, in a stable order."""
    files: list[tuple[str, bytes]] = []
    zone = clock.local_zone()
    with force_locale("zh"):
        for ledger in branch_ledgers(org):
            table = ledger_table(session, ledger, org, year, zone, "zh")
            rows = [
                {"instance": r.instance_id, "on": r.on.isoformat(), "cells": list(r.cells)}
                for r in table.rows
            ]
            shown = {"ledger": ledger.key, "title": ledger.title, "year": year}
            shown |= {"headings": list(table.headings), "rows": rows}
            files.append((f"ledgers/{ledger.key}.json", canonical_json(shown).encode("utf-8")))
            files.append((f"ledgers/{ledger.key}.xlsx", workbook_bytes(table, "zh")))
    between = (datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))
    documents = session.scalars(
        select(Attachment)
        .join(ProcessInstance, ProcessInstance.id == Attachment.instance_id)
        .where(
            ProcessInstance.org_unit_id == org.id,
            Attachment.uploaded_at >= between[0],
            Attachment.uploaded_at < between[1],
        )
        .order_by(Attachment.id)
    )
    for document in documents:
        path = storage.path_of(document.sha256)
        if path.is_file():  # a file lost from the store is missing from the bundle, visibly
            name = _UNSAFE.sub("_", document.original_name)[:120]
            files.append((f"documents/{document.id:06d}-{name}", path.read_bytes()))
    return files


def _zip(files: list[tuple[str, bytes]], at: datetime) -> bytes:
    stamp = at.astimezone(clock.local_zone()).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files:
            bundle.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_bytes(archive: LedgerArchive) -> bytes | None:
    path = storage.path_of(archive.bundle_sha256)
    return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class Verification:
    archive_id: int
    files_checked: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_archive(
    session: Session, archive: LedgerArchive, pending: Sequence[PendingEvent] = ()
) -> Verification:
    """Recompute every hash from what is stored — the manifest on the row, the seal's audit
    event, the bundle's bytes and each file in it — and say what no longer matches. ``pending``:
    the running command's events, when the seal is checked in the command that sealed it (its
    event joins the chain only when the command commits)."""
    problems: list[str] = []
    if _sha(archive.manifest_json.encode("utf-8")) != archive.manifest_hash:
        problems.append(_("The archive's manifest was changed after the seal."))
    problems += _event_problems(session, archive, pending)
    data = bundle_bytes(archive)
    if data is None:
        problems.append(_("The bundle file is missing from the file store."))
        return Verification(archive.id, 0, tuple(problems))
    if _sha(data) != archive.bundle_sha256:
        problems.append(_("The bundle's bytes were changed after the seal."))
    checked, found = _file_problems(data, archive.manifest_json)
    return Verification(archive.id, checked, tuple(problems + found))


def _event_problems(
    session: Session, archive: LedgerArchive, pending: Sequence[PendingEvent]
) -> list[str]:
    subject = ("ledger_archive", str(archive.id))
    for waiting in pending:
        if (waiting.event_type, (waiting.subject_type, waiting.subject_id)) == (
            SEALED_EVENT,
            subject,
        ):
            if waiting.data.get("manifest_hash") != archive.manifest_hash:
                return [_("The manifest's hash differs from the one the audit trail recorded.")]
            return []
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.event_type == SEALED_EVENT,
            AuditEvent.subject_type == "ledger_archive",
            AuditEvent.subject_id == str(archive.id),
        )
    ).first()
    if event is None:
        return [_("The audit trail has no record of this seal.")]
    problems = []
    if event_hash(event) != event.hash:
        problems.append(_("The seal's audit event was changed after it was written."))
    if json.loads(event.payload).get("manifest_hash") != archive.manifest_hash:
        problems.append(_("The manifest's hash differs from the one the audit trail recorded."))
    return problems


def _file_problems(data: bytes, manifest_json: str) -> tuple[int, list[str]]:
    try:
        manifest: dict[str, Any] = json.loads(manifest_json)
        bundle = zipfile.ZipFile(io.BytesIO(data))
        names = set(bundle.namelist())
    except (ValueError, zipfile.BadZipFile):
        return 0, [_("The bundle can no longer be read as a zip file.")]
    problems, checked = [], 0
    listed = {f["name"] for f in manifest.get("files", [])} | {MANIFEST}
    problems += [
        _("%(name)s is in the bundle but not in the manifest.", name=n)
        for n in sorted(names - listed)
    ]
    for entry in manifest.get("files", []):
        name = entry["name"]
        try:
            content = bundle.read(name)
        except KeyError:
            problems.append(_("%(name)s is missing from the bundle.", name=name))
            continue
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError):
            problems.append(_("%(name)s can no longer be read from the bundle.", name=name))
            continue
        checked += 1
        if len(content) != entry["size"] or _sha(content) != entry["sha256"]:
            problems.append(_("%(name)s was changed after the seal.", name=name))
    try:
        inside = bundle.read(MANIFEST).decode("utf-8")
    except (KeyError, zipfile.BadZipFile, zlib.error, ValueError, OSError):
        inside = None
    if inside != manifest_json:
        problems.append(_("The manifest inside the bundle differs from the sealed one."))
    return checked, problems


def archived_branches(session: Session, org_ids: list[int], year: int) -> set[int]:
    """The organisations among ``org_ids`` whose ``year`` is sealed."""
    return set(
        session.scalars(
            select(LedgerArchive.org_unit_id)
            .where(LedgerArchive.org_unit_id.in_(org_ids), LedgerArchive.year == year)
            .distinct()
        )
    )
