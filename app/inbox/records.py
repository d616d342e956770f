"""What an instance recorded, step by step, in the words of its forms: the instance page's records.

Each completed step's submission is read from the step log and labelled by the form of the exact
definition version; people and files are named, composite values summarised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.files.models import Attachment
from app.formdefs.model import FieldDef
from app.formdefs.model import people_in
from app.formdefs.registry import form_def
from app.identity.models import Person
from app.workflow import english
from app.workflow.form_options import form_for_instance
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import StepLogEntry


@dataclass(frozen=True)
class Entry:
    field: FieldDef
    value: Any


@dataclass(frozen=True)
class StepRecord:
    title: str
    actor_login: str
    #: Who completed the step (None: the system), to show their name rather than their login.
    actor_user_id: int | None
    occurred_at: datetime
    entries: list[Entry]


@dataclass(frozen=True)
class Records:
    steps: list[StepRecord]
    #: Person id → name, for every person the records mention.
    names: dict[int, str]
    attachments: list[Attachment]


def instance_records(
    session: Session, definition: ProcessDefinition, instance_id: int, locale: str = ""
) -> Records:
    """The instance's completed steps with their answers, labelled in ``locale``'s language."""
    forms = json.loads(definition.forms_json)
    tasks = {
        t.task_uuid: t
        for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))
    }
    steps, people = [], set()
    for entry in session.scalars(
        select(StepLogEntry)
        .where(
            StepLogEntry.instance_id == instance_id,
            StepLogEntry.action == "task_completed",
            StepLogEntry.submitted_json.is_not(None),
        )
        .order_by(StepLogEntry.seq)
    ):
        task = tasks.get(entry.task_uuid or "")
        if task is None or not task.form_key or task.form_key not in forms:
            continue
        # Options listed in the instance's data (x-optionsFrom) are named, not shown as values.
        form = form_for_instance(
            session, form_def(forms[task.form_key].encode(), task.form_key), instance_id
        ).in_language(locale)
        data = json.loads(entry.submitted_json)
        entries = [Entry(f, data[f.name]) for f in form.fields if f.name in data]
        people |= people_in(form.fields, data)
        steps.append(
            StepRecord(
                english.step_title(definition.process_key, task.element_id, task.title),
                entry.actor_login,
                entry.actor_user_id,
                entry.occurred_at,
                entries,
            )
        )
    names = {
        row.id: row.name
        for row in session.execute(select(Person.id, Person.name).where(Person.id.in_(people)))
    }
    attachments = list(
        session.scalars(
            select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.id)
        )
    )
    return Records(steps, names, attachments)
