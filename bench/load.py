"""Throughput through HTTP against the bare command path, on PostgreSQL (issue 12, item 4).

    .venv/bin/python bench/load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/DB
        [--clients 8] [--workers 4] [--seconds 30] [--tasks 10]

Prepares the database (migrations, one branch and its secretary with an API token per client, the
``--tasks``-step chain deployed), serves the app with gunicorn, and lets ``--clients`` concurrent
clients each start instances and work through their tasks over /api/v1 for ``--seconds``: list my
open tasks, complete the first, again. Prints completed tasks/s, p50/p95 latency per request and the
errors (any 5xx is a failure of the target). Then, against the same database, the ceiling: as many
processes running ``start_instance`` and ``complete_task`` directly, without HTTP, for as long.

Not part of the test suite: the figures are for reading (targets: >= 150 tasks/s through HTTP on the
2-core machine, and at least 60% of the ceiling; no 5xx).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
from app.identity.commands.tokens import create_api_token
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.workflow.commands import complete_task
from app.workflow.commands import deploy_definitions
from app.workflow.commands import start_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from bench.engine import chain_xml
from config import config_from_environment


@dataclass(frozen=True)
class Worker:
    """One client's own branch, secretary and token: clients never race for one task."""

    branch: str
    login: str
    user_id: int
    token: str


@dataclass
class Tally:
    completed: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def environment(database: str, workdir: Path) -> dict[str, str]:
    forms = workdir / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "bench_form.json").write_text('{"schema": {"type": "object"}}')
    return {
        "DATABASE_URL": database,
        "SECRET_KEY": "bench-load",
        "BRANCHFLOW_INSTANCE_DIR": str(workdir),
        "BRANCHFLOW_FORMS_DIR": str(forms),
    }


def prepare(env: dict[str, str], key: str, tasks: int, people: int) -> list[Worker]:
    app = create_app(config_from_environment(env))
    with app.app_context():
        upgrade()
        run(
            create_org_unit,
            actor=SYSTEM,
            parent_code=None,
            code=key,
            kind=OrgKind.COMPANY,
            details=OrgDetails("公司"),
        )
        run(
            create_org_unit,
            actor=SYSTEM,
            parent_code=key,
            code=f"{key}-U",
            kind=OrgKind.UNIT,
            details=OrgDetails("厂"),
        )
        run(deploy_definitions, actor=SYSTEM, sources={f"{key}.bpmn": chain_xml(key, tasks)})
        workers = []
        for number in range(people):
            branch, login = f"{key}-B{number}", f"{key}s{number}"
            run(
                create_org_unit,
                actor=SYSTEM,
                parent_code=f"{key}-U",
                code=branch,
                kind=OrgKind.BRANCH,
                details=OrgDetails(f"支部{number}", BranchType.PRODUCTION_FLOW),
            )
            user_id = run(
                create_user,
                actor=SYSTEM,
                login=login,
                password="bench-password-1",
                display_name=f"书记{number}",
            )
            run(
                grant_role, actor=SYSTEM, org_code=branch, login=login, role_code="branch_secretary"
            )
            token = run(create_api_token, actor=SYSTEM, login=login, name="load").token
            workers.append(Worker(branch, login, user_id, token))
    app.extensions["branchflow.db"].dispose()
    return workers


# --- through HTTP ------------------------------------------------------------------------------


def client_loop(port: int, key: str, worker: Worker, until: float, tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {worker.token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: object = None) -> tuple[int, dict]:
        started = time.perf_counter()
        payload = None if body is None else json.dumps(body)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            status, text = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            tally.errors[type(exc).__name__] = tally.errors.get(type(exc).__name__, 0) + 1
            return 0, {}
        tally.latencies.append(time.perf_counter() - started)
        if status >= 400:
            tally.errors[str(status)] = tally.errors.get(str(status), 0) + 1
            return status, {}
        return status, json.loads(text)

    while time.perf_counter() < until:
        status, _body = call(
            "POST", "/api/v1/instances", {"process_key": key, "org_code": worker.branch}
        )
        if status != 201:
            continue
        task_id = None
        while time.perf_counter() < until:
            if task_id is None:
                # The chain's tasks go to the branch's secretaries as a group: the to-do list.
                status, page = call("GET", "/api/v1/tasks?view=todo&per_page=1")
                if status != 200 or not page["items"]:
                    break  # the instance is finished (or the listing failed): start another
                task_id = page["items"][0]["id"]
            status, done = call(
                "POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"note": "ok"}}
            )
            if status == 200:
                tally.completed += 1
            # A completion names the next tasks the client may do (as a real client goes on);
            # after the last one, the instance is done.
            following = done.get("next_tasks") if status == 200 else None
            if following == []:
                break
            task_id = following[0]["id"] if following else None


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, arguments built here
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def through_http(port: int, key: str, workers: list[Worker], seconds: float) -> list[Tally]:
    tallies = [Tally() for _ in workers]
    until = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, key, w, until, t))
        for w, t in zip(workers, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tallies


# --- the ceiling: the command path without HTTP ------------------------------------------------


def direct_loop(env: dict[str, str], key: str, worker: Worker, seconds: float, out) -> None:
    app = create_app(config_from_environment(env))
    actor = Actor(user_id=worker.user_id, login=worker.login, source="bench")
    completed, until = 0, time.perf_counter() + seconds
    with app.app_context():
        while time.perf_counter() < until:
            instance_id = run(start_instance, actor=actor, process_key=key, org_code=worker.branch)
            while time.perf_counter() < until:
                db.end_read_transaction()
                task_id = db.session.scalar(
                    select(HumanTask.id).where(
                        HumanTask.instance_id == instance_id,
                        HumanTask.state == HumanTaskState.READY,
                    )
                )
                if task_id is None:
                    break
                run(complete_task, actor=actor, task_id=task_id, data={"note": "ok"})
                completed += 1
    out.put(completed)


def ceiling(env: dict[str, str], key: str, workers: list[Worker], seconds: float) -> int:
    results: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=direct_loop, args=(env, key, w, seconds, results))
        for w in workers
    ]
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    return total


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--database", required=True, help="a PostgreSQL URL (an empty database)")
    options.add_argument("--clients", type=int, default=8)
    options.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    options.add_argument("--seconds", type=float, default=30)
    options.add_argument("--tasks", type=int, default=10, help="user tasks per instance")
    options.add_argument("--port", type=int, default=8765)
    args = options.parse_args()
    key = f"load{time.time_ns() % 10**9}"
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(args.database, Path(tmp))
        # Separate people for the two halves, so the ceiling starts from empty inboxes too.
        people = prepare(env, key, args.tasks, 2 * args.clients)
        server = serve(env, args.port, args.workers)
        try:
            tallies = through_http(args.port, key, people[: args.clients], args.seconds)
        finally:
            server.terminate()
            server.wait()
        direct = ceiling(env, key, people[args.clients :], args.seconds)
    latencies = sorted(x for t in tallies for x in t.latencies)
    errors: dict[str, int] = {}
    for tally in tallies:
        for kind, count in tally.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    http_rate = sum(t.completed for t in tallies) / args.seconds
    ceiling_rate = direct / args.seconds
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [0.0] * 19
    print(
        f"{args.clients} clients, gunicorn --workers {args.workers}, {args.seconds:.0f} s, "
        f"{args.tasks}-task instances"
    )
    print(
        f"HTTP:    {http_rate:7.1f} tasks/s   requests {len(latencies)}   "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms   p95 {quantiles[18] * 1000:.1f} ms"
    )
    print(f"errors:  {errors or 'none'}")
    print(
        f"ceiling: {ceiling_rate:7.1f} tasks/s   ({args.clients} processes, the command path alone)"
    )
    print(
        f"HTTP / ceiling: {http_rate / ceiling_rate:.0%}   (targets: >= 150 tasks/s, >= 60%, no 5xx)"
    )


if __name__ == "__main__":
    main()
