"""A person who hands in a written application to join the party enters the rolls as an
applicant (入党申请人, 《中国共产党发展党员工作细则》第二章), with the day of the application as
their first key date. Called by the intake procedure's domain action (``app.members.actions``)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.identity.kinds import Gender
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person

MINIMUM_AGE = 18  # 党章第一条; 细则第五条: 年满十八岁


def register_applicant(
    ctx: CommandContext,
    *,
    branch_id: int,
    name: str,
    gender: str,
    birth_date: date,
    employee_no: str,
    application_date: date,
    instance_id: int | None = None,
) -> int:
    """Put the applicant on the branch's rolls; their person id. Refused under 18 on the day of
    the application, for a day in the future, or an employee number already on the rolls.
    Records ``applicant_registered``."""
    refused = _("The applicant was not registered.")
    branch = ctx.session.get(OrgUnit, branch_id)
    if branch is None or branch.kind is not OrgKind.BRANCH:
        raise ValidationFailed(refused, {"_form": _("Applications are received by a branch.")})
    if application_date > ctx.today:
        raise ValidationFailed(refused, {"submitted_on": _("The date is in the future.")})
    if _age_on(birth_date, application_date) < MINIMUM_AGE:
        raise ValidationFailed(
            refused, {"birth_date": _("An applicant must be 18 or older on the day of applying.")}
        )
    taken = ctx.session.scalar(select(Person.id).where(Person.employee_no == employee_no))
    if taken is not None:
        raise ValidationFailed(
            refused, {"employee_no": _("This employee number is already on the rolls.")}
        )
    person = Person(
        name=name.strip()[:50],
        gender=Gender(gender),
        birth_date=birth_date,
        employee_no=employee_no.strip()[:20],
        party_status=PartyStatus.APPLICANT,
        application_date=application_date,
        branch_id=branch.id,
        created_at=ctx.now,
    )
    ctx.session.add(person)
    ctx.session.flush()
    ctx.record(
        "applicant_registered",
        ("person", person.id),
        org_unit_id=branch.id,
        application_date=application_date.isoformat(),
        instance_id=instance_id,
    )
    return person.id


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
