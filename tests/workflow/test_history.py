"""Instance history stored as changes (app/workflow/history.py): the state after every step is
read back exactly, its hash is in the step log's chain, and the history stays small."""

from __future__ import annotations

import json
import zlib

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.workflow import instances as commands
from app.workflow.deploy import deploy_definitions
from app.workflow.history import CHECKPOINT_EVERY
from app.workflow.history import compress_state
from app.workflow.history import decompress_state
from app.workflow.history import state_at
from app.workflow.history import state_hash
from app.workflow.models import InstanceSnapshot
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.tasks import complete_task
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _long_instance(people, rounds: int) -> int:
    deploy("rework_loop.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="rework_loop",
        org_code=people.tree.branch1,
    )
    for number in range(rounds):
        for login, data in (
            ("sec1", {"draft": f"第{number}稿" * 20}),
            ("rev1", {"approved": False}),
        ):
            (task,) = open_tasks(instance_id)
            run(complete_task, actor=actor(login), task_id=task.id, data=data)
    return instance_id


def _snapshot_steps(instance_id: int) -> list[StepLogEntry]:
    return list(
        db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.state_hash.is_not(None))
            .order_by(StepLogEntry.seq)
        )
    )


def test_every_step_s_state_is_read_back_exactly_as_its_hash_says(people):
    instance_id = _long_instance(people, 30)
    steps = _snapshot_steps(instance_id)
    assert len(steps) == 61  # the start and two tasks a round
    for step in steps:
        assert state_hash(state_at(db.session, instance_id, step.seq)) == step.state_hash
    row = db.session.get(ProcessInstance, instance_id)
    assert state_at(db.session, instance_id, steps[-1].seq) == row.state_json
    kinds = db.session.scalars(
        select(InstanceSnapshot.base_seq).where(InstanceSnapshot.instance_id == instance_id)
    ).all()
    full = sum(base is None for base in kinds)
    assert full == -(-len(kinds) // CHECKPOINT_EVERY)  # one full state per CHECKPOINT_EVERY


def _chain_instance(people, length: int) -> int:
    """start → ``length`` user tasks → end: each answer kept, as the storage benchmark does."""
    body = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
    previous = "start"
    for i in range(length):
        body += user_task(f"t{i}") + flow(f"f{i}", previous, f"t{i}")
        previous = f"t{i}"
    body += flow("f_end", previous, "end")
    elements = ["start", *(f"t{i}" for i in range(length)), "end"]
    sources = {"chain.bpmn": document("chain", body, {"branch_secretary": elements})}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="chain",
        org_code=people.tree.branch1,
    )
    for i in range(length):
        (task,) = open_tasks(instance_id)
        run(complete_task, actor=actor("sec1"), task_id=task.id, data={f"a{i}": "答" * 200})
    return instance_id


def test_history_as_changes_is_several_times_smaller_than_full_states(people):
    instance_id = _chain_instance(people, 40)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    stored = db.session.scalar(
        select(func.sum(func.length(InstanceSnapshot.state_zlib))).where(
            InstanceSnapshot.instance_id == instance_id
        )
    )
    as_full_states = sum(
        len(zlib.compress(state_at(db.session, instance_id, s.seq).encode(), 6))
        for s in _snapshot_steps(instance_id)
    )
    assert stored * 2 < as_full_states, (stored, as_full_states)


def test_a_changed_stored_state_is_found_by_audit_verify(app, people):
    instance_id = _long_instance(people, 3)
    ok = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    target = db.session.scalar(
        select(InstanceSnapshot).where(
            InstanceSnapshot.instance_id == instance_id, InstanceSnapshot.base_seq.is_not(None)
        )
    )
    target_id, target_seq = target.id, target.seq
    change = json.loads(decompress_state(target.state_zlib))
    change["set"]["forged"] = True
    with db.engines.write.begin() as connection:
        connection.execute(
            update(InstanceSnapshot)
            .where(InstanceSnapshot.id == target_id)
            .values(state_zlib=compress_state(json.dumps(change)))
        )
    db.end_read_transaction()  # written behind the app's back, not by a command
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"instance {instance_id} BROKEN at step {target_seq}" in broken.output
    assert "state stored" in broken.output
