"""The demo's party dues (党费) at the showcase branch: the base sheet set and published in the
first month of the demo year, then a round every month, through the same commands as the rest of
the demo history (``app.demo.timeline``). Two members fall behind: one stops paying five months
before now (the next round names them to the committee: six months), one three months before now
(criterion C09 counts both). This month's round is open, waiting for the clerk."""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.extensions import db
from app.identity.models import OrgUnit
from app.members import dues_records
from app.workflow.form_options import instance_data

#: Monthly after-tax incomes of an oilfield station's staff (yuan), drawn per member.
INCOMES = (2800, 4200, 5600, 6800, 7900, 9200, 11500)
LONG_BEHIND_MONTHS = 5
SHORT_BEHIND_MONTHS = 3


def publish_base_sheet(code: str, month: date, rng: random.Random, zone: Any) -> None:
    """Collected on the 3rd, confirmed by the committee on the 6th, published on the 8th."""
    clerk = holder("dues_clerk", code, month)
    collected = month + timedelta(days=2)
    instance_id = start(clerk, "party_dues_base_and_disclosure", code, moment(collected, 9, zone))
    members = dues_records.paying_members(db.session, _branch_id(code), collected)
    bases = [_declared(person, index, rng) for index, person in enumerate(members)]
    step(
        clerk,
        instance_id,
        moment(collected, 10, zone),
        {"year": month.year, "bases": bases, "has_reductions": False},
    )
    sheet = instance_data(db.session, instance_id)["computed_sheet"]
    confirmed = {"sheet": sheet, "sheet_confirmed": True, "changes_required": "无"}
    committee = holder("org_member", code, month)
    step(committee, instance_id, moment(month + timedelta(days=5), 16, zone), confirmed)
    published = month + timedelta(days=7)
    disclosed = {
        "disclosed_on": published.isoformat(),
        "channel": "board",
        "last_year_summary": "上年度全体党员按月足额交纳党费，已按规定全额上缴。",
    }
    step(
        holder("branch_secretary", code, month), instance_id, moment(published, 9, zone), disclosed
    )


def _declared(person: int, index: int, rng: random.Random) -> dict[str, Any]:
    if index == 2:
        return {"person": person, "category": "retired", "base": 5200}
    if index == 5:
        return {"person": person, "category": "student", "base": 0}
    return {"person": person, "category": "in_service", "base": rng.choice(INCOMES)}


def dues_round(code: str, month: date, months_left: int, zone: Any) -> None:
    """Opened on the 10th, recorded on the 25th, remitted on the 28th. ``months_left``: rounds
    after this one before now (who is behind is counted back from now)."""
    clerk = holder("dues_clerk", code, month)
    label = month.strftime("%Y-%m")
    instance_id = start(
        clerk, "party_dues_collection", code, moment(month.replace(day=10), 9, zone)
    )
    step(clerk, instance_id, moment(month.replace(day=10), 10, zone), {"month": label})
    recorded = month.replace(day=25)
    bills = dues_records.bills_for(db.session, _branch_id(code), label, recorded)
    behind = _behind(code, months_left, recorded)
    lines = [_line(bill, recorded, bill["person"] in behind) for bill in bills]
    step(clerk, instance_id, moment(recorded, 16, zone), {"lines": lines})
    remitted = round(sum(line.get("paid_amount", 0.0) for line in lines), 2)
    remit = {"remitted": remitted, "remitted_on": month.replace(day=28).isoformat()}
    step(clerk, instance_id, moment(month.replace(day=28), 10, zone), remit)


def open_this_months_round(code: str, today: date, zone: Any) -> None:
    """This month's round opened this morning: the clerk's page waits with a line per member,
    the member five months behind among them (recorded unpaid, the committee is asked)."""
    clerk = holder("dues_clerk", code, today)
    instance_id = start(clerk, "party_dues_collection", code, moment(today, 8, zone))
    step(clerk, instance_id, moment(today, 8, zone), {"month": today.strftime("%Y-%m")})


def _behind(code: str, months_left: int, day: date) -> set[int]:
    """The two members falling behind: the last two owing dues on the day who sit on no committee
    (a secretary in arrears would be a poor showcase)."""
    committee = set(people("committee", code, day))
    paying = dues_records.paying_members(db.session, _branch_id(code), day)
    members = [person for person in paying if person not in committee]
    long_behind, short_behind = members[-1], members[-2]
    behind = set()
    if months_left < LONG_BEHIND_MONTHS:
        behind.add(long_behind)
    if months_left < SHORT_BEHIND_MONTHS:
        behind.add(short_behind)
    return behind


def _line(bill: dict[str, Any], recorded: date, unpaid: bool) -> dict[str, Any]:
    line = {k: v for k, v in bill.items() if v is not None}
    if not unpaid:
        paid_on = recorded - timedelta(days=(bill["person"] % 10))
        line |= {
            "paid_amount": bill["amount_due"],
            "paid_on": paid_on.isoformat(),
            "status": "paid",
        }
    return line


def _branch_id(code: str) -> int:
    return db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()
