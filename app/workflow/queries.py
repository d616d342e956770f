"""Reads of the workflow domain: definitions, an instance with its history and diagram, checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.history import state_at
from app.workflow.history import state_hash
from app.workflow.history import stored_states
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import MessageSubscription
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
    """Check every instance's hash-chained step log, and each stored state against the hash its
    step recorded: (entries checked, first break of each)."""
    checked, broken = 0, []
    heads = session.execute(
        select(
            ProcessInstance.id, ProcessInstance.last_step_hash, ProcessInstance.step_count
        ).order_by(ProcessInstance.id)
    ).all()
    for instance_id, head, count in heads:
        steps, problem = _verify_log(session, instance_id, head, count)
        checked += steps
        if problem:
            broken.append(problem)
    return checked, broken


def verify_instance_log(session: Session, instance_id: int) -> tuple[int, BrokenStep | None]:
    """One instance's step log, checked as ``verify_step_logs`` does: (steps checked, break)."""
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        return 0, None
    return _verify_log(session, instance_id, row.last_step_hash, row.step_count)


def _verify_log(
    session: Session, instance_id: int, head: str, count: int
) -> tuple[int, BrokenStep | None]:
    expected_seq, prev, checked = 1, GENESIS, 0
    problem = None
    states = {seq: state_hash(text) for seq, text in stored_states(session, instance_id)}
    for entry in session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ):
        if entry.seq != expected_seq:
            problem = BrokenStep(instance_id, expected_seq, f"step {expected_seq} is missing")
        elif entry.prev_hash != prev:
            problem = BrokenStep(instance_id, entry.seq, f"the link to step {entry.seq} is broken")
        elif step_hash(entry) != entry.hash:
            problem = BrokenStep(instance_id, entry.seq, f"step {entry.seq} was changed")
        elif entry.state_hash is not None and states.get(entry.seq) != entry.state_hash:
            problem = BrokenStep(
                instance_id, entry.seq, f"the state stored at step {entry.seq} was changed"
            )
        if problem:
            return checked, problem
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    if expected_seq - 1 != count or prev != head:
        problem = BrokenStep(instance_id, expected_seq, "steps at the end were deleted")
    return checked, problem


@dataclass(frozen=True)
class InstanceView:
    instance: ProcessInstance
    definition: ProcessDefinition
    steps: list[StepLogEntry]
    incidents: list[Incident]


def get_instance_view(session: Session, instance_id: int) -> InstanceView | None:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return None
    steps = session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    incidents = session.scalars(
        select(Incident).where(Incident.instance_id == instance_id).order_by(Incident.id)
    ).all()
    return InstanceView(
        instance,
        session.get(ProcessDefinition, instance.definition_id),
        list(steps),
        list(incidents),
    )


def diagram_xml(definition: ProcessDefinition) -> str:
    """The BPMN file of the version that holds its process (the first file otherwise)."""
    sources: dict[str, str] = json.loads(definition.sources_json)
    return next(
        (text for name, text in sources.items() if f'id="{definition.process_key}"' in text),
        next(iter(sources.values()), ""),
    )


def state_after_step(
    session: Session, instance: ProcessInstance, seq: int
) -> tuple[dict[str, str], dict[str, Any]] | None:
    """Each element's state and the instance's data as they stood after step ``seq``, rebuilt
    from the stored history (None when the history holds no state for it)."""
    text = state_at(session, instance.id, seq)
    if not text:
        return None
    definition = session.get(ProcessDefinition, instance.definition_id)
    specs = specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json)
    engine_instance = runtime().load(specs, text)
    return engine_instance.element_states(), engine_instance.data()


def instance_diagram(session: Session, instance_id: int) -> dict[str, Any]:
    """The BPMN of the exact version the instance runs, with each element's state."""
    view = get_instance_view(session, instance_id)
    definition = view.definition
    xml = diagram_xml(definition)
    specs = specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json)
    states = runtime().load(specs, view.instance.state_json).element_states()
    for incident in view.incidents:
        if incident.resolved_at is None and incident.element_id:
            states[incident.element_id] = "incident"
    # Models without diagram interchange (BPMN DI) have nothing to draw: the page lists states.
    return {"xml": xml, "states": states, "has_layout": "BPMNDiagram" in xml}


def involved_in(session: Session, user_id: int, instance_id: int) -> bool:
    """Whether the user was assigned or completed any of the instance's tasks."""
    worked = select(HumanTask.id).where(
        HumanTask.instance_id == instance_id,
        (HumanTask.assignee_user_id == user_id) | (HumanTask.completed_by_user_id == user_id),
    )
    return session.scalar(select(worked.exists())) is True


def earlier_answers(session: Session, instance_id: int) -> dict[str, Any]:
    """The instance's start data, then what its completed steps submitted, later over earlier."""
    merged: dict[str, Any] = {}
    for submitted in session.scalars(
        select(StepLogEntry.submitted_json)
        .where(
            StepLogEntry.instance_id == instance_id,
            StepLogEntry.action.in_(("started", "task_completed")),
            StepLogEntry.submitted_json.is_not(None),
        )
        .order_by(StepLogEntry.seq)
    ):
        merged.update(json.loads(submitted))
    return merged


def open_instance(session: Session, process_key: str, business_key: str) -> ProcessInstance | None:
    """The running (or suspended) instance of ``process_key`` under ``business_key``, if any: how
    a process started once at a time (a cycle's model-site selection, its results) finds its own."""
    return session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.business_key == business_key,
            ProcessInstance.status.in_((InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)),
        )
    ).first()


@dataclass(frozen=True)
class OpenTaskLine:
    title: str
    element_id: str
    role_code: str | None
    role_zh: str | None
    org_code: str
    org_name: str
    assignee_name: str | None
    assignee_login: str | None
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class IncidentLine:
    id: int
    element_id: str | None
    attempts: int
    created_at: datetime
    message: str


@dataclass(frozen=True)
class InstanceOverview:
    """What an operator asks about one instance: where it stands and what it waits for."""

    id: int
    process_key: str
    version: int
    status: str
    org_code: str
    org_name: str
    business_key: str | None
    initiator_login: str | None
    initiator_name: str | None
    started_at: datetime
    ended_at: datetime | None
    step_count: int
    open_tasks: list[OpenTaskLine]
    open_incidents: list[IncidentLine]
    next_timer_at: datetime | None
    waiting_for_messages: list[dict[str, Any]]


def instance_overview(session: Session, instance_id: int, now: datetime) -> InstanceOverview | None:
    """The instance's state for an operator, from the indexed rows (no workflow JSON is loaded)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return None
    org = session.get(OrgUnit, instance.org_unit_id)
    initiator = session.get(User, instance.initiator_user_id or 0)
    return InstanceOverview(
        id=instance.id,
        process_key=instance.process_key,
        version=session.scalar(
            select(ProcessDefinition.version).where(ProcessDefinition.id == instance.definition_id)
        ),
        status=str(instance.status),
        org_code=org.code,
        org_name=org.name,
        business_key=instance.business_key,
        initiator_login=initiator.login if initiator else None,
        initiator_name=initiator.display_name if initiator else None,
        started_at=instance.started_at,
        ended_at=instance.ended_at,
        step_count=instance.step_count,
        open_tasks=_open_task_lines(session, instance_id, now),
        open_incidents=[
            IncidentLine(i.id, i.element_id, i.attempts, i.created_at, i.message)
            for i in session.scalars(
                select(Incident)
                .where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
                .order_by(Incident.id)
            )
        ],
        next_timer_at=instance.next_timer_at,
        waiting_for_messages=[
            {"message": name, "correlations": json.loads(correlations)}
            for name, correlations in session.execute(
                select(MessageSubscription.message_name, MessageSubscription.correlations_json)
                .where(MessageSubscription.instance_id == instance_id)
                .order_by(MessageSubscription.id)
            )
        ],
    )


def _open_task_lines(session: Session, instance_id: int, now: datetime) -> list[OpenTaskLine]:
    rows = session.execute(
        select(HumanTask, OrgUnit, User)
        .join(OrgUnit, OrgUnit.id == HumanTask.org_unit_id)
        .outerjoin(User, User.id == HumanTask.assignee_user_id)
        .where(HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    ).all()
    lines = []
    for task, org, assignee in rows:
        role = catalogue.get_role(task.candidate_role) if task.candidate_role else None
        lines.append(
            OpenTaskLine(
                title=task.title,
                element_id=task.element_id,
                role_code=task.candidate_role,
                role_zh=role.zh if role else None,
                org_code=org.code,
                org_name=org.name,
                assignee_name=assignee.display_name if assignee else None,
                assignee_login=assignee.login if assignee else None,
                due_at=task.due_at,
                overdue=task.due_at is not None and task.due_at < now,
            )
        )
    return lines


def answers_of(session: Session, instance_ids: list[int]) -> dict[int, dict[str, Any]]:
    """``earlier_answers`` of many instances in one query (the ledgers read a year of them)."""
    merged: dict[int, dict[str, Any]] = {i: {} for i in instance_ids}
    if not instance_ids:
        return merged
    rows = session.execute(
        select(StepLogEntry.instance_id, StepLogEntry.submitted_json)
        .where(
            StepLogEntry.instance_id.in_(instance_ids),
            StepLogEntry.action.in_(("started", "task_completed")),
            StepLogEntry.submitted_json.is_not(None),
        )
        .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
    )
    for instance_id, submitted in rows:
        merged[instance_id].update(json.loads(submitted))
    return merged
