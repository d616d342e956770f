"""``replay --all`` on several cores: worker processes replay ranges of instance ids, each with
its own database connection, and the results come back in id order — the same lines, the same
first divergence, the same exit code as one process gives.

Replay is CPU-bound Python (the engine, the serializer, JSON), so threads would share one core;
processes do not. Workers are forked from the command's process after it has parsed every
definition version the instances pin, so they start at once with the specs already in memory;
each drops the connections it inherited (they belong to the parent) and opens its own. The jail's
sandbox processes are per process already (jail.Pool notices the fork).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auditing.replay import ReplayResult
from app.auditing.replay import replay_all
from app.extensions import db
from app.workflow.engine_access import specs_for
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

#: Instances per task handed to a worker: large enough that the hand-over costs little, small
#: enough that the results stream (and the workers stay busy to the end).
CHUNK = 400
#: Below this many instances one process is quicker than starting workers.
PARALLEL_FROM = 1000

_worker_app: Flask | None = None


def default_jobs(session: Session) -> int:
    """Every core (at most four) for a long history, one process for a short one."""
    count = session.scalar(select(func.count()).select_from(ProcessInstance)) or 0
    if count < PARALLEL_FROM:
        return 1
    usable = (
        os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    )
    return max(1, min(4, len(usable)))


def replay_all_parallel(app: Flask, session: Session, jobs: int) -> Iterator[ReplayResult]:
    """What ``replay_all`` yields, in the same order, computed by ``jobs`` processes."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from replay_all(session)
        return
    ranges = _id_ranges(session)
    _parse_pinned_specs(session)
    session.rollback()  # the workers read in their own transactions; the parent holds none
    global _worker_app
    _worker_app = app
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(ranges)) or 1, initializer=_start_worker) as pool:
        for results in pool.imap(_replay_range, ranges):
            yield from results


def _id_ranges(session: Session) -> list[tuple[int, int]]:
    """Consecutive id ranges of CHUNK instances each (both ends included)."""
    ids = session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)).all()
    return [(ids[i], ids[min(i + CHUNK, len(ids)) - 1]) for i in range(0, len(ids), CHUNK)]


def _parse_pinned_specs(session: Session) -> None:
    """Parse each pinned version once here, so that every worker inherits the parsed specs."""
    pinned = select(ProcessInstance.definition_id).distinct()
    for definition in session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.id.in_(pinned))
    ):
        specs_for(definition.process_key, definition.content_hash, lambda d=definition: d.spec_json)


def _start_worker() -> None:
    with _worker_app.app_context():
        db.engine.dispose(close=False)  # the inherited connections are the parent's to close


def _replay_range(id_range: tuple[int, int]) -> list[Any]:
    with _worker_app.app_context():
        try:
            return list(replay_all(db.session, id_range=id_range))
        finally:
            db.session.rollback()  # replay only reads
