"""The dues procedures' service tasks. They compute and check, so that the amounts a branch records
follow the regulation's ratios (``dues.py``) and the rolls on the day, whatever was typed: the
base sheet is computed from the declarations and checked again when the committee confirms it;
a monthly round's lines start from the newest disclosed sheet and the rolls, and are checked
when the dues clerk records them; the check names the members 6 months or more unpaid in a row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.identity.models import User
from app.members import dues
from app.members import dues_records
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

YEAR = Parameter("year", "integer", "核定年度", "year")
MONTH = Parameter("month", "string", "所属月份（YYYY-MM）", "month (YYYY-MM)")


def _lines(call: ActionCall, name: str) -> list[dict[str, Any]]:
    value = call.data.get(name) or []
    return [line for line in value if isinstance(line, dict)]


def _compute_sheet(call: ActionCall) -> list[dict[str, Any]]:
    return [
        dues.sheet_line(line["person"], line["category"], line["base"])
        for line in _lines(call, "bases")
    ]


def _check_sheet(call: ActionCall) -> None:
    people = set()
    for line in _lines(call, "sheet"):
        expected = dues.sheet_line(line["person"], line["category"], line["base"])
        amount = Decimal(str(line.get("amount_due")))
        wrong = amount != Decimal(str(expected["amount_due"]))
        wrong = wrong or line.get("rate") != expected["rate"]
        if line["person"] in people or wrong:
            raise ValidationFailed(
                _("The sheet does not follow the dues ratios."),
                {"sheet": _("Each member once, with the rate and amount the ratios give.")},
            )
        people.add(line["person"])


def _bills(call: ActionCall, month: str) -> list[dict[str, Any]]:
    return dues_records.bills_for(call.ctx.session, call.row.org_unit_id, month, call.ctx.today)


def _prepare_lines(call: ActionCall) -> list[dict[str, Any]]:
    month = call.params["month"]
    if dues_records.round_of_month(call.ctx.session, call.row.org_unit_id, month, call.row.id):
        problem = _("This month already has its dues round.")
        raise ValidationFailed(problem, {"month": problem})
    return _bills(call, month)


def _check_lines(call: ActionCall) -> list[dict[str, Any]]:
    month = call.params["month"]
    lines = _lines(call, "lines")
    owed = {bill["person"]: bill for bill in _bills(call, month)}
    seen = [line.get("person") for line in lines]
    if len(set(seen)) != len(seen) or set(owed) - set(seen) or set(seen) - set(owed):
        raise ValidationFailed(
            _("Every member who owes dues this month has exactly one line."),
            {"lines": _("Every member who owes dues this month has exactly one line.")},
        )
    for line in lines:
        _check_line(line, owed[line["person"]], call.ctx.today)
    return dues_records.lapsing(
        call.ctx.session, call.row.org_unit_id, month, lines, exclude=call.row.id
    )


def _total_collected(call: ActionCall) -> float:
    """The dues the clerk recorded as paid this month, to the fen: what is remitted upward."""
    paid = (
        Decimal(str(line.get("paid_amount") or 0))
        for line in _lines(call, "lines")
        if line.get("status") == "paid"
    )
    return float(sum(paid, Decimal("0")).quantize(Decimal("0.01")))


def _remind(call: ActionCall) -> None:
    """Each member recorded unpaid is told, with how many months in a row (the yaml's
    arrears_reminder); members without an account are told by the clerk in person."""
    month = call.params["month"]
    unpaid = [line for line in _lines(call, "lines") if line.get("status") != "paid"]
    if not unpaid:
        return
    earlier = dues_records.month_statuses(
        call.ctx.session, [call.row.org_unit_id], month, exclude=call.row.id
    ).get(call.row.org_unit_id, {})
    users = dict(
        call.ctx.session.execute(
            select(User.person_id, User.id).where(
                User.person_id.in_([line["person"] for line in unpaid])
            )
        ).all()
    )
    for line in unpaid:
        months = dues.months_unpaid_in_a_row([*earlier.get(line["person"], []), "unpaid"])
        if line["person"] in users:
            notify(
                call.ctx,
                [users[line["person"]]],
                kind="reminder",
                title=f"{month} 党费尚未交纳（已连续 {months} 个月）",
                title_en=f"Party dues for {month} not yet paid ({months} months in a row)",
                instance_id=call.row.id,
            )


def _check_line(line: dict[str, Any], bill: dict[str, Any], today: date) -> None:
    paid_on = line.get("paid_on")
    paid = Decimal(str(line.get("paid_amount") or 0))
    disclosed = bill["amount_due"] > 0
    if disclosed and Decimal(str(line.get("amount_due"))) != Decimal(str(bill["amount_due"])):
        problem = _("The amount due is the one on the disclosed base sheet.")
    elif line.get("status") == "paid" and (not paid_on or paid < Decimal(str(line["amount_due"]))):
        problem = _("A paid line needs the day it was paid and at least the amount due.")
    elif line.get("status") == "paid" and paid_on > today.isoformat():
        problem = _("The day paid cannot be in the future.")
    elif line.get("status") != "paid" and (paid_on or paid):
        problem = _("An unpaid line has no amount paid and no day paid.")
    else:
        return
    raise ValidationFailed(problem, {"lines": problem})


REMIND = Action(
    "remind_dues_arrears",
    "欠交提醒",
    "Remind members in arrears",
    "Notifies each member recorded unpaid in the round, with the months unpaid in a row.",
    ("通知 notifications",),
    (MONTH,),
    _remind,
)

ACTIONS = (
    Action(
        "compute_dues_sheet",
        "计算月交纳党费额",
        "Compute the monthly dues",
        "Computes each declared member's rate and monthly dues from the category and the after-tax "
        "monthly base by the regulation's ratios (app/members/dues.py); writes nothing.",
        ("党费交纳基数核定表（计算） dues base sheet, computed",),
        (YEAR,),
        _compute_sheet,
    ),
    Action(
        "check_dues_sheet",
        "核对党费基数核定表",
        "Check the dues base sheet",
        "Refuses the committee's confirmation when a line's amount does not follow the ratios or "
        "a member appears twice; writes nothing.",
        ("无（只核对） nothing: it checks the confirmed sheet",),
        (YEAR,),
        _check_sheet,
    ),
    Action(
        "prepare_dues_lines",
        "生成月度应交额",
        "Prepare the month's dues lines",
        "A line per full or probationary member on the branch's rolls in the month, with the "
        "base, rate and amount of the newest disclosed base sheet; refuses a month that already "
        "has its round; writes nothing.",
        ("月度党费收缴明细（预填） monthly dues lines, prefilled",),
        (MONTH,),
        _prepare_lines,
    ),
    Action(
        "check_dues_payments",
        "核对党费收缴登记",
        "Check the recorded payments",
        "Refuses a round whose lines miss a member on the rolls or change the disclosed amount; "
        "returns the members 6 months or more unpaid in a row (自行脱党 consideration, 《中国共产党"
        "党员教育管理工作条例》第三十一条).",
        ("连续欠交名单 members lapsing",),
        (MONTH,),
        _check_lines,
    ),
    Action(
        "total_dues_collected",
        "合计本月实收党费",
        "Total the month's dues",
        "Adds up the amounts recorded as paid in this round's lines, to the fen, so the "
        "remittance starts from what was collected; writes nothing.",
        ("本月实收合计 month's total collected",),
        (),
        _total_collected,
    ),
    REMIND,
)
