"""The demo's democratic appraisal and heart-to-heart talks at the showcase branch, through the
same commands as the rest of the demo history (``app.demo.timeline``): last year's appraisal
completed in December, with every grade decided and reviewed, and this year's talks opened in
January, about a third of them held by now (the rest wait for their talkers until 1 December)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.commands import Actor
from app.demo.timeline import at_time
from app.demo.timeline import complete
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.extensions import db
from app.identity.models import User
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import StepLogEntry

SUMMARIES = ("交流了岗位工作和思想状况", "谈了学习体会和家庭情况", "听取了对支部工作的意见建议")


@dataclass
class OrgLifeCounts:
    appraisals: int = 0
    talks_held: int = 0
    talks_open: int = 0


def load_org_life(code: str, today: date, zone: Any) -> OrgLifeCounts:
    counts = OrgLifeCounts()
    _appraisal(code, date(today.year - 1, 12, 8), zone)
    counts.appraisals = 1
    counts.talks_held, counts.talks_open = _talks(code, date(today.year, 1, 20), today, zone)
    return counts


def _appraisal(code: str, planned: date, zone: Any) -> None:
    """Planned on the 8th, appraised a week later, decided and reviewed before the year ends."""
    appraised_on = planned + timedelta(days=7)
    committee = holder("branch_committee", code, planned)
    secretary = holder("branch_secretary", code, planned)
    scope = people("members", code, appraised_on)
    instance_id = start(
        committee, "democratic_appraisal_of_members", code, moment(planned, 9, zone)
    )
    plan = {
        "year": planned.year,
        "appraised_on": appraised_on.isoformat(),
        "scope": scope,
        "combined_with_olm": True,
        "plan_text": "结合组织生活会开展：个人自评、党员互评、民主测评，支委会提出评定意见。",
    }
    step(committee, instance_id, moment(planned, 10, zone), plan)
    for task_id, assignee in _ready(instance_id, "self_evaluation"):
        with at_time(moment(planned + timedelta(days=3), 20, zone)):
            complete(
                assignee,
                task_id,
                {
                    "self_summary": "对照合格党员标准，认真履职。",
                    "self_grade": "qualified",
                },
            )
    held_at = moment(appraised_on, 9, zone)
    peer = {
        "peer_held_at": held_at.isoformat(),
        "peer_attendance": {"present": scope},
        "peer_comments": [{"person": p, "comment": "工作积极，能发挥先锋模范作用"} for p in scope],
    }
    step(secretary, instance_id, moment(appraised_on, 11, zone), peer)
    excellent = scope[: max(1, len(scope) // 5)]
    ballots = len(scope)
    tallies = [
        {
            "person": p,
            "excellent": ballots - 2 if p in excellent else 2,
            "qualified": 2 if p in excellent else ballots - 2,
            "basically_qualified": 0,
            "unqualified": 0,
        }
        for p in scope
    ]
    poll = {"ballots_cast": ballots, "tallies": tallies, "tellers": "组织委员计票，纪检委员监票"}
    step(secretary, instance_id, moment(appraised_on, 12, zone), poll)
    grades = [{"person": p, "grade": "excellent" if p in excellent else "qualified"} for p in scope]
    step(
        committee,
        instance_id,
        moment(appraised_on + timedelta(days=1), 10, zone),
        {"grades": grades},
    )
    voters = people("full_members", code, appraised_on)
    decided_at = moment(appraised_on + timedelta(days=3), 15, zone)
    vote = {
        "assembly_held_at": decided_at.isoformat(),
        "attendance": {"present": voters},
        "tally": {
            "eligible": len(voters),
            "present": len(voters),
            "for": len(voters),
            "against": 0,
            "abstain": 0,
            "invalid": 0,
        },
    }
    step(holder("branch_assembly", code, appraised_on), instance_id, decided_at, vote)
    feedback_on = appraised_on + timedelta(days=4)
    step(secretary, instance_id, moment(feedback_on, 10, zone), {"fed_back": True})
    reviewer = holder("unit_org_reviewer", code.split("-")[0], feedback_on)
    review = {"review_approved": True, "review_opinion": "同意评定结果。"}
    step(reviewer, instance_id, moment(feedback_on + timedelta(days=2), 10, zone), review)


def _talks(code: str, opened: date, today: date, zone: Any) -> tuple[int, int]:
    """Opened on 20 January; every third talk held, spread over the months until today."""
    secretary = holder("branch_secretary", code, opened)
    instance_id = start(secretary, "heart_to_heart_talks", code, moment(opened, 9, zone))
    step(secretary, instance_id, moment(opened, 10, zone), {"year": opened.year})
    ready = _ready(instance_id, "conduct_talk")
    pairs = _planned_pairs(instance_id)
    days = max(1, (today - opened).days - 2)
    held = 0
    for index, (task_id, talker) in enumerate(ready):
        if index % 3:
            continue
        held_on = opened + timedelta(days=days * index // max(1, len(ready)) + 1)
        pair = pairs[index]
        with at_time(moment(held_on, 16, zone)):
            complete(
                talker,
                task_id,
                {
                    "talker": pair["talker"],
                    "talk_partner": pair["talk_partner"],
                    "held_on": held_on.isoformat(),
                    "talk_type": "annual",
                    "content": SUMMARIES[index % len(SUMMARIES)],
                },
            )
        held += 1
    return held, len(ready) - held


def _ready(instance_id: int, element_id: str) -> list[tuple[int, Actor]]:
    """The open tasks of a multi-instance step with their assignees, in the list's order."""
    db.end_read_transaction()
    rows = db.session.execute(
        select(HumanTask.id, User.id, User.login)
        .join(User, User.id == HumanTask.assignee_user_id)
        .where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == element_id,
            HumanTask.state == HumanTaskState.READY,
        )
        .order_by(HumanTask.id)
    ).all()
    return [
        (task_id, Actor(user_id=uid, login=login, source="demo")) for task_id, uid, login in rows
    ]


def _planned_pairs(instance_id: int) -> list[dict[str, Any]]:
    """The plan the instance's data holds (set by the planning step, as its step log records);
    the talk tasks were made in its order."""
    for change in db.session.scalars(
        select(StepLogEntry.data_change_json).where(
            StepLogEntry.instance_id == instance_id, StepLogEntry.data_change_json.is_not(None)
        )
    ):
        pairs = json.loads(change).get("set", {}).get("pairs")
        if pairs:
            return pairs
    return []
