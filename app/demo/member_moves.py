"""The demo's member moves (组织关系转接 and 流动党员), through the same commands as the rest of the
demo history (``app.demo.timeline``): a transfer from a branch of HH01 to one of HH02 completed
three months ago (the member reported in time, the old branch's process closed when the letter's
validity ended), a transfer from HH01 to a branch of HH03 whose receiving secretary has yet to
confirm the 报到 (the member is still on the old rolls), and a mobile member of the showcase branch
away on a project, contacted last month and due to be contacted again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.members.transfers import transfer_key
from app.workflow import commands
from app.workflow.models import ProcessInstance

#: (sending branch, receiving branch of another unit)
COMPLETED_TRANSFER = ("HH01-07", "HH02-01")
OPEN_TRANSFER = ("HH01-08", "HH03-01")
MOBILE_BRANCH = "HH01-01"


@dataclass
class MoveCounts:
    transfers_completed: int = 0
    transfers_open: int = 0
    mobile_members: int = 0


def load_member_moves(zone: Any, today: date) -> MoveCounts:
    counts = MoveCounts()
    _transfer(*COMPLETED_TRANSFER, today - timedelta(days=100), zone, complete=True)
    counts.transfers_completed += 1
    _transfer(*OPEN_TRANSFER, today - timedelta(days=6), zone, complete=False)
    counts.transfers_open += 1
    _mobile_member(MOBILE_BRANCH, today - timedelta(days=62), zone)
    counts.mobile_members += 1
    return counts


def _transfer(sending: str, receiving: str, day: date, zone: Any, *, complete: bool) -> None:
    """Requested on ``day``; letter three days later, valid for 60 days; received by the unit
    three days after that; with ``complete`` the member reports a week later and the receiving
    branch finishes its part, and the sending branch's process closes when the letter expires."""
    org_member = holder("org_member", sending, day)
    person = people("members", sending, day)[-1]
    out_id = start(org_member, "membership_transfer_out", sending, moment(day, 9, zone))
    request = {
        "person": person,
        "reason": "job_change",
        "destination": f"{_name(receiving)}",
        "to_branch": receiving,
        "requested_on": day.isoformat(),
        "expected_date": (day + timedelta(days=14)).isoformat(),
    }
    step(org_member, out_id, moment(day, 10, zone), request)
    step(
        org_member,
        out_id,
        moment(day + timedelta(days=1), 10, zone),
        {"dues_paid_until": _month(day)},
    )
    issued = day + timedelta(days=3)
    valid_until = issued + timedelta(days=60)
    letter = {
        "letter_no": f"{sending[:4]}-{issued.year}-{issued.timetuple().tm_yday:03d}",
        "issued_on": issued.isoformat(),
        "valid_until": valid_until.isoformat(),
        "channel": "online",
    }
    step(holder("unit_org_reviewer", sending[:4], issued), out_id, moment(issued, 11, zone), letter)
    in_id = _incoming(out_id)
    received = issued + timedelta(days=3)
    reviewer = holder("unit_org_reviewer", receiving[:4], received)
    checked = {"letter_no": letter["letter_no"], "letter_checked": True, "dossier_checked": True}
    step(reviewer, in_id, moment(received, 10, zone), checked)
    if not complete:
        return
    reported = received + timedelta(days=7)
    secretary = holder("branch_secretary", receiving, reported)
    step(secretary, in_id, moment(reported, 9, zone), {"reported_at": reported.isoformat()})
    talk = {
        "held_on": (reported + timedelta(days=5)).isoformat(),
        "talker": _person_of(secretary),
        "talk_partner": person,
        "talk_summary": "了解调动后的工作生活情况，介绍支部情况，提出参加组织生活要求",
    }
    step(secretary, in_id, moment(reported + timedelta(days=5), 15, zone), talk)
    group = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == f"{receiving}-1")).one()
    assigned = {"party_group": group, "dues_base": 5800}
    step(secretary, in_id, moment(reported + timedelta(days=6), 10, zone), assigned)
    receipt = {"receipt_sent_at": (reported + timedelta(days=7)).isoformat()}
    step(reviewer, in_id, moment(reported + timedelta(days=7), 10, zone), receipt)
    with at_time(moment(valid_until + timedelta(days=1), 8, zone)):
        run(commands.fire_due_timers, actor=SYSTEM, instance_id=out_id)


def _mobile_member(code: str, day: date, zone: Any) -> None:
    """Registered on ``day`` for a five-month project away, briefed, contacted a month later."""
    org_member = holder("org_member", code, day)
    person = people("members", code, day)[-2]
    instance_id = start(org_member, "mobile_member_management", code, moment(day, 9, zone))
    departure = {
        "person": person,
        "destination": "塔里木油田 轮南作业区（项目派遣）",
        "receiving_org": "轮南作业区联合党支部",
        "departed_on": (day + timedelta(days=3)).isoformat(),
        "expected_months": 5,
        "fixed_location": False,
        "contact": "13899990017",
        "card_no": f"LD-{code}-{day.year}-001",
    }
    step(org_member, instance_id, moment(day, 10, zone), departure)
    briefing = {
        "briefing": "外出期间遵守纪律，按月交纳党费，参加流入地党组织的组织生活",
        "card_issued": True,
    }
    step(
        holder("branch_secretary", code, day),
        instance_id,
        moment(day + timedelta(days=1), 15, zone),
        briefing,
    )
    contacted = day + timedelta(days=33)
    contact = {
        "contacted_on": contacted.isoformat(),
        "contact_way": "online",
        "contact_log": "寄送本月学习资料；参加流入地支部主题党日；党费已交",
        "dues_paid_until": _month(contacted),
        "returned": False,
    }
    step(holder("org_member", code, contacted), instance_id, moment(contacted, 16, zone), contact)


def _incoming(out_id: int) -> int:
    db.end_read_transaction()
    return db.session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.business_key == transfer_key(out_id))
    ).one()


def _person_of(actor: Actor) -> int:
    return db.session.get(User, actor.user_id).person_id


def _name(code: str) -> str:
    return db.session.scalars(select(OrgUnit.name).where(OrgUnit.code == code)).one()


def _month(day: date) -> str:
    return day.strftime("%Y-%m")
