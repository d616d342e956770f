"""What the instance page says instead of codes: role names on the diagram's lanes
(``workflow.lanes``), step titles and people's names in the timeline.

The models name their lanes with role codes (the engine assigns tasks by them) and the step log
keeps element ids and logins (it is an audit record); a person reads names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine.english import english_names
from app.identity.models import User
from app.workflow.english import in_english
from app.workflow.lanes import parsed_model as _model
from app.workflow.models import HumanTask
from app.workflow.models import StepLogEntry


def element_titles(xml: str, tasks: Iterable[HumanTask]) -> dict[str, str]:
    """Element id → the name a person reads: the task's title, else the model's name; a reader of
    English reads the model's English name first (task titles were stored as drawn)."""
    titles: dict[str, str] = {}
    root = _model(xml)
    english = english_names(root) if root is not None and in_english() else {}
    if root is not None:
        for element in root.iter():
            ident, name = element.get("id"), element.get("name")
            if ident and name and isinstance(element.tag, str):
                titles[ident] = " ".join(name.split())
    titles.update({t.element_id: t.title for t in tasks if t.title})
    titles.update(english)
    return titles


def actor_names(session: Session, steps: Iterable[StepLogEntry]) -> dict[int, str]:
    """User id → display name, for the people who acted in ``steps``."""
    ids = {s.actor_user_id for s in steps if s.actor_user_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


@dataclass(frozen=True)
class TimelineLine:
    step: StepLogEntry
    #: The person's name; None for the system (timers, messages, automatic steps).
    actor: str | None
    #: The step's title; None when the step concerns the whole procedure.
    title: str | None


def step_titles(session: Session, xml: str, instance_id: int) -> dict[str, str]:
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
    return element_titles(xml, tasks)


def timeline(
    session: Session, steps: list[StepLogEntry], titles: dict[str, str]
) -> list[TimelineLine]:
    names = actor_names(session, steps)
    return [
        TimelineLine(
            s,
            names.get(s.actor_user_id, s.actor_login) if s.actor_user_id is not None else None,
            titles.get(s.element_id, s.element_id) if s.element_id else None,
        )
        for s in steps
    ]
