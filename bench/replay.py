"""Instances per second of ``flask audit replay --all``, over the demo year and a long history.

    .venv/bin/python bench/replay.py [--database sqlite|URL] [--instances 2000] [--runs 3]
                                     [--jobs N] [--seed-years 5] [--code DIR] [--profile]

Two databases, each fresh (a SQLite file in a temporary directory, or a new database on the
PostgreSQL server of ``--database``, dropped afterwards):

(a) the demo year: ``flask db upgrade``, ``flask processes sync``, ``flask demo load`` — the real
    instances of the shipped procedures (三会一课 and themed party days: completed, running,
    overdue, cancelled; a grading cycle at its stages; incidents), written through the real commands.
(b) a generated history of ``--instances`` instances (the issue asks for 100,000). What is real:
    the demo year plus ``--seed-years - 1`` further years written by the same generator with other
    seeds (``app.demo.history``: the real commands, each step at its own time), 55 instances a
    year. What is copied: those seed instances are then copied, row by row, until there are
    ``--instances`` of them — the instance row, every step-log entry and every stored state
    (snapshot) get new ids and point at the copy, so each copy replays from its own rows, with
    its own reads, its own engine run and its own comparisons (nothing is cached between
    instances but the parsed definition versions, as in any real history). Copies keep the seed's
    step-log hashes, so ``audit verify`` would call their chains broken; replay does not read the
    chain links (it checks each stored state against its step's ``state_hash``, which is copied
    with it). The seed procedures use no messages and no incidents, so no other table is copied.

Each run is the real command, ``flask --app app audit replay --all``, in a process of its own (so
each pays for parsing the definition versions, as an auditor's run does); its own printed time
(the replay, not the interpreter's start) gives instances/s, the median over ``--runs``; the
memory peak is the largest resident size of the command and its workers (``wait4``'s rusage). The
command must exit 0: every instance replayed identically. On a shared machine elapsed time says
as much about the neighbours as about replay, so the load average is printed, and the CPU time of
the one-process run too (instances per CPU-second: what an unloaded core gives), less the CPU
time of the same command's start-up (asked for an instance that does not exist) — only where the
replay takes five times that start-up or more (not for the demo year's 44 instances).

Baseline, measured in the same run and in one process: reading what replay checks — every
instance's row, step log and stored states, each state rebuilt from its changes and hashed — in
the same batches. The ratio replay / baseline says what re-deriving every state costs over merely
reading the evidence. With more than one job the parallel figure is printed beside the
single-process one (the ratio uses the single process, like for like with the baseline).

``--code DIR`` runs the command from another checkout (for a before/after comparison: the
database is prepared by this one). ``--profile`` prints BranchFlow's functions by cumulative time
over one single-process replay of each dataset (cProfile). Nothing is asserted but the exit code.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.auditing.replay import _read_logs
from app.auditing.replay import replay_all
from app.auditing.replay_pool import PARALLEL_FROM
from app.demo.history import load_demo_history
from app.extensions import db
from app.workflow.history import state_hash
from app.workflow.history import states_of
from app.workflow.models import InstanceSnapshot
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
DEMO_SEED = 20261123  # flask demo load's default
_RATE = re.compile(r"(\d+) instances replayed in ([\d.]+) s")


@contextmanager
def database(option: str, workdir: Path, name: str) -> Iterator[str]:
    """A SQLite file in ``workdir``, or a fresh database on the PostgreSQL server of ``option``."""
    if option == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    server = make_url(option)
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    created = f"branchflow_bench_{name}_{int(time.time())}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{created}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=created).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def environment(url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "BRANCHFLOW_INSTANCE_DIR": str(workdir),
        "BRANCHFLOW_ENV": "development",
    }


def flask(env: dict[str, str], *args: str, cwd: Path = ROOT) -> None:
    subprocess.run(  # noqa: S603 - our own flask, our arguments
        [*FLASK, *args], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL
    )


def load_demo_year(env: dict[str, str]) -> None:
    flask(env, "db", "upgrade")
    flask(env, "processes", "sync")
    flask(env, "demo", "load", "--seed", str(DEMO_SEED))


# -- the generated history ------------------------------------------------------------------------


def grow_history(env: dict[str, str], instances: int, seed_years: int) -> tuple[int, int]:
    """Write the further real years, then copy the seed instances up to ``instances``; return
    (real instances, total)."""
    app = make_app(env)
    with app.app_context():
        for year in range(1, seed_years):
            load_demo_history(DEMO_SEED + year, grading=False)  # one cycle a year, the demo's
        db.session.commit()
        seeds = db.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)).all()
        copies, rest = divmod(max(instances, len(seeds)) - len(seeds), len(seeds))
        shifts = {
            model: db.session.scalar(select(func.max(model.id)))
            for model in (ProcessInstance, StepLogEntry, InstanceSnapshot)
        }
        for copy in range(1, copies + 2):
            if copy == copies + 1 and rest == 0:
                break
            last_seed = seeds[-1] if copy <= copies else seeds[rest - 1]
            copy_seed_rows(shifts, copy, last_seed)
            db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(ProcessInstance))
        db.engine.dispose()
    return len(seeds), total


def copy_seed_rows(shifts: dict, copy: int, last_seed: int) -> None:
    """Copy number ``copy`` of the seed instances with ids up to ``last_seed``: each table's ids
    moved by ``copy`` times that table's largest seed id, so copies never collide."""
    moved = {
        ProcessInstance: {"id": ProcessInstance},
        InstanceSnapshot: {"id": InstanceSnapshot, "instance_id": ProcessInstance},
        StepLogEntry: {
            "id": StepLogEntry,
            "instance_id": ProcessInstance,
            "snapshot_id": InstanceSnapshot,
        },
    }
    for model, columns in moved.items():
        names = [column.name for column in model.__table__.columns]
        values = [
            f"{name} + {copy * shifts[columns[name]]}" if name in columns else name
            for name in names
        ]
        seed_column = "id" if model is ProcessInstance else "instance_id"
        db.session.execute(
            text(
                f"INSERT INTO {model.__tablename__} ({', '.join(names)})"  # noqa: S608 - our names
                f" SELECT {', '.join(values)} FROM {model.__tablename__}"
                f" WHERE {seed_column} <= :last_seed"
            ),
            {"last_seed": last_seed},
        )


def make_app(env: dict[str, str]):
    os.environ.update(env)
    return create_app()


# -- measuring ------------------------------------------------------------------------------------


def replay_run(env: dict[str, str], code: Path, args: list[str]) -> tuple[str, int, float, float]:
    """One ``flask audit replay ARGS``: (what it printed, its exit code, CPU seconds of it and
    its workers, their peak resident KiB) — from ``wait4``, which waits for this one process."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(  # noqa: S603 - our own flask, our arguments
            [*FLASK, "audit", "replay", *args], env=env, cwd=code, stdout=out, stderr=out
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        printed = out.read().decode()
    return printed, process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def replay_everything(env: dict[str, str], code: Path, jobs: int | None) -> tuple[float, ...]:
    """``flask audit replay --all``: (instances, seconds it printed, CPU seconds, peak KiB)."""
    jobs_option = ["--jobs", str(jobs)] if jobs else []
    printed, exit_code, cpu, peak = replay_run(env, code, ["--all", *jobs_option])
    if exit_code != 0:
        raise SystemExit(f"replay --all exited {exit_code}: not every replay identical\n{printed}")
    found = _RATE.search(printed)
    return int(found.group(1)), float(found.group(2)), cpu, peak


def start_up_cpu(env: dict[str, str], code: Path) -> float:
    """CPU seconds of the command around the replay (interpreter, imports, the app): the same
    command asked for an instance that does not exist, the least of three runs."""
    return min(replay_run(env, code, ["999999999"])[2] for _ in range(3))


def read_everything(app) -> tuple[int, float, float]:
    """The baseline: every instance's row, step log and stored states read (in the batches
    replay reads them in), each state rebuilt and hashed; (instances, seconds, CPU seconds)."""
    started, cpu, count, last = time.perf_counter(), time.process_time(), 0, 0
    with app.app_context():
        while True:
            rows = db.session.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.id > last)
                .order_by(ProcessInstance.id)
                .limit(200)
            ).all()
            if not rows:
                break
            for row_id, logged in _read_logs(db.session, [row.id for row in rows]).items():
                hashes = {seq: state_hash(text) for seq, text, _s in states_of(logged.snapshots)}
                for entry in logged.entries:
                    if entry.state_hash is not None and hashes.get(entry.seq) != entry.state_hash:
                        raise SystemExit(f"instance {row_id}: a stored state is not its step's")
            count += len(rows)
            last = rows[-1].id
            db.session.expunge_all()
        db.session.rollback()
    return count, time.perf_counter() - started, time.process_time() - cpu


def profile(app) -> None:
    profiler = cProfile.Profile()
    with app.app_context():
        profiler.enable()
        count = sum(1 for _ in replay_all(db.session))
        profiler.disable()
        db.session.rollback()
    stats = pstats.Stats(profiler)
    rows = [
        (v[3], f"{path.split('/app/', 1)[-1]}:{line} {name}")
        for (path, line, name), v in stats.stats.items()
        if "/app/" in path and "/site-packages/" not in path
    ]
    print(f"  profile of one replay of {count} instances: BranchFlow functions, cumulative")
    for cumulative, where in sorted(rows, reverse=True)[:25]:
        print(f"    {cumulative / count * 1000:7.3f} ms/instance  {where}")


def measure(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    app = make_app(env)
    code = Path(args.code).resolve() if args.code else ROOT
    single, parallel, cpu, peaks, baseline, baseline_cpu = [], [], [], [], [], []
    count, load, start_up = 0, os.getloadavg()[0], start_up_cpu(env, code)
    for _ in range(args.runs):
        count, seconds, cpu_seconds = read_everything(app)
        baseline.append(seconds)
        baseline_cpu.append(cpu_seconds)
        replayed, seconds, cpu_seconds, peak = replay_everything(
            env, code, 1 if not args.code else None
        )
        if replayed != count:
            raise SystemExit(f"{replayed} of {count} instances replayed")
        single.append(seconds)
        cpu.append(cpu_seconds - start_up)
        peaks.append(peak)
        if args.jobs != 1 and not args.code and (args.jobs or count >= PARALLEL_FROM):
            _replayed, seconds, _cpu, peak = replay_everything(env, code, args.jobs)
            parallel.append(seconds)
            peaks.append(peak)
    replay_s, base_s = statistics.median(single), statistics.median(baseline)
    cpu_s, base_cpu_s = statistics.median(cpu), statistics.median(baseline_cpu)
    load = max(load, os.getloadavg()[0])
    print(f"{label}: {count} instances, every one replayed identically (load average {load:.1f})")
    print(
        f"  flask audit replay --all, one process: median {replay_s:.2f} s,"
        f" {count / replay_s:.0f} instances/s  (runs: {', '.join(f'{s:.2f}' for s in single)})"
    )
    if parallel:
        par_s = statistics.median(parallel)
        print(
            f"  flask audit replay --all, {args.jobs or 'auto'} jobs: median {par_s:.2f} s,"
            f" {count / par_s:.0f} instances/s  ({replay_s / par_s:.2f}x the one process)"
        )
    if cpu_s >= 5 * start_up:
        print(
            f"  the one process in CPU time: {cpu_s:.2f} s, {count / cpu_s:.0f} instances per"
            f" CPU-second (its start-up, {start_up:.2f} s, taken off)"
        )
    else:
        print(f"  (no CPU-time figure: the command's start-up, {start_up:.2f} s, would dominate)")
    print(f"  memory peak (largest process): {max(peaks) / 1024:.0f} MiB")
    print(
        f"  baseline, reading and hashing every stored state: median {base_s:.2f} s"
        f" ({count / base_s:.0f} instances/s, {count / base_cpu_s:.0f} per CPU-second)"
    )
    in_cpu = f", {cpu_s / base_cpu_s:.1f}x in CPU time" if cpu_s >= 5 * start_up else ""
    print(f"  replay / baseline: {replay_s / base_s:.1f}x in elapsed time{in_cpu}")
    if args.profile:
        profile(app)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument(
        "--database", default="sqlite", help="'sqlite' (a temp file) or a PostgreSQL server URL"
    )
    options.add_argument("--instances", type=int, default=2000, help="the generated history")
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--jobs", type=int, help="--jobs of the parallel runs (default: auto)")
    options.add_argument("--seed-years", type=int, default=5, help="real years of the seed set")
    options.add_argument("--code", help="run the replay command from this checkout")
    options.add_argument("--profile", action="store_true", help="cProfile one replay of each")
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(f"database: {args.database.split('://')[0]}, {os.cpu_count()} cores")
        with database(args.database, workdir, "demo") as url:
            env = environment(url, workdir)
            load_demo_year(env)
            measure("(a) demo year", env, args)
        with database(args.database, workdir, "history") as url:
            env = environment(url, workdir)
            started = time.perf_counter()
            load_demo_year(env)
            real, total = grow_history(env, args.instances, args.seed_years)
            print(
                f"generated {total} instances ({real} real, the rest copies of them)"
                f" in {time.perf_counter() - started:.0f} s"
            )
            measure(f"(b) generated history of {total}", env, args)


if __name__ == "__main__":
    main()
