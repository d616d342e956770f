"""The demo's member moves: a transfer between units completed (the person on the receiving
branch's rolls, the transfer in both registers), one waiting for the receiving branch to confirm
the 报到 (the person still on the old rolls), a mobile member of HH01-01 with a contact due."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.demo.history import load_demo_history
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
from tests.plugins.demo import DEMO_SEED


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


def test_the_demo_has_a_completed_and_an_open_transfer_and_a_mobile_member(demo):
    counts = load_demo_history(DEMO_SEED)
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
