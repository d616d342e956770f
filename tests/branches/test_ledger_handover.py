"""台账资料移交 when the secretary changes, through the commands at the demo branch: the
organisation member lists the ledgers and the sealed archives and names both secretaries; the
outgoing secretary signs the hand-over in their own task; the incoming one returns it once with a
remark, then accepts it; the hand-over register lists it."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.core.commands import run
from app.extensions import db
from app.identity.models import User
from app.ledgers.archive import seal_archive
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of
from tests.plugins.demo import complete_step
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task


def _successor(demo, outgoing_user_id: int) -> User:
    """A full member of the branch with an account, who is not the outgoing secretary."""
    for person_id in demo.people("full_members"):
        user = db.session.scalars(select(User).where(User.person_id == person_id)).first()
        if user is not None and user.id != outgoing_user_id:
            return user
    raise AssertionError("no full member with an account")


def test_the_outgoing_secretary_hands_over_and_the_incoming_one_checks_and_accepts(demo):
    org_member, secretary = demo.holder("org_member"), demo.holder("branch_secretary")
    run(seal_archive, actor=secretary, org_id=demo.branch.id, year=2025)
    incoming = _successor(demo, secretary.user_id)
    outgoing_person = db.session.get(User, secretary.user_id).person_id

    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="ledger_handover",
        org_code=demo.branch.code,
    )
    items = instance_data(instance_id)["handover_items"]
    kinds = {entry["kind"] for entry in items}
    assert kinds == {"ledger", "archive"}
    assert any(entry["item"] == "党员花名册" for entry in items)
    assert any("2025" in entry["item"] for entry in items if entry["kind"] == "archive")
    complete_step(
        org_member,
        instance_id,
        "prepare",
        {
            "outgoing": outgoing_person,
            "incoming": incoming.person_id,
            "reason": "election",
            "items": items,
        },
    )

    hand_over = open_task(instance_id)
    assert hand_over.assignee_user_id == secretary.user_id  # the outgoing secretary's own task
    signed = {"items": items, "outgoing_signature": True}
    complete_step(secretary, instance_id, "hand_over", signed)
    take_over = open_task(instance_id)
    assert take_over.assignee_user_id == incoming.id
    newcomer = type(secretary)(user_id=incoming.id, login=incoming.login, source="test")
    returned = {"handed_on": "2026-11-23", "accepted": False, "remarks": "缺2025年纸质党费收据"}
    complete_step(newcomer, instance_id, "take_over", returned | {"incoming_signature": True})
    assert open_task(instance_id).element_id == "hand_over"  # back to the outgoing secretary
    extra = [*items, {"item": "2025年党费收据", "kind": "other", "detail": "纸质"}]
    complete_step(
        secretary,
        instance_id,
        "hand_over",
        {"items": extra, "explanation": "已补交", "outgoing_signature": True},
    )
    accepted = {"handed_on": "2026-11-23", "accepted": True, "incoming_signature": True}
    complete_step(newcomer, instance_id, "take_over", accepted)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    db.session.rollback()
    data = answers_of(db.session, [instance_id])[instance_id]
    assert data["outgoing_signature"]["user_id"] == secretary.user_id
    assert data["incoming_signature"]["user_id"] == incoming.id
    register = ledger_table(
        db.session,
        all_ledgers()["ledger_handover"],
        demo.branch,
        2026,
        clock.local_zone(),
        "zh",
    )
    (row,) = register.rows
    assert row.instance_id == instance_id
    assert any("2025年党费收据" in cell for cell in row.cells)
