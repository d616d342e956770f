"""The demo's probationary members (steps 19-25 of member development), through the same commands as
the rest of the demo history (``app.demo.timeline``), so that a newcomer meets the probation with
work waiting:

* at the showcase branch and at HH01-02, each probationary member of the rolls followed by
  probationary_to_full_conversion from a week after the assembly admitted them, reviewed every
  quarter so far, the next quarter's review open for the organisation member;
* at the showcase branch, 于冰清, admitted 345 days ago: placed in a party group and sworn in
  (placement_and_admission_oath), reviewed every quarter, and marked due for conversion five days
  ago — her application for full membership waits in her own inbox and is refused until the day
  her year ends (《中国共产党发展党员工作细则》第三十二条); the worker reminds the secretary.

She is put on the rolls by the domain's own commands, each on its day (the application, then each
status with its date), as the enterprise's people were: her earlier development predates the demo.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.extensions import db
from app.identity.commands.applicants import register_applicant
from app.identity.commands.members import change_party_status
from app.identity.commands.roles import grant_role
from app.identity.commands.users import create_user
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.members.waiting_periods import add_months

OTHER_BRANCH = "HH01-02"
#: (name, gender, birth date, employee number, login) of the member whose year ends soon.
DUE_SOON = ("于冰清", "female", "1996-04-12", "HH-DEV-019", "yubingqing")
ADMITTED_DAYS_AGO = 345


def load_probation(code: str, today: date, zone: Any) -> int:
    """The probations above; how many are followed."""
    followed = 0
    for branch in (code, OTHER_BRANCH):
        for person_id in people("probationary", branch, today):
            admitted = db.session.get(Person, person_id).admission_date
            _follow(branch, person_id, admitted, today, zone, due=False)
            followed += 1
    admitted = _clear_of_the_appraisal(today - timedelta(days=ADMITTED_DAYS_AGO))
    person_id = _admitted_member(code, admitted, zone)
    _place_and_swear(code, person_id, admitted, zone)
    _follow(code, person_id, admitted, today, zone, due=True)
    return followed + 1


def _clear_of_the_appraisal(day: date) -> date:
    """``day``, or the 16th where it falls in 9-15 December: the demo's appraisal (app.demo.
    org_life) names on 8 December the members of the 15th, as the rolls stand on the 8th."""
    if day.month == 12 and 8 < day.day <= 15:
        return day.replace(day=16)
    return day


def _admitted_member(code: str, admitted: date, zone: Any) -> int:
    """Her record as the development procedures left it: applicant, activist, development target
    and probationary member, each status from its day; an account with her member's role."""
    name, gender, birth, employee_no, login = DUE_SOON
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    applied = admitted - timedelta(days=760)
    with at_time(moment(applied, 9, zone)):
        person_id = run(
            register_applicant,
            actor=SYSTEM,
            branch_id=branch.id,
            name=name,
            gender=gender,
            birth_date=date.fromisoformat(birth),
            employee_no=employee_no,
            application_date=applied,
        )
    steps = (
        ("activist", admitted - timedelta(days=620), "支委会确定为入党积极分子"),
        ("development_target", admitted - timedelta(days=160), "支委会确定为发展对象"),
        ("probationary", admitted, "支部大会通过、上级党委批准接收为预备党员"),
    )
    for status, day, reason in steps:
        with at_time(moment(day, 16, zone)):
            run(
                change_party_status,
                actor=SYSTEM,
                person_id=person_id,
                to_status=status,
                effective_on=day,
                reason=reason,
            )
    with at_time(moment(admitted, 17, zone)):
        password = current_app.config["DEMO_PASSWORD"]
        run(
            create_user,
            actor=SYSTEM,
            login=login,
            password=password,
            display_name=name,
            person_id=person_id,
        )
        run(
            grant_role,
            actor=SYSTEM,
            org_code=code,
            login=login,
            role_code="probationary_member",
            valid_from=admitted,
        )
    return person_id


def _place_and_swear(code: str, person_id: int, admitted: date, zone: Any) -> None:
    placed = admitted + timedelta(days=20)
    secretary = holder("branch_secretary", code, placed)
    instance_id = start(secretary, "placement_and_admission_oath", code, moment(placed, 9, zone))
    group = db.session.scalars(
        select(OrgUnit.id)
        .join(Person, Person.branch_id == OrgUnit.parent_id)
        .where(OrgUnit.kind == OrgKind.PARTY_GROUP, Person.id == person_id)
        .order_by(OrgUnit.id)
    ).first()
    placement = {
        "person": person_id,
        "party_group": group,
        "placed_on": str(placed),
        "dues_from": admitted.strftime("%Y-%m"),
    }
    step(secretary, instance_id, moment(placed, 10, zone), placement)
    sworn = _first_held("unit_party_committee", "HH01", placed + timedelta(days=10))
    present = people("members", code, sworn)
    ceremony = {
        "oath_at": moment(sworn, 9, zone).isoformat(),
        "oath_takers": [person_id],
        "presiding": holder_person("branch_secretary", code, sworn),
        "attendance": {"present": present},
    }
    step(
        holder("unit_party_committee", "HH01", sworn),
        instance_id,
        moment(sworn, 11, zone),
        ceremony,
    )


def _first_held(role: str, code: str, day: date) -> date:
    """``day``, or the first day after it someone holds ``role`` at ``code`` (the demo's terms
    begin on random days)."""
    since = db.session.scalar(
        select(func.min(RoleAssignment.valid_from))
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            RoleAssignment.role_code == role,
            OrgUnit.code == code,
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
        )
    )
    return max(day, since or day)


def holder_person(role: str, code: str, day: date) -> int:
    return db.session.get(User, holder(role, code, day).user_id).person_id


def _follow(
    code: str, person_id: int, admitted: date, today: date, zone: Any, *, due: bool
) -> None:
    """The conversion procedure from a week after the admission (or the oath), a review each
    quarter that has passed; ``due``: the year nearly over, the last review opens the
    application."""
    opened = admitted + timedelta(days=40 if due else 7)
    org_member = holder("org_member", code, opened)
    instance_id = start(
        org_member, "probationary_to_full_conversion", code, moment(opened, 9, zone)
    )
    plan = {
        "person": person_id,
        "education_plan": "每季度考察一次；参加党小组学习和主题党日，每季度递交思想汇报。",
    }
    step(org_member, instance_id, moment(opened, 10, zone), plan)
    quarter = 1
    while add_months(admitted, 3 * quarter) < today:
        day = add_months(admitted, 3 * quarter)
        review = {
            "reviewed_on": str(day),
            "review": "按时参加组织生活，思想汇报及时，工作中发挥作用较好。",
            "probation_over": False,
        }
        step(holder("org_member", code, day), instance_id, moment(day, 10, zone), review)
        quarter += 1
    if due:
        day = today - timedelta(days=5)
        last = {
            "reviewed_on": str(day),
            "review": "预备期即将期满，表现符合党员条件，转入转正程序。",
            "probation_over": True,
        }
        step(holder("org_member", code, day), instance_id, moment(day, 10, zone), last)
