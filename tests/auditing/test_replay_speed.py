"""Replay --all made fast (issue 13's benchmark) must prove as much as before: the parallel run
names the same first divergence with the same lines and exit code as one process, and the
quicker comparison of states still tells a number from a boolean."""

from __future__ import annotations

import json
import re

from sqlalchemy import select
from sqlalchemy import text

from app.auditing import replay_pool
from app.auditing.replay import replay_all
from app.auditing.state_match import Pairing
from app.auditing.state_match import first_difference
from app.extensions import db
from app.workflow.history import compress_state
from app.workflow.history import decompress_state
from app.workflow.models import InstanceSnapshot
from tests.auditing.test_replay import committee_meeting

ROOT, TASK = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def _tamper(instance_id: int, seq: int) -> None:
    snapshot = db.session.scalars(
        select(InstanceSnapshot).where(
            InstanceSnapshot.instance_id == instance_id, InstanceSnapshot.seq == seq
        )
    ).one()
    altered = decompress_state(snapshot.state_zlib).replace("发言要点", "发言要旨", 1)
    db.session.execute(
        text("UPDATE instance_snapshots SET state_zlib = :blob WHERE id = :id"),
        {"blob": compress_state(altered), "id": snapshot.id},
    )
    db.session.commit()


def _without_timing(output: str) -> str:
    return re.sub(r"replayed in [\d.]+ s \(\d+ instances/s\)", "replayed", output)


def test_all_on_two_processes_says_what_one_process_says(demo, app, monkeypatch):
    meetings = [committee_meeting(demo) for _ in range(4)]
    _tamper(meetings[2], 3)
    _tamper(meetings[3], 3)
    db.session.expire_all()
    monkeypatch.setattr(replay_pool, "CHUNK", 1)  # every instance a task of its own
    runner = app.test_cli_runner()
    one = runner.invoke(args=["audit", "replay", "--all", "--jobs", "1"])
    two = runner.invoke(args=["audit", "replay", "--all", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1
    assert f"first divergence: instance {meetings[2]}, step 3" in two.output
    assert f"instance {meetings[3]} (branch_committee_meeting): DIVERGES" in two.output
    assert _without_timing(two.output) == _without_timing(one.output)


def test_all_on_two_processes_passes_an_untouched_history(demo, app, monkeypatch):
    for _ in range(3):
        committee_meeting(demo)
    monkeypatch.setattr(replay_pool, "CHUNK", 2)
    result = app.test_cli_runner().invoke(args=["audit", "replay", "--all", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "3 instances replayed" in result.output


def test_a_range_of_ids_replays_only_those(demo):
    meetings = [committee_meeting(demo, to_the_end=False) for _ in range(3)]
    replayed = [r.instance_id for r in replay_all(db.session, id_range=(meetings[1], meetings[2]))]
    assert replayed == meetings[1:]


def _state(data: dict) -> str:
    task = {"id": TASK, "parent": ROOT, "children": [], "task_spec": "decide", "data": data}
    root = {"id": ROOT, "parent": None, "children": [TASK], "task_spec": "Root", "data": {}}
    return json.dumps({"root": ROOT, "tasks": {ROOT: root, TASK: task}}, ensure_ascii=False)


def test_a_boolean_stored_where_the_replay_has_a_number_is_a_difference():
    for replayed, stored in (({"passed": 1}, {"passed": True}), ({"votes": 4}, {"votes": 4.0})):
        found = first_difference(_state(replayed), _state(stored), Pairing())
        assert found == f"tasks.{TASK}.data.{next(iter(replayed))}"


def test_the_order_of_submitted_keys_is_no_difference():
    replayed = {"a": 1, "b": [True, 2.5], "c": None}
    stored = {"c": None, "b": [True, 2.5], "a": 1}
    assert first_difference(_state(replayed), _state(stored), Pairing()) is None
