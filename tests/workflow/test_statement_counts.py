"""How many SQL statements completing a task costs, once the process's definition and forms are in
the process's caches: a regression guard for the command path (issue 12), not a timing. A change
that adds a round trip to every submission fails here and has to say why."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

#: Find the task, lock the instance and the task, check the role; the definition, the organisation,
#: the open tasks; then write: the task completed, the next task, the state snapshot, the instance,
#: the step log. (14-15 statements in two transactions when issue 12 was filed.)
COMPLETION_STATEMENTS = 12


@contextmanager
def counted(app):
    statements: list[str] = []
    engines = app.extensions["branchflow.db"]

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    targets = {id(e): e for e in (engines.write, engines.read)}.values()
    for engine in targets:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in targets:
            event.remove(engine, "before_cursor_execute", count)


def test_completing_a_task_costs_a_fixed_number_of_statements(app, people):
    body = (
        '<bpmn:startEvent id="start"/>'
        + "".join(user_task(f"t{i}") for i in range(3))
        + '<bpmn:endEvent id="end"/>'
        + flow("f0", "start", "t0")
        + flow("f1", "t0", "t1")
        + flow("f2", "t1", "t2")
        + flow("f3", "t2", "end")
    )
    elements = ["start", "t0", "t1", "t2", "end"]
    sources = {"chain.bpmn": document("chain", body, {"branch_secretary": elements})}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="chain",
        org_code=people.tree.branch1,
    )
    secretary = actor("sec1")
    (first,) = open_tasks(instance_id)
    run(commands.complete_task, actor=secretary, task_id=first.id, data={"note": "一"})  # warm
    (second,) = open_tasks(instance_id)
    db.end_read_transaction()
    with counted(app) as statements:
        run(commands.complete_task, actor=secretary, task_id=second.id, data={"note": "二"})
    data_statements = [
        s
        for s in statements
        if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(data_statements) <= COMPLETION_STATEMENTS, "\n".join(data_statements)
    (third,) = open_tasks(instance_id)
    assert third.element_id == "t2"  # the submission did its work
