"""The organisational-life procedures' actions: the heart-to-heart talk plan a branch's records
give for the year (``talk_plan``) and its coverage from the talks recorded; the democratic
appraisal's poll count and grade check (``appraisal``). Each returns into the instance's data (the
service task's ``resultVariable``); the appraisal's refuse a wrong answer next to its field."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from app.identity.models import Person
from app.identity.models import User
from app.meetings import appraisal
from app.meetings.talk_plan import not_covered
from app.meetings.talk_plan import talk_plan
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Catalogue
from app.workflow.actions import Parameter
from app.workflow.models import StepLogEntry
from app.workflow.roster import RosterQuestion
from app.workflow.roster import roster_options

TALK_STEP = "conduct_talk"


def _plan_talks(call: ActionCall) -> dict[str, object]:
    """The plan on the day it is made (or on 1 January of a past year's plan being entered)."""
    today = call.ctx.today
    year = call.params["year"]
    day = today if today.year == year else date(year, 1, 1)
    members = roster_options(call.ctx.session, RosterQuestion("members", call.org, day))
    return {
        "pairs": talk_plan(call.ctx.session, call.org, day),
        "members": [o.value for o in members],
        "planned_on": day.isoformat(),
    }


def _coverage(call: ActionCall) -> dict[str, object]:
    """The talks held and the members on the plan with none. The talks are the talk steps'
    completions in the step log, and the records the multi-instance collected in the data: the
    log lacks the talk completed in this very command, the data lacks the talks of a
    multi-instance the 1 December timer closed."""
    talks = [t for t in _talks_logged(call) if isinstance(t, dict)]
    seen = {_talk_key(t) for t in talks}
    for talk in (call.data.get("talks") or {}).values():
        if isinstance(talk, dict) and _talk_key(talk) not in seen:
            talks.append(talk)
            seen.add(_talk_key(talk))
    members = list(call.data.get("members") or [])
    names = {o.value: o.label for o in _members_on(call)}
    missing = not_covered(members, talks)
    return {
        "talks_held": len(talks),
        "uncovered": missing,
        "uncovered_options": [{"value": p, "label": names.get(p, str(p))} for p in missing],
        "coverage": round((len(members) - len(missing)) / len(members), 4) if members else 1.0,
    }


def _talks_logged(call: ActionCall) -> list:
    return [
        json.loads(text)
        for text in call.ctx.session.scalars(
            select(StepLogEntry.submitted_json)
            .where(
                StepLogEntry.instance_id == call.row.id,
                StepLogEntry.element_id == TALK_STEP,
                StepLogEntry.action == "task_completed",
                StepLogEntry.submitted_json.is_not(None),
            )
            .order_by(StepLogEntry.seq)
        )
    ]


def _talk_key(talk: dict) -> tuple:
    return (talk.get("talker"), talk.get("talk_partner"), talk.get("held_on"))


def _tell_partners(call: ActionCall) -> None:
    """Each planned partner with an account is told who will talk with them: the task is the
    talker's, the talk is both people's."""
    pairs = list(call.data.get("pairs") or [])
    ids = {p.get("talker") for p in pairs} | {p.get("talk_partner") for p in pairs}
    rows = call.ctx.session.execute(
        select(Person.id, Person.name, User.id)
        .join(User, User.person_id == Person.id)
        .where(Person.id.in_([i for i in ids if isinstance(i, int)]), User.active.is_(True))
    ).all()
    names = {person: name for person, name, _user in rows}
    users = {person: user for person, _name, user in rows}
    for pair in pairs:
        partner, talker = pair.get("talk_partner"), pair.get("talker")
        if partner in users and talker in names:
            notify(
                call.ctx,
                [users[partner]],
                kind="assigned",
                title=f"谈心谈话：{names[talker]} 将与您谈话",
                title_en=f"Heart-to-heart talk: {names[talker]} will talk with you",
                instance_id=call.row.id,
            )


def _members_on(call: ActionCall) -> list:
    day = date.fromisoformat(str(call.data.get("planned_on") or call.ctx.today.isoformat()))
    return roster_options(call.ctx.session, RosterQuestion("members", call.org, day))


def _count_poll(call: ActionCall) -> list[dict]:
    return appraisal.count_poll(
        list(call.data.get("scope") or []),
        int(call.data.get("ballots_cast") or 0),
        list(call.data.get("tallies") or []),
    )


def _check_grades(call: ActionCall) -> dict[str, object]:
    return appraisal.check_grades(
        list(call.data.get("scope") or []), list(call.data.get("grades") or [])
    )


ACTIONS = (
    Action(
        "plan_heart_to_heart_talks",
        "生成年度谈心谈话计划",
        "Plan the year's heart-to-heart talks",
        "From the branch's rolls and committee on the day: the secretary with each committee "
        "member, the committee members with each other, each member with a committee member in "
        "turn and each member with the next on the rolls. Returns {pairs, members, planned_on}; "
        "writes nothing outside the instance.",
        ("谈话计划（实例数据） talk plan (the instance's data)",),
        (Parameter("year", "integer", "年度", "year"),),
        _plan_talks,
    ),
    Action(
        "tell_talk_partners",
        "通知谈话对象",
        "Tell the talk partners",
        "Tells each planned partner with an account who will talk with them (a notification); "
        "the talk's task itself goes to the talker.",
        ("通知 notifications",),
        (),
        _tell_partners,
    ),
    Action(
        "check_talk_coverage",
        "检查谈心谈话覆盖情况",
        "Check the heart-to-heart talks' coverage",
        "Reads the talks this instance's talk steps recorded and returns {talks_held, uncovered, "
        "uncovered_options, coverage}: the members on the plan with no talk held with them. "
        "Writes nothing outside the instance.",
        ("覆盖情况（实例数据） coverage (the instance's data)",),
        (),
        _coverage,
    ),
    Action(
        "count_appraisal_poll",
        "统计民主测评票",
        "Count the appraisal poll",
        "From the tallies entered (votes per member for excellent, qualified, basically qualified, "
        "unqualified): each member's votes and the grade with most votes (a tie: the lower). "
        "Refuses a member counted twice or not at all and more votes than ballots.",
        ("测评结果（实例数据） poll result (the instance's data)",),
        (),
        _count_poll,
    ),
    Action(
        "check_appraisal_grades",
        "校验评定等次",
        "Check the appraisal grades",
        "Each appraised member graded once; excellent at most a third of them (12371-MZPY). "
        "Returns {excellent_count, excellent_cap, unqualified}; refuses otherwise.",
        ("评定校验（实例数据） grade check (the instance's data)",),
        (),
        _check_grades,
    ),
)


def register_actions(catalogue: Catalogue) -> None:
    for action in ACTIONS:
        catalogue.register(action)
