"""The demo's member moves: a transfer between units completed (the person on the receiving
branch's rolls, the transfer in both registers), one waiting for the receiving branch to confirm
the 报到 (the person still on the old rolls), a mobile member of HH01-01 with a contact due."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.demo.member_moves import COMPLETED_TRANSFER
from app.demo.member_moves import MOBILE_BRANCH
from app.demo.member_moves import OPEN_TRANSFER
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.members.transfers import overdue_transfers
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.conftest import log_in
from tests.plugins.demo import holder_at

DEMO_PASSWORD = "demo123456"


def _org(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _instances(key: str, code: str) -> list[ProcessInstance]:
    return list(
        db.session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.process_key == key, ProcessInstance.org_unit_id == _org(code).id
            )
        )
    )


def _open_steps(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(HumanTask.element_id).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    )


def test_the_demo_has_a_completed_and_an_open_transfer_and_a_mobile_member(
    demo_year, app, client, login
):
    counts = demo_year.counts
    assert counts.moves.transfers_completed == 1
    assert counts.moves.transfers_open == 1
    assert counts.moves.mobile_members == 1

    sending, receiving = COMPLETED_TRANSFER
    (out,) = _instances("membership_transfer_out", sending)
    (incoming,) = _instances("membership_transfer_in", receiving)
    assert out.status is InstanceStatus.COMPLETED
    assert incoming.status is InstanceStatus.COMPLETED
    moved = db.session.get(Person, earlier_answers(db.session, out.id)["person"])
    assert moved.branch_id == _org(receiving).id
    moved_name = moved.name
    year = clock.local_today().year
    assert overdue_transfers(db.session, [_org(sending).id], year)[_org(sending).id] == 0

    sending, receiving = OPEN_TRANSFER
    (out,) = _instances("membership_transfer_out", sending)
    (incoming,) = _instances("membership_transfer_in", receiving)
    assert out.status is InstanceStatus.RUNNING
    assert _open_steps(incoming.id) == ["report_in"]
    waiting = db.session.get(Person, earlier_answers(db.session, out.id)["person"])
    assert waiting.branch_id == _org(sending).id

    (mobile,) = _instances("mobile_member_management", MOBILE_BRANCH)
    assert _open_steps(mobile.id) == ["periodic_contact"]

    # The receiving secretary finds the 报到 to confirm, with the letter, on the task page; the
    # unit's reviewer reads the completed transfer in the sending branch's register.
    task = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == incoming.id, HumanTask.state == HumanTaskState.READY
        )
    ).one()
    login(holder_at(receiving, "branch_secretary").login, DEMO_PASSWORD)
    page = client.get(f"/inbox/tasks/{task.id}")
    assert page.status_code == 200
    assert "确认党员报到" in page.get_data(as_text=True)
    reviewer = app.test_client()
    assert (
        log_in(reviewer, holder_at("HH01", "unit_org_reviewer").login, DEMO_PASSWORD).status_code
        == 302
    )
    page = reviewer.get(f"/ledgers/{COMPLETED_TRANSFER[0]}/{year}/transfer_register")
    assert page.status_code == 200
    assert moved_name in page.get_data(as_text=True)
