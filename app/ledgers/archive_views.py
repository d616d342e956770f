"""The annual archives on the ledger pages: the list of a branch's sealed archives, a bundle's
download and its verification. Only the branch committee and the reviewers and auditors above it
(``policy.ARCHIVE_READERS``) see them; anyone else, and another branch's archive, is "not found"."""

from __future__ import annotations

from flask import Response
from flask import render_template

from app.core.errors import NotFound
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.session import current_scope
from app.ledgers.archive import archives_of
from app.ledgers.archive import bundle_bytes
from app.ledgers.archive import verify_archive
from app.ledgers.models import LedgerArchive
from app.ledgers.policy import readable_org
from app.ledgers.policy import reads_archives_of
from app.ledgers.views import bp


def visible_archives(org: OrgUnit) -> list[LedgerArchive] | None:
    """The organisation's archives for the ledger index, or None when the user may not see
    them (the section is then left out)."""
    if not reads_archives_of(current_scope(), org.path):
        return None
    return archives_of(db.session, org.id)


def _archive(code: str, archive_id: int) -> tuple[OrgUnit, LedgerArchive]:
    org = readable_org(db.session, current_scope(), code)
    row = db.session.get(LedgerArchive, archive_id)
    if row is None or row.org_unit_id != org.id or not reads_archives_of(current_scope(), org.path):
        raise NotFound()
    return org, row


@bp.get("/<code>/archives/<int:archive_id>.zip")
def archive_download(code: str, archive_id: int) -> Response:
    org, row = _archive(code, archive_id)
    data = bundle_bytes(row)
    if data is None:
        raise NotFound()
    name = f"{org.code}-{row.year}-archive-{row.id}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/<code>/archives/<int:archive_id>/verify")
def archive_verify(code: str, archive_id: int) -> str:
    org, row = _archive(code, archive_id)
    superseded_by = next(
        (a for a in archives_of(db.session, org.id) if a.supersedes_id == row.id), None
    )
    return render_template(
        "ledgers/archive_verify.html",
        org=org,
        archive=row,
        result=verify_archive(db.session, row),
        superseded_by=superseded_by,
    )
