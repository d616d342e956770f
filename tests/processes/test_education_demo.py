"""The demo year's member education and commendation at the showcase branch (app/demo/education.py):
what a newcomer sees in the study-hours ledger, the honours register and C08."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.demo.history import load_demo_history
from app.extensions import db
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.members.study_hours import shares_reaching
from app.members.study_hours import study_hours_by_source
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.plugins.demo import DEMO_SEED


def test_the_demo_year_has_hours_from_every_source_and_an_honour(demo):
    load_demo_history(DEMO_SEED, grading=False)
    db.session.rollback()
    states = dict(
        db.session.execute(
            select(ProcessInstance.process_key, ProcessInstance.status).where(
                ProcessInstance.process_key.in_(
                    ("member_education_training", "intra_party_commendation")
                )
            )
        ).all()
    )
    # The year's plan waits for the December reminder; the nominations ended with an honour.
    assert states == {
        "member_education_training": InstanceStatus.RUNNING,
        "intra_party_commendation": InstanceStatus.COMPLETED,
    }
    hours = study_hours_by_source(db.session, demo.branch.id, 2026)
    for key in ("party_lecture", "themed_party_day", "member_training_session"):
        assert any(by_source[key] > 0 for by_source in hours.values()), key
    assert sum(by_source["study_hours_claim"] for by_source in hours.values()) == 4
    share = shares_reaching(db.session, [demo.branch.id], 2026)[demo.branch.id]
    assert share is not None
    assert 0 < share <= 1

    ledger = parse_ledger(
        "honours_register", (ROOT / "ledgers" / "honours_register.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, 2026, clock.local_zone(), "zh")
    assert [row.cells[2] for row in table.rows] == ["优秀共产党员"]
