"""The demo's member education and 两优一先 nominations at the showcase branch, through the same
commands as the rest of the demo history (``app.demo.timeline``): the year's study plan and its
mid-year reminder, two training sessions and an approved self-study claim (their hours join the
lectures' and themed days' in the study-hours ledger and criterion C08), and a commendation from
the unit's call to the honour recorded, before 1 July as is usual."""

from __future__ import annotations

import random
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from app.core.commands import Actor
from app.core.commands import run
from app.demo.themed_days import tiny_png
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.workflow.background import fire_due_timers

WORKER = Actor(user_id=None, login="worker", source="worker")  # as the worker fires timers
UNIT_CODE = "HH01"
COMPANY_CODE = "HH"
SESSIONS = (  # (month, day, course, mode, organiser, hours)
    (3, 12, "学习贯彻全国两会精神集中轮训", "rotation", "采油一厂党委", 16),
    (9, 17, "党章党规党纪专题培训", "party_school", "采油一厂党校", 8),
)


def load_education_demo(code: str, rng: random.Random, zone: Any, today: date) -> None:
    """The year so far at ``code``; steps dated after today are left to come."""
    year = today.year
    if date(year, 1, 6) < today:
        _study_year(code, year, zone, today)
    for month, day, course, mode, organiser, hours in SESSIONS:
        if date(year, month, day) < today:
            _session(code, date(year, month, day), course, mode, organiser, hours, rng, zone)
    if date(year, 6, 12) < today:
        _claim(code, date(year, 6, 10), zone)
    if date(year, 6, 30) < today:
        _commendation(code, year, zone)


def _study_year(code: str, year: int, zone: Any, today: date) -> None:
    day = date(year, 1, 6)
    propaganda = holder("propaganda_member", code, day)
    instance_id = start(propaganda, "member_education_training", code, moment(day, 9, zone))
    (plan,) = upload(
        propaganda, instance_id, "plan", f"{year}年党员学习培训计划.pdf", moment(day, 10, zone)
    )
    content = "全会精神、党章党规、石油精神；党课每季度1次、主题党日每月1次、集中轮训2次"
    planned = {"year": year, "plan": plan, "content": content, "planned_hours": 40}
    step(propaganda, instance_id, moment(day, 11, zone), planned)
    if date(year, 7, 3) >= today:
        return
    with at_time(datetime(year, 7, 1, 10, tzinfo=zone)):  # the mid-year count and reminders
        db.end_read_transaction()
        run(fire_due_timers, actor=WORKER, instance_id=instance_id)
    arrangements = {"arrangements": "组织学时不足16学时的党员参加7月在线专题学习，9月党校培训补齐"}
    step(propaganda, instance_id, moment(date(year, 7, 3), 10, zone), arrangements)


def _session(
    code: str,
    held_on: date,
    course: str,
    mode: str,
    organiser: str,
    hours: float,
    rng: random.Random,
    zone: Any,
) -> None:
    propaganda = holder("propaganda_member", code, held_on)
    planned_on = held_on - timedelta(days=7)
    instance_id = start(propaganda, "member_training_session", code, moment(planned_on, 9, zone))
    planned = {
        "course": course,
        "mode": mode,
        "organiser": organiser,
        "held_on": held_on.isoformat(),
    }
    step(propaganda, instance_id, moment(planned_on, 10, zone), planned)
    members = people("members", code, held_on)
    recorded = {
        "hours": hours,
        "attendees": {"present": members[: len(members) - rng.randint(1, 3)]},
    }
    step(propaganda, instance_id, moment(held_on, 19, zone), recorded)


def _claim(code: str, held_on: date, zone: Any) -> None:
    member = holder("member", code, held_on)
    instance_id = start(member, "study_hours_claim", code, moment(held_on, 20, zone))
    (evidence,) = upload(
        member, instance_id, "evidence", "学习证明.png", moment(held_on, 20, zone), tiny_png()
    )
    claimed = {
        "course": "中国石油网络学院“石油精神”专题课程",
        "mode": "online",
        "held_on": held_on.isoformat(),
        "hours": 4,
        "evidence": evidence,
    }
    step(member, instance_id, moment(held_on, 21, zone), claimed)
    reviewed = {"approved": True, "opinion": "学习证明齐全，同意计入"}
    step(
        holder("propaganda_member", code, held_on), instance_id, moment(held_on, 22, zone), reviewed
    )


def _commendation(code: str, year: int, zone: Any) -> None:
    called_on = date(year, 5, 20)
    reviewer = holder("unit_org_reviewer", UNIT_CODE, called_on)
    instance_id = start(reviewer, "intra_party_commendation", code, moment(called_on, 9, zone))
    call = {
        "year": year,
        "quota_members": 1,
        "quota_workers": 1,
        "collective_invited": True,
        "due": f"{year}-06-10",
    }
    step(reviewer, instance_id, moment(called_on, 10, zone), call)
    assembly_on = date(year, 5, 28)
    nominee = people("members", code, assembly_on)[0]
    nominated = {
        "nominees": [
            {
                "person": nominee,
                "honour": "outstanding_member",
                "deeds": "带领班组完成老井挖潜攻关，全年安全生产无事故",
            }
        ],
        "nominate_branch": False,
        "assembly_at": moment(assembly_on, 15, zone).isoformat(),
    }
    step(
        holder("org_member", code, called_on),
        instance_id,
        moment(date(year, 5, 22), 10, zone),
        nominated,
    )
    voters = len(people("full_members", code, assembly_on))
    vote = {
        "tally": {"present": voters, "for": voters, "against": 0, "abstain": 0},
        "discussion": "党员一致认为事迹突出、群众公认",
    }
    step(
        holder("branch_assembly", code, assembly_on),
        instance_id,
        moment(assembly_on, 17, zone),
        vote,
    )
    secretary = holder("branch_secretary", code, assembly_on)
    posted = {
        "notice_from": f"{year}-05-29",
        "notice_to": f"{year}-06-04",
        "objection_upheld": False,
    }
    step(secretary, instance_id, moment(date(year, 6, 5), 9, zone), posted)
    approved = {"approved": True, "opinion": "同意推荐，报公司党委"}
    unit_committee = holder("unit_party_committee", UNIT_CODE, called_on)
    step(unit_committee, instance_id, moment(date(year, 6, 8), 10, zone), approved)
    decided = {
        "decision_no": f"长油党发〔{year}〕21号",
        "decided_on": f"{year}-06-25",
        "awarded": [{"person": nominee, "honour": "outstanding_member"}],
        "branch_awarded": False,
    }
    company_committee = holder("company_party_committee", COMPANY_CODE, called_on)
    step(company_committee, instance_id, moment(date(year, 6, 25), 10, zone), decided)
    recorded_on = date(year, 6, 28)
    photos = upload(
        secretary, instance_id, "certificates", "证书.png", moment(recorded_on, 9, zone), tiny_png()
    )
    shown = {"certificates": photos, "displayed": True}
    step(secretary, instance_id, moment(recorded_on, 10, zone), shown)
