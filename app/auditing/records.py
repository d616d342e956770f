"""What a step recorded, for reading: data names under the forms' own labels, values as text."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.formdefs.model import FieldDef
from app.formdefs.model import people_in
from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.identity.models import Person
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import StepLogEntry


def step_context(
    session: Session, definition: ProcessDefinition, steps: list[StepLogEntry], locale: str
) -> dict[str, Any]:
    """What a page listing ``steps`` needs to show them in people's words: the tasks by their
    uuid (titles, roles), the forms' fields by data name (labels, kinds: a person by name, a
    yes/no, an attendance as counts and names), each step's submitted data, and the names of the
    people it mentions."""
    instance_ids = {s.instance_id for s in steps}
    tasks = {
        t.task_uuid: t
        for t in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instance_ids)))
    }
    fields = form_fields(definition, locale)
    submitted = {s.seq: submitted_data(s.submitted_json) for s in steps}
    people = set()
    for data in submitted.values():
        people |= people_in(fields.values(), data)
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(people))).all())
    return {
        "tasks": tasks,
        "labels": {name: f.label_for(locale) for name, f in fields.items()},
        "fields": fields,
        "people": names,
        "submitted": submitted,
    }


def form_fields(definition: ProcessDefinition, locale: str = "") -> dict[str, FieldDef]:
    """Data names as the definition's forms define them (the first form naming one wins), with
    labels and option labels in ``locale``'s language."""
    fields: dict[str, FieldDef] = {}
    for key, text in json.loads(definition.forms_json or "{}").items():
        try:
            form = form_def(text.encode(), key)
        except FormFileError:  # a form that no longer reads keeps its names as they are
            continue
        for f in form.fields:
            fields.setdefault(f.name, f.in_language(locale))
    return fields


def submitted_data(submitted: str | None) -> dict[str, Any]:
    data = json.loads(submitted) if submitted else {}
    return data if isinstance(data, dict) else {"": data}
