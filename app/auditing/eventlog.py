"""Event logs for process mining: the instances a search finds, as XES (IEEE 1849-2016) or CSV.

One trace per instance (``concept:name`` = the instance id); one event per step a person or the
engine took on a user task: its arrival (``schedule``, when the task was created), its claim
(``assign``), a hand-over (``reassign``) and its completion (``complete``). Each event carries
the element's name as drawn in the model (``concept:name``), ``lifecycle:transition``,
``time:timestamp``, ``org:resource`` (the person's name), ``org:role`` (the lane's role name)
and the element id (``bpmn:element``), so that a mining tool can join it back to the diagram.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import undefer

from app.auditing.queries import person_names
from app.identity.labels import role_label
from app.identity.models import OrgUnit
from app.workflow.lanes import BPMN_NS
from app.workflow.lanes import parsed_model
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
TRANSITIONS = {"claimed": "assign", "reassigned": "reassign", "task_completed": "complete"}
CSV_COLUMNS = ("case", "activity", "transition", "timestamp", "resource", "role", "element", "org")


@dataclass(frozen=True)
class Event:
    case: int
    activity: str
    transition: str
    at: datetime
    resource: str
    role: str
    element: str
    org: str


def events_of(session: Session, instances: Select[Any]) -> list[Event]:
    """The events of the instances ``instances`` selects (ids), in case and time order."""
    tasks = {
        t.task_uuid: t
        for t in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instances)))
    }
    orgs = dict(
        session.execute(
            select(ProcessInstance.id, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
            .where(ProcessInstance.id.in_(instances))
        ).all()
    )
    steps = session.scalars(
        select(StepLogEntry)
        .where(
            StepLogEntry.instance_id.in_(instances),
            StepLogEntry.action.in_(tuple(TRANSITIONS)),
        )
        .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
    ).all()
    names = person_names(session, sorted({s.actor_user_id for s in steps if s.actor_user_id}))
    drawn = _drawn_names(session, instances)

    def activity(task: HumanTask) -> str:
        # The standard's activity is the element as drawn; a task's title may say more.
        return drawn.get((task.instance_id, task.element_id), task.title)

    events = [
        Event(
            t.instance_id,
            activity(t),
            "schedule",
            _utc(t.created_at),
            "",
            role_label(t.candidate_role) if t.candidate_role else "",
            t.element_id,
            orgs.get(t.instance_id, ""),
        )
        for t in tasks.values()
    ]
    for s in steps:
        task = tasks.get(s.task_uuid or "")
        if task is None:
            continue
        events.append(
            Event(
                s.instance_id,
                activity(task),
                TRANSITIONS[s.action],
                _utc(s.occurred_at),
                names.get(s.actor_user_id or 0, s.actor_login),
                role_label(task.candidate_role) if task.candidate_role else "",
                task.element_id,
                orgs.get(s.instance_id, ""),
            )
        )
    return sorted(events, key=lambda e: (e.case, e.at, _ORDER[e.transition]))


def _drawn_names(session: Session, instances: Select[Any]) -> dict[tuple[int, str], str]:
    """(instance id, element id) → the element's name as drawn in the instance's version."""
    of_instance = dict(
        session.execute(
            select(ProcessInstance.id, ProcessInstance.definition_id).where(
                ProcessInstance.id.in_(instances)
            )
        ).all()
    )
    by_definition: dict[int, dict[str, str]] = {}
    for definition in session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.id.in_(set(of_instance.values())))
        .options(undefer(ProcessDefinition.sources_json))
    ):
        by_definition[definition.id] = _element_names(definition.sources_json)
    return {
        (instance_id, element): name
        for instance_id, definition_id in of_instance.items()
        for element, name in by_definition.get(definition_id, {}).items()
    }


def _element_names(sources_json: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for file_name, xml in json.loads(sources_json or "{}").items():
        root = parsed_model(xml) if file_name.endswith(".bpmn") else None
        for node in root.iter(f"{{{BPMN_NS}}}*") if root is not None else ():
            if node.get("id") and node.get("name"):
                names[node.get("id")] = node.get("name")
    return names


#: At one instant a step completes before the next one it opens arrives.
_ORDER = {"complete": 0, "schedule": 1, "assign": 2, "reassign": 3}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def xes_bytes(events: list[Event], log_name: str) -> bytes:
    root = etree.Element(
        f"{{{XES_NS}}}log",
        nsmap={None: XES_NS},
        attrib={"xes.version": "1849-2016"},
    )
    for name, prefix, uri in EXTENSIONS:
        etree.SubElement(root, f"{{{XES_NS}}}extension", name=name, prefix=prefix, uri=uri)
    trace_global = etree.SubElement(root, f"{{{XES_NS}}}global", scope="trace")
    _attr(trace_global, "string", "concept:name", "__INVALID__")
    event_global = etree.SubElement(root, f"{{{XES_NS}}}global", scope="event")
    _attr(event_global, "string", "concept:name", "__INVALID__")
    _attr(event_global, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
    _attr(event_global, "string", "lifecycle:transition", "complete")
    etree.SubElement(
        root, f"{{{XES_NS}}}classifier", name="Activity", keys="concept:name lifecycle:transition"
    )
    _attr(root, "string", "concept:name", log_name)
    trace = None
    case = None
    for e in events:
        if e.case != case:
            case = e.case
            trace = etree.SubElement(root, f"{{{XES_NS}}}trace")
            _attr(trace, "string", "concept:name", str(e.case))
            _attr(trace, "string", "org:group", e.org)
        event = etree.SubElement(trace, f"{{{XES_NS}}}event")
        _attr(event, "string", "concept:name", e.activity)
        _attr(event, "string", "lifecycle:transition", e.transition)
        _attr(event, "date", "time:timestamp", e.at.isoformat(timespec="milliseconds"))
        if e.resource:
            _attr(event, "string", "org:resource", e.resource)
        if e.role:
            _attr(event, "string", "org:role", e.role)
        _attr(event, "string", "bpmn:element", e.element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _attr(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, f"{{{XES_NS}}}{kind}", key=key, value=value)


def csv_bytes(events: list[Event]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [
                e.case,
                _text(e.activity),
                e.transition,
                e.at.isoformat(timespec="seconds"),
                _text(e.resource),
                _text(e.role),
                e.element,
                _text(e.org),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()


def _text(value: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


def log_name(session: Session, process_key: str) -> str:
    name = session.scalar(
        select(ProcessDefinition.name)
        .where(ProcessDefinition.process_key == process_key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    return name or process_key or "BranchFlow"


# -- OCEL 2.0 (JSON): the same events, related to the objects they touch ---------------------------


def ocel_json(session: Session, instances: Select[Any], events: list[Event]) -> dict[str, Any]:
    """An OCEL 2.0 JSON log: objects for the instances, their organisations (branches), the people
    who acted and the tasks; each event related to its instance, task, person and branch."""
    rows = session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.process_key,
            ProcessInstance.status,
            ProcessInstance.started_at,
            OrgUnit.code,
            OrgUnit.name,
        )
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(ProcessInstance.id.in_(instances))
    ).all()
    objects: dict[str, dict[str, Any]] = {}
    for r in rows:
        objects[f"branch:{r.code}"] = _object(f"branch:{r.code}", "branch", {"name": r.name})
        objects[f"instance:{r.id}"] = _object(
            f"instance:{r.id}",
            "procedure",
            {"procedure": r.process_key, "status": r.status.value},
            _utc(r.started_at),
            [{"objectId": f"branch:{r.code}", "qualifier": "held by"}],
        )
    ocel_events = []
    for index, e in enumerate(events, start=1):
        task_id = f"task:{e.case}:{e.element}"
        objects.setdefault(
            task_id,
            _object(
                task_id,
                "task",
                {"step": e.activity, "role": e.role},
                None,
                [{"objectId": f"instance:{e.case}", "qualifier": "step of"}],
            ),
        )
        related = [
            {"objectId": f"instance:{e.case}", "qualifier": "case"},
            {"objectId": task_id, "qualifier": "task"},
        ]
        if e.resource:
            person_id = f"person:{e.resource}"
            objects.setdefault(person_id, _object(person_id, "person", {"name": e.resource}))
            related.append({"objectId": person_id, "qualifier": "resource"})
        ocel_events.append(
            {
                "id": f"e{index}",
                "type": f"{e.activity} ({e.transition})",
                "time": e.at.isoformat(timespec="seconds"),
                "attributes": [
                    {"name": "transition", "value": e.transition},
                    {"name": "element", "value": e.element},
                ],
                "relationships": related,
            }
        )
    return {
        "objectTypes": [
            {
                "name": "procedure",
                "attributes": [
                    {"name": "procedure", "type": "string"},
                    {"name": "status", "type": "string"},
                ],
            },
            {"name": "branch", "attributes": [{"name": "name", "type": "string"}]},
            {"name": "person", "attributes": [{"name": "name", "type": "string"}]},
            {
                "name": "task",
                "attributes": [
                    {"name": "step", "type": "string"},
                    {"name": "role", "type": "string"},
                ],
            },
        ],
        "eventTypes": [
            {
                "name": name,
                "attributes": [
                    {"name": "transition", "type": "string"},
                    {"name": "element", "type": "string"},
                ],
            }
            for name in sorted({event["type"] for event in ocel_events})
        ],
        "objects": list(objects.values()),
        "events": ocel_events,
    }


def _object(
    object_id: str,
    kind: str,
    attributes: dict[str, str],
    at: datetime | None = None,
    relationships: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    moment = (at or datetime(1970, 1, 1, tzinfo=UTC)).isoformat(timespec="seconds")
    return {
        "id": object_id,
        "type": kind,
        "attributes": [{"name": k, "time": moment, "value": v} for k, v in attributes.items()],
        "relationships": relationships or [],
    }
