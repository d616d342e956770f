"""The probation of a new member (预备期, 《中国共产党发展党员工作细则》第六章): when it ends,
read from the person's record, and the bounds of an extension the assembly decides. The status
itself changes only through ``change_party_status`` (full member, extension recorded,
qualification cancelled)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.members.waiting_periods import add_months
from app.workflow.actions import Action
from app.workflow.actions import ActionCall

#: 第三十三条: an extension lasts at least half a year and at most a year, and is decided once.
EXTENSION_MONTHS = (6, 12)
PROBATION_MONTHS = 12


def probation_end(admission: date) -> date:
    """The day the one-year probation ends (and the member is full from): a year after the
    assembly admitted them, the same day of the month."""
    return add_months(admission, PROBATION_MONTHS)


def read_probation_end(call: ActionCall) -> str:
    """The end of the chosen person's probation by their record; refuses a person who is not a
    probationary member of this branch or has no admission date."""
    refused = _("The probation cannot be followed for this person.")
    person = call.ctx.session.get(Person, call.data.get("person"))
    if (
        person is None
        or person.branch_id != call.org.id
        or person.party_status is not PartyStatus.PROBATIONARY
        or person.admission_date is None
    ):
        raise ValidationFailed(
            refused, {"person": _("Choose a probationary member of this branch.")}
        )
    return probation_end(person.admission_date).isoformat()


def check_extension(call: ActionCall) -> None:
    """Refuse an assembly's extension that is not between six months and a year after the
    probation's end, or a second extension (nothing recorded: the assembly's step stays open)."""
    data = call.data
    if data.get("outcome") != "extend":
        return
    refused = _("The extension of the probation was not accepted.")
    if data.get("extended"):
        raise ValidationFailed(
            refused, {"outcome": _("The probation has already been extended once.")}
        )
    ended = date.fromisoformat(str(data["probation_end"]))
    shortest, longest = (add_months(ended, months) for months in EXTENSION_MONTHS)
    until = data.get("extension_until")
    try:
        day = date.fromisoformat(str(until))
    except ValueError:
        day = None
    if day is None or not shortest <= day <= longest:
        message = _(
            "An extension lasts at least six months and at most a year (Article 33): "
            "until a day from %(shortest)s to %(longest)s.",
            shortest=shortest.isoformat(),
            longest=longest.isoformat(),
        )
        raise ValidationFailed(refused, {"extension_until": message})


PROBATION_ACTIONS = (
    Action(
        "read_probation_end",
        "查询预备期满日期",
        "Read when the probation ends",
        "The day the probation of the chosen probationary member ends: a year after the admission "
        "date on their record (《中国共产党发展党员工作细则》第三十二条); refused for a person who "
        "is not a probationary member of this branch.",
        ("无（只读取） nothing (a reading)",),
        (),
        read_probation_end,
    ),
    Action(
        "check_probation_extension",
        "核对延长预备期",
        "Check the extension of a probation",
        "Refuses an assembly's decision to extend the probation (outcome `extend`) unless it ends "
        "six months to a year after the probation's end and the probation was not extended before "
        "(第三十三条); nothing is recorded.",
        ("无（只核对） nothing (a check)",),
        (),
        check_extension,
    ),
)
