"""Whom an instance is about, for its business key: a user task may name, in its ``subjectFrom``
property, the field of its form that says it (a person picked, or a name typed). When that step is
completed and the instance has no business key yet, the key becomes the person's name, so that the
inbox, the task page and the search tell apart the same step of two people's procedures (three
activists' "第二次半年考察" are otherwise three identical lines)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.identity.models import Person
from app.workflow.models import ProcessInstance

PROPERTY = "subjectFrom"
LONGEST = 200


def name_subject(session: Session, row: ProcessInstance, value: Any) -> None:
    """Give ``row`` the subject ``value`` names as its business key, unless it has one."""
    if row.business_key is not None or value in (None, ""):
        return
    if isinstance(value, int) and not isinstance(value, bool):
        person = session.get(Person, value)
        value = person.name if person is not None else None
    if isinstance(value, str) and value.strip():
        row.business_key = value.strip()[:LONGEST]
