"""The demo's ledger self-checks and annual archive (台账资料管理与年度归档) at the showcase branch,
through the same commands as the rest of the demo history. The procedure came into use this
November, like the themed party day:

* last year's ledgers were taken in first: the ledger set enabled, the four quarters
  self-checked in turn (one ledger found incomplete in the third), the year sealed — its bundle
  listed on the ledger pages, downloadable and verifiable — and the unit auditor's sample check
  passed;
* then this year's: the ledger set enabled, the first two quarters checked (the talk register
  noted incomplete in the second), and the third quarter's self-check waiting in the
  organisation member's inbox (not yet due).
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

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
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.ledgers.selfcheck import INCOMPLETE
from app.ledgers.selfcheck import ledger_set
from app.ledgers.selfcheck import quarter_counts
from app.workflow import commands

PROCESS = "records_ledger_archiving"


def load_archives(code: str, unit_code: str, zone: Any, today: date) -> int:
    """The two years above at branch ``code``; returns how many quarters were checked."""
    begun = on_duty("org_member", code, today - timedelta(days=21))
    last = _enabled(code, today.year - 1, begun, zone)
    for quarter in (1, 2, 3, 4):
        day = begun + timedelta(days=quarter)
        _check(code, last, today.year - 1, quarter, day, zone, talks_incomplete=quarter == 3)
    sealed_on = begun + timedelta(days=5)
    paper = {"paper_filed": True, "paper_location": "党员活动室档案柜第二层"}
    step(holder("org_member", code, sealed_on), last, moment(sealed_on, 10, zone), paper)
    audited_on = on_duty("auditor", unit_code, begun + timedelta(days=9))
    audit = {"integrity_ok": True, "findings": "抽查会议记录和党费台账，与归档包一致"}
    step(holder("auditor", unit_code, audited_on), last, moment(audited_on, 15, zone), audit)

    begun = on_duty("org_member", code, today - timedelta(days=7))
    this_year = _enabled(code, today.year, begun, zone)
    for quarter in (1, 2):
        day = begun + timedelta(days=2 * quarter - 1)
        _check(code, this_year, today.year, quarter, day, zone, talks_incomplete=quarter == 2)
    _fire(this_year, moment(begun + timedelta(days=3), 11, zone))  # the third quarter's waits
    return 6


def on_duty(role: str, code: str, day: date) -> date:
    """``day``, or the first day after it someone held ``role`` at ``code`` (the demo's role
    grants start at random days of the past years)."""
    since = db.session.scalar(
        select(func.min(RoleAssignment.valid_from))
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            RoleAssignment.role_code == role,
            OrgUnit.code == code,
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
        )
    )
    return max(day, since) if since else day


def _enabled(code: str, year: int, day: date, zone: Any) -> int:
    org_member = holder("org_member", code, day)
    instance_id = start(org_member, PROCESS, code, moment(day, 9, zone))
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    keeper = people("committee", code, day)[0]
    answer = {"year": year, "ledger_set": ledger_set(org), "keeper": keeper}
    step(org_member, instance_id, moment(day, 10, zone), answer)
    return instance_id


def _fire(instance_id: int, when: Any) -> None:
    with at_time(when):
        db.end_read_transaction()
        run(commands.fire_due_timers, actor=SYSTEM, instance_id=instance_id)


def _check(
    code: str,
    instance_id: int,
    year: int,
    quarter: int,
    day: date,
    zone: Any,
    talks_incomplete: bool,
) -> None:
    """Fire the quarter's timer and complete its check as counted (the talk register noted
    incomplete when ``talks_incomplete``)."""
    _fire(instance_id, moment(day, 9, zone))
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    checks = quarter_counts(db.session, org, year, quarter)
    for entry in checks:
        if talks_incomplete and entry["ledger"] == "talk_register":
            entry |= {"complete": INCOMPLETE, "note": "两次谈话记录缺谈话对象签字"}
    step(holder("org_member", code, day), instance_id, moment(day, 10, zone), {"checks": checks})
