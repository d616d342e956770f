"""The demo's member development at the showcase branch, through the same commands as the rest of
the demo history (``app.demo.timeline``), so that a newcomer meets each development procedure
with work waiting and its "not yet" where the regulation says so:

* an activist decided on 20 Nov 2025, assessed twice: the one-year summary is due now, and the
  committee may then propose them as a development target;
* an activist decided in January 2026, assessed in July: the second assessment waits until
  15 January 2027 (refused before, 《发展党员工作细则》第十二条);
* an applicant whose talk an assigned committee member still has to hold (due a month after
  the letter), and one whose letter came in on Friday, waiting for the secretary to assign it.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User

#: (name, gender, birth date, employee number, day the letter was handed in)
APPLICANTS = (
    ("冯志强", "male", "1994-06-18", "HH-DEV-001", "2025-03-10"),
    ("韩雪梅", "female", "1997-02-03", "HH-DEV-002", "2025-11-03"),
    ("程子轩", "male", "2000-09-21", "HH-DEV-003", "2026-11-16"),
    ("邵静怡", "female", "2001-12-30", "HH-DEV-004", "2026-11-20"),
)


def load_member_development(code: str, zone: Any) -> int:
    """The pipelines above at branch ``code``; how many people entered it."""
    older, younger, talk_waiting, assign_waiting = APPLICANTS
    first = _intake(code, older, zone, talk_on=date(2025, 3, 25))
    _cultivation(
        code, first, date(2025, 11, 20), zone, reviews=(date(2026, 5, 20), date(2026, 11, 20))
    )
    second = _intake(code, younger, zone, talk_on=date(2025, 11, 20))
    _cultivation(code, second, date(2026, 1, 9), zone, reviews=(date(2026, 7, 15),))
    _intake(code, talk_waiting, zone, talk_on=None)
    _intake(code, assign_waiting, zone, talk_on=None, assign=False)
    return len(APPLICANTS)


def _intake(
    code: str, applicant: tuple, zone: Any, *, talk_on: date | None, assign: bool = True
) -> int:
    name, gender, birth, employee_no, handed_in = applicant
    received = date.fromisoformat(handed_in) + timedelta(days=1)
    org_member = holder("org_member", code, received)
    instance_id = start(
        org_member, "membership_application_intake", code, moment(received, 9, zone)
    )
    letter = upload(
        org_member, instance_id, "application_letter", "入党申请书.pdf", moment(received, 9, zone)
    )
    application = {
        "applicant_name": name,
        "gender": gender,
        "birth_date": birth,
        "employee_no": employee_no,
        "submitted_on": handed_in,
        "application_letter": letter[0],
        "letter_complete": True,
    }
    step(org_member, instance_id, moment(received, 10, zone), application)
    person_id = db.session.scalars(select(Person.id).where(Person.employee_no == employee_no)).one()
    if not assign:
        return person_id
    assigned = received + timedelta(days=1)
    secretary = holder("branch_secretary", code, assigned)
    talker = db.session.get(User, holder("org_member", code, assigned).user_id).person_id
    step(secretary, instance_id, moment(assigned, 9, zone), {"talker": talker})
    if talk_on is not None:
        record = {
            "talked_on": str(talk_on),
            "talk_record": f"同{name}谈话，了解入党动机、工作和学习情况，鼓励其继续努力。",
        }
        step(holder("org_member", code, talk_on), instance_id, moment(talk_on, 15, zone), record)
    return person_id


def _cultivation(
    code: str, person_id: int, decided: date, zone: Any, *, reviews: tuple[date, ...]
) -> None:
    """Recommended a week before the committee's day, filed ten days after it, contacts the day
    after, their records within a month, then the assessments given."""
    member = holder("member", code, decided)
    instance_id = start(
        member,
        "activist_selection_and_cultivation",
        code,
        moment(decided - timedelta(days=7), 9, zone),
    )
    recommendation = {
        "candidate": person_id,
        "recommend_type": "member",
        "recommend_reason": "工作积极肯干，群众基础好，入党愿望强烈。",
    }
    step(member, instance_id, moment(decided - timedelta(days=7), 10, zone), recommendation)
    committee = holder("org_member", code, decided)
    decision = {
        "agreed": True,
        "activist_date": str(decided),
        "committee_opinion": "同意确定为入党积极分子。",
    }
    step(committee, instance_id, moment(decided, 10, zone), decision)
    notice = {"publicity_start": str(decided), "publicity_place": "站务公开栏"}
    step(committee, instance_id, moment(decided, 11, zone), notice)
    filed = decided + timedelta(days=10)
    filing = {"filed": True, "filed_on": str(filed), "filing_opinion": "同意备案。"}
    step(holder("unit_org_reviewer", "HH01", filed), instance_id, moment(filed, 10, zone), filing)
    contacts = _contacts(code, filed)
    step(
        committee, instance_id, moment(filed + timedelta(days=1), 10, zone), {"contacts": contacts}
    )
    for user in db.session.scalars(select(User).where(User.person_id.in_(contacts))):
        actor = type(committee)(user_id=user.id, login=user.login, source="demo")
        record = {"cultivation_record": "吸收参加主题党日和党课，每季度听取思想汇报并谈心。"}
        step(actor, instance_id, moment(filed + timedelta(days=20), 10, zone), record, "cultivate")
    forms = (("first_review_on", "first_assessment"), ("reviewed_on", "second_assessment"))
    for (day_field, text_field), on in zip(forms, reviews, strict=False):
        review = {day_field: str(on), text_field: "政治立场坚定，工作表现突出，按时递交思想汇报。"}
        step(committee, instance_id, moment(on, 10, zone), review)


def _contacts(code: str, day: date) -> list[int]:
    """Two full members with an account (their cultivation records are their own tasks)."""
    full = people("full_members", code, day)
    with_accounts = set(db.session.scalars(select(User.person_id).where(User.person_id.in_(full))))
    return [p for p in full if p in with_accounts][1:3]
