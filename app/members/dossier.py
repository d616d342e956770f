"""The development dossier (发展党员全程纪实档案): the 25 steps of 《中国共产党发展党员工作细则》
for one person, each with the day it was done, the documents and who acted — read from what the
development procedures recorded (their step logs), never typed again. Steps whose procedure has
not reached them, or is not built yet, show as not yet reached.

Readable by the person's branch committee and record keepers and by the unit's and company's
reviewers and auditors above it; anyone else is told "not found"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.core.errors import NotFound
from app.identity.models import Person
from app.identity.models import User
from app.identity.policy import SYSTEM_ADMIN
from app.identity.policy import Scope
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

INTAKE = "membership_application_intake"
ACTIVIST = "activist_selection_and_cultivation"
TARGET = "development_target_confirmation"
PLACEMENT = "placement_and_admission_oath"
CONVERSION = "probationary_to_full_conversion"
ADMISSION = "probationary_member_admission"

DOSSIER_READERS = frozenset(
    {
        "branch_secretary",
        "deputy_secretary",
        "org_member",
        "branch_committee",
        "unit_party_committee",
        "unit_org_reviewer",
        "unit_organizer",
        "company_party_committee",
        "company_org_dept",
        "auditor",
        "process_auditor",
        SYSTEM_ADMIN,
    }
)


@dataclass(frozen=True)
class Evidence:
    """Where a step is recorded: a procedure's task, the date field it entered (else the day it
    was completed) and the fields holding its documents."""

    process_key: str
    element_id: str
    date_field: str | None = None
    documents: tuple[str, ...] = ()
    #: Counts only where this answer is true (a filing returned is not the filing).
    when: str | None = None


@dataclass(frozen=True)
class Step:
    number: int
    zh: str
    en: str
    evidence: tuple[Evidence, ...] = ()


#: The 25 steps (细则 第二至第六章), with the records that show each done so far.
STEPS = (
    Step(1, "递交入党申请书", "Application handed in",
         (Evidence(INTAKE, "receive_application", "submitted_on", ("application_letter",)),)),
    Step(2, "党组织派人谈话", "Talk with the applicant",
         (Evidence(INTAKE, "interview", "talked_on"),)),
    Step(3, "推荐和确定入党积极分子", "Activist recommended and decided",
         (
             Evidence(ACTIVIST, "committee_decide", "activist_date", when="agreed"),
             Evidence(ACTIVIST, "revise_decision", "activist_date", when="agreed"),
         )),
    Step(4, "入党积极分子报上级党委备案", "Activist filed upward",
         (Evidence(ACTIVIST, "file_upward", "filed_on", when="filed"),)),
    Step(5, "指定培养联系人", "Cultivation contacts assigned",
         (Evidence(ACTIVIST, "assign_contacts"),)),
    Step(6, "培养教育考察", "Cultivation and assessment",
         (
             Evidence(ACTIVIST, "first_review", "first_review_on"),
             Evidence(ACTIVIST, "second_review", "reviewed_on"),
             Evidence(ACTIVIST, "year_gate", "gate_on"),
             Evidence(ACTIVIST, "further_review", "reviewed_on"),
         )),
    Step(7, "确定发展对象", "Development target decided",
         (
             Evidence(TARGET, "committee_decide", "decided_on", when="agreed"),
             Evidence(TARGET, "revise_decision", "decided_on", when="agreed"),
         )),
    Step(8, "发展对象报上级党委备案", "Development target filed upward",
         (Evidence(TARGET, "file_upward", "filed_on", when="filed"),)),
    Step(9, "确定入党介绍人", "Sponsors assigned", (Evidence(TARGET, "assign_sponsors"),)),
    Step(10, "进行政治审查", "Political review",
         (Evidence(TARGET, "political_review", "concluded_on", ("review_letters",)),)),
    Step(11, "开展集中培训", "Centralised training",
         (Evidence(TARGET, "centralised_training", "training_end", ("certificate",)),)),
    Step(12, "支部委员会审查", "Committee review",
         (Evidence(ADMISSION, "committee_review", "reviewed_on", when="agreed"),)),
    Step(13, "上级党委预审", "Upper committee's pre-review",
         (Evidence(ADMISSION, "upper_pre_review", "pre_reviewed_on", when="pre_review_agreed"),)),
    Step(14, "填写入党志愿书", "Application form filled in",
         (Evidence(ADMISSION, "fill_form", "filled_on", ("form_scan",)),)),
    Step(15, "支部大会讨论", "Branch assembly's discussion",
         (Evidence(ADMISSION, "assembly_vote", "assembly_date"),)),
    Step(16, "上级党委派人谈话", "Upper committee's talk",
         (Evidence(ADMISSION, "upper_interview", "interviewed_on"),)),
    Step(17, "上级党委审批", "Upper committee's approval",
         (Evidence(ADMISSION, "upper_approval", "approved_on"),)),
    Step(18, "再上一级党委组织部门备案", "Filed two levels up",
         (Evidence(ADMISSION, "filing_upper_upper", "filed_on"),)),
    Step(19, "编入党支部和党小组", "Placed in a branch and a group",
         (Evidence(PLACEMENT, "place_in_group", "placed_on"),)),
    Step(20, "入党宣誓", "Admission oath", (Evidence(PLACEMENT, "oath_ceremony", "oath_at"),)),
    Step(21, "继续教育考察", "Continued education and assessment",
         (Evidence(CONVERSION, "continued_review", "reviewed_on"),)),
    Step(22, "提出转正申请", "Application for full membership",
         (
             Evidence(CONVERSION, "conversion_application", "applied_on", ("application",)),
             Evidence(CONVERSION, "application_after_extension", "applied_on", ("application",)),
         )),
    Step(23, "支部大会讨论", "Branch assembly's discussion of conversion",
         (Evidence(CONVERSION, "assembly_vote", "assembly_date"),)),
    Step(24, "上级党委审批", "Upper committee's approval of conversion",
         (Evidence(CONVERSION, "upper_approval", "approved_on", when="approved"),)),
    Step(25, "材料归档", "Dossier filed", (Evidence(CONVERSION, "archive", "archived_on"),)),
)  # fmt: skip


@dataclass
class DoneStep:
    day: str
    actor: str
    documents: list[str] = field(default_factory=list)
    instance_id: int | None = None


@dataclass
class DossierRow:
    step: Step
    done: list[DoneStep]

    @property
    def reached(self) -> bool:
        return bool(self.done)


def readable_person(session: Session, scope: Scope, person_id: int) -> Person:
    """The person, if the user reads dossiers of their branch; else "not found"."""
    person = session.get(Person, person_id)
    if person is None or not any(
        h.role_code in DOSSIER_READERS and person.branch.path.startswith(h.org_path)
        for h in scope.holdings
    ):
        raise NotFound()
    return person


def dossier_rows(session: Session, person: Person) -> list[DossierRow]:
    """The 25 steps with what the person's development procedures recorded for each."""
    records = _records(session, person)
    rows = []
    for step in STEPS:
        done = [
            _done(session, entry, evidence)
            for evidence in step.evidence
            for entry in records.get((evidence.process_key, evidence.element_id), [])
            if evidence.when is None
            or json.loads(entry.submitted_json or "{}").get(evidence.when) is True
        ]
        rows.append(DossierRow(step, done))
    return rows


def _records(session: Session, person: Person) -> dict[tuple[str, str], list[StepLogEntry]]:
    """The completed steps of the person's development procedures at their branch, by process
    and element, in the order they happened (two queries however many procedures)."""
    keys = dict(
        session.execute(
            select(ProcessInstance.id, ProcessInstance.process_key).where(
                ProcessInstance.org_unit_id == person.branch_id,
                ProcessInstance.process_key.in_(
                    (INTAKE, ACTIVIST, TARGET, ADMISSION, PLACEMENT, CONVERSION)
                ),
            )
        ).all()
    )
    by_instance: dict[int, list[StepLogEntry]] = {}
    for entry in session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id.in_(list(keys)), StepLogEntry.action == "task_completed")
        .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
    ):
        by_instance.setdefault(entry.instance_id, []).append(entry)
    found: dict[tuple[str, str], list[StepLogEntry]] = {}
    for instance_id, entries in by_instance.items():
        answers: dict[str, Any] = {}
        for entry in entries:
            answers.update(json.loads(entry.submitted_json or "{}"))
        if not _concerns(keys[instance_id], answers, person):
            continue
        for entry in entries:
            found.setdefault((keys[instance_id], entry.element_id or ""), []).append(entry)
    return found


def _concerns(process_key: str, answers: dict[str, Any], person: Person) -> bool:
    """Whether an instance is about ``person``: the intake by the employee number it registered
    (the person did not exist before it), the others by the candidate they named."""
    if process_key == INTAKE:
        return answers.get("employee_no") == person.employee_no
    if process_key in (PLACEMENT, CONVERSION):  # the member chosen as `person`
        return answers.get("person") == person.id
    return answers.get("candidate") == person.id


def _done(session: Session, entry: StepLogEntry, evidence: Evidence) -> DoneStep:
    submitted = json.loads(entry.submitted_json or "{}")
    day = _day_of(submitted.get(evidence.date_field or "")) or _local_day(entry)
    user = session.get(User, entry.actor_user_id) if entry.actor_user_id else None
    documents = []
    for name in evidence.documents:
        value = submitted.get(name)
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, dict) and ref.get("name"):
                documents.append(str(ref["name"]))
    return DoneStep(
        day=str(day),
        actor=user.display_name if user else entry.actor_login,
        documents=documents,
        instance_id=entry.instance_id,
    )


def _day_of(value: Any) -> str | None:
    """A date answer as entered; a date-time (the oath's) as its Beijing day."""
    if isinstance(value, str) and "T" in value:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(local_zone())
        return moment.date().isoformat()
    return value or None


def _local_day(entry: StepLogEntry) -> str:
    moment = entry.occurred_at
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).date().isoformat()


def key_dates(person: Person) -> list[tuple[str, str, date | None]]:
    """The person's key dates as recorded: (Chinese, English, day)."""
    return [
        ("递交入党申请书", "Applied", person.application_date),
        ("确定为入党积极分子", "Activist", person.activist_date),
        ("列为发展对象", "Development target", person.development_target_date),
        ("接收为预备党员", "Probationary member", person.admission_date),
        ("转为正式党员", "Full member", person.full_membership_date),
    ]
