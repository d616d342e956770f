"""The demo's ledger records at the showcase branch: last year's archive sealed and intact, this
year's third-quarter self-check waiting for the organisation member, and criterion C18 measured
from them (3 less 0.5 for the talk register found incomplete in the latest check)."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.grading.cycle.measured_records import measured_c18
from app.ledgers.archive import current_archive
from app.ledgers.archive import verify_archive
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import instance_data


def test_last_year_is_sealed_and_this_quarter_s_check_waits(demo_year):
    demo = demo_year
    archive = current_archive(db.session, demo.branch.id, 2025)
    assert archive is not None
    assert verify_archive(db.session, archive).intact
    assert json.loads(archive.manifest_json)["branch"]["code"] == demo.branch.code
    sealed_by = db.session.get(ProcessInstance, archive.instance_id)
    assert sealed_by.status is InstanceStatus.COMPLETED

    waiting = db.session.scalars(
        select(HumanTask).where(
            HumanTask.org_unit_id == demo.branch.id,
            HumanTask.element_id == "quarterly_self_check",
            HumanTask.state == HumanTaskState.READY,
        )
    ).one()
    assert waiting.candidate_role == "org_member"
    assert instance_data(waiting.instance_id)["quarter"] == 3
    assert current_archive(db.session, demo.branch.id, 2026) is None

    assert measured_c18(db.session, [demo.branch.id], 2026, 3.0) == {demo.branch.id: 2.5}
