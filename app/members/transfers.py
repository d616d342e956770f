"""组织关系转接 between two branches, possibly of different units: the sending branch's
``membership_transfer_out`` and the receiving branch's ``membership_transfer_in``.

The two instances live at different organisations. The engine's messages start a receiving process
in the *sender's* organisation and deliver a reply only to an instance that already holds the
reply's correlation values, so neither fits a hand-over to another unit's branch. Instead the out
process's action ``open_transfer_in`` starts the in process at the receiving branch (business key
``transfer-<out instance id>``), and the out process asks ``read_transfer_receipt`` at the end of
the letter's last day whether the receiving branch confirmed the member's 报到 (its answer,
``receipt``, decides the gateway after the timer). The person moves branch only at that
confirmation, through ``transfer_member`` in the in process.

``overdue_transfers`` (C09's deduction) and the readings of the records are in
``transfer_records``, re-exported here.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.commands import SYSTEM
from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.queries.members import branch_on
from app.members import dues_records
from app.members.transfer_records import IN_PROCESS
from app.members.transfer_records import OUT_PROCESS
from app.members.transfer_records import as_day
from app.members.transfer_records import overdue_transfers
from app.members.transfer_records import reported_on
from app.members.transfer_records import transfer_key
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.instances import start_instance
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers

#: Where a member who never registered and cannot be reached is searched for (the sending branch).
LOST_CONTACT_PROCESS = "lost_contact_member_handling"
#: 介绍信有效期一般不超过3个月 (TRANSFER-PRACTICE).
LONGEST_VALIDITY_MONTHS = 3


def check_request(
    ctx: CommandContext, branch: OrgUnit, data: dict[str, Any], instance_id: int
) -> OrgUnit:
    """The receiving branch of a request, refused (nothing written) for a person not on the
    sending branch's rolls that day or whose transfer is already under way, a code that names no
    branch, or the sending branch itself."""
    refused = _("The transfer was not requested.")
    person = ctx.session.get(Person, data.get("person"))
    day = as_day(data.get("requested_on")) or ctx.today
    if day > ctx.today:
        raise ValidationFailed(refused, {"requested_on": _("The date is in the future.")})
    if person is None or branch_on(ctx.session, person, day) != branch.id:
        raise ValidationFailed(refused, {"person": _("Choose a member on this branch's rolls.")})
    if _transfer_under_way(ctx.session, branch.id, person.id, instance_id):
        raise ValidationFailed(
            refused, {"person": _("A transfer of this member is already under way.")}
        )
    code = str(data.get("to_branch") or "").strip()
    target = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if target is None or target.kind is not OrgKind.BRANCH:
        raise ValidationFailed(refused, {"to_branch": _("Choose a party branch.")})
    if target.id == branch.id:
        raise ValidationFailed(
            refused, {"to_branch": _("The member is already on this branch's rolls.")}
        )
    return target


def _transfer_under_way(session: Session, branch_id: int, person_id: int, instance_id: int) -> bool:
    running = session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == OUT_PROCESS,
            ProcessInstance.org_unit_id == branch_id,
            ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.id != instance_id,
        )
    ).all()
    return any(earlier_answers(session, i).get("person") == person_id for i in running)


def check_report(data: dict[str, Any]) -> None:
    """A 报到 on or after the day the letter was issued (a later day than today is refused by
    ``transfer_member`` itself)."""
    reported, issued = as_day(data.get("reported_at")), as_day(data.get("issued_on"))
    if reported is None or (issued is not None and reported < issued):
        raise ValidationFailed(
            _("The registration was not confirmed."),
            {"reported_at": _("The member cannot register before the letter was issued.")},
        )


def check_dues(data: dict[str, Any]) -> None:
    """Dues paid up to the month of the request at least (党费交至转出当月)."""
    paid, requested = str(data.get("dues_paid_until") or ""), str(data.get("requested_on") or "")
    if paid[:7] < requested[:7]:
        raise ValidationFailed(
            _("The branch check was not recorded."),
            {"dues_paid_until": _("The dues must be paid up to the month of the transfer.")},
        )


def check_letter(data: dict[str, Any]) -> None:
    """A letter valid from its issue for at most three months."""
    refused = _("The letter was not issued.")
    issued, valid = as_day(data.get("issued_on")), as_day(data.get("valid_until"))
    if issued is None or valid is None or valid < issued:
        raise ValidationFailed(refused, {"valid_until": _("The letter must be valid after issue.")})
    if valid > _months_after(issued, LONGEST_VALIDITY_MONTHS):
        raise ValidationFailed(
            refused, {"valid_until": _("A letter is valid for three months at most.")}
        )


def open_transfer_in(call: ActionCall) -> None:
    """Start the receiving branch's ``membership_transfer_in`` with the letter, as the system: the
    sending unit's reviewer holds no role at another unit's branch."""
    data = dict(call.data)
    check_letter(data)
    target = check_request(call.ctx, call.org, data, call.row.id)
    person = call.ctx.session.get(Person, data["person"])
    system = CommandContext(call.ctx.session, SYSTEM, call.ctx.now, call.ctx.command)
    system.events, system.effects = call.ctx.events, call.ctx.effects
    start_instance(
        system,
        process_key=IN_PROCESS,
        org_code=target.code,
        business_key=transfer_key(call.row.id),
        data={
            "transfer_case": call.row.id,
            "person": person.id,
            "person_name": person.name,
            "from_branch": call.org.code,
            "from_branch_name": call.org.name,
            "to_branch": target.code,
            "to_branch_name": target.name,
            "letter_no": data.get("letter_no"),
            "issued_on": data.get("issued_on"),
            "valid_until": data.get("valid_until"),
            "dues_paid_until": data.get("dues_paid_until"),
            "reason": data.get("reason"),
        },
    )


def open_lost_contact_case(call: ActionCall) -> None:
    """The member never registered and cannot be reached: start the sending branch's
    ``lost_contact_member_handling`` for them, as the system (the secretary who decided holds no
    starting role there), with the start data its report prefills: the member, and the last
    contact the branch knows of, the day the (newest) letter was issued to them."""
    data = dict(call.data)
    system = CommandContext(call.ctx.session, SYSTEM, call.ctx.now, call.ctx.command)
    system.events, system.effects = call.ctx.events, call.ctx.effects
    start_instance(
        system,
        process_key=LOST_CONTACT_PROCESS,
        org_code=call.org.code,
        business_key=f"{transfer_key(call.row.id)}-lost-contact",
        data={"member": data.get("person"), "last_contact_at": data.get("issued_on")},
    )


def read_dues_paid_until(call: ActionCall) -> str | None:
    """The last month the member's dues line was recorded paid at this branch (the monthly
    rounds), for the branch check to start from; the check may still type another."""
    person = call.data.get("person")
    if not isinstance(person, int):
        return None
    return dues_records.paid_until(call.ctx.session, call.org.id, person)


def read_receipt(call: ActionCall) -> dict[str, Any]:
    """Whether the receiving branch confirmed the member's 报到, and on which day."""
    reported = reported_on(call.ctx.session, call.row.id)
    return {"received": reported is not None, "reported_at": reported}


def _months_after(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day where it has fewer days."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def place_in_party_group(call: ActionCall) -> None:
    """The transferred member joins the party group the secretary chose, one of this branch's
    (``transfer_member`` left them without one): the group's meetings count them from now."""
    refused = _("The member was not placed in the party group.")
    person = call.ctx.session.get(Person, call.data.get("person"), with_for_update=True)
    group = call.ctx.session.get(OrgUnit, call.data.get("party_group"))
    if group is None or group.kind is not OrgKind.PARTY_GROUP or group.parent_id != call.org.id:
        raise ValidationFailed(refused, {"party_group": _("Choose a party group of this branch.")})
    if person is None or person.branch_id != call.org.id:
        raise ValidationFailed(
            refused, {"party_group": _("The member is not on this branch's rolls.")}
        )
    person.party_group_id = group.id
    call.ctx.session.flush()
    call.ctx.record(
        "member_party_group_set",
        ("person", person.id),
        org_unit_id=call.org.id,
        party_group=group.code,
        instance_id=call.row.id,
    )


def _check_request_action(call: ActionCall) -> None:
    check_request(call.ctx, call.org, dict(call.data), call.row.id)


def _check_report_action(call: ActionCall) -> None:
    check_report(dict(call.data))


def _check_dues_action(call: ActionCall) -> None:
    check_dues(dict(call.data))


def _check_letter_action(call: ActionCall) -> None:
    check_letter(dict(call.data))


__all__ = ["TRANSFER_ACTIONS", "overdue_transfers", "transfer_key"]

TRANSFER_ACTIONS = (
    Action(
        "check_transfer_request",
        "核对转出申请",
        "Check a transfer request",
        "Refuses the request (nothing is written) for a person not on the sending branch's rolls "
        "that day or already being transferred, a receiving code that names no party branch, or "
        "the sending branch itself.",
        ("无（只核对） nothing (a check)",),
        (),
        _check_request_action,
    ),
    Action(
        "read_dues_paid_until",
        "查询党费交至月份",
        "Read how far the dues are paid",
        "The newest month whose dues round recorded the member's line paid at this branch "
        "(YYYY-MM, or nothing without a round), which the branch check starts from.",
        ("无（只读取） nothing (a reading)",),
        (),
        read_dues_paid_until,
    ),
    Action(
        "check_transfer_dues",
        "核对党费交至月份",
        "Check the dues paid up to",
        "Refuses a branch check whose dues are paid up to a month before the request's.",
        ("无（只核对） nothing (a check)",),
        (),
        _check_dues_action,
    ),
    Action(
        "open_transfer_in",
        "向接收支部转出",
        "Open the transfer at the receiving branch",
        "Checks the letter (valid after issue, for three months at most) and starts "
        "membership_transfer_in at the receiving branch with the letter's number and validity.",
        ("启动 membership_transfer_in", "介绍信 transfer letter"),
        (),
        open_transfer_in,
    ),
    Action(
        "check_transfer_letter",
        "核对介绍信有效期",
        "Check a reissued letter",
        "Refuses a letter valid before its issue or for more than three months.",
        ("无（只核对） nothing (a check)",),
        (),
        _check_letter_action,
    ),
    Action(
        "check_transfer_report",
        "核对报到日期",
        "Check the registration day",
        "Refuses a 报到 dated before the letter was issued.",
        ("无（只核对） nothing (a check)",),
        (),
        _check_report_action,
    ),
    Action(
        "place_in_party_group",
        "编入党小组",
        "Place the member in a party group",
        "The transferred member joins the chosen party group of the instance's branch; refused "
        "for a group of another branch or a person not on the branch's rolls.",
        ("人员所在党小组 person's party group",),
        (),
        place_in_party_group,
    ),
    Action(
        "open_lost_contact_case",
        "转失联党员查找",
        "Open a lost-contact case",
        "Starts lost_contact_member_handling at the sending branch for the member who did not "
        "register, with start data member and last_contact_at (the letter's issue day).",
        ("启动 lost_contact_member_handling",),
        (),
        open_lost_contact_case,
    ),
    Action(
        "read_transfer_receipt",
        "查询接收回执",
        "Read the receiving branch's receipt",
        "Whether the receiving branch confirmed the member's 报到, and the day: "
        "{received, reported_at}.",
        ("无（只读取） nothing (a reading)",),
        (),
        read_receipt,
    ),
)
