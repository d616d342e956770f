"""What a step recorded, for reading: data names under the forms' own labels, values as text."""

from __future__ import annotations

import json

from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.workflow.models import ProcessDefinition


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
