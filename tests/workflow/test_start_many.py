"""Starting one instance per branch in one command (``start_instances``, the grading cycle's start):
each start leaves what a start of its own leaves — its task, its step log with the state's hash,
its audit event — whether its first steps wait at a task, throw a message, fail or finish; and the
statements sent do not grow with the number of starts (issue 12)."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.audit import verify_chain
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.workflow.deploy import deploy_definitions
from app.workflow.history import state_at
from app.workflow.history import state_hash
from app.workflow.instances import start_instance
from app.workflow.instances import start_instances
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import verify_step_logs
from tests.engine.models_kit import between_start_and_end
from tests.engine.models_kit import chain
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import one_task
from tests.engine.models_kit import user_task
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks
from tests.workflow.actions_kit import register_test_action
from tests.workflow.actions_kit import service_task
from tests.workflow.test_statement_counts import database_work


def _codes(people) -> list[str]:
    return [people.tree.branch1, people.tree.branch2, people.tree.branch3]


def _start(process_key: str, starts: list, who: str = "root") -> list[int]:
    def command(ctx):
        orgs = {org.code: org for org in ctx.session.scalars(select(OrgUnit))}
        rows = [(orgs[code], key, data) for code, key, data in starts]
        return start_instances(ctx, process_key=process_key, starts=rows)

    command.__name__ = "start_many"
    return run(command, actor=actor(who))


def _deploy(name: str, source: bytes) -> None:
    run(deploy_definitions, actor=SYSTEM, sources={f"{name}.bpmn": source})


def test_each_start_leaves_its_task_step_log_state_and_audit_event(people):
    _deploy("one", one_task("one"))
    codes = _codes(people)
    ids = _start("one", [(code, f"key {code}", {"n": i}) for i, code in enumerate(codes)])
    assert len(set(ids)) == 3
    db.session.rollback()
    for instance_id, code in zip(ids, codes, strict=True):
        row = db.session.get(ProcessInstance, instance_id)
        assert (row.business_key, row.status) == (f"key {code}", InstanceStatus.RUNNING)
        assert [t.element_id for t in open_tasks(instance_id)] == ["t1"]
        (step,) = db.session.scalars(
            select(StepLogEntry).where(StepLogEntry.instance_id == instance_id)
        ).all()
        assert step.action == "started"
        assert state_hash(state_at(db.session, instance_id, 1)) == step.state_hash
        assert state_hash(row.state_json) == step.state_hash  # written once, as after its step
    started = db.session.scalars(
        select(AuditEvent.subject_id).where(AuditEvent.event_type == "process_instance_started")
    ).all()
    assert sorted(started) == sorted(str(i) for i in ids)
    assert verify_chain(db.session).ok
    assert verify_step_logs(db.session)[1] == []


def test_a_start_that_throws_a_message_reaches_its_receiver(people):
    deploy("requester.bpmn", "rectifier.bpmn")
    branch1, branch3 = people.tree.branch1, people.tree.branch3
    requests = [(branch1, None, {"case_id": "A1", "issue": "台账不全"})]
    requests.append((branch3, None, {"case_id": "A2", "issue": "记录缺失"}))
    requesters = _start("rectification_requester", requests)
    db.session.rollback()
    rectifiers = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.process_key == "rectification")
    ).all()
    assert sorted(r.org_unit_id for r in rectifiers) == sorted(
        db.session.get(ProcessInstance, i).org_unit_id for i in requesters
    )
    assert all([t.element_id for t in open_tasks(r.id)] == ["fix"] for r in rectifiers)
    assert verify_step_logs(db.session)[1] == []


def test_a_start_that_fails_keeps_its_incident_and_the_others_start(people):
    script = '<bpmn:scriptTask id="s1"><bpmn:script>x = 1 / d</bpmn:script></bpmn:scriptTask>'
    _deploy("divide", between_start_and_end("divide", script, "s1"))
    b1, b2, b3 = people.tree.branch1, people.tree.branch2, people.tree.branch3
    ids = _start("divide", [(b1, None, {"d": 1}), (b2, None, {"d": 0}), (b3, None, {"d": 2})])
    db.session.rollback()
    rows = [db.session.get(ProcessInstance, i) for i in ids]
    assert [r.status for r in rows] == [
        InstanceStatus.COMPLETED,
        InstanceStatus.RUNNING,
        InstanceStatus.COMPLETED,
    ]
    (incident,) = db.session.scalars(select(Incident)).all()
    assert (incident.instance_id, incident.element_id) == (ids[1], "s1")
    assert rows[1].open_incidents == 1
    assert '"d":0' in rows[1].state_json  # as created, to be retried from the start
    assert json.loads(rows[1].state_json)["tasks"]
    assert state_hash(state_at(db.session, ids[1], 1)) == state_hash(rows[1].state_json)
    assert verify_step_logs(db.session)[1] == []
    assert verify_chain(db.session).ok


def _deploy_acting() -> None:
    """start → a service task writing the branch's level (refusing when told) → t1 → end."""
    register_test_action()
    params = [("count", "integer", "count"), ("refuse", "string", "refuse")]
    body = (
        '<bpmn:startEvent id="start"/>'
        + service_task("test_record_level", params)
        + user_task("t1")
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "act")
        + flow("f2", "act", "t1")
        + flow("f3", "t1", "end")
    )
    lanes = {"branch_secretary": ["start", "act", "t1", "end"]}
    _deploy("acting", document("acting", body, lanes))


def _actions(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(StepLogEntry.action)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    )


def test_an_action_at_the_start_writes_for_its_instance_and_a_refusal_writes_nothing(people):
    _deploy_acting()
    b1, b2, b3 = _codes(people)
    starts = [
        (b1, None, {"count": 1, "refuse": ""}),
        (b2, None, {"count": 2, "refuse": "conflict"}),
    ]
    ids = _start("acting", [*starts, (b3, None, {"count": 3, "refuse": ""})])
    db.session.rollback()
    levels = db.session.scalars(select(BranchLevel.decided_by)).all()
    assert sorted(levels) == ["test action, 1 items", "test action, 3 items"]
    assert [len(open_tasks(i)) for i in ids] == [1, 0, 1]
    (incident,) = db.session.scalars(select(Incident)).all()
    assert incident.instance_id == ids[1]
    assert _actions(ids[1]) == ["started", "incident"]
    assert verify_step_logs(db.session)[1] == []
    assert verify_chain(db.session).ok


def test_a_single_start_whose_action_refuses_keeps_its_started_step(people):
    _deploy_acting()
    instance_id = run(
        start_instance,
        actor=actor("sec1"),
        process_key="acting",
        org_code=people.tree.branch1,
        data={"count": 1, "refuse": "conflict"},
    )
    db.session.rollback()
    assert _actions(instance_id) == ["started", "incident"]
    assert db.session.scalars(select(BranchLevel)).all() == []
    assert verify_step_logs(db.session)[1] == []


def test_an_instance_finished_by_its_first_steps_is_recorded_as_completed(people):
    _deploy("done", chain("done", 2))
    ids = _start("done", [(people.tree.branch1, None, {}), (people.tree.branch3, None, {})])
    db.session.rollback()
    assert {db.session.get(ProcessInstance, i).status for i in ids} == {InstanceStatus.COMPLETED}
    assert verify_step_logs(db.session)[1] == []


def test_the_statements_of_a_batch_of_starts_do_not_grow_with_its_size(people):
    _deploy("one", one_task("one"))
    _start("one", [(people.tree.branch1, None, {})])  # warm the caches
    codes = _codes(people)
    with database_work() as one:
        _start("one", [(codes[0], None, {})])
    with database_work() as three:
        _start("one", [(code, None, {}) for code in codes])
    assert len(three["commits"]) == 1
    # no read, no UPDATE per start: each instance row is written once, with its first step's state
    assert _not_inserts(three) == _not_inserts(one), three["statements"]
    if db.engines.write.dialect.name == "postgresql":  # SQLite inserts row by row when it must
        assert len(three["statements"]) == len(one["statements"]), three["statements"]
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 5


def _not_inserts(seen: dict[str, list[str]]) -> list[str]:
    return [s for s in seen["statements"] if not s.startswith("INSERT")]
