"""Process and step names in the reader's language. The models are drawn in Chinese and carry
their English as properties (app/engine/english.py), stored with each deployed version; a reader
who chose English sees the English, anyone else what was drawn.

Rows keep the Chinese they were written with (a task's title, a notification's text): the English
is looked up at display by process key and element id, the newest version that has it winning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask
from flask import g
from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance


@dataclass
class EnglishNames:
    name: str = ""
    description: str = ""
    elements: dict[str, str] = field(default_factory=dict)


def in_english() -> bool:
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _catalogue() -> dict[str, EnglishNames]:
    """Process key → its English, read once per request (a few dozen small rows)."""
    cached = g.get("english_process_names")
    if cached is None:
        cached = {}
        rows = db.session.execute(
            select(
                ProcessDefinition.process_key,
                ProcessDefinition.name_en,
                ProcessDefinition.description_en,
                ProcessDefinition.names_en_json,
            ).order_by(ProcessDefinition.version)
        )
        for key, name, description, names in rows:
            entry = cached.setdefault(key, EnglishNames())
            entry.name = name or entry.name
            entry.description = description or entry.description
            entry.elements.update(json.loads(names or "{}"))
        g.english_process_names = cached
    return cached


def process_name(process_key: str | None, name: str) -> str:
    """The process's name as the reader should see it (``name``: as stored or drawn)."""
    if not process_key or not in_english():
        return name
    entry = _catalogue().get(process_key)
    return (entry.name if entry else "") or name


def process_description(process_key: str | None, description: str) -> str:
    if not process_key or not in_english():
        return description
    entry = _catalogue().get(process_key)
    return (entry.description if entry else "") or description


def step_title(process_key: str | None, element_id: str | None, title: str) -> str:
    """A step's title (a task, an event, a gateway) as the reader should see it."""
    if not process_key or not element_id or not in_english():
        return title
    entry = _catalogue().get(process_key)
    return (entry.elements.get(element_id) if entry else None) or title


def process_name_en(session: Session, process_key: str) -> str:
    """The English name of the process's newest version that has one, whatever the reader's
    language (for texts written once for readers of either)."""
    return (
        session.scalar(
            select(ProcessDefinition.name_en)
            .where(ProcessDefinition.process_key == process_key, ProcessDefinition.name_en != "")
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )
        or ""
    )


def definition_name(definition: ProcessDefinition) -> str:
    """A deployed version's name as the reader should see it."""
    if in_english() and definition.name_en:
        return definition.name_en
    return process_name(definition.process_key, definition.name)


def notification_titles(items: Iterable[Any]) -> dict[int, str]:
    """Notification id → its title as the reader should see it. A notification about a task was
    written with the task's title as drawn (found by the task, or by its title in the instance);
    one written as a sentence carries its English."""
    items = list(items)
    if not in_english():
        return {n.id: n.title for n in items}
    task_ids = {n.task_id for n in items if n.task_id is not None}
    instance_of_task = dict(
        db.session.execute(
            select(HumanTask.id, HumanTask.instance_id).where(HumanTask.id.in_(task_ids))
        ).all()
    )
    instance_ids = {n.instance_id for n in items if n.instance_id is not None}
    steps: dict[int, list[tuple[str, str, str]]] = {}
    for row in db.session.execute(
        select(
            HumanTask.instance_id,
            HumanTask.title,
            HumanTask.element_id,
            ProcessInstance.process_key,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.instance_id.in_(instance_ids | set(instance_of_task.values())))
    ):
        steps.setdefault(row.instance_id, []).append((row.title, row.process_key, row.element_id))
    titles = {}
    for n in items:
        instance_id = instance_of_task.get(n.task_id, n.instance_id)
        titles[n.id] = n.title_en or _with_step_in_english(n.title, steps.get(instance_id, []))
    return titles


def _with_step_in_english(title: str, steps: list[tuple[str, str, str]]) -> str:
    """A task notification's title with its step in English: the step's title as drawn, alone or
    followed by where the task is (" · " and an organisation's name)."""
    for drawn, process_key, element_id in steps:
        if title == drawn or title.startswith(f"{drawn} · "):
            return step_title(process_key, element_id, drawn) + title[len(drawn) :]
    return title


def init_app(app: Flask) -> None:
    app.add_template_global(process_name, "process_name")
    app.add_template_global(process_description, "process_description")
    app.add_template_global(step_title, "step_title")
    app.add_template_filter(definition_name, "definition_name")
    app.add_template_global(notification_titles, "notification_titles")
