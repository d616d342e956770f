"""Periods the regulations make a member procedure wait before a step may be decided: a member
lost for six months may be suspended, a suspended one removed after two years
(《中国共产党党员教育管理工作条例》第二十四条). The service task placed right after the deciding
step refuses the answer given too early — the message names the rule and the first day allowed —
so the step stays open and nothing is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationFailed
from app.workflow.actions import ActionCall


@dataclass(frozen=True)
class WaitingRule:
    months: int
    text: object  # a lazy translation: the rule as a member of staff would quote it


RULES = {
    "lost_contact_six_months": WaitingRule(
        6,
        _l(
            "Article 24 of the Regulations on the Education and Management of Party Members: "
            "membership is suspended only after six months of lost contact and a search without "
            "result"
        ),
    ),
    "suspension_two_years": WaitingRule(
        24,
        _l(
            "Article 24 of the Regulations on the Education and Management of Party Members: a "
            "suspended member still out of contact is removed only after two years of suspension"
        ),
    ),
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError("invalid date")


def first_day_allowed(rule: str, since: date) -> date:
    return add_months(since, RULES[rule].months)


def check_waiting_period(call: ActionCall) -> None:
    """Refuse the answer just given (on ``field``) when ``applies`` and the rule's period counted
    from ``since`` has not passed on the enterprise's today."""
    if not call.params["applies"]:
        return
    rule = call.params["rule"]
    if rule not in RULES:
        raise ValueError(f"unknown waiting rule {rule!r}")
    allowed = first_day_allowed(rule, date.fromisoformat(call.params["since"]))
    if call.ctx.today < allowed:
        message = _(
            "%(rule)s. Not before %(day)s.", rule=str(RULES[rule].text), day=allowed.isoformat()
        )
        raise ValidationFailed(
            _("The period the rules require has not passed."), {call.params["field"]: message}
        )
