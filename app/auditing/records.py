"""What a step recorded, for reading: data names under the forms' own labels, values as text."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import StepLogEntry


def step_context(
    session: Session, definition: ProcessDefinition, steps: list[StepLogEntry], locale: str
) -> dict[str, Any]:
    """What a page listing ``steps`` needs to name them: the tasks by their uuid (titles, roles),
    the forms' labels of the data, and each step's submitted data as text."""
    instance_ids = {s.instance_id for s in steps}
    tasks = {
        t.task_uuid: t
        for t in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instance_ids)))
    }
    return {
        "tasks": tasks,
        "labels": field_labels(definition, locale),
        "submitted": {s.seq: submitted_fields(s.submitted_json) for s in steps},
    }


def field_labels(definition: ProcessDefinition, locale: str) -> dict[str, str]:
    """Data names as the definition's forms label them (the first form naming one wins)."""
    labels: dict[str, str] = {}
    for key, text in json.loads(definition.forms_json or "{}").items():
        try:
            form = form_def(text.encode(), key)
        except FormFileError:  # a form that no longer reads keeps its names as they are
            continue
        for f in form.fields:
            labels.setdefault(f.name, f.label_for(locale))
    return labels


def submitted_fields(submitted: str | None) -> list[tuple[str, str]]:
    """A step's submitted data as (field, value) pairs for reading; composite values as JSON."""
    if not submitted:
        return []
    data = json.loads(submitted)
    if not isinstance(data, dict):
        return [("", json.dumps(data, ensure_ascii=False))]
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in data.items()
    ]
