"""What will reach a reviewer: running instances under the organisations where they hold a unit or
company role, whose process has a step of that role not reached yet (no task of that role so far),
e.g. the grading cycle of each branch of their unit while it is still at the branch's stages.

It reads the ``human_tasks`` projection and the models' lanes, never workflow state.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.queries import Holding
from app.workflow import english
from app.workflow.lanes import parsed_model
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

#: The tiers of the roles that review what branches do: only they see work coming.
REVIEWER_TIERS = frozenset({"unit", "company", "company_or_unit"})
LIMIT = 500

_LANE = "{http://www.omg.org/spec/BPMN/20100524/MODEL}lane"


@dataclass(frozen=True)
class Upcoming:
    instance_id: int
    process_name: str
    business_key: str | None
    org_name: str
    started_at: datetime
    current_steps: tuple[str, ...]
    #: The earliest deadline of the current steps: the soonest it can be expected to move on.
    current_due: datetime | None
    role_code: str  # the role of mine the instance will reach
    #: When the step with that deadline arrived (a deadline in whole days reads as a date).
    current_arrived: datetime | None = None

    @property
    def due_at(self) -> datetime | None:
        return self.current_due

    @property
    def created_at(self) -> datetime | None:
        return self.current_arrived


def reviewer_holdings(holdings: tuple[Holding, ...] | list[Holding]) -> list[Holding]:
    reviewer = []
    for holding in holdings:
        role = catalogue.get_role(holding.role_code)
        if role is not None and role.tier in REVIEWER_TIERS:
            reviewer.append(holding)
    return reviewer


def list_upcoming(session: Session, holdings: list[Holding]) -> list[Upcoming]:
    """Running instances at or below each reviewer holding's organisation that have a lane of
    that role and no task of it yet, oldest first (one row per instance)."""
    found: dict[int, Upcoming] = {}
    for holding in reviewer_holdings(holdings):
        for item in _for_holding(session, holding):
            found.setdefault(item.instance_id, item)
        if len(found) >= LIMIT:
            break
    return sorted(found.values(), key=lambda u: (u.started_at, u.instance_id))[:LIMIT]


def _for_holding(session: Session, holding: Holding) -> list[Upcoming]:
    role = holding.role_code
    definitions = [d for d in _running_definitions(session) if role in lane_roles(session, d)]
    if not definitions:
        return []
    reached = select(HumanTask.id).where(
        HumanTask.instance_id == ProcessInstance.id, HumanTask.candidate_role == role
    )
    rows = session.execute(
        select(ProcessInstance, ProcessDefinition.name, OrgUnit.name)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(
            ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.definition_id.in_([d.id for d in definitions]),
            OrgUnit.path.like(holding.org_path + "%"),
            ~reached.exists(),
        )
        .order_by(ProcessInstance.started_at, ProcessInstance.id)
        .limit(LIMIT)
    ).all()
    steps = _open_steps(session, [row.id for row, _, _ in rows])
    found = []
    for row, process_name, org_name in rows:
        due, arrived = _earliest(steps.get(row.id, []))
        found.append(
            Upcoming(
                row.id,
                english.process_name(row.process_key, process_name),
                row.business_key,
                org_name,
                row.started_at,
                tuple(
                    english.step_title(row.process_key, element, title)
                    for element, title, _due, _arrived in steps.get(row.id, ())
                ),
                due,
                role,
                current_arrived=arrived,
            )
        )
    return found


def _running_definitions(session: Session) -> list[ProcessDefinition]:
    ids = select(ProcessInstance.definition_id).where(
        ProcessInstance.status == InstanceStatus.RUNNING
    )
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(ids))))


#: Lane role codes by content hash: a deployed content never changes.
_LANES: dict[str, frozenset[str]] = {}


def lane_roles(session: Session, definition: ProcessDefinition) -> frozenset[str]:
    """The role codes of the definition's lanes (read from its models once per content)."""
    if definition.content_hash not in _LANES:
        sources = session.scalar(
            select(ProcessDefinition.sources_json).where(ProcessDefinition.id == definition.id)
        )
        _LANES[definition.content_hash] = _lanes_in(json.loads(sources or "{}"))
    return _LANES[definition.content_hash]


def _lanes_in(sources: dict[str, str]) -> frozenset[str]:
    roles = set()
    for name, text in sources.items():
        root = parsed_model(text) if name.endswith(".bpmn") else None  # the hardened parser
        if root is not None:
            roles.update(lane.get("name") or "" for lane in root.iter(_LANE))
    return frozenset(roles - {""})


def _open_steps(
    session: Session, instance_ids: list[int]
) -> dict[int, list[tuple[str, str, datetime | None, datetime]]]:
    """The element ids, titles and deadlines of each instance's ready tasks."""
    steps: dict[int, list[tuple[str, str, datetime | None, datetime]]] = defaultdict(list)
    if not instance_ids:
        return steps
    for instance_id, element, title, due, arrived in session.execute(
        select(
            HumanTask.instance_id,
            HumanTask.element_id,
            HumanTask.title,
            HumanTask.due_at,
            HumanTask.created_at,
        )
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    ):
        steps[instance_id].append((element, title, due, arrived))
    return steps


def _earliest(
    steps: list[tuple[str, str, datetime | None, datetime]],
) -> tuple[datetime | None, datetime | None]:
    """The earliest deadline of the current steps, and when that step arrived."""
    dated = [(due, arrived) for _element, _title, due, arrived in steps if due]
    return min(dated, default=(None, None))
