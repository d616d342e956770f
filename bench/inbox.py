"""The inbox at scale: task-list query and page times, and one task submission over HTTP.

    .venv/bin/python bench/inbox.py [--database sqlite|URL] [--branches 20000] [--tasks 1000000]
                                    [--open 100000] [--runs 100] [--explain] [--keep DIR]

Generated data (bulk INSERTs on SQLite, COPY on PostgreSQL, into the schema the migrations build):
a company, units of about 300 branches each, a secretary per branch and an organisation reviewer
per unit, and instances of a four-step process (secretary, secretary, unit reviewer, secretary)
spread over the branches, with ``--tasks`` human-task rows of which ``--open`` are ready (three in
ten of those already claimed). Then ANALYZE. A PostgreSQL URL names the server: the benchmark
creates a database of its own there and drops it afterwards.

Measured, for a unit reviewer (``unit_org_reviewer`` at a unit) and a branch secretary
(``branch_secretary`` at a branch), median and 95th percentile of:

* the inbox query: ``list_tasks`` exactly as the page calls it, views "mine" and "claimable"
  (target: p95 at most 20 ms);
* the inbox page: ``GET /inbox/`` through the test client, logged in by the real login form
  (target: p95 at most 60 ms);

and the median time of one task submission: over HTTP (open the task page, post its form) against
``run(complete_task)``, rounds alternating so that both see the same machine (target: HTTP at most
2x the command path), with the task page and the post also shown apart. ``--explain`` prints the
plans of the inbox queries; ``--keep DIR`` keeps the generated database (SQLite: in DIR).

Nothing is asserted; the figures are for reading.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import Table
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from app import create_app
from app.core import clock
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.migrate import upgrade
from app.extensions import db
from app.identity.commands.tokens import create_api_token
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.inbox.queries import TaskFilter
from app.inbox.queries import View
from app.inbox.queries import list_tasks
from app.workflow.commands import complete_task
from app.workflow.commands import deploy_definitions
from app.workflow.commands import start_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from config import TestConfig

PROCESS = "bench_inbox"
FORM = "bench_inbox_form"
PASSWORD = "bench-password-42"  # noqa: S105 - every account of a throw-away database
BRANCHES_PER_UNIT = 300
CLAIMED_SHARE = 0.3
PAGE_SIZE = 25  # the page's
QUERY_TARGET_MS, PAGE_TARGET_MS, SUBMIT_TARGET_RATIO = 20.0, 60.0, 2.0

#: The process of the generated instances and of the submissions: (element, title, lane, priority,
#: due in days or None).
STEPS = (
    ("notice", "拟定会议通知", "branch_secretary", 50, 7),
    ("record", "填写会议记录", "branch_secretary", 50, 7),
    ("review", "审核会议记录", "unit_org_reviewer", 70, 5),
    ("archive", "资料归档", "branch_secretary", 30, None),
)

FORM_JSON = """{
  "title": "会议",
  "schema": {
    "type": "object",
    "required": ["topic"],
    "properties": {
      "topic": {"type": "string", "title": "议题", "maxLength": 100},
      "held_on": {"type": "string", "title": "日期", "format": "date"},
      "attendees": {"type": "integer", "title": "出席人数", "minimum": 0},
      "note": {"type": "string", "title": "记录", "maxLength": 2000}
    }
  }
}"""
SUBMISSION = {"topic": "学习贯彻会议精神", "held_on": "2026-11-20", "attendees": 12, "note": "无"}
POSTED = {**SUBMISSION, "attendees": "12"}

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def process_xml() -> bytes:
    lanes: dict[str, list[str]] = {"branch_secretary": ["start"]}
    nodes, flows, previous = ['<bpmn:startEvent id="start"/>'], [], "start"
    for element, title, lane, priority, due in STEPS:
        properties = f'<spiffworkflow:property name="formKey" value="{FORM}"/>'
        properties += f'<spiffworkflow:property name="priority" value="{priority}"/>'
        if due is not None:
            properties += f'<spiffworkflow:property name="dueIn" value="P{due}D"/>'
        nodes.append(
            f'<bpmn:userTask id="{element}" name="{title}"><bpmn:extensionElements>'
            f"<spiffworkflow:properties>{properties}</spiffworkflow:properties>"
            "</bpmn:extensionElements></bpmn:userTask>"
        )
        flow = f'id="to_{element}" sourceRef="{previous}" targetRef="{element}"'
        flows.append(f"<bpmn:sequenceFlow {flow}/>")
        lanes.setdefault(lane, []).append(element)
        previous = element
    nodes.append('<bpmn:endEvent id="end"/>')
    flows.append(f'<bpmn:sequenceFlow id="to_end" sourceRef="{previous}" targetRef="end"/>')
    lanes["branch_secretary"].append("end")
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{code}" name="{code}">'
        + "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
        + "</bpmn:lane>"
        for code, refs in lanes.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
        f' id="defs_{PROCESS}" targetNamespace="http://branchflow.example/bench">'
        f'<bpmn:process id="{PROCESS}" name="三会一课（基准）" isExecutable="true">'
        f'<bpmn:laneSet id="lanes">{lane_xml}</bpmn:laneSet>'
        + "".join(nodes)
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    ).encode()


# -- the database ---------------------------------------------------------------------------------


@contextmanager
def database(option: str, workdir: Path, keep: bool) -> Iterator[str]:
    """A SQLite file in ``workdir``, or a fresh database on the PostgreSQL server of ``option``."""
    if option == "sqlite":
        yield f"sqlite:///{workdir / 'inbox.db'}"
        return
    server = make_url(option)
    admin = server.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    name = f"branchflow_bench_{int(time.time())}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(admin_dsn, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, workdir: Path) -> Flask:
    forms = workdir / "forms"
    forms.mkdir(exist_ok=True)
    (forms / f"{FORM}.json").write_text(FORM_JSON, encoding="utf-8")
    settings = TestConfig(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "BRANCHFLOW_INSTANCE_DIR": str(workdir)}
    )
    settings.FORMS_DIR = forms
    return create_app(settings)


class Loader:
    """Bulk rows into one table: SQLAlchemy core INSERT … VALUES (SQLite), COPY (PostgreSQL)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"

    def load(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.postgresql:
            self.connection.execute(insert(table), rows)
            return
        columns = list(rows[0])
        cursor = self.connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.close()

    def next_id(self, table: Table) -> int:
        return (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def reset_sequence(self, table: Table) -> None:
        if self.postgresql:
            name = table.name  # one of our own tables, not input
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")  # noqa: S608
            )


@dataclass
class Tree:
    """Ids of the generated organisations and people; index ``b`` is a branch, ``u`` a unit."""

    units: list[int] = field(default_factory=list)
    reviewers: list[int] = field(default_factory=list)  # one per unit
    branches: list[int] = field(default_factory=list)
    branch_codes: list[str] = field(default_factory=list)
    branch_unit: list[int] = field(default_factory=list)  # u of each branch
    secretaries: list[int] = field(default_factory=list)  # one per branch


def generate(app: Flask, n_branches: int, n_tasks: int, n_open: int) -> dict[str, Any]:
    """Fill the database; return who is measured: (login, id) of each user, the branch's code."""
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        # The process goes in by the command path: a real definition with its forms.
        run(deploy_definitions, actor=SYSTEM, sources={f"{PROCESS}.bpmn": process_xml()})
        definition_id = db.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.process_key == PROCESS)
        )
        engine = db.engines.write
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as connection:
        tree = load_tree(Loader(connection), n_branches, now)
    # One instance started by the command path, at the measured branch: every generated instance
    # keeps a copy of its state, so that rows are as wide as real ones.
    secretary = Actor(user_id=tree.secretaries[0], login="sec00001", source="bench")
    with app.app_context():
        template_id = run(
            start_instance, actor=secretary, process_key=PROCESS, org_code=tree.branch_codes[0]
        )
        state_json = db.session.get(ProcessInstance, template_id).state_json
    with engine.begin() as connection:
        instances, tasks = load_instances(
            Loader(connection), tree, definition_id, state_json, n_tasks, n_open, now
        )
    analyse(engine)
    print(
        f"generated {n_branches} branches in {len(tree.units)} units, "
        f"{len(tree.reviewers) + len(tree.secretaries)} users, {instances} instances, "
        f"{tasks} human tasks ({n_open} open) in {time.perf_counter() - started:.0f} s "
        f"(state_json {len(state_json)} bytes each)"
    )
    return {
        "reviewer": ("rev001", tree.reviewers[0]),
        "secretary": ("sec00001", tree.secretaries[0]),
        "branch": tree.branch_codes[0],
    }


def load_tree(loader: Loader, n_branches: int, now: datetime) -> Tree:
    """A company, units of about BRANCHES_PER_UNIT branches, a reviewer per unit and a secretary
    per branch (all with the password PASSWORD)."""
    n_units = max(1, round(n_branches / BRANCHES_PER_UNIT))
    tree, next_org = Tree(), loader.next_id(OrgUnit.__table__)
    company = next_org
    orgs = [_org(company, "BX", "基准油田公司党委", "company", None, f"/{company}/", now)]
    for u in range(n_units):
        unit = company + 1 + u
        tree.units.append(unit)
        path = f"/{company}/{unit}/"
        orgs.append(_org(unit, f"U{u + 1:03d}", f"第{u + 1}采油厂党委", "unit", company, path, now))
    per_unit = [0] * n_units
    for b in range(n_branches):
        u, branch = b % n_units, tree.units[-1] + 1 + b
        per_unit[u] += 1
        code, name = f"U{u + 1:03d}-{per_unit[u]:04d}", f"第{u + 1}厂第{per_unit[u]}党支部"
        path = f"/{company}/{tree.units[u]}/{branch}/"
        orgs.append(_org(branch, code, name, "branch", tree.units[u], path, now))
        tree.branches.append(branch)
        tree.branch_codes.append(code)
        tree.branch_unit.append(u)
    loader.load(OrgUnit.__table__, orgs)

    password_hash, next_user = generate_password_hash(PASSWORD), loader.next_id(User.__table__)
    users, grants = [], []
    for u, unit in enumerate(tree.units):
        tree.reviewers.append(next_user + len(users))
        users.append(_user(tree.reviewers[-1], f"rev{u + 1:03d}", password_hash, now))
        grants.append(_grant(tree.reviewers[-1], "unit_org_reviewer", unit, now))
    for b, branch in enumerate(tree.branches):
        tree.secretaries.append(next_user + len(users))
        users.append(_user(tree.secretaries[-1], f"sec{b + 1:05d}", password_hash, now))
        grants.append(_grant(tree.secretaries[-1], "branch_secretary", branch, now))
    loader.load(User.__table__, users)
    loader.load(RoleAssignment.__table__, grants)
    for table in (OrgUnit.__table__, User.__table__, RoleAssignment.__table__):
        loader.reset_sequence(table)
    return tree


def load_instances(
    loader: Loader,
    tree: Tree,
    definition_id: int,
    state_json: str,
    n_tasks: int,
    n_open: int,
    now: datetime,
) -> tuple[int, int]:
    """Instances spread over the branches, with at least ``n_tasks`` task rows in all.

    ``n_open`` running instances (the newest) wait at a random step, their one ready task claimed
    three times in ten by its holder; the others ended long ago with all four steps completed by
    the holders. Returns the numbers of instances and of task rows.
    """
    rng = random.Random(20261123)  # noqa: S311 - reproducible data, not secrets
    waiting_at = [rng.randint(1, len(STEPS)) for _ in range(n_open)]
    n_ended = max(0, -(-(n_tasks - sum(waiting_at)) // len(STEPS)))  # ceiling division
    first_instance, first_task = (
        loader.next_id(ProcessInstance.__table__),
        loader.next_id(HumanTask.__table__),
    )
    n_rows = 0
    for chunk in range(0, n_ended + n_open, 20_000):
        instances, tasks = [], []
        for k in range(chunk, min(chunk + 20_000, n_ended + n_open)):
            b = k % len(tree.branches)
            running = k >= n_ended
            steps = waiting_at[k - n_ended] if running else len(STEPS)
            age = rng.uniform(0, 40) if running else rng.uniform(30, 730)
            instance_id, began = first_instance + k, now - timedelta(days=age)
            at = began
            for s, (element, title, lane, priority, due_days) in enumerate(STEPS[:steps]):
                u = tree.branch_unit[b]
                scope, holder = (tree.branches[b], tree.secretaries[b])
                if lane == "unit_org_reviewer":
                    scope, holder = tree.units[u], tree.reviewers[u]
                ready = running and s == steps - 1
                done_at = at + timedelta(hours=rng.uniform(1, 96))
                claimed = not ready or rng.random() < CLAIMED_SHARE
                tasks.append(
                    {
                        "id": first_task + n_rows,
                        "instance_id": instance_id,
                        "task_uuid": str(uuid.UUID(int=(instance_id << 8) + s)),
                        "element_id": element,
                        "title": title,
                        "candidate_role": lane,
                        "org_unit_id": scope,
                        "assignee_user_id": holder if claimed else None,
                        "form_key": FORM,
                        "priority": priority,
                        "due_at": at + timedelta(days=due_days) if due_days else None,
                        "state": "ready" if ready else "completed",
                        "created_at": at,
                        "completed_at": None if ready else done_at,
                        "completed_by_user_id": None if ready else holder,
                        "overdue_notified_at": None,
                    }
                )
                n_rows += 1
                at = done_at
            instances.append(
                {
                    "id": instance_id,
                    "definition_id": definition_id,
                    "process_key": PROCESS,
                    "business_key": f"{tree.branch_codes[b]}-{k}",
                    "org_unit_id": tree.branches[b],
                    "initiator_user_id": tree.secretaries[b],
                    "status": "running" if running else "completed",
                    "state_json": state_json,
                    "row_version": 2 * steps + 1,
                    "step_count": 2 * steps + 1,
                    "last_step_hash": "0" * 64,
                    "next_timer_at": None,
                    "open_incidents": 0,
                    "started_at": began,
                    "ended_at": None if running else at,
                }
            )
        loader.load(ProcessInstance.__table__, instances)
        loader.load(HumanTask.__table__, tasks)
    for table in (ProcessInstance.__table__, HumanTask.__table__):
        loader.reset_sequence(table)
    return n_ended + n_open, n_rows


def analyse(engine: Engine) -> None:
    """Fresh planner statistics (and, on PostgreSQL, a vacuumed table, as autovacuum would leave
    it; on SQLite, the WAL folded back into the file)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        return
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    raw = engine.raw_connection()  # outside any transaction: BEGIN is the app's, not pysqlite's
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _org(
    org_id: int, code: str, name: str, kind: str, parent: int | None, path: str, now: datetime
) -> dict[str, Any]:
    branch = kind == "branch"
    return {
        "id": org_id,
        "code": code,
        "name": name,
        "kind": kind,
        "parent_id": parent,
        "path": path,
        "depth": path.count("/") - 2,
        "sort_order": 0,
        "branch_type": "production_flow" if branch else None,
        "term_start": date(2025, 1, 1) if branch else None,
        "term_end": date(2028, 1, 1) if branch else None,
        "level": "standardised" if branch else None,
        "created_at": now,
    }


def _user(user_id: int, login: str, password_hash: str, now: datetime) -> dict[str, Any]:
    return {
        "id": user_id,
        "login": login,
        "password_hash": password_hash,
        "active": True,
        "display_name": login,
        "person_id": None,
        "session_token": secrets.token_hex(16),
        "created_at": now,
        "last_login_at": None,
    }


def _grant(user_id: int, role: str, org_id: int, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "role_code": role,
        "org_unit_id": org_id,
        "valid_from": date(2025, 1, 1),
        "valid_to": None,
        "granted_by_user_id": None,
        "granted_at": now,
        "revoked_at": None,
        "revoked_by_user_id": None,
        "revoke_reason": None,
    }


# -- measuring ------------------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[94]


def inbox_query(app: Flask, user_id: int, view: View) -> Callable[[], object]:
    """``list_tasks`` as the page calls it, in a context (and read session) of its own."""

    def query() -> tuple[int, int]:
        with app.app_context():
            rows, total = list_tasks(
                db.session,
                view,
                user_id,
                clock.local_today(),
                limit=PAGE_SIZE,
                offset=0,
                wanted=TaskFilter(),
                now=clock.now(),
            )
            return len(rows), total

    return query


def logged_in(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login",
        data={"csrf_token": CSRF_RE.search(page).group(1), "login": login, "password": PASSWORD},
    )
    if response.status_code != 302:
        raise SystemExit(f"login of {login} failed: {response.status_code}")
    return client


def inbox_page(client: FlaskClient, view: View) -> Callable[[], object]:
    def page() -> None:
        response = client.get(f"/inbox/?view={view.value}")
        if response.status_code != 200:
            raise SystemExit(f"inbox page answered {response.status_code}")

    return page


def explain(app: Flask, user_id: int, view: View) -> None:
    """The plan of every statement ``list_tasks`` runs for this user and view."""
    with app.app_context():
        engine, statements = db.engine, []

        def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            inbox_query(app, user_id, view)()
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        sqlite = engine.dialect.name == "sqlite"
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        with engine.connect() as connection:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                print("  " + " ".join(statement.split())[:160] + " …")
                for row in connection.exec_driver_sql(prefix + statement, parameters):
                    print("    " + (" ".join(str(v) for v in row[1:]) if sqlite else row[0]))


class Submissions:
    """Instances started by the command path; their first task completed one way or the other."""

    def __init__(self, app: Flask, secretary: tuple[str, int], branch: str) -> None:
        self.app, self.branch = app, branch
        self.actor = Actor(user_id=secretary[1], login=secretary[0], source="bench")
        self.client = logged_in(app, secretary[0])
        with app.app_context():
            token = run(create_api_token, actor=SYSTEM, login=secretary[0], name="bench").token
        self.api = app.test_client()
        self.api_headers = {"Authorization": f"Bearer {token}"}

    def over_api(self) -> float:
        """Milliseconds to complete a task by the JSON API (bearer token), answered 200."""
        task_id = self.fresh_task()
        started = time.perf_counter()
        response = self.api.post(
            f"/api/v1/tasks/{task_id}/complete", json={"data": SUBMISSION}, headers=self.api_headers
        )
        if response.status_code != 200:
            raise SystemExit(f"API submission answered {response.status_code}: {response.data!r}")
        return (time.perf_counter() - started) * 1000

    def fresh_task(self) -> int:
        with self.app.app_context():
            instance_id = run(
                start_instance, actor=self.actor, process_key=PROCESS, org_code=self.branch
            )
            return db.session.scalar(
                select(HumanTask.id).where(
                    HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
                )
            )

    def by_command(self) -> float:
        task_id = self.fresh_task()
        with self.app.app_context():
            return timed(
                lambda: run(complete_task, actor=self.actor, task_id=task_id, data=SUBMISSION)
            )

    def over_http(self) -> tuple[float, float]:
        """Milliseconds to open the task page, and to post its form (answered by a redirect)."""
        return self.open_and_post(self.fresh_task())

    def open_and_post(self, task_id: int) -> tuple[float, float]:
        started = time.perf_counter()
        page = self.client.get(f"/inbox/tasks/{task_id}")
        opened = time.perf_counter()
        token = CSRF_RE.search(page.get_data(as_text=True))
        if page.status_code != 200 or token is None:
            raise SystemExit(f"task page answered {page.status_code}")
        response = self.client.post(
            f"/inbox/tasks/{task_id}/complete", data={"csrf_token": token.group(1), **POSTED}
        )
        posted = time.perf_counter()
        if response.status_code != 302:
            raise SystemExit(f"submission answered {response.status_code}")
        return (opened - started) * 1000, (posted - opened) * 1000


def report(label: str, times: list[float], target: float, extra: str = "") -> None:
    high = p95(times)
    verdict = "met" if high <= target else "NOT met"
    print(
        f"  {label:<34} median {statistics.median(times):7.2f} ms   p95 {high:7.2f} ms"
        f"  (p95 ≤ {target:.0f} ms: {verdict}){extra}"
    )


def measure(
    app: Flask, who: dict[str, Any], runs: int, show_plans: bool, show_profile: bool = False
) -> None:
    users = {"unit reviewer": who["reviewer"], "branch secretary": who["secretary"]}
    print(f"inbox query (list_tasks, {PAGE_SIZE} rows and the count), {runs} runs each")
    for label, (_login, user_id) in users.items():
        for view in (View.MINE, View.CLAIMABLE):
            query = inbox_query(app, user_id, view)
            shown, total = query()
            for _ in range(3):
                query()
            times = [timed(query) for _ in range(runs)]
            report(f"{label}, {view.value}", times, QUERY_TARGET_MS, f"  [{shown} of {total}]")
            if show_plans:
                explain(app, user_id, view)
    print(f"inbox page (GET /inbox/, logged in), {runs} runs each")
    for label, (login, _user_id) in users.items():
        client = logged_in(app, login)
        for view in (View.MINE, View.CLAIMABLE):
            page = inbox_page(client, view)
            for _ in range(3):
                page()
            report(f"{label}, {view.value}", [timed(page) for _ in range(runs)], PAGE_TARGET_MS)

    submissions = Submissions(app, who["secretary"], who["branch"])
    for _ in range(3):
        submissions.by_command()
        submissions.over_http()
    command: list[float] = []
    http: list[tuple[float, float]] = []
    api: list[float] = []
    for round_no in range(runs):
        if round_no % 2:
            http.append(submissions.over_http())
            api.append(submissions.over_api())
            command.append(submissions.by_command())
        else:
            command.append(submissions.by_command())
            api.append(submissions.over_api())
            http.append(submissions.over_http())
    by_command = statistics.median(command)
    over_http = statistics.median(get + post for get, post in http)
    ratio = over_http / by_command
    print(f"task submission, median of {runs} each (alternating rounds)")
    print(f"  command path run(complete_task)    {by_command:7.2f} ms")
    print(
        f"  over HTTP (open task, post form)   {over_http:7.2f} ms"
        f"  (page {statistics.median(g for g, _ in http):.2f} ms,"
        f" post {statistics.median(p for _, p in http):.2f} ms)"
    )
    verdict = "met" if ratio <= SUBMIT_TARGET_RATIO else "NOT met"
    print(f"  HTTP / command path {ratio:.2f}x  (≤ {SUBMIT_TARGET_RATIO:.0f}x: {verdict})")
    by_api = statistics.median(api)
    verdict = "met" if by_api / by_command <= SUBMIT_TARGET_RATIO else "NOT met"
    print(
        f"  over the API (POST complete)      {by_api:7.2f} ms"
        f"  API / command path {by_api / by_command:.2f}x  (≤ {SUBMIT_TARGET_RATIO:.0f}x: {verdict})"
    )
    if show_profile:
        profile_http(submissions, runs)


def profile_http(submissions: Submissions, runs: int) -> None:
    """Where the time of opening and posting a task goes, by BranchFlow function (cumulative)."""
    profiler = cProfile.Profile()
    for _ in range(runs):
        task_id = submissions.fresh_task()
        profiler.enable()
        submissions.open_and_post(task_id)
        profiler.disable()
    stats = pstats.Stats(profiler)
    rows = [
        (v[3], f"{path.split('/app/', 1)[-1]}:{line} {name}")
        for (path, line, name), v in stats.stats.items()
        if "/app/" in path and "/site-packages/" not in path
    ]
    print(f"profile of {runs} opens and posts: BranchFlow functions by cumulative time")
    for cumulative, where in sorted(rows, reverse=True)[:30]:
        print(f"  {cumulative / runs * 1000:7.2f} ms/submission  {where}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument(
        "--database", default="sqlite", help="'sqlite' (a temp file) or a PostgreSQL server URL"
    )
    options.add_argument("--branches", type=int, default=20_000)
    options.add_argument("--tasks", type=int, default=1_000_000)
    options.add_argument("--open", type=int, default=100_000)
    options.add_argument("--runs", type=int, default=100)
    options.add_argument("--explain", action="store_true", help="print the inbox query plans")
    options.add_argument(
        "--profile", action="store_true", help="profile opening and posting a task (cProfile)"
    )
    options.add_argument(
        "--keep", metavar="DIR", help="keep the generated database (SQLite: in DIR) for study"
    )
    args = options.parse_args()
    if args.open > args.tasks:
        options.error("--open cannot exceed --tasks")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with database(args.database, workdir, bool(args.keep)) as url:
            app = make_app(url, workdir)
            try:
                who = generate(app, args.branches, args.tasks, args.open)
                print(f"database: {make_url(url).get_backend_name()}")
                measure(app, who, args.runs, args.explain, args.profile)
            finally:
                app.extensions["branchflow.db"].dispose()


if __name__ == "__main__":
    main()
