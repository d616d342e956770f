"""Per-task cost of completing user tasks: BranchFlow's command path against the raw library.

    .venv/bin/python bench/engine.py [--runs 15] [--database sqlite|URL]

Baseline, measured in the same run: SpiffWorkflow alone, in memory, the same 10- and 50-user-task
processes, saving and loading the whole instance state as JSON after every task. Command path:
``run(complete_task)`` against a real database — row lock, state, sandboxed engine, form validation,
human-task sync, hash-chained step log with a snapshot, commit. Rounds alternate between the two so
that both see the same machine. Prints medians per task and the ratios:

* command path / raw baseline (target: within 3x on SQLite);
* per-task cost at 50 tasks / at 10 (target: at most 1.3x);
* within one 50-task instance, the last ten tasks / the first ten (history growth; ideal 1.0x).

Nothing is asserted; the figures are for reading.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import etree
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from sqlalchemy import event
from sqlalchemy import select

from app import create_app
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.migrate import upgrade
from app.extensions import db
from app.identity.commands import OrgDetails
from app.identity.commands import create_org_unit
from app.identity.commands import create_user
from app.identity.commands import grant_role
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.workflow.commands import complete_task
from app.workflow.commands import deploy_definitions
from app.workflow.commands import start_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from config import TestConfig

SIZES = (10, 50)


def chain_xml(pid: str, tasks: int) -> bytes:
    nodes, flows, refs, previous = ['<bpmn:startEvent id="start"/>'], [], ["start"], "start"
    for i in range(tasks):
        nodes.append(
            f'<bpmn:userTask id="t{i}" name="第{i}步"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formKey" value="bench_form"/>'
            "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        )
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{previous}" targetRef="t{i}"/>')
        refs.append(f"t{i}")
        previous = f"t{i}"
    nodes.append('<bpmn:endEvent id="end"/>')
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>')
    lane = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in [*refs, "end"])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
        f' id="defs_{pid}" targetNamespace="http://branchflow.example/bench">'
        f'<bpmn:process id="{pid}" isExecutable="true"><bpmn:laneSet id="ls">'
        f'<bpmn:lane id="l" name="branch_secretary">{lane}</bpmn:lane></bpmn:laneSet>'
        + "".join(nodes)
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    ).encode()


class RawLibrary:
    """The baseline: the library alone, full JSON save and load around every task."""

    def __init__(self, tasks: int) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(etree.fromstring(chain_xml("raw", tasks)), filename="raw.bpmn")
        self.spec, self.tasks = parser.get_spec("raw"), tasks
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def one_instance(self) -> list[float]:
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        state, times = self.serializer.serialize_json(workflow), []
        for _ in range(self.tasks):
            started = time.perf_counter()
            workflow = self.serializer.deserialize_json(state)
            (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
            task.set_data(note="ok")
            task.run()
            workflow.do_engine_steps()
            state = self.serializer.serialize_json(workflow)
            times.append(time.perf_counter() - started)
        return times


class CommandPath:
    """BranchFlow: a database, a branch with its secretary, the process deployed."""

    def __init__(self, tasks: int, database: str, workdir: Path) -> None:
        self.tasks = tasks
        forms = workdir / f"forms{tasks}"
        forms.mkdir()
        (forms / "bench_form.json").write_text('{"schema": {"type": "object"}}')
        url = database if database != "sqlite" else f"sqlite:///{workdir / f'bench{tasks}.db'}"
        env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "BRANCHFLOW_INSTANCE_DIR": str(workdir)}
        settings = TestConfig(env)
        settings.FORMS_DIR = forms
        self.app = create_app(settings)
        with self.app.app_context():
            upgrade()
            self.key = key = f"bench{tasks}x{time.time_ns() % 10**9}"
            self.branch = f"{key}-B"
            for code, parent, kind, details in (
                (key, None, OrgKind.COMPANY, OrgDetails("公司")),
                (f"{key}-U", key, OrgKind.UNIT, OrgDetails("厂")),
                (
                    self.branch,
                    f"{key}-U",
                    OrgKind.BRANCH,
                    OrgDetails("支部", BranchType.PRODUCTION_FLOW),
                ),
            ):
                run(
                    create_org_unit,
                    actor=SYSTEM,
                    parent_code=parent,
                    code=code,
                    kind=kind,
                    details=details,
                )
            login = f"{key}sec"
            user_id = run(
                create_user,
                actor=SYSTEM,
                login=login,
                password="bench-password",
                display_name="书记",
            )
            run(
                grant_role,
                actor=SYSTEM,
                org_code=self.branch,
                login=login,
                role_code="branch_secretary",
            )
            run(deploy_definitions, actor=SYSTEM, sources={f"{key}.bpmn": chain_xml(key, tasks)})
            self.actor = Actor(user_id=user_id, login=login, source="bench")

    def one_instance(self) -> list[float]:
        with self.app.app_context():
            instance_id = run(
                start_instance, actor=self.actor, process_key=self.key, org_code=self.branch
            )
            times = []
            for _ in range(self.tasks):
                db.end_read_transaction()
                task_id = db.session.scalar(
                    select(HumanTask.id).where(
                        HumanTask.instance_id == instance_id,
                        HumanTask.state == HumanTaskState.READY,
                    )
                )
                started = time.perf_counter()
                run(complete_task, actor=self.actor, task_id=task_id, data={"note": "ok"})
                times.append(time.perf_counter() - started)
            return times

    def commit_floor(self) -> float:
        """One durable write transaction of one row on the same engine, as a command opens it:
        the least any acknowledged command costs on this database (its commit waits for the disk
        on PostgreSQL; SQLite's WAL in NORMAL mode syncs at checkpoints instead)."""
        engine = self.app.extensions["branchflow.db"].write
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS bench_commit_floor (id INTEGER PRIMARY KEY, n INTEGER)"
            )
            connection.exec_driver_sql("DELETE FROM bench_commit_floor")
            connection.exec_driver_sql("INSERT INTO bench_commit_floor VALUES (1, 0)")
        times = []
        for _ in range(self.tasks):
            started = time.perf_counter()
            with engine.begin() as connection:
                connection.exec_driver_sql("UPDATE bench_commit_floor SET n = n + 1 WHERE id = 1")
            times.append(time.perf_counter() - started)
        return statistics.mean(times)

    def statement_profile(self) -> None:
        """Where one completion's time goes: statements sent, the time spent waiting on them, and
        the rest (Python: engine, ORM, driver), for the 10 tasks of one instance."""
        engine = self.app.extensions["branchflow.db"].write
        seen: list[tuple[float, str]] = []

        def before(conn, _cursor, _statement, _params, _context, _many) -> None:
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, _cursor, statement, _params, _context, _many) -> None:
            seen.append((time.perf_counter() - conn.info["bench_started"], statement))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            with self.app.app_context():
                instance_id = run(
                    start_instance, actor=self.actor, process_key=self.key, org_code=self.branch
                )
                totals, statements, waits = [], [], []
                for _ in range(self.tasks):
                    db.end_read_transaction()
                    task_id = db.session.scalar(
                        select(HumanTask.id).where(
                            HumanTask.instance_id == instance_id,
                            HumanTask.state == HumanTaskState.READY,
                        )
                    )
                    seen.clear()
                    started = time.perf_counter()
                    run(complete_task, actor=self.actor, task_id=task_id, data={"note": "ok"})
                    totals.append(time.perf_counter() - started)
                    statements.append(len(seen))
                    waits.append(sum(t for t, _ in seen))
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        total, wait = statistics.median(totals), statistics.median(waits)
        print(
            f"one completion: {total * 1000:.2f} ms, {statistics.median(statements):.0f} statements"
            f" taking {wait * 1000:.2f} ms, the rest {(total - wait) * 1000:.2f} ms"
        )
        for elapsed, statement in seen:
            print(f"  {elapsed * 1000:6.3f} ms  {' '.join(statement.split())[:90]}")

    def close(self) -> None:
        self.app.extensions["branchflow.db"].dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=15)
    options.add_argument(
        "--database", default="sqlite", help="'sqlite' (a temp file) or a PostgreSQL URL"
    )
    options.add_argument(
        "--statements", action="store_true", help="also show one completion's statements"
    )
    args = options.parse_args()
    raw_times: dict[int, list[float]] = {n: [] for n in SIZES}
    ours_times: dict[int, list[float]] = {n: [] for n in SIZES}
    history: list[float] = []
    floor: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = {n: RawLibrary(n) for n in SIZES}
        ours = {n: CommandPath(n, args.database, Path(tmp)) for n in SIZES}
        for n in SIZES:  # warm up caches (specs, validators, compiled SQL)
            raw[n].one_instance()
            ours[n].one_instance()
        for _ in range(args.runs):
            for n in SIZES:
                raw_times[n].append(statistics.mean(raw[n].one_instance()))
                each = ours[n].one_instance()
                ours_times[n].append(statistics.mean(each))
                if n == 50:
                    history.append(statistics.mean(each[-10:]) / statistics.mean(each[:10]))
            floor.append(ours[10].commit_floor())
        if args.statements:
            ours[10].statement_profile()
        for path in ours.values():
            path.close()
    raw_m = {n: statistics.median(v) for n, v in raw_times.items()}
    ours_m = {n: statistics.median(v) for n, v in ours_times.items()}
    print(f"per-task completion, median of {args.runs} instances each ({args.database})")
    print(f"{'tasks':>6} {'raw library':>14} {'command path':>14} {'ratio':>7}")
    for n in SIZES:
        print(
            f"{n:>6} {raw_m[n] * 1000:>11.2f} ms {ours_m[n] * 1000:>11.2f} ms {ours_m[n] / raw_m[n]:>6.2f}x"
        )
    print(
        f"cost per task at 50 / at 10: raw {raw_m[50] / raw_m[10]:.2f}x, command path {ours_m[50] / ours_m[10]:.2f}x"
    )
    print(
        f"command path, last 10 / first 10 tasks of a 50-task instance: {statistics.median(history):.2f}x"
    )
    floor_m = statistics.median(floor)
    print(
        f"commit floor (one row, one durable transaction, same engine): {floor_m * 1000:.2f} ms;"
        f" command path less the floor at 10 tasks: {(ours_m[10] - floor_m) / raw_m[10]:.2f}x raw"
    )
    print("targets: command path within 3x of raw; 50/10 at most 1.3x")


if __name__ == "__main__":
    main()
