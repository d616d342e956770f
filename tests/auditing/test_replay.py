"""Deterministic replay (issue 13, item 5): a committee meeting of the demo branch, re-run from
its logged inputs, re-derives every stored state; a state changed behind the application's back
is named with its step, on the command line too."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import text

from app.auditing.replay import replay_instance
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow import steps
from app.workflow.history import compress_state
from app.workflow.history import decompress_state
from app.workflow.models import InstanceSnapshot
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step

AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划；安排主题党日",
    "meeting_at": "2026-11-25T09:00:00+08:00",
    "place": "站党员活动室",
    "notified": True,
}


def committee_meeting(demo, *, to_the_end: bool = True) -> int:
    """The shipped scenario of tests/processes/test_branch_committee_meeting.py, driven through
    the commands: agenda, meeting, decision, archive and follow-up."""
    secretary, committee = demo.holder("branch_secretary"), demo.holder("branch_committee")
    c = demo.people("committee")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    complete_step(secretary, instance_id, "set_agenda", AGENDA)
    held = {"attendance": {"present": c[:4]}, "minutes": "发言要点" * 5}
    complete_step(secretary, instance_id, "hold_meeting", held)
    decided = {
        "outcome": "decided",
        "decisions": [{"item": "确定2名入党积极分子", "owner": c[0], "due": "2026-12-15"}],
        "vote": {"for": 4, "against": 0, "abstain": 0},
        "escalate_to_assembly": False,
    }
    complete_step(committee, instance_id, "decide", decided)
    if not to_the_end:
        return instance_id
    archived = {"record_checked": True, "minutes_signed": True}
    complete_step(demo.holder("org_member"), instance_id, "archive", archived)
    follow_up = {"follow_up": [{"item": "确定2名入党积极分子", "result": "done"}]}
    complete_step(secretary, instance_id, "follow_up", follow_up)
    return instance_id


def test_a_committee_meeting_replays_identically(demo, app):
    instance_id = committee_meeting(demo)
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()
    assert result.states_checked == 6  # the start and five submissions
    assert "replayed identically" in result.describe()
    cli = app.test_cli_runner().invoke(args=["audit", "replay", str(instance_id)])
    assert cli.exit_code == 0, cli.output
    assert "replayed identically" in cli.output


def test_replay_writes_nothing(demo):
    instance_id = committee_meeting(demo, to_the_end=False)
    before = _counts()
    replay_instance(db.session, instance_id)
    db.session.commit()  # whatever replay might have left pending would land now
    assert _counts() == before


def _counts() -> tuple:
    tables = ("process_instances", "step_log", "instance_snapshots", "human_tasks", "audit_events")
    return tuple(db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables)  # noqa: S608


def test_a_snapshot_changed_behind_the_application_is_named_with_its_step(demo, app):
    instance_id = committee_meeting(demo)
    snapshot = db.session.scalars(
        select(InstanceSnapshot).where(
            InstanceSnapshot.instance_id == instance_id, InstanceSnapshot.seq == 3
        )
    ).one()
    altered = decompress_state(snapshot.state_zlib).replace("发言要点", "发言要旨", 1)
    assert altered != decompress_state(snapshot.state_zlib)
    db.session.execute(
        text("UPDATE instance_snapshots SET state_zlib = :blob WHERE id = :id"),
        {"blob": compress_state(altered), "id": snapshot.id},
    )
    db.session.commit()
    db.session.expire_all()
    result = replay_instance(db.session, instance_id)
    assert result.diverged_at is not None
    seq_of_hold = _seq_of(instance_id, "hold_meeting")
    assert result.diverged_at == seq_of_hold
    cli = app.test_cli_runner().invoke(args=["audit", "replay", "--all"])
    assert cli.exit_code == 1
    assert f"instance {instance_id}, step {seq_of_hold}" in cli.output
    assert "instances/s" in cli.output


def test_an_instance_row_changed_behind_the_application_is_detected(demo, app):
    instance_id = committee_meeting(demo, to_the_end=False)
    row = db.session.get(ProcessInstance, instance_id)
    forged = row.state_json.replace('"outcome":"decided"', '"outcome":"not_passed"')
    assert forged != row.state_json
    db.session.execute(
        text("UPDATE process_instances SET state_json = :s WHERE id = :id"),
        {"s": forged, "id": instance_id},
    )
    db.session.commit()
    db.session.expire_all()
    result = replay_instance(db.session, instance_id)
    assert result.diverged_at == _seq_of(instance_id, "decide")
    assert "instance row" in result.problem
    cli = app.test_cli_runner().invoke(args=["audit", "replay", str(instance_id)])
    assert cli.exit_code == 1
    assert f"DIVERGES at step {result.diverged_at}" in cli.output


def _seq_of(instance_id: int, element_id: str) -> int:
    return db.session.scalar(
        text(
            "SELECT seq FROM step_log WHERE instance_id = :i AND element_id = :e"
            " AND action = 'task_completed'"
        ),
        {"i": instance_id, "e": element_id},
    )


def test_the_command_needs_an_instance_or_all(app, demo):
    assert app.test_cli_runner().invoke(args=["audit", "replay"]).exit_code == 2
    missing = app.test_cli_runner().invoke(args=["audit", "replay", "999999"])
    assert missing.exit_code == 1
    assert "no instance 999999" in missing.output


def _log_unknown_step(ctx, *, instance_id: int) -> None:
    """A kind of step replay does not know (say, a manager's action added later)."""
    row = ctx.session.get(ProcessInstance, instance_id)
    steps.append_step(
        ctx, row, action="moved_token", snapshot=row.state_json, previous_state=row.state_json
    )


def test_a_step_replay_cannot_drive_is_reported_not_claimed(demo, app):
    instance_id = committee_meeting(demo, to_the_end=False)
    run(_log_unknown_step, actor=SYSTEM, instance_id=instance_id)
    result = replay_instance(db.session, instance_id)
    assert not result.identical
    assert "not replayable" in result.describe()
    assert "'moved_token'" in result.describe()
    cli = app.test_cli_runner().invoke(args=["audit", "replay", "--all"])
    assert cli.exit_code == 1
    assert f"instance {instance_id} (branch_committee_meeting): not replayable" in cli.output
    assert "instances not replayable: 1" in cli.output
