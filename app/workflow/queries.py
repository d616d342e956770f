"""Reads of the workflow domain: step-log verification (more arrives with the staff workspace)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.steplog import GENESIS
from app.workflow.steplog import step_hash


def latest_definitions_query() -> Select:
    """The newest version of every process key."""
    newest = (
        select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.process_key)
        .subquery()
    )
    return (
        select(ProcessDefinition)
        .join(
            newest,
            (newest.c.process_key == ProcessDefinition.process_key)
            & (newest.c.version == ProcessDefinition.version),
        )
        .order_by(ProcessDefinition.process_key)
    )


@dataclass(frozen=True)
class BrokenStep:
    instance_id: int
    seq: int
    problem: str


def verify_step_logs(session: Session) -> tuple[int, list[BrokenStep]]:
    """Check every instance's hash-chained step log: (entries checked, first break of each)."""
    checked, broken = 0, []
    heads = dict(session.execute(select(ProcessInstance.id, ProcessInstance.last_step_hash)).all())
    counts = dict(session.execute(select(ProcessInstance.id, ProcessInstance.step_count)).all())
    for instance_id in sorted(heads):
        expected_seq, prev = 1, GENESIS
        problem = None
        for entry in session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        ):
            if entry.seq != expected_seq:
                problem = BrokenStep(instance_id, expected_seq, f"step {expected_seq} is missing")
            elif entry.prev_hash != prev:
                problem = BrokenStep(
                    instance_id, entry.seq, f"the link to step {entry.seq} is broken"
                )
            elif step_hash(entry) != entry.hash:
                problem = BrokenStep(instance_id, entry.seq, f"step {entry.seq} was changed")
            if problem:
                break
            prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        if problem is None and (
            expected_seq - 1 != counts[instance_id] or prev != heads[instance_id]
        ):
            problem = BrokenStep(instance_id, expected_seq, "steps at the end were deleted")
        if problem:
            broken.append(problem)
    return checked, broken
