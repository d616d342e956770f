"""What a ledger reads, each in one query for the whole year: the organisation's instances of the
ledger's procedures, their answers (the step log's submissions, later over earlier: exactly what
the instance page shows), the procedures' names and forms, and the names of people and groups.

No query per row: a ledger of a year is a handful of queries whatever its length.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef
from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of

RUNNING = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class Record:
    """One instance as a ledger sees it."""

    id: int
    process_key: str
    procedure: str
    procedure_en: str
    status: InstanceStatus
    started_at: datetime
    ended_at: datetime | None
    data: dict[str, Any]
    #: The organisation it was kept at (a roll-up reads many).
    org_id: int = 0


def records_of(
    session: Session,
    org_ids: list[int],
    process_keys: tuple[str, ...],
    between: tuple[datetime, datetime],
    include_running: bool,
) -> list[Record]:
    """The instances of ``process_keys`` at the organisations that were alive during ``between``
    (a meeting of the year may have been prepared the year before, or finished in the next):
    one query for a branch or for all the branches of a unit's roll-up."""
    statuses = [InstanceStatus.COMPLETED, *(RUNNING if include_running else ())]
    start, end = between
    rows = session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.process_key,
            ProcessInstance.status,
            ProcessInstance.started_at,
            ProcessInstance.ended_at,
            ProcessInstance.org_unit_id,
            ProcessDefinition.name,
            ProcessDefinition.name_en,
        )
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            ProcessInstance.org_unit_id.in_(org_ids),
            ProcessInstance.process_key.in_(process_keys),
            ProcessInstance.status.in_(statuses),
            ProcessInstance.started_at < end,
            or_(ProcessInstance.ended_at.is_(None), ProcessInstance.ended_at >= start),
        )
        .order_by(ProcessInstance.id)
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [
        Record(
            r.id,
            r.process_key,
            r.name,
            r.name_en or r.name,
            r.status,
            r.started_at,
            r.ended_at,
            answers[r.id],
            r.org_unit_id,
        )
        for r in rows
    ]


def form_fields(session: Session, process_keys: tuple[str, ...]) -> dict[str, dict[str, FieldDef]]:
    """The fields of the newest deployed forms of each procedure, by name: how a column without
    ``show`` shows its value (a person's id as a name, an option as its label). Per procedure,
    since procedures name different things alike (``attendees``: a group's roll at a party group
    meeting, the listeners of a lecture, the members without a vote at a general assembly)."""
    newest = (
        select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("v"))
        .where(ProcessDefinition.process_key.in_(process_keys))
        .group_by(ProcessDefinition.process_key)
        .subquery()
    )
    texts = session.execute(
        select(ProcessDefinition.process_key, ProcessDefinition.forms_json).join(
            newest,
            (newest.c.process_key == ProcessDefinition.process_key)
            & (newest.c.v == ProcessDefinition.version),
        )
    )
    fields: dict[str, dict[str, FieldDef]] = {key: {} for key in process_keys}
    for process_key, forms_json in texts:
        for key, text in json.loads(forms_json).items():
            for found in _fields(key, text):
                fields[process_key].setdefault(found.name, found)
    return fields


def _fields(key: str, text: str) -> tuple[FieldDef, ...]:
    try:
        form: FormDef = form_def(text.encode("utf-8"), key)
    except (FormFileError, ValueError):  # an old version's form the app no longer reads
        return ()
    return form.fields


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
    return {row.id: row.name for row in rows}


def org_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))
    return {row.id: row.name for row in rows}
