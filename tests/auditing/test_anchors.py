"""Anchors (issue 13, item 5): the heads of the chains, printed for safekeeping, expose a history
rewritten with recomputed hashes — which the chains alone no longer can."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.auditing.anchors import head_at
from app.auditing.anchors import parse_anchors
from app.auditing.anchors import recorded_anchors
from app.auditing.models import AuditAnchor
from app.core.audit import AuditChainHead
from app.core.audit import AuditEvent
from app.core.audit import event_hash
from app.extensions import db
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.steplog import step_hash
from tests.auditing.test_replay import committee_meeting
from tests.plugins.demo import complete_step


def _anchor(app, tmp_path) -> str:
    taken = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert taken.exit_code == 0, taken.output
    path = tmp_path / "anchor.txt"
    path.write_text(f"Monthly report, November\n\n{taken.output}\n(kept by the inspector)\n")
    return str(path)


def _verify(app, anchors: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", "--anchors", anchors])


def test_an_anchor_is_printed_recorded_and_passed_by_a_history_that_grows(demo, app, tmp_path):
    instance_id = committee_meeting(demo, to_the_end=False)
    anchors = _anchor(app, tmp_path)
    printed = Path(anchors).read_text(encoding="utf-8")
    assert "audit trail head: seq" in printed
    assert "step logs:" in printed
    (anchor,) = parse_anchors(printed)
    assert anchor.instances >= 1
    row = db.session.scalars(select(AuditAnchor)).one()
    assert row.text in printed
    assert row.taken_by.startswith("cli:")
    assert recorded_anchors(db.session) == [anchor]
    seq, head = head_at(db.session, instance_id, anchor)
    assert (seq, head) == (4, db.session.get(ProcessInstance, instance_id).last_step_hash)
    # the history goes on after the anchor: it still passes through the anchored heads
    archived = {"record_checked": True, "minutes_signed": True}
    complete_step(demo.holder("org_member"), instance_id, "archive", archived)
    result = _verify(app, anchors)
    assert result.exit_code == 0, result.output
    assert "the chains pass through its heads" in result.output


def test_a_step_rewritten_with_recomputed_hashes_is_caught_by_the_anchor(demo, app, tmp_path):
    instance_id = committee_meeting(demo)
    anchors = _anchor(app, tmp_path)
    seq = db.session.scalar(
        select(StepLogEntry.seq).where(
            StepLogEntry.instance_id == instance_id, StepLogEntry.element_id == "decide"
        )
    )
    _rewrite_step(instance_id, seq, lambda data: data | {"escalate_to_assembly": True})
    plain = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert plain.exit_code == 0, plain.output  # the recomputed chains verify on their own …
    result = _verify(app, anchors)
    assert result.exit_code == 1  # … but no longer pass through the anchored heads
    assert "the step logs no longer pass through their heads" in result.output
    replayed = app.test_cli_runner().invoke(args=["audit", "replay", str(instance_id)])
    assert replayed.exit_code == 1  # and the stored states are not what the data makes
    assert f"step {seq}" in replayed.output


def test_an_audit_trail_rewritten_with_recomputed_hashes_is_caught(demo, app, tmp_path):
    committee_meeting(demo, to_the_end=False)
    anchors = _anchor(app, tmp_path)
    _rewrite_first_event()
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    result = _verify(app, anchors)
    assert result.exit_code == 1
    assert "the audit trail no longer passes through its head" in result.output


def test_a_file_without_an_anchor_fails(app, tmp_path, demo):
    path = tmp_path / "empty.txt"
    path.write_text("nothing here\n")
    result = _verify(app, str(path))
    assert result.exit_code == 1
    assert "no anchor found" in result.output


def test_the_anchor_list_is_append_only(demo, app, tmp_path):
    _anchor(app, tmp_path)
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE audit_anchors SET steps_digest = 'x'"))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM audit_anchors"))
    db.session.rollback()


def _without_guards(table: str) -> None:
    """What someone with the database's owner rights can do: switch the append-only guards off
    (the test database is a copy made for this test)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for action in ("update", "delete"):
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))


def _rewrite_step(instance_id: int, seq: int, change) -> None:
    """Change one step's submission and recompute every hash after it, as a forger would."""
    db.session.rollback()
    _without_guards("step_log")
    entries = db.session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    previous = None
    for entry in entries:
        if entry.seq == seq:
            entry.submitted_json = json.dumps(change(json.loads(entry.submitted_json)))
        if previous is not None:
            entry.prev_hash = previous
        entry.hash = step_hash(entry)
        previous = entry.hash
    db.session.execute(
        text("UPDATE process_instances SET last_step_hash = :h WHERE id = :id"),
        {"h": previous, "id": instance_id},
    )
    db.session.commit()


def _rewrite_first_event() -> None:
    """Change the first audit event's payload and recompute the whole trail and its head."""
    db.session.rollback()
    _without_guards("audit_events")
    previous = None
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all():
        if previous is None:
            event.payload = json.dumps({"forged": True})
        else:
            event.prev_hash = previous
        event.hash = event_hash(event)
        previous = event.hash
    db.session.get(AuditChainHead, 1).hash = previous
    db.session.commit()
