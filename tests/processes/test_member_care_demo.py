"""The demo year at the showcase branch has a lost-contact search under way and a member in
hardship with a care plan, a subsidy and a first visit, each in its register; the search is not
late, so C09 counts nothing against the branch."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core import clock as app_clock
from app.demo.history import load_demo_history
from app.extensions import db
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.lost_contact import unsought_lost_contacts
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import TEST_NOW
from tests.plugins.demo import DEMO_SEED

CJK = re.compile(r"[\u3400-\u9fff]")


def _open_steps(process_key: str) -> list[str]:
    return list(
        db.session.scalars(
            select(HumanTask.element_id)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(
                ProcessInstance.process_key == process_key,
                ProcessInstance.status == InstanceStatus.RUNNING,
                HumanTask.state == HumanTaskState.READY,
            )
        )
    )


def test_the_demo_has_a_search_under_way_and_a_member_in_hardship_cared_for(demo):
    load_demo_history(DEMO_SEED, grading=False)
    db.session.rollback()
    assert _open_steps("lost_contact_member_handling") == ["search"]
    assert _open_steps("hardship_member_care") == ["review"]
    zone = app_clock.local_zone()
    for key, filled in (
        ("lost_contact_register", "最后联系日期"),
        ("hardship_register", "帮扶措施"),
    ):
        table = ledger_table(db.session, all_ledgers()[key], demo.branch, TEST_NOW.year, zone, "zh")
        (row,) = table.rows
        assert row.running
        assert dict(zip(table.headings, row.cells, strict=True))[filled]
        english = ledger_table(
            db.session, all_ledgers()[key], demo.branch, TEST_NOW.year, zone, "en"
        )
        assert not any(CJK.search(heading) for heading in english.headings)
    assert unsought_lost_contacts(db.session, [demo.branch.id], TEST_NOW.year) == {
        demo.branch.id: 0
    }
