"""The demo's member care at the showcase branch: a member out of contact whose search is under
way (reported three weeks ago, last heard of in the summer), and a member in hardship with a care
plan, a subsidy approved by the unit and a first visit, waiting for the committee's yearly
review — through the same commands as the rest of the demo history (``app.demo.timeline``)."""

from __future__ import annotations

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
from app.identity.models import User
from app.workflow.models import ProcessDefinition

LOST_CONTACT = "lost_contact_member_handling"
HARDSHIP = "hardship_member_care"


def member_care(code: str, zone: Any, today: date) -> int:
    """Write both cases at ``code``; how many were written (none where the models are not
    deployed, as when a benchmark deploys only the meetings)."""
    deployed = set(db.session.scalars(select(ProcessDefinition.process_key)))
    if not {LOST_CONTACT, HARDSHIP} <= deployed:
        return 0
    committee = set(people("committee", code, today))
    plain = [p for p in people("full_members", code, today) if p not in committee]
    _lost_contact_search(code, plain[-1], zone, today - timedelta(days=21))
    _hardship_care(code, plain[-3], zone, today - timedelta(days=30))
    return 2


def _lost_contact_search(code: str, member: int, zone: Any, day: date) -> None:
    org_member = holder("org_member", code, day)
    instance_id = start(org_member, LOST_CONTACT, code, moment(day, 9, zone))
    report = {
        "member": member,
        "last_contact_at": str(day - timedelta(days=95)),
        "signs": ["no_contact", "no_dues", "no_org_life"],
        "circumstances": "外出务工后手机停机，连续3个月未交党费、未参加组织生活",
    }
    step(org_member, instance_id, moment(day, 10, zone), report)


def _hardship_care(code: str, member: int, zone: Any, day: date) -> None:
    org_member = holder("org_member", code, day)
    secretary = holder("branch_secretary", code, day)
    instance_id = start(org_member, HARDSHIP, code, moment(day, 9, zone))
    report = {
        "beneficiary": member,
        "hardship_type": "illness",
        "reported_on": str(day),
        "reported_by": "screening",
        "description": "配偶重病住院，家庭收入减少，子女上学负担重",
    }
    step(org_member, instance_id, moment(day, 10, zone), report)
    verified = {"verified": True, "verify_note": "支委会走访核实，情况属实"}
    step(org_member, instance_id, moment(day + timedelta(days=2), 15, zone), verified)
    owner = db.session.get(User, secretary.user_id).person_id
    plan = {
        "measures": [
            {"measure": "书记每月走访一次", "owner": owner, "due": str(day + timedelta(days=90))},
            {
                "measure": "协调工会申请大病救助",
                "owner": owner,
                "due": str(day + timedelta(days=30)),
            },
        ],
        "subsidy_needed": True,
        "subsidy_requested": 2000,
        "subsidy_reason": "住院费用负担重",
    }
    step(secretary, instance_id, moment(day + timedelta(days=4), 10, zone), plan)
    unit = holder("unit_party_committee", "HH01", day)
    grant = {
        "subsidy_approved": True,
        "amount": 2000,
        "fund_source": "dues",
        "fund_opinion": "同意",
    }
    step(unit, instance_id, moment(day + timedelta(days=8), 11, zone), grant)
    visited = day + timedelta(days=12)
    visit = {
        "visited_on": str(visited),
        "visit_kind": "hospital",
        "led_by": owner,
        "aid_given": 2000,
        "visit_record": "到医院看望，送去慰问金2000元，了解治疗和家庭情况",
    }
    step(secretary, instance_id, moment(visited, 15, zone), {"visits": [visit]})
