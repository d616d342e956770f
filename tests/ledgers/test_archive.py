"""The annual archive (年度归档) at the demo branch: a closed year sealed as a hashed bundle whose
hashes are recomputed from what is stored — one changed byte is reported — archived once unless
superseded with a reason, never while the year is open, and read only by the branch committee and
the reviewers and auditors above it."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select
from sqlalchemy import update

from app.core.audit import AuditEvent
from app.core.audit import verify_chain
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.extensions import db
from app.files import storage
from app.ledgers.archive import SEALED_EVENT
from app.ledgers.archive import current_archive
from app.ledgers.archive import seal_archive
from app.ledgers.archive import verify_archive
from app.ledgers.cli import ledgers_cli
from app.ledgers.models import LedgerArchive
from tests.conftest import log_in
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import holder_at

DEMO_PASSWORD = "demo123456"
YEAR = 2024  # a closed year the demo history does not archive


def sealed(demo, reason: str | None = None) -> LedgerArchive:
    secretary = holder_at(DEMO_BRANCH, "branch_secretary")
    row = run(
        seal_archive, actor=secretary, org_id=demo.branch.id, year=YEAR, supersede_reason=reason
    )
    db.session.rollback()
    return db.session.get(LedgerArchive, row.id)


def test_the_hashes_are_recomputed_and_one_changed_byte_is_reported(demo, app):
    archive = sealed(demo)
    result = verify_archive(db.session, archive)
    assert result.intact
    assert result.files_checked == archive.file_count > 0
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.event_type == SEALED_EVENT, AuditEvent.subject_id == str(archive.id)
        )
    ).one()
    assert json.loads(event.payload)["manifest_hash"] == archive.manifest_hash
    assert verify_chain(db.session).ok
    cli = app.test_cli_runner()
    checked = cli.invoke(ledgers_cli, ["verify-archive", "--org", DEMO_BRANCH, "--year", str(YEAR)])
    assert checked.exit_code == 0
    assert "intact" in checked.output

    path = storage.path_of(archive.bundle_sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # one bit of one byte inside a compressed file
    path.write_bytes(bytes(data))
    result = verify_archive(db.session, archive)
    assert not result.intact
    assert len(result.problems) >= 2  # the bundle's hash, and the file the byte belongs to
    checked = cli.invoke(ledgers_cli, ["verify-archive", "--org", DEMO_BRANCH, "--year", str(YEAR)])
    assert checked.exit_code == 1
    assert "TAMPERED" in checked.output

    client = app.test_client()
    assert log_in(client, holder_at("HH01", "auditor").login, DEMO_PASSWORD).status_code == 302
    page = client.get(f"/ledgers/{DEMO_BRANCH}/archives/{archive.id}/verify")
    assert "已被篡改" in page.get_data(as_text=True)
    assert "归档包的内容在封存后被改动" in page.get_data(as_text=True)


def test_a_rewritten_manifest_is_reported_even_with_its_hash_recomputed(demo):
    archive = sealed(demo)
    manifest = json.loads(archive.manifest_json)
    manifest["files"] = manifest["files"][1:]  # a ledger quietly left out
    forged = json.dumps(manifest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def rewrite(ctx) -> None:
        ctx.session.execute(
            update(LedgerArchive)
            .where(LedgerArchive.id == archive.id)
            .values(
                manifest_json=forged,
                manifest_hash=hashlib.sha256(forged.encode()).hexdigest(),
            )
        )

    run(rewrite, actor=holder_at(DEMO_BRANCH, "branch_secretary"))
    db.session.rollback()
    result = verify_archive(db.session, db.session.get(LedgerArchive, archive.id))
    assert not result.intact  # the audit trail keeps the first hash; the bundle its manifest
    assert len(result.problems) == 3


def test_a_year_is_archived_once_unless_superseded_with_a_reason(demo):
    first = sealed(demo)
    with pytest.raises(Conflict):
        sealed(demo)
    with pytest.raises(Conflict):
        sealed(demo, reason="   ")
    second = sealed(demo, reason="补录了第四季度党小组会记录")
    assert (second.supersedes_id, second.supersede_reason) == (
        first.id,
        "补录了第四季度党小组会记录",
    )
    assert current_archive(db.session, demo.branch.id, YEAR).id == second.id
    assert verify_archive(db.session, db.session.get(LedgerArchive, first.id)).intact
    assert verify_archive(db.session, second).intact


def test_an_open_year_is_not_archived(demo):
    with pytest.raises(ValidationFailed) as refused:
        run(
            seal_archive,
            actor=holder_at(DEMO_BRANCH, "branch_secretary"),
            org_id=demo.branch.id,
            year=2026,
        )
    assert "2027-01-01" in str(refused.value.field_errors["year"])


def test_the_branch_committee_and_the_auditors_above_read_archives_and_no_one_else(
    demo, app, client, login
):
    archive = sealed(demo)
    download = f"/ledgers/{DEMO_BRANCH}/archives/{archive.id}.zip"
    verify = f"/ledgers/{DEMO_BRANCH}/archives/{archive.id}/verify"

    login(holder_at(DEMO_BRANCH, "org_member").login, DEMO_PASSWORD)
    index = client.get(f"/ledgers/?org={DEMO_BRANCH}").get_data(as_text=True)
    assert download in index
    assert archive.manifest_hash[:16] in index
    response = client.get(download)
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == archive.bundle_sha256
    page = client.get(verify).get_data(as_text=True)
    assert archive.manifest_hash in page
    assert "完好" in page

    for reader, expected in (
        (holder_at("HH01", "auditor"), 200),  # the unit's auditor
        (holder_at("HH02", "auditor"), 404),  # another unit's
        (holder_at("HH01-02", "branch_secretary"), 404),  # another branch's secretary
        (demo.holder("member"), 404),  # a member reads no archive
    ):
        other = app.test_client()
        assert log_in(other, reader.login, DEMO_PASSWORD).status_code == 302
        assert other.get(download).status_code == expected, reader.login
        assert other.get(verify).status_code == expected, reader.login
        assert other.get(f"/ledgers/HH01-02/archives/{archive.id}.zip").status_code == 404
