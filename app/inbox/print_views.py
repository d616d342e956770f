"""A4 print views of an instance, as a party-affairs office files them: the record of a 三会一课
meeting (facts, attendance by name, minutes, decisions, signature lines) and a branch's
self-assessment in the grading cycle (score and evidence per criterion, total).

Same authorisation as the instance page (``visible_instance``); the data is what the instance page
shows (``instance_records``), arranged for paper. Other processes have no print view.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import NotFound
from app.extensions import db
from app.identity.models import User
from app.identity.session import current_scope
from app.inbox.records import Entry
from app.inbox.records import Records
from app.inbox.records import StepRecord
from app.inbox.records import instance_records
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.policy import visible_instance
from app.workflow.queries import get_instance_view

bp = Blueprint("print_views", __name__, url_prefix="/instances")

#: The 三会一课 procedures (processes/meetings/), printed as a meeting record.
MEETING_KEYS = frozenset(
    {"branch_committee_meeting", "branch_general_assembly", "party_group_meeting", "party_lecture"}
)
SELF_ASSESSMENT_KEY = "grading_cycle"
#: The answers that say when and where a meeting was held and what it was about (the forms name
#: them differently per procedure; the last answer wins, as a reconsidered meeting moves).
WHEN_FIELDS = ("meeting_at", "lecture_at")
WHERE_FIELDS = ("place", "location")
SUBJECT_FIELDS = ("title", "topics", "agenda")
CRITERION = re.compile(r"C\d{2}")
#: Answers recorded beside the attendance that belong with it: people named (guests, members
#: without a vote), lists (absentees and why), and the assembly's guests typed as text.
COMPANION_KINDS = frozenset({"persons", "items"})
COMPANION_NAMES = frozenset({"guests"})


def printable(process_key: str) -> bool:
    return process_key in MEETING_KEYS or process_key == SELF_ASSESSMENT_KEY


@dataclass
class Attendance:
    label: str
    entitled: Any
    present: list[str]
    quorum_met: bool | None


@dataclass
class MeetingFacts:
    when: str = ""
    where: str = ""
    subject: str = ""
    attendance: list[Attendance] = field(default_factory=list)
    #: What the attendance step recorded beside the attendance: invited guests, members present
    #: without a vote, absentees with their reasons. Shown with the attendance, not repeated.
    companions: list[Entry] = field(default_factory=list)
    #: Everyone present, by name, for the sign-in sheet: those counted, then the others named.
    roll: list[str] = field(default_factory=list)


@bp.get("/<int:instance_id>/print")
def print_instance(instance_id: int) -> str:
    org = visible_instance(db.session, current_scope(), instance_id)[1]
    view = get_instance_view(db.session, instance_id)
    key = view.definition.process_key
    if not printable(key):
        raise NotFound()
    locale = str(get_locale() or "zh")
    records = instance_records(db.session, view.definition, instance_id, locale)
    common = {
        "view": view,
        "org": org,
        "records": records,
        "actors": _actor_names(db.session, records),
        "locale": locale,
        "printed_at": clock.now(),
    }
    if key in MEETING_KEYS:
        facts = meeting_facts(records, locale)
        return render_template("instances/print_meeting.html", facts=facts, **common)
    sheet = self_assessment(records, locale, json.loads(view.instance.state_json).get("data", {}))
    return render_template("instances/print_self_assessment.html", sheet=sheet, **common)


def _actor_names(session: Session, records: Records) -> dict[str, str]:
    """Login → the person's name, for who completed each step (people read names, not logins)."""
    logins = {s.actor_login for s in records.steps}
    if not logins:
        return {}
    rows = session.execute(select(User.login, User.display_name).where(User.login.in_(logins)))
    return {row.login: row.display_name for row in rows}


def meeting_facts(records: Records, locale: str) -> MeetingFacts:
    facts = MeetingFacts()
    for step in records.steps:
        if any(e.field.kind == "attendance" for e in step.entries):
            facts.companions = [
                e
                for e in step.entries
                if e.field.kind in COMPANION_KINDS or e.field.name in COMPANION_NAMES
            ]
        for entry in step.entries:
            name, value = entry.field.name, entry.value
            if name in WHEN_FIELDS and value:
                facts.when = _local(str(value))
            elif name in WHERE_FIELDS and value:
                facts.where = str(value)
            elif name in SUBJECT_FIELDS and value and not facts.subject:
                facts.subject = str(value)
            elif entry.field.kind == "attendance" and isinstance(value, dict):
                facts.attendance.append(
                    Attendance(
                        entry.field.label_for(locale),
                        value.get("entitled"),
                        [records.names.get(p, f"#{p}") for p in value.get("present", [])],
                        value.get("quorum_met"),
                    )
                )
    present = [name for a in facts.attendance for name in a.present]
    for entry in facts.companions:
        if entry.field.kind == "persons" and isinstance(entry.value, list):
            present += [records.names.get(p, f"#{p}") for p in entry.value]
    facts.roll = list(dict.fromkeys(present))
    return facts


def _local(value: str) -> str:
    """A recorded date and time in Beijing time (answers carry their offset; older ones may not)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(clock.local_zone())
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class CriterionRow:
    label: str
    score: Any
    evidence: str
    change_reason: str


@dataclass
class SelfAssessment:
    step: StepRecord | None = None
    criteria: list[CriterionRow] = field(default_factory=list)
    bonus: Any = None
    bonus_note: str = ""
    #: (label, value field, value) of the veto declarations and the level applied for.
    others: list[Any] = field(default_factory=list)
    total: Decimal | None = None


def self_assessment(records: Records, locale: str, data: dict[str, Any]) -> SelfAssessment:
    """The last self-assessment submitted (a returned one is submitted again), with its total as
    the process scored it (``self_score``: ΣC plus the bonus up to its cap)."""
    sheet = SelfAssessment()
    for step in records.steps:
        answers = {e.field.name: e for e in step.entries}
        if any(CRITERION.fullmatch(n) for n in answers):
            sheet = _sheet(step, answers, locale, data.get("bonus_cap"))
    if sheet.step is not None and isinstance(data.get("self_score"), int | float):
        sheet.total = Decimal(str(data["self_score"]))
    return sheet


def _sheet(step: StepRecord, answers: dict[str, Any], locale: str, cap: Any) -> SelfAssessment:
    sheet = SelfAssessment(step=step)
    total = Decimal(0)
    for name, entry in answers.items():
        if CRITERION.fullmatch(name):
            note, reason = answers.get(f"{name}_note"), answers.get(f"{name}_change_reason")
            sheet.criteria.append(
                CriterionRow(
                    entry.field.label_for(locale),
                    entry.value,
                    str(note.value) if note else "",
                    str(reason.value) if reason else "",
                )
            )
            total += _number(entry.value)
        elif name == "self_bonus":
            sheet.bonus = entry.value
            bonus = _number(entry.value)
            total += min(bonus, _number(cap)) if cap is not None else bonus
        elif name == "self_bonus_note":
            sheet.bonus_note = str(entry.value)
        elif not name.startswith("C"):
            sheet.others.append(entry)
    sheet.total = total
    return sheet


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


@bp.app_template_global("print_link")
def print_link() -> str | None:
    """The print view of the instance on this page, if it has one: the footer's 打印 link."""
    if request.endpoint != "instances.show" or not request.view_args:
        return None
    instance_id = request.view_args.get("instance_id")
    try:  # an error page for an instance the viewer may not see must not reveal it exists
        visible_instance(db.session, current_scope(), instance_id)
    except NotFound:
        return None
    key = db.session.scalar(
        select(ProcessDefinition.process_key)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == instance_id)
    )
    if key is None or not printable(key):
        return None
    return url_for("print_views.print_instance", instance_id=instance_id)
