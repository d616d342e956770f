"""A regression guard on the database work of one task submission: how many statements it sends
and that it commits exactly once. Every extra round trip costs a user time on PostgreSQL, so a
change that adds one must raise the figure here on purpose (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.core.commands import SYSTEM
from app.core.commands import run
from app.workflow import instances as commands
from app.workflow.deploy import deploy_definitions
from app.workflow.tasks import complete_task
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

#: lock the instance, read the task, candidate check, definition (with its forms), open tasks;
#: update the completed task, insert the next, the history record, the instance row, the step.
STATEMENTS_PER_SUBMISSION = 10


@contextmanager
def database_work() -> Iterator[dict[str, list[str]]]:
    seen: dict[str, list[str]] = {"statements": [], "commits": []}

    def statement(conn, cursor, sql, params, context, executemany):
        # SQLite's BEGIN IMMEDIATE is sent as a statement; PostgreSQL's BEGIN is implicit.
        if not sql.startswith("BEGIN"):
            seen["statements"].append(sql.split("\n")[0][:120])

    def commit(conn):
        seen["commits"].append("commit")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "commit", commit)


def test_a_task_submission_sends_few_statements_in_one_transaction(people):
    body = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
    previous = "start"
    for i in range(4):
        body += user_task(f"t{i}") + flow(f"f{i}", previous, f"t{i}")
        previous = f"t{i}"
    body += flow("f_end", previous, "end")
    elements = ["start", *(f"t{i}" for i in range(4)), "end"]
    sources = {"chain.bpmn": document("chain", body, {"branch_secretary": elements})}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    secretary = actor("sec1")
    instance_id = run(
        commands.start_instance, actor=secretary, process_key="chain", org_code=people.tree.branch1
    )
    (first,) = open_tasks(instance_id)
    run(complete_task, actor=secretary, task_id=first.id, data={"a": "一"})  # warm caches
    (second,) = open_tasks(instance_id)
    with database_work() as seen:
        run(complete_task, actor=secretary, task_id=second.id, data={"a": "二"})
    (third,) = open_tasks(instance_id)
    assert third.element_id == "t2"
    assert len(seen["commits"]) == 1
    assert len(seen["statements"]) <= STATEMENTS_PER_SUBMISSION, seen["statements"]
