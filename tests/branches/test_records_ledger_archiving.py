"""台账资料管理与年度归档 through the commands at the demo branch: the organisation member enables
the year's ledger set; on the first day of each following quarter the quarter's rows are counted
and the self-check is recorded (an incomplete ledger needs a note); after the year closes the
archive is sealed and verified, and the unit's auditor samples it, returning it once for
rectification."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import User
from app.ledgers.archive import current_archive
from app.ledgers.archive import verify_archive
from app.ledgers.models import LedgerArchive
from app.ledgers.models import LedgerSelfCheck
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task

PROCESS = "records_ledger_archiving"


def person_of(actor) -> int:
    return db.session.get(User, actor.user_id).person_id


def fire(actor, instance_id: int) -> None:
    run(commands.fire_due_timers, actor=actor, instance_id=instance_id)


def enabled(demo, year: int) -> int:
    """An instance for ``year`` whose ledger set the organisation member confirmed."""
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance, actor=org_member, process_key=PROCESS, org_code=demo.branch.code
    )
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("enable_ledgers", "org_member")
    ledger_set = instance_data(instance_id)["ledger_set"]
    assert {"ledger": "member_roster", "title": "党员花名册"} in ledger_set
    complete_step(
        org_member,
        instance_id,
        "enable_ledgers",
        {"year": year, "ledger_set": ledger_set, "keeper": person_of(org_member)},
    )
    return instance_id


def self_check(demo, instance_id: int, incomplete: str | None = None) -> list[dict]:
    """Complete the open quarterly check as counted, with ``incomplete`` marked so."""
    checks = instance_data(instance_id)["ledger_counts"]
    for entry in checks:
        if entry["ledger"] == incomplete:
            entry |= {"complete": "incomplete", "note": "缺少签字"}
    complete_step(
        demo.holder("org_member"), instance_id, "quarterly_self_check", {"checks": checks}
    )
    return checks


def test_a_year_is_self_checked_each_quarter_then_sealed_verified_and_audited(demo, clock):
    org_member = demo.holder("org_member")
    instance_id = enabled(demo, 2026)

    fire(org_member, instance_id)  # 1 April 2026 has passed: the first quarter's check is due
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("quarterly_self_check", "org_member")
    counts = instance_data(instance_id)["ledger_counts"]
    assert {c["complete"] for c in counts} <= {"complete", "no_records"}
    assert all(c["complete"] == ("complete" if c["rows"] else "no_records") for c in counts)
    unnoted = [dict(c) for c in counts]
    unnoted[0] |= {"complete": "incomplete", "note": ""}
    with pytest.raises(ValidationFailed) as refused:  # an incomplete ledger says what is missing
        complete_step(org_member, instance_id, "quarterly_self_check", {"checks": unnoted})
    assert "checks" in refused.value.field_errors
    self_check(demo, instance_id, incomplete="talk_register")

    for _quarter in (2, 3):
        fire(org_member, instance_id)
        self_check(demo, instance_id)
    fire(org_member, instance_id)  # the fourth quarter is checked on 1 January 2027
    with pytest.raises(NoResultFound):  # the fourth quarter's check waits for 1 January 2027
        open_task(instance_id)
    db.session.rollback()
    checks = db.session.scalars(
        select(LedgerSelfCheck)
        .where(LedgerSelfCheck.instance_id == instance_id)
        .order_by(LedgerSelfCheck.quarter)
    ).all()
    assert [c.quarter for c in checks] == [1, 2, 3]
    assert json.loads(checks[0].incomplete_json) == ["talk_register"]

    clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    fire(org_member, instance_id)
    self_check(demo, instance_id)
    archive_task = open_task(instance_id)
    assert (archive_task.element_id, archive_task.candidate_role) == (
        "annual_archive",
        "org_member",
    )
    complete_step(
        org_member,
        instance_id,
        "annual_archive",
        {"paper_filed": True, "paper_location": "党员活动室档案柜"},
    )
    db.session.rollback()
    sealed = current_archive(db.session, demo.branch.id, 2026)
    assert sealed is not None
    assert sealed.instance_id == instance_id
    manifest = json.loads(sealed.manifest_json)
    names = {f["name"] for f in manifest["files"]}
    assert {"ledgers/member_roster.json", "ledgers/member_roster.xlsx"} <= names
    assert (manifest["branch"]["code"], manifest["year"]) == (demo.branch.code, 2026)
    assert verify_archive(db.session, sealed).intact
    data = instance_data(instance_id)
    assert data["archive"]["manifest_hash"] == sealed.manifest_hash
    assert data["verification"]["intact"] is True

    auditor = holder_at("HH01", "auditor")
    audit = open_task(instance_id)
    assert (audit.element_id, audit.candidate_role) == ("sample_audit", "auditor")
    complete_step(
        auditor, instance_id, "sample_audit", {"integrity_ok": False, "findings": "谈话记录缺签字"}
    )
    complete_step(org_member, instance_id, "rectify", {"rectification": "已补签"})
    complete_step(auditor, instance_id, "sample_audit", {"integrity_ok": True})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert db.session.scalars(select(LedgerArchive).where(LedgerArchive.year == 2026)).all() == [
        sealed
    ]
