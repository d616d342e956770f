"""What containment costs, and whether a rework loop's rounds stay flat.

    .venv/bin/python bench/containment.py [--runs 9] [--database sqlite|URL]

1. One evaluation (a condition over ~1 KB of task data): in a sandbox process (what BranchFlow
   does) against the same restricted code evaluated in this process (what it did before).
2. Completing a task through the command path: in a chain of user tasks (no model code), and
   in the rework loop below (a gateway condition each round), with sandbox processes against
   in-process evaluation. Target: at most 1.25x.
3. A 50-round rework loop (draft → review → sent back): per-round cost of the last 10 rounds over
   the first 10 (target at most 1.2), and the bytes each round adds to the instance's state and to
   the database's step log and snapshots.

Baselines are measured in the same run; nothing is asserted; medians are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import run
from app.engine import restricted
from app.engine.sandbox import Limits
from app.engine.sandbox import SandboxEnvironment
from app.extensions import db
from app.workflow.commands import complete_task
from app.workflow.commands import start_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceSnapshot
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from bench.engine import CommandPath

NOW = datetime(2026, 12, 1, tzinfo=UTC)
DATA = {"score": 90, "note": "x" * 600, "items": [{"v": i} for i in range(40)]}


def _in_process(self: SandboxEnvironment, request: dict) -> dict:
    """The bench's stand-in for the sandbox process: the same rules, evaluated here."""
    helpers = restricted.standard_helpers(lambda: NOW, ZoneInfo("Asia/Shanghai"))
    if request["op"] == "evaluate":
        value = restricted.evaluate(helpers, request["source"], request["context"])
        return {"ok": True, "value": value}
    data = restricted.execute(helpers, request["source"], request["context"])
    return {"ok": True, "data": data}


contained_ask = SandboxEnvironment._ask


def evaluation_cost(runs: int) -> None:
    env = SandboxEnvironment(lambda: NOW, Limits())
    contained, plain = [], []
    for _ in range(runs):
        for sample, ask in ((contained, contained_ask), (plain, _in_process)):
            SandboxEnvironment._ask = ask  # type: ignore[method-assign]
            started = time.perf_counter()
            for _ in range(200):
                env.evaluate("score >= 85 and len(items) > 10", DATA)
            sample.append((time.perf_counter() - started) / 200)
    SandboxEnvironment._ask = contained_ask  # type: ignore[method-assign]
    c, p = statistics.median(contained), statistics.median(plain)
    print(f"one evaluation: sandbox process {c * 1e6:.0f} us, in process {p * 1e6:.0f} us")


def task_cost(runs: int, database: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = CommandPath(10, database, Path(tmp))
        contained, plain = [], []
        path.one_instance()
        for _ in range(runs):
            for sample, ask in ((contained, contained_ask), (plain, _in_process)):
                SandboxEnvironment._ask = ask  # type: ignore[method-assign]
                sample.append(statistics.mean(path.one_instance()))
        SandboxEnvironment._ask = contained_ask  # type: ignore[method-assign]
        path.close()
    c, p = statistics.median(contained), statistics.median(plain)
    print(
        f"task completion (chain of 10, no scripts): sandbox {c * 1e3:.2f} ms,"
        f" in process {p * 1e3:.2f} ms, ratio {c / p:.2f}x"
    )


def rework_rounds(database: str, ask=contained_ask) -> tuple[list[float], list[int], list[int]]:
    model = (ROOT / "tests/engine/bpmn/rework_loop.bpmn").read_bytes()
    for form in (b"test_any", b"test_review"):  # the bench's one form takes any object
        model = model.replace(form, b"bench_form")
    with tempfile.TemporaryDirectory() as tmp:
        path = CommandPath(1, database, Path(tmp))
        with path.app.app_context():
            from app.core.commands import SYSTEM  # noqa: PLC0415
            from app.workflow.commands import deploy_definitions  # noqa: PLC0415

            run(deploy_definitions, actor=SYSTEM, sources={"rework_loop.bpmn": model})
            from app.identity.commands import grant_role  # noqa: PLC0415

            run(
                grant_role,
                actor=SYSTEM,
                org_code=f"{path.key}-U",
                login=path.actor.login,
                role_code="unit_org_reviewer",
            )
            instance_id = run(
                start_instance, actor=path.actor, process_key="rework_loop", org_code=path.branch
            )
            seconds, state_bytes, log_bytes = [], [], []
            SandboxEnvironment._ask = ask  # type: ignore[method-assign]
            for _ in range(50):
                started = time.perf_counter()
                for data in ({}, {"approved": False}):
                    db.end_read_transaction()
                    task_id = db.session.scalar(
                        select(HumanTask.id).where(
                            HumanTask.instance_id == instance_id,
                            HumanTask.state == HumanTaskState.READY,
                        )
                    )
                    run(complete_task, actor=path.actor, task_id=task_id, data=data)
                seconds.append(time.perf_counter() - started)
                db.end_read_transaction()
                state_bytes.append(len(db.session.get(ProcessInstance, instance_id).state_json))
                log_bytes.append(_history_bytes(instance_id))
        SandboxEnvironment._ask = contained_ask  # type: ignore[method-assign]
        path.close()
    return seconds, state_bytes, log_bytes


def report_rework(database: str, runs: int) -> None:
    contained_rounds, plain_rounds = [], []
    for _ in range(max(1, runs // 3)):
        seconds, state_bytes, log_bytes = rework_rounds(database)
        contained_rounds.append(seconds)
        plain_rounds.append(rework_rounds(database, _in_process)[0])
    per_round = [statistics.median(r) for r in contained_rounds]
    plain = [statistics.median(r) for r in plain_rounds]
    print(
        f"rework loop round (2 tasks, 1 condition): sandbox {statistics.median(per_round) * 1e3:.2f}"
        f" ms, in process {statistics.median(plain) * 1e3:.2f} ms,"
        f" ratio {statistics.median(per_round) / statistics.median(plain):.2f}x (target ≤ 1.25)"
    )
    growth = [statistics.median(r[-10:]) / statistics.median(r[:10]) for r in contained_rounds]
    print(
        f"rework loop, 50 rounds: last 10 / first 10 rounds {statistics.median(growth):.2f}x"
        " (target ≤ 1.2)"
    )
    print(
        f"  instance state after round 10 / 50: {state_bytes[9]} / {state_bytes[49]} bytes;"
        f" added per round {(state_bytes[19] - state_bytes[9]) / 10:.0f} (rounds 11-20) →"
        f" {(state_bytes[49] - state_bytes[39]) / 10:.0f} (41-50)"
    )
    print(
        f"  step log + snapshots added per round: {(log_bytes[19] - log_bytes[9]) / 10:.0f}"
        f" (rounds 11-20) → {(log_bytes[49] - log_bytes[39]) / 10:.0f} (41-50) bytes"
    )


def _history_bytes(instance_id: int) -> int:
    snapshots = db.session.scalar(
        select(func.sum(func.length(InstanceSnapshot.state_zlib))).where(
            InstanceSnapshot.instance_id == instance_id
        )
    )
    steps = db.session.scalar(
        select(func.sum(func.length(StepLogEntry.data_change_json))).where(
            StepLogEntry.instance_id == instance_id
        )
    )
    return int(snapshots or 0) + int(steps or 0)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=9)
    options.add_argument("--database", default="sqlite")
    args = options.parse_args()
    evaluation_cost(args.runs)
    task_cost(args.runs, args.database)
    report_rework(args.database, args.runs)


if __name__ == "__main__":
    main()
