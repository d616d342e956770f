"""The demo's member development at the showcase branch, through the same commands as the rest of
the demo history (``app.demo.timeline``), so that a newcomer meets each development procedure
with work waiting and its "not yet" where the regulation says so:

* an activist decided on 20 Nov 2025, assessed twice: the one-year summary is due now, and the
  committee may then propose them as a development target;
* an activist decided in January 2026, assessed in July: the second assessment waits until
  15 January 2027 (refused before, 《发展党员工作细则》第十二条);
* an applicant whose talk an assigned committee member still has to hold (due a month after
  the letter), and one whose letter came in on Friday, waiting for the secretary to assign it.

And across the demo branches (``load_development_elsewhere``, dated back from today so the work
is always waiting): at each branch of ``ELSEWHERE`` an applicant whose talk is due within the
month, an activist whose half-yearly assessment falls due (the first, or the second, refused
until half a year after the first), and at some a development target in centralised training.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.demo.timeline import at_time
from app.demo.timeline import complete
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.members.waiting_periods import add_months
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState

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
    code: str,
    person_id: int,
    decided: date,
    zone: Any,
    *,
    reviews: tuple[date, ...],
    gate_on: date | None = None,
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
    unit = code.split("-")[0]
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
    step(holder("unit_org_reviewer", unit, filed), instance_id, moment(filed, 10, zone), filing)
    contacts = _contacts(code, filed)
    step(
        committee, instance_id, moment(filed + timedelta(days=1), 10, zone), {"contacts": contacts}
    )
    record = {"cultivation_record": "吸收参加主题党日和党课，每季度听取思想汇报并谈心。"}
    with at_time(moment(filed + timedelta(days=20), 10, zone)):
        for user in db.session.scalars(select(User).where(User.person_id.in_(contacts))):
            actor = type(committee)(user_id=user.id, login=user.login, source="demo")
            db.end_read_transaction()
            own = select(HumanTask.id).where(  # each contact records on their own task
                HumanTask.instance_id == instance_id,
                HumanTask.state == HumanTaskState.READY,
                HumanTask.assignee_user_id == user.id,
            )
            complete(actor, db.session.scalar(own), record)
    forms = (("first_review_on", "first_assessment"), ("reviewed_on", "second_assessment"))
    for (day_field, text_field), on in zip(forms, reviews, strict=False):
        review = {day_field: str(on), text_field: "政治立场坚定，工作表现突出，按时递交思想汇报。"}
        step(committee, instance_id, moment(on, 10, zone), review)
    if gate_on is not None:
        summary = {
            "gate_on": str(gate_on),
            "year_summary": "经一年以上培养考察，具备发展对象条件。",
            "ready_for_target": True,
        }
        step(holder("org_member", code, gate_on), instance_id, moment(gate_on, 10, zone), summary)


def _contacts(code: str, day: date) -> list[int]:
    """Two full members with an account (their cultivation records are their own tasks)."""
    full = people("full_members", code, day)
    with_accounts = set(db.session.scalars(select(User.person_id).where(User.person_id.in_(full))))
    return [p for p in full if p in with_accounts][1:3]


#: Branch → (applicant waiting for the talk, activist whose first or second half-yearly
#: assessment is due, development target in training or None): name, gender, birth, employee no.
ELSEWHERE: dict[str, tuple[tuple, tuple, tuple | None]] = {
    "HH01-02": (
        ("谢文博", "male", "1998-05-14", "HH-DEV-101"),
        ("乔慧敏", "female", "1996-08-02", "HH-DEV-102"),
        ("贺建军", "male", "1992-11-19", "HH-DEV-103"),
    ),
    "HH02-01": (
        ("田雨桐", "female", "2000-03-07", "HH-DEV-201"),
        ("曹立新", "male", "1995-01-26", "HH-DEV-202"),
        None,
    ),
    "HH03-10": (
        ("闫子豪", "male", "1999-10-11", "HH-DEV-301"),
        ("薛丽娜", "female", "1997-04-22", "HH-DEV-302"),
        ("郝晓燕", "female", "1993-07-30", "HH-DEV-303"),
    ),
}
#: Where the activist's second assessment (not the first) is the one falling due.
SECOND_REVIEW_DUE = frozenset({"HH02-01"})


def load_development_elsewhere(zone: Any, today: date) -> int:
    """The waiting work of ``ELSEWHERE``, dated back from ``today``; how many people entered."""
    entered = 0
    for code, (applicant, activist, target) in ELSEWHERE.items():
        _intake(code, (*applicant, str(today - timedelta(days=12))), zone, talk_on=None)
        if code in SECOND_REVIEW_DUE:  # first assessed 6 months less 3 weeks ago
            decided = add_months(today, -12) + timedelta(days=25)
            reviews: tuple[date, ...] = (add_months(decided, 6) - timedelta(days=3),)
        else:  # decided 6 months less 9 days ago: the first assessment is due in about 9 days
            decided, reviews = add_months(today, -6) + timedelta(days=9), ()
        handed_in = add_months(decided, -4)
        person_id = _intake(
            code, (*activist, str(handed_in)), zone, talk_on=handed_in + timedelta(days=14)
        )
        _cultivation(code, person_id, decided, zone, reviews=reviews)
        entered += 2
        if target is not None:
            _in_training(code, target, zone, today)
            entered += 1
    return entered


def _in_training(code: str, target: tuple, zone: Any, today: date) -> None:
    """Applied 20 months ago, activist for 17, a development target for about 4: sponsors
    assigned, politically reviewed, the unit's centralised training open."""
    decided = add_months(today, -17)
    handed_in = add_months(today, -20)
    person_id = _intake(
        code, (*target, str(handed_in)), zone, talk_on=handed_in + timedelta(days=14)
    )
    year = add_months(decided, 12)
    reviews = (add_months(decided, 6), year)
    gate_on = year + timedelta(days=2)
    _cultivation(code, person_id, decided, zone, reviews=reviews, gate_on=gate_on)
    proposed = gate_on + timedelta(days=7)
    org_member = holder("org_member", code, proposed)
    instance_id = start(
        org_member, "development_target_confirmation", code, moment(proposed, 9, zone)
    )
    step(
        org_member,
        instance_id,
        moment(proposed, 10, zone),
        {"candidate": person_id, "within_plan": True},
    )
    opinions = {
        "group_opinion": "党小组一致同意。",
        "contact_opinion": "培养联系人认为已具备发展对象条件。",
        "mass_opinion": "群众评价良好。",
    }
    step(org_member, instance_id, moment(proposed, 15, zone), opinions)
    on = proposed + timedelta(days=7)
    decision = {"agreed": True, "decided_on": str(on), "committee_opinion": "同意列为发展对象。"}
    step(org_member, instance_id, moment(on, 10, zone), decision)
    filed = on + timedelta(days=7)
    filing = {"filed": True, "filed_on": str(filed), "filing_opinion": "同意备案。"}
    reviewer = holder("unit_org_reviewer", code.split("-")[0], filed)
    step(reviewer, instance_id, moment(filed, 10, zone), filing)
    sponsors = {"sponsors": people("full_members", code, filed + timedelta(days=1))[:2]}
    step(org_member, instance_id, moment(filed + timedelta(days=1), 10, zone), sponsors)
    concluded = filed + timedelta(days=30)
    letters = upload(
        org_member, instance_id, "review_letters", "政审函调材料.pdf", moment(concluded, 9, zone)
    )
    review = {
        "review_scope": ["self", "relatives", "relations"],
        "review_letters": letters,
        "review_conclusion": "政治合格。",
        "concluded_on": str(concluded),
    }
    step(org_member, instance_id, moment(concluded, 10, zone), review)


def activist_assessed_once(code: str, applicant: tuple, zone: Any, today: date) -> int:
    """An activist decided 7 months before ``today`` and assessed a month ago, so that the second
    assessment and the development target wait (browser tests); the person's id."""
    decided = add_months(today, -7)
    handed_in = add_months(decided, -3)
    person_id = _intake(
        code, (*applicant, str(handed_in)), zone, talk_on=handed_in + timedelta(days=14)
    )
    _cultivation(code, person_id, decided, zone, reviews=(add_months(today, -1),))
    return person_id
