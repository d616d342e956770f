"""The procedural defects of people's development read from the records: the dossier's reading of
the development procedures' step logs (``dossier.STEPS`` and their evidence) handed to the pure
rules of ``development_checks``. Used by the dossier page (a warning per defect) and by the
grading cycle's C10 prefill (the defects of a year at each branch)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.models import Person
from app.members import dossier
from app.members.development_checks import Defect
from app.members.development_checks import find_defects

#: The half-yearly assessments among the records of step 6 (the year's summary is not one).
REVIEWS = frozenset({"first_review", "second_review", "further_review"})


@dataclass(frozen=True)
class Reading:
    """What one person's records show: the defects, and the days any step was recorded."""

    defects: list[Defect]
    days: list[date]


def read_person(session: Session, person: Person) -> Reading:
    records = dossier._records(session, person)
    recorded: dict[int, list[date]] = {}
    reviews: list[date] = []
    for step in dossier.STEPS:
        for evidence in step.evidence:
            for entry in records.get((evidence.process_key, evidence.element_id), []):
                submitted = json.loads(entry.submitted_json or "{}")
                if evidence.when is not None and submitted.get(evidence.when) is not True:
                    continue
                day = _day(dossier._done(session, entry, evidence).day)
                if day is None:
                    continue
                recorded.setdefault(step.number, []).append(day)
                if evidence.process_key == dossier.ACTIVIST and evidence.element_id in REVIEWS:
                    reviews.append(day)
    for days in recorded.values():
        days.sort()
    recordable = [step.number for step in dossier.STEPS if step.evidence]
    defects = find_defects(recorded, sorted(reviews), recordable)
    return Reading(defects, sorted(d for days in recorded.values() for d in days))


def person_defects(session: Session, person: Person) -> list[Defect]:
    return read_person(session, person).defects


def defects_in_year(
    session: Session, branch_ids: list[int], year: int
) -> dict[int, list[Defect] | None]:
    """Branch id → the defects dated in ``year`` (or undated: a skipped step) of the people whose
    development was recorded that year; None for a branch that recorded no development then."""
    found: dict[int, list[Defect] | None] = dict.fromkeys(branch_ids)
    people = session.scalars(
        select(Person).where(
            Person.branch_id.in_(branch_ids),
            Person.application_date.is_not(None),
            or_(
                Person.full_membership_date.is_(None),
                Person.full_membership_date >= date(year, 1, 1),
            ),
        )
    )
    for person in people:
        reading = read_person(session, person)
        if not any(day.year == year for day in reading.days):
            continue
        branch = found.get(person.branch_id) or []
        branch.extend(d for d in reading.defects if d.day is None or d.day.year == year)
        found[person.branch_id] = branch
    return found


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
